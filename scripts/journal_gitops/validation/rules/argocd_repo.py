"""Repository-wide Argo CD rules, run once on apps/ and argocd/: every Application on this
repository points at a path that exists and follows the deploy branch, and no AppProject lifts
its limits with a wildcard."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from ...argocd.manifests import norm_path
from ...kube.objects import Resource
from .context import RepoContext, source_path
from .model import FieldPath, Hit, Rule, Severity

WILDCARD = ("*", "?", "[")
# The AppProject lists that allow something: a wildcard in one allows everything it matches.
PROJECT_LISTS = (("sourceRepos", ()), ("destinations", ("server", "name", "namespace")),
                 ("clusterResourceWhitelist", ("group", "kind")),
                 ("namespaceResourceWhitelist", ("group", "kind")))


def repo_check_application_path(ctx: RepoContext) -> Iterator[Hit]:
    root = ctx.config.root.resolve()
    parents = ctx.config.overlay_parents()
    for app, index, source in ctx.own_sources():
        path = norm_path(source.get("path"))
        if source.get("chart") is not None or path.rpartition("/")[0] in parents:
            continue  # an overlay's absence is a render or orphan-application finding
        # A NUL byte names no file (resolve() raises on it).
        target = (root / path).resolve() if "\0" not in path else None
        if target is None or not target.is_relative_to(root) or not target.is_dir():
            yield app, f"path {path or '(empty)'} is not a folder of this repository", \
                source_path(app, index, "path")


def repo_check_target_revision(ctx: RepoContext) -> Iterator[Hit]:
    branch = ctx.config.deploy_branch
    for app, index, source in ctx.own_sources():
        revision = source.get("targetRevision")
        if revision not in (branch, f"refs/heads/{branch}"):
            shown = "none (HEAD)" if revision in (None, "") else repr(revision)
            yield app, (f"targetRevision {shown} is not the deploy branch {branch} "
                        f"(gitops.yaml deployBranch)"), source_path(app, index, "targetRevision")


def _wildcards(project: Resource) -> Iterator[tuple[FieldPath, str]]:
    for key, fields in PROJECT_LISTS:
        entries: Any = project.spec.get(key)
        for index, entry in enumerate(entries if isinstance(entries, list) else []):
            if not fields:
                if any(c in str(entry) for c in WILDCARD):
                    yield ("spec", key, index), f"{key} allows {entry!r}"
                continue
            if not isinstance(entry, dict):
                continue
            for field in fields:
                value = entry.get(field)
                if value is not None and any(c in str(value) for c in WILDCARD):
                    yield ("spec", key, index, field), f"{key}[{index}].{field} is {value!r}"


def repo_check_project_wildcard(ctx: RepoContext) -> Iterator[Hit]:
    for project in ctx.projects:
        for path, message in _wildcards(project):
            yield project, f"{message}: a wildcard lifts the project's limit", path


# --- the rules ---------------------------------------------------------------------------------

APPLICATION_PATH = Rule(
    "application-path", Severity.CRITICAL,
    summary="every Application's path on this repository exists",
    why="Argo CD cannot generate manifests from a path that is not in the repository: the "
        "Application stays in ComparisonError and deploys nothing.",
    fix="Fix spec.source.path to a folder of this repository, relative to its root.",
    repo_check=repo_check_application_path)


TARGET_REVISION = Rule(
    "target-revision", Severity.HIGH,
    summary="every Application on this repository follows the deploy branch in gitops.yaml",
    why="An Application tracking another branch, tag or a typo deploys what nobody merged to the "
        "deploy branch, or nothing at all.",
    fix="Set spec.source.targetRevision to the deployBranch of gitops.yaml (default main).",
    repo_check=repo_check_target_revision)


PROJECT_WILDCARD = Rule(
    "project-wildcard", Severity.CRITICAL,
    summary="no AppProject allows * as source repo, destination or resource kind",
    why="A wildcard turns the project's limits off: any repository, any cluster or namespace, or "
        "any kind (ClusterRoles, webhooks) can be deployed through it.",
    fix="List the repositories, destinations and group/kind pairs the project's Applications "
        "need, one by one.",
    repo_check=repo_check_project_wildcard)
