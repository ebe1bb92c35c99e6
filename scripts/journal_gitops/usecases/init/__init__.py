"""`gitops init`: a gitops.yaml for a Kustomize + Argo CD repository that has none, from what
its files say, so that every other command can start.

The environments are its overlays: kustomization folders side by side in one folder
(overlays/, envs/, apps/APP/overlays/ ...) that no other kustomization loads and that load a
common base. Each one's Application is a file of the repository whose source path is the
overlay, else one an ApplicationSet would make, else one made outside git. The images and
their tags come from the overlays' renders; the promotion order from the folder names or from
--order. Whatever could not be found is guessed, and gitops.yaml and the output say which.
Nothing but gitops.yaml is written.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ...adapters.files import FileEdit, write_files
from ...adapters.yamlload import load
from ...argocd.manifests import app_sources, norm_path, read_manifests, same_repo
from ...config import CONFIG_FILE
from ...config.initial import Entry, render
from ...config.load import PROFILES, parse_config
from ...errors import GitopsError, UsageError
from ...kube.objects import Resource
from ...validation.rules.synced_files import unsynced_files
from .applications import (
    argocd_objects,
    clusters_of,
    deploy_branch,
    place_applications,
    project_of,
    repo_url_of,
)
from .found import DEFAULT, EXTERNAL, FOUND, GIVEN, GUESSED, Env, Fact, folder_of, most, repo_files
from .images import find_images, image_entries, tag_scheme
from .overlays import find_overlays, promotion_order

__all__ = ["Fact", "FoundEnv", "InitRequest", "Initialised", "init"]


@dataclass(frozen=True)
class FoundEnv:
    """An environment as init found it."""

    name: str
    overlay: str
    base: str | None  # the folder its overlay loads with the others
    namespace: str | None
    application: str | None  # its Application's file (None: see application_set)
    application_set: str | None  # the ApplicationSet that makes it (None for both: external)
    project: str | None  # None: not known


@dataclass(frozen=True)
class Initialised:
    """What `gitops init` wrote."""

    file: str  # relative to the repository root
    replaced: bool  # an earlier gitops.yaml was replaced (--force)
    facts: tuple[Fact, ...]
    environments: tuple[FoundEnv, ...]
    data: dict[str, Any]  # gitops.yaml's content, as data


@dataclass(frozen=True)
class InitRequest:
    order: str | None = None  # --order: ENV,ENV,... (ENV+ENV: one stage in parallel)
    profile: str | None = None
    force: bool = False


def _layout(envs: Sequence[Env], objects: Sequence[Resource], repo_url: str, project: str
            ) -> tuple[dict[str, Any], dict[tuple[str | int, ...], str]]:
    """`layout:` where the defaults do not hold, and the notes on its entries."""
    layout: dict[str, Any] = {}
    notes: dict[tuple[str | int, ...], str] = {}
    parent = most(folder_of(env.overlay) for env in envs) or ""
    if parent not in ("", "overlays"):
        layout["overlays"] = parent
        notes[("overlays",)] = f"Found: the environments' overlays are {parent}/ENV."

    def root_app(folder: str | None) -> Resource | None:
        """The Application that syncs the folder (the root app of an app of apps)."""
        return next((a for a in objects if a.kind == "Application" and any(
            norm_path(s.get("path")) == folder and same_repo(s.get("repoURL"), repo_url)
            for s in app_sources(a))), None)

    apps = most(folder_of(env.file) for env in envs if env.file is not None)
    what = "Applications"
    if apps is None:  # the ApplicationSets' folder, where a root app syncs it
        apps = most(folder_of(env.application_set.source) for env in envs
                     if env.application_set is not None)
        apps, what = (apps, "ApplicationSets") if root_app(apps) else (None, what)
    if apps and apps != "apps":
        layout["apps"] = apps
        notes[("apps",)] = f"Found: the environments' {what} are there."
    apps = apps or "apps"
    root = root_app(apps)
    if root is None and any(env.file is not None and folder_of(env.file) == apps
                            for env in envs):
        layout["rootApp"] = EXTERNAL
        notes[("rootApp",)] = (f"Found: no Application in git syncs {apps}/, so the one that "
                               f"applies its Applications is made outside git.")
    projects = [r for r in objects if r.kind == "AppProject"]
    wanted = {env.value("project") or project for env in envs}
    projects = [p for p in projects if p.name in wanted] or projects
    argocd = folder_of(root.source) if root is not None else most(
        folder_of(p.source) for p in projects)
    if argocd and argocd not in ("argocd", apps):
        layout["argocd"] = argocd
        notes[("argocd",)] = (f"Found: the root app (it syncs {apps}/) is there."
                              if root is not None else "Found: the AppProject is there.")
    per_env: dict[str, dict[str, Any]] = {}
    for env in envs:
        own: dict[str, Any] = {}
        if env.overlay != f"{parent or 'overlays'}/{env.name}":
            own["overlay"] = env.overlay
        if env.file is not None and folder_of(env.file) != apps:
            own["application"] = env.file
        elif env.application_set is not None:
            own["application"] = {"applicationSet": env.application_set.name}
        elif env.file is None:
            own["application"] = EXTERNAL
        if env.namespace is None and env.value("destination", "namespace"):
            own["namespace"] = env.value("destination", "namespace")
        if (env.value("project") or project) != project:
            own["project"] = env.value("project")
        if own:
            per_env[env.name] = own
            notes[("environments", env.name)] = _env_note(env)
    if per_env:
        layout["environments"] = per_env
    return layout, notes


def _env_note(env: Env) -> str:
    if env.file is not None:
        return f"Found: its Application is {env.file}."
    if env.application_set is not None:
        return (f"Found: the ApplicationSet {env.application_set.name} "
                f"({env.application_set.source}) makes its Application.")
    return f"Guessed: no Application or ApplicationSet in git deploys {env.overlay}."


def _note(fact: Fact) -> str:
    return f"{fact.how.capitalize()}: {fact.source}."


HEADER = ("Configuration of the gitops tooling, written by gitops init from what this "
          "repository's files say; each key's comment says whether its value was found or "
          "guessed. Check the guessed ones, then run gitops validate.")


def init(root: Path, request: InitRequest) -> Initialised:
    """Inspect the repository at `root` and write its gitops.yaml."""
    if request.profile is not None and request.profile not in PROFILES:
        raise UsageError(f"--profile {request.profile} is not one of {', '.join(PROFILES)}")
    if not any((folder / ".git").exists() for folder in (root, *root.parents)):
        raise UsageError(f"{root} is not in a git repository: gitops works on one (git init "
                         f"first)")
    target = root / CONFIG_FILE
    exists = target.exists() or target.is_symlink()
    if target.is_dir():
        raise GitopsError(f"{CONFIG_FILE} in {root} is a folder: move it away first")
    if exists and not request.force:
        raise GitopsError(f"{CONFIG_FILE} already exists in {root}: gitops init --force "
                          f"replaces it")
    files = repo_files(root)
    envs = find_overlays(root, files)
    stages, order_fact = promotion_order([env.name for env in envs], request.order)
    by_name = {env.name: env for env in envs}
    envs = [by_name[name] for stage in stages for name in stage]
    objects = argocd_objects(root, files)
    place_applications(root, files, envs, objects)
    repo_url, url_fact = repo_url_of(root, envs)
    for env in envs:  # an Application of another repository is not this one's
        if env.spec and not any(same_repo(s.get("repoURL"), repo_url) for s in env.sources):
            env.file, env.application_set, env.spec = None, None, {}
    branch, branch_fact = deploy_branch(root, envs)
    project, project_fact = project_of(envs)
    images = find_images(root, files, envs)
    if not images:
        raise GitopsError("no container image in any overlay's render: gitops.yaml needs at "
                          "least one image")
    listed, image_notes, image_facts = image_entries(images, envs)
    tags = list(dict.fromkeys(t for i in images if i.from_app for t in i.tags.values() if t))
    scheme, short, scheme_how, scheme_from = tag_scheme(tags)
    layout, layout_notes = _layout(envs, objects, repo_url, project)
    clusters = clusters_of(envs)
    profile = request.profile or "strict"
    profile_fact = Fact("rules", profile, GIVEN if request.profile else DEFAULT,
                        "--profile" if request.profile else "every rule")
    scheme_fact = Fact("tagScheme", _scheme_text(scheme), scheme_how, scheme_from)
    entries = [
        Entry("repoURL", repo_url, _note(url_fact)),
        Entry("project", project, _note(project_fact)),
        Entry("environments", [s[0] if len(s) == 1 else s for s in stages], _note(order_fact)),
    ]
    if clusters is not None:
        entries.append(Entry("clusters", clusters, "Found: the Applications' destinations."))
    entries += [Entry("images", listed, "Found: the images the overlays render.",
                      image_notes),
                Entry("tagScheme", scheme, _note(scheme_fact))]
    if short is not None:
        entries.append(Entry("shortLength", short, f"Found: the tags are {short} characters."))
    entries += [Entry("deployBranch", branch, _note(branch_fact)),
                Entry("rules", {"profile": profile},
                      _note(profile_fact) if request.profile else
                      "Default: strict, every rule (baseline leaves out house style).")]
    text, data = _written(root, entries, layout, layout_notes)
    config = parse_config(root, data, text)
    unsynced = [file for file, _ in unsynced_files(config, read_manifests(root, config))]
    if unsynced and "rootApp" not in layout:  # applied by an Application outside git
        layout["rootApp"] = EXTERNAL
        layout_notes[("rootApp",)] = (f"Found: no Application in git applies "
                                      f"{', '.join(unsynced)}: the one that does is made "
                                      f"outside git.")
        text, data = _written(root, entries, layout, layout_notes)
    write_files(root, (FileEdit(CONFIG_FILE, None, text),))
    env_facts = [_env_fact(env) for env in envs]
    base = envs[0].base
    base_fact = Fact("base", base or "-", FOUND, "every overlay loads it" if base else
                     "the overlays load no folder in common")
    facts = (url_fact, project_fact, order_fact, base_fact, *env_facts, *image_facts,
             scheme_fact, branch_fact, profile_fact)
    found = tuple(FoundEnv(env.name, env.overlay, env.base,
                           env.namespace or env.value("destination", "namespace"), env.file,
                           env.application_set.name if env.application_set else None,
                           env.value("project")) for env in envs)
    return Initialised(CONFIG_FILE, exists, facts, found, data)


def _written(root: Path, entries: list[Entry], layout: dict[str, Any],
             notes: dict[tuple[str | int, ...], str]) -> tuple[str, Any]:
    """gitops.yaml's text and data, read as every command reads it (a mistake here is one
    line, never a file written)."""
    full = [*entries, Entry("layout", layout, "Found: only where the defaults (overlays/ENV, "
                            "apps/, argocd/) do not hold.", notes)] if layout else entries
    text = render(full, HEADER)
    data = load(text, CONFIG_FILE)
    parse_config(root, data, text)
    return text, data


def _env_fact(env: Env) -> Fact:
    namespace = env.namespace or env.value("destination", "namespace") or "-"
    value = f"{env.overlay}, namespace {namespace}, {env.placement}"
    if env.file is not None:
        return Fact(f"env {env.name}", value, FOUND, "an Application's source path")
    if env.application_set is not None:
        return Fact(f"env {env.name}", value, FOUND, env.application_set.source)
    return Fact(f"env {env.name}", value, GUESSED, f"no Application in git deploys {env.overlay}")


def _scheme_text(scheme: Any) -> str:
    if isinstance(scheme, dict):
        return f"{scheme['pattern']} ({scheme['order']} order)"
    return str(scheme)
