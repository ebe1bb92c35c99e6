"""Where each environment's Application is made, and what the Applications say of the
repository: its URL, the branch they follow, their project and clusters."""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from ...adapters.shas import SHA
from ...argocd.generators import generated
from ...argocd.manifests import app_sources, norm_path
from ...config.clusters import server_problem
from ...config.versions import SEMVER_PATTERN
from ...errors import GitopsError
from ...kube.destinations import IN_CLUSTER, identity
from ...kube.names import is_dns_label
from ...kube.objects import Resource, parse_documents
from .found import FOUND, GUESSED, Env, Fact, git_output, most, read_text


def argocd_objects(root: Path, files: Sequence[str]) -> list[Resource]:
    """The Argo CD objects anywhere in the repository (a file that does not parse: none)."""
    found: list[Resource] = []
    for rel in files:
        if not rel.endswith((".yaml", ".yml", ".json")):
            continue
        text = read_text(root, rel)
        if text is None or "argoproj.io" not in text:
            continue
        try:
            found += [r for r in parse_documents(text, rel) if r.group == "argoproj.io"]
        except GitopsError:
            continue
    return found


def place_applications(root: Path, files: Sequence[str], envs: Sequence[Env],
                       objects: Sequence[Resource]) -> None:
    """Each environment's Application: a file whose source path is its overlay, else one an
    ApplicationSet makes (none: made outside git)."""
    apps = sorted((r for r in objects if r.kind == "Application"), key=lambda r: r.source)
    sets = sorted((r for r in objects if r.kind == "ApplicationSet"), key=lambda r: r.source)
    for env in envs:
        app = next((a for a in apps if any(norm_path(s.get("path")) == env.overlay
                                           and "chart" not in s for s in app_sources(a))), None)
        if app is not None:
            env.file, env.spec = app.source, app.spec
            continue
        for appset in sets:
            made = next((g for g in generated(appset, files, lambda f: read_text(root, f))
                         if g.deploys(env.overlay)), None)
            if made is not None:
                env.application_set, env.spec = appset, made.spec
                break


def repo_url_of(root: Path, envs: Sequence[Env]) -> tuple[str, Fact]:
    urls = [str(s["repoURL"]) for env in envs for s in env.sources
            if isinstance(s.get("repoURL"), str) and "{{" not in s["repoURL"]]
    found = most(urls)
    if found is not None:
        return found, Fact("repoURL", found, FOUND, "the Applications' source repoURL")
    origin = git_output(root, "remote", "get-url", "origin")
    if origin is not None:
        return origin, Fact("repoURL", origin, FOUND, "git remote get-url origin")
    raise GitopsError("no repoURL: no Application in git deploys an overlay and git has no "
                      "remote origin (git remote add origin URL, then gitops init again)")


def _is_branch(root: Path, revision: str) -> bool:
    name = revision.removeprefix("refs/heads/")
    if name in ("", "HEAD") or name.startswith("refs/") or SHA.match(name):
        return False
    if re.fullmatch(SEMVER_PATTERN, name) or git_output(root, "tag", "--list", name):
        return False
    return bool(re.fullmatch(r"[A-Za-z0-9._/-]+", name))


def deploy_branch(root: Path, envs: Sequence[Env]) -> tuple[str, Fact]:
    revisions = list(dict.fromkeys(str(s.get("targetRevision") or "HEAD") for env in envs
                                   for s in env.sources))
    if len(revisions) == 1 and _is_branch(root, revisions[0]):
        branch = revisions[0].removeprefix("refs/heads/")
        return branch, Fact("deployBranch", branch, FOUND, "the Applications' targetRevision")
    current = git_output(root, "symbolic-ref", "--quiet", "--short", "HEAD")
    why = ("no Application in git names one" if not revisions else
           f"the Applications follow {' and '.join(revisions)}")
    if current is None:
        return "main", Fact("deployBranch", "main", GUESSED, f"no branch checked out ({why})")
    return current, Fact("deployBranch", current, GUESSED, f"the branch checked out ({why})")


def project_of(envs: Sequence[Env]) -> tuple[str, Fact]:
    found = most(p for env in envs if (p := env.value("project")) is not None)
    if found is None:
        return "default", Fact("project", "default", GUESSED,
                               "Argo CD's built-in project (no Application in git names one)")
    return found, Fact("project", found, FOUND, "the Applications' project")


def clusters_of(envs: Sequence[Env]) -> dict[str, dict[str, Any]] | None:
    """The clusters the Applications deploy to, when one is not Argo CD's own (None: all
    are, or are unknown)."""
    places: dict[tuple[str, str], list[str]] = {}
    named: dict[tuple[str, str], dict[str, str]] = {}
    for env in envs:
        destination = {k: v for k in ("server", "name")
                       if (v := env.value("destination", k)) is not None}
        key = identity(destination) if destination else ("local", "")
        server, name = destination.get("server"), destination.get("name")
        if key != ("local", "") and ((server and server_problem(server)) or (
                not server and not (name and is_dns_label(name)))):
            key = ("local", "")  # a destination gitops.yaml cannot name: Argo CD's own
        places.setdefault(key, []).append(env.name)
        named[key] = {"server": server} if server else {"argocdName": str(name)}
    if set(places) <= {("local", "")}:
        return None
    out: dict[str, dict[str, Any]] = {}
    for key, members in places.items():
        if key == ("local", ""):
            name, where = IN_CLUSTER, {"server": "https://kubernetes.default.svc"}
        else:
            where = named[key]
            host = (urlsplit(where["server"]).hostname or "") if "server" in where else \
                where["argocdName"]
            name = re.sub(r"[^a-z0-9-]+", "-", host.split(".")[0].lower()).strip("-") or "cluster"
        while name in out:
            name = f"{name}-{len(out) + 1}"
        out[name] = {**where, "environments": members}
    return out
