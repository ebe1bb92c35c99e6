"""Argo CD's view of this repository: the Applications and AppProjects in `apps/` and `argocd/`,
read the way Argo CD's directory source and `kubectl apply -f` read them.

Argo CD's directory source applies every `*.yaml`, `*.yml`, `*.json` and `*.jsonnet` file of the
folder, and of its subfolders only with `directory.recurse: true` (Argo CD docs, "Directory").
So every such file of `argocd/` and of each plain folder an Application syncs from this
repository is read; a file the rules cannot read (jsonnet) is a finding, never skipped.
"""

from __future__ import annotations

import fnmatch
import re
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

from ..adapters.files import resolved
from ..adapters.kustomize import KUSTOMIZATION_FILES
from ..config.model import EXTERNAL, Config
from ..errors import GitopsError
from ..kube.objects import Resource, parse_documents

MANIFEST_SUFFIXES = (".yaml", ".yml", ".json")  # what the rules read
DIRECTORY_SUFFIXES = (*MANIFEST_SUFFIXES, ".jsonnet")  # what Argo CD's directory source reads
TOOL_FILES = (*KUSTOMIZATION_FILES, "Chart.yaml")  # folders Argo CD builds with a tool
YAML_RULE, UNCHECKED_RULE = "yaml", "unchecked-file"  # the rules its errors are findings of
SYNC_OPTIONS_ANNOTATION = "argocd.argoproj.io/sync-options"


@dataclass(frozen=True)
class ManifestError:
    file: str  # relative to the repository root
    message: str
    rule: str = YAML_RULE


@dataclass(frozen=True)
class ArgocdManifests:
    """Every object of `apps/` and `argocd/`, and the files that could not be read."""

    resources: tuple[Resource, ...]
    errors: tuple[ManifestError, ...]
    texts: tuple[tuple[str, str], ...] = ()  # (file, text) of every file read
    folders: tuple[str, ...] = ()  # the folders read (or to read: a source not there)
    built: tuple[str, ...] = ()  # the folders of this repository Applications sync, built

    @cached_property
    def applications(self) -> list[Resource]:
        return [r for r in self.resources if r.kind == "Application" and r.group == "argoproj.io"]

    @cached_property
    def projects(self) -> dict[str, Resource]:
        return {r.name: r for r in self.resources if r.kind == "AppProject"}

    def first_error(self) -> str | None:
        """The first file that does not parse (a file the rules cannot check does not count)."""
        errors = [e for e in self.errors if e.rule == YAML_RULE]
        return f"{errors[0].file}: {errors[0].message}" if errors else None


def manifest_files(folder: Path, recurse: bool = False,
                   suffixes: tuple[str, ...] = MANIFEST_SUFFIXES) -> list[Path]:
    """The files of a folder Argo CD would apply, in subfolders too when `recurse`; symlinks
    are not followed out of the folder."""
    found = folder.rglob("*") if recurse else folder.iterdir()
    return sorted(p for p in found if p.suffix in suffixes and p.is_file()
                  and not p.is_symlink())


BRACES = re.compile(r"\{([^{}]*)\}")


def _patterns(glob: str) -> list[str]:
    """An include/exclude glob as fnmatch patterns: `{a,b}` alternatives expanded."""
    match = BRACES.search(glob)
    if match is None:
        return [glob] if glob else []
    return [expanded for choice in match.group(1).split(",")
            for expanded in _patterns(glob[:match.start()] + choice.strip() + glob[match.end():])]


def included(rel: str, directory: dict[str, Any]) -> bool:
    """Whether a directory source with these settings (include, exclude) reads the file at
    `rel` inside its folder (matched by its path there, or its name)."""
    name = rel.rsplit("/", 1)[-1]

    def hit(glob: Any) -> bool:
        return any(fnmatch.fnmatchcase(rel, p) or fnmatch.fnmatchcase(name, p)
                   for p in _patterns(str(glob or "")))

    include, exclude = directory.get("include"), directory.get("exclude")
    return (not include or hit(include)) and not (exclude and hit(exclude))


def _read_file(root: Path, path: Path, resources: list[Resource],
               errors: list[ManifestError], texts: list[tuple[str, str]]) -> None:
    name = path.relative_to(root).as_posix()
    if path.suffix == ".jsonnet":
        errors.append(ManifestError(name, "Argo CD applies jsonnet from this folder, which the "
                                          "rules cannot read", UNCHECKED_RULE))
        return
    try:
        text = path.read_text(encoding="utf-8")
        resources.extend(parse_documents(text, name))
        texts.append((name, text))
    except UnicodeDecodeError:
        errors.append(ManifestError(name, "not UTF-8 text"))
    except OSError as exc:
        errors.append(ManifestError(name, f"cannot be read: {exc.strerror}"))
    except GitopsError as exc:
        errors.append(ManifestError(name, str(exc).removeprefix(f"{name}: ")))


