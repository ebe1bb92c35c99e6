"""Argo CD's view of this repository: the Applications and AppProjects in `apps/` and `argocd/`,
read the way Argo CD's directory source and `kubectl apply -f` read them."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .config import Config
from .errors import GitopsError
from .resources import Resource, parse_documents

MANIFEST_SUFFIXES = (".yaml", ".yml", ".json")  # what Argo CD reads from a directory source
SYNC_OPTIONS_ANNOTATION = "argocd.argoproj.io/sync-options"


@dataclass(frozen=True)
class ManifestError:
    file: str  # relative to the repository root
    message: str


@dataclass(frozen=True)
class ArgocdManifests:
    """Every object of `apps/` and `argocd/`, and the files that could not be read."""

    resources: tuple[Resource, ...]
    errors: tuple[ManifestError, ...]

    @property
    def applications(self) -> list[Resource]:
        return [r for r in self.resources if r.kind == "Application" and r.group == "argoproj.io"]

    @property
    def projects(self) -> dict[str, Resource]:
        return {r.name: r for r in self.resources if r.kind == "AppProject"}

    def first_error(self) -> str | None:
        return f"{self.errors[0].file}: {self.errors[0].message}" if self.errors else None


def manifest_files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.iterdir() if p.is_file() and p.suffix in MANIFEST_SUFFIXES)


def read_manifests(root: Path, config: Config, folders: tuple[str, ...] | None = None
                   ) -> ArgocdManifests:
    """The objects in `apps/` and `argocd/` (or the folders given), not recursive."""
    resources: list[Resource] = []
    errors: list[ManifestError] = []
    for rel in folders or (config.apps_dir, config.argocd_dir):
        folder = root / rel
        if not folder.is_dir():
            errors.append(ManifestError(rel, f"{rel}/ does not exist"))
            continue
        for path in manifest_files(folder):
            name = f"{rel}/{path.name}"
            try:
                resources.extend(parse_documents(path.read_text(encoding="utf-8"), name))
            except UnicodeDecodeError:
                errors.append(ManifestError(name, "not UTF-8 text"))
            except GitopsError as exc:
                errors.append(ManifestError(name, str(exc).removeprefix(f"{name}: ")))
    return ArgocdManifests(tuple(resources), tuple(errors))


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


def find_application(root: Path, config: Config, env: str) -> Resource | None:
    """The Application in `apps/` that deploys an environment's overlay."""
    manifests = read_manifests(root, config, (config.apps_dir,))
    error = manifests.first_error()
    if error is not None and not error.endswith("does not exist"):
        raise GitopsError(error)
    wanted = config.overlay_rel(env)
    for app in manifests.applications:
        if any(norm_path(s.get("path")) == wanted for s in app_sources(app)):
            return app
    return None
