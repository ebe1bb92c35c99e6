"""Argo CD applies every file of `apps/` and `argocd/`: each is synced by some Application, or is
one of the two bootstrap files applied by hand (the root app and its own AppProject).

A file nothing syncs is a change that merges and then never reaches the cluster: `gitops env new`
edits the environments' AppProject, and if no Application applied it, Argo CD would refuse the
new Application until someone ran `kubectl apply` by hand.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from ...argocd.manifests import (
    ArgocdManifests,
    app_sources,
    included,
    manifest_files,
    norm_path,
    same_repo,
)
from ...config.model import Config
from ...kube.objects import Resource
from .model import Rule, Severity

UNSYNCED = ("no Application applies {file}, and it is not a bootstrap file (the root app or its "
            "AppProject): a change to it never reaches the cluster")


def directory_sources(app: Resource, config: Config) -> Iterator[tuple[str, dict[str, Any]]]:
    """(folder, directory settings) of each of an Application's sources on this repository."""
    for source in app_sources(app):
        if same_repo(source.get("repoURL"), config.repo_url) and "path" in source:
            directory = source.get("directory")
            yield norm_path(source.get("path")), directory if isinstance(directory, dict) else {}


def applies(app: Resource, config: Config, file: str) -> bool:
    """Whether the Application syncs this repository file (a directory source of its folder)."""
    folder, _, name = file.rpartition("/")
    return any(path == folder and included(name, directory)
               for path, directory in directory_sources(app, config))


def bootstrap_files(config: Config, manifests: ArgocdManifests) -> set[str]:
    """The files of the root apps (Applications that sync apps/) and of their AppProjects."""
    roots = [app for app in manifests.applications
             if any(same_repo(s.get("repoURL"), config.repo_url)
                    and norm_path(s.get("path")) == config.apps_dir for s in app_sources(app))]
    names = {str(app.spec.get("project")) for app in roots}
    return ({app.source for app in roots}
            | {p.source for p in manifests.projects.values() if p.name in names})


def unsynced_files(config: Config, manifests: ArgocdManifests) -> Iterator[tuple[str, str]]:
    """(file, message) for every file of apps/ and argocd/ that nothing applies."""
    bootstrap = bootstrap_files(config, manifests)
    sources: dict[str, list[dict[str, Any]]] = {}  # folder -> the settings it is synced with
    for app in manifests.applications:
        for synced, directory in directory_sources(app, config):
            sources.setdefault(synced, []).append(directory)
    if config.root_app_external:
        return  # an Application made outside git applies them
    for folder in (config.apps_dir, config.argocd_dir):
        path = config.root / folder
        if not path.is_dir():
            continue
        for file in manifest_files(path):
            rel = f"{folder}/{file.name}"
            if rel in bootstrap or any(included(file.name, directory)
                                       for directory in sources.get(folder, ())):
                continue
            yield rel, UNSYNCED.format(file=rel)


# --- the rules ---------------------------------------------------------------------------------

SYNCED_FILES = Rule(
    "synced-files", Severity.HIGH,
    summary="every file in apps/ and argocd/ is applied by an Application or is the root app or "
            "its AppProject",
    why="A file no Application syncs changes in git but never in the cluster: a new environment's "
        "destination in the AppProject, for one, stays unknown to Argo CD, which then refuses the "
        "new Application until someone applies the file by hand.",
    fix="Add the file's folder (or the file, with directory.include) as a source of the root app "
        "in argocd/root-app.yaml; only the root app and its own AppProject are applied by hand.")