def synced_folders(root: Path, config: Config, apps: list[Resource]
                   ) -> tuple[list[tuple[str, bool, dict[str, Any]]], list[str]]:
    """(folder, recurse, directory settings) of every plain folder an Application syncs from
    this repository, and the folders it syncs that are built (with a kustomization or a Helm
    chart), not read."""
    found, built = [], []
    top = root.resolve()
    for app in apps:
        for source in app_sources(app):
            if not same_repo(source.get("repoURL"), config.repo_url) or "chart" in source:
                continue
            rel = norm_path(source.get("path"))
            folder = Path(resolved(str(top), rel))
            if not folder.is_relative_to(top) or not folder.is_dir():
                continue
            if any((folder / name).is_file() for name in TOOL_FILES):
                built.append(rel)
                continue
            directory = source.get("directory")
            directory = directory if isinstance(directory, dict) else {}
            found.append((rel, directory.get("recurse") is True, directory))
    return found, built


def read_manifests(root: Path, config: Config, folders: tuple[str, ...] | None = None
                   ) -> ArgocdManifests:
    """The objects in `apps/` and `argocd/` (or the folders given), not recursive, and then in
    every other folder the Applications found sync, as Argo CD's directory source reads it."""
    resources: list[Resource] = []
    errors: list[ManifestError] = []
    texts: list[tuple[str, str]] = []
    done: set[Path] = set()
    read = list(dict.fromkeys(folders or (*config.application_folders(), config.argocd_dir)))
    required = config.required_folders()
    for rel in read:
        folder = root / rel
        if not folder.is_dir():
            if rel in required:
                errors.append(ManifestError(rel, f"{rel}/ does not exist"))
            continue
        for path in manifest_files(folder, suffixes=DIRECTORY_SUFFIXES):
            done.add(path)
            _read_file(root, path, resources, errors, texts)
    built: list[str] = []
    if folders is None:
        apps = [r for r in resources if r.kind == "Application"]
        synced, built = synced_folders(root, config, apps)
        read += [norm_path(s.get("path")) for app in apps for s in app_sources(app)
                 if same_repo(s.get("repoURL"), config.repo_url) and "chart" not in s]
        read = [rel for rel in read if rel not in built]
        for rel, recurse, directory in synced:
            folder = root / rel
            for path in manifest_files(folder, recurse, DIRECTORY_SUFFIXES):
                if path not in done and included(path.relative_to(folder).as_posix(), directory):
                    done.add(path)
                    _read_file(root, path, resources, errors, texts)
    return ArgocdManifests(tuple(resources), tuple(errors), tuple(texts),
                           tuple(dict.fromkeys(read)), tuple(dict.fromkeys(built)))


def norm_path(path: Any) -> str:
    """A source path as Argo CD compares it: no ./, no slashes at the ends."""
    return str(path or "").strip().strip("/").removeprefix("./")


def same_repo(a: Any, b: Any) -> bool:
    """Repository URLs equal up to case, a trailing slash and .git."""
    def norm(url: Any) -> str:
        return str(url or "").strip().rstrip("/").removesuffix(".git").lower()
    return bool(a) and norm(a) == norm(b)


def app_sources(app: Resource) -> list[dict[str, Any]]:
    spec = app.spec
    sources = spec.get("sources") or ([spec["source"]] if isinstance(spec.get("source"), dict)
                                      else [])
    return [s for s in sources if isinstance(s, dict)] if isinstance(sources, list) else []


def automated(app: Resource) -> bool:
    """Whether an Application syncs by itself (an `automated` block not switched off)."""
    policy = app.spec.get("syncPolicy")
    auto = policy.get("automated") if isinstance(policy, dict) else None
    return isinstance(auto, dict) and auto.get("enabled", True) is not False


def protected(app: Resource) -> bool:
    """Whether the root app may neither prune nor delete this Application (as production)."""
    annotations = app.metadata.get("annotations")
    options = (annotations if isinstance(annotations, dict) else {}).get(SYNC_OPTIONS_ANNOTATION)
    return {"Prune=false", "Delete=false"} <= {o.strip() for o in str(options or "").split(",")}


def environment_applications(root: Path, config: Config) -> dict[str, Resource]:
    """Each environment's Application in `apps/` or in the file gitops.yaml's layout names (the
    first one that deploys its overlay; environments without one are left out), read once for
    all of them."""
    manifests = read_manifests(root, config, config.application_folders())
    error = manifests.first_error()
    if error is not None and not error.endswith("does not exist"):
        raise GitopsError(error)
    overlays = {config.overlay_rel(env): env for env in config.environments}
    found: dict[str, Resource] = {}
    for app in manifests.applications:
        for source in app_sources(app):
            env = overlays.get(norm_path(source.get("path")))
            wanted = config.layout(env).application if env is not None else None
            if env is not None and (wanted in (None, EXTERNAL) or app.source == wanted):
                found.setdefault(env, app)
    return found


def find_application(root: Path, config: Config, env: str) -> Resource | None:
    """The Application in `apps/` that deploys an environment's overlay."""
    return environment_applications(root, config).get(env)
