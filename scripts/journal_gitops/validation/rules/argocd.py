"""Argo CD rules: exactly one Application deploys each overlay, its AppProject permits what it
deploys, and its sync options, waves and policy are ones Argo CD reads as meant."""

from __future__ import annotations

import fnmatch
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from ...argocd.manifests import app_sources, automated
from ...kube.destinations import cluster_of_destination
from ...kube.objects import CLUSTER_SCOPED, Resource
from .config_refs import SYNC_WAVE
from .context import AppContext, EnvContext, dicts, mapping
from .model import Hit, Rule, Severity

SYNC_OPTIONS_ANNOTATION = "argocd.argoproj.io/sync-options"
BOOL = frozenset({"true", "false"})
# Argo CD's sync options and the values each takes (Argo CD docs, "Sync Options").
SYNC_OPTION_VALUES: dict[str, frozenset[str]] = {
    "Validate": BOOL, "CreateNamespace": BOOL, "PruneLast": BOOL, "ApplyOutOfSyncOnly": BOOL,
    "PrunePropagationPolicy": frozenset({"foreground", "background", "orphan"}),
    "Replace": BOOL, "ServerSideApply": BOOL, "FailOnSharedResource": BOOL,
    "RespectIgnoreDifferences": BOOL, "SkipDryRunOnMissingResource": BOOL, "Force": BOOL,
    "ClientSideApplyMigration": BOOL,
    "Prune": frozenset({"true", "false", "confirm"}),
    "Delete": frozenset({"true", "false", "confirm"}),
}


def app_check_application(ctx: AppContext) -> Iterator[Hit]:
    overlay = ctx.config.overlay
    apps = ctx.applications
    if not apps:
        if not ctx.config.app_elsewhere:  # gitops.yaml's layout says where it is made
            yield None, f"no Application deploys {overlay} from {ctx.config.repo_url}"
        return
    if len(apps) > 1:
        names = ", ".join(sorted(app.name for app in apps))
        yield None, f"{len(apps)} Applications deploy {overlay}: {names}"
    namespaces = set(ctx.render.namespaces)
    for app in apps:
        dest = mapping(app.spec.get("destination")).get("namespace")
        if namespaces and {str(dest)} != namespaces:
            yield app, (f"destination namespace {dest} but {overlay} renders into "
                        f"{', '.join(sorted(namespaces))}")
        if app.spec.get("project") != ctx.config.project:
            yield app, (f"project {app.spec.get('project')} is not {ctx.config.project} "
                        f"(gitops.yaml)")


GLOB = "*?["  # what makes an entry a pattern


def _glob(pattern: Any, value: Any) -> bool:
    text = str(pattern)
    if not any(c in text for c in GLOB):  # most entries name one thing: no need to match
        return text == str(value)
    return fnmatch.fnmatchcase(str(value), text)


def _kind_listed(entries: Any, group: str, kind: str) -> bool:
    return any(_glob(e.get("group", ""), group) and _glob(e.get("kind", ""), kind)
               for e in dicts(entries))


@dataclass(frozen=True)
class _Destinations:
    """A project's destinations as Argo CD matches them: a namespace of a `!` entry whose
    cluster matches is denied whatever else allows it; otherwise one entry must match. Entries
    without patterns (most: one per environment) are looked up, not matched one by one."""

    exact: frozenset[tuple[str, str, str]]  # ("server" or "name", cluster, namespace)
    patterns: tuple[tuple[str, str, str, bool], ...]  # (server, name, namespace, negated)

    @classmethod
    def of(cls, project: Resource) -> _Destinations:
        exact, patterns = set(), []
        for dest in dicts(project.spec.get("destinations")):
            server, name = str(dest.get("server", "")), str(dest.get("name", ""))
            namespace = str(dest.get("namespace", ""))
            negated = namespace.startswith("!")
            if not negated and not any(c in server + name + namespace for c in GLOB):
                exact |= {("server", server, namespace), ("name", name, namespace)}
            else:
                patterns.append((server, name, namespace.removeprefix("!"), negated))
        return cls(frozenset(exact), tuple(patterns))

    def allow(self, server: Any, name: Any, namespace: str) -> bool:
        server, name = (None if v is None else str(v) for v in (server, name))
        allowed = (server is not None and ("server", server, namespace) in self.exact) or (
            name is not None and ("name", name, namespace) in self.exact)
        for dest_server, dest_name, pattern, negated in self.patterns:
            if not ((server is not None and _glob(dest_server, server)) or
                    (name is not None and _glob(dest_name, name))):
                continue
            if _glob(pattern, namespace):
                if negated:
                    return False
                allowed = True
        return allowed


# By the id of a project held here (so that id is not another's while it is kept).
_destinations: dict[int, tuple[Resource, _Destinations]] = {}


def _destination_allowed(project: Resource, server: str | None, name: str | None,
                         namespace: str) -> bool:
    if id(project) not in _destinations:
        if len(_destinations) > 64:
            _destinations.clear()
        _destinations[id(project)] = (project, _Destinations.of(project))
    return _destinations[id(project)][1].allow(server, name, namespace)


def project_problems(app: Resource, projects: dict[str, Resource],
                     kinds: Iterable[tuple[str, str]]) -> Iterator[str]:
    """What the Application's AppProject forbids: its repo, destination, or a kind it deploys."""
    project = projects.get(str(app.spec.get("project")))
    if project is None:
        if app.spec.get("project") != "default":  # Argo CD's own, open to everything
            yield f"AppProject {app.spec.get('project')} is not defined in git"
        return
    pname, spec = f"AppProject {project.name}", project.spec
    for source in app_sources(app):
        repo = str(source.get("repoURL", ""))
        repos = spec.get("sourceRepos")
        if not any(_glob(p, repo) for p in (repos if isinstance(repos, list) else [])):
            yield f"{pname} does not allow source repo {repo}"
    dest = mapping(app.spec.get("destination"))
    namespace = str(dest.get("namespace", ""))
    if not _destination_allowed(project, dest.get("server"), dest.get("name"), namespace):
        yield (f"{pname} does not allow destination namespace {namespace} on "
               f"{cluster_of_destination(dest)}")
    for key in dict.fromkeys(kinds):
        label = f"{key[1]} ({key[0] or 'core'})"
        if key in CLUSTER_SCOPED:
            if not _kind_listed(spec.get("clusterResourceWhitelist"), *key) or \
                    _kind_listed(spec.get("clusterResourceBlacklist"), *key):
                yield f"{pname} does not allow cluster-scoped {label}"
            continue
        whitelist = spec.get("namespaceResourceWhitelist")
        if (whitelist is not None and not _kind_listed(whitelist, *key)) or _kind_listed(
                spec.get("namespaceResourceBlacklist"), *key):
            yield f"{pname} does not allow {label}"


def app_check_project_permits(ctx: AppContext) -> Iterator[Hit]:
    for app in ctx.applications:
        for problem in project_problems(app, ctx.projects, ctx.render.kinds):
            yield app, problem


def _bad_sync_option(option: str) -> str | None:
    key, sep, value = option.strip().partition("=")
    if not sep:
        return f"sync option {option!r} is not KEY=VALUE"
    if key not in SYNC_OPTION_VALUES:
        return f"unknown sync option {key}"
    allowed = SYNC_OPTION_VALUES[key]
    if value not in allowed:
        return f"sync option {key}={value}: expected one of {', '.join(sorted(allowed))}"
    return None


def app_check_sync_options(ctx: AppContext) -> Iterator[Hit]:
    for app in ctx.applications:
        options = mapping(app.spec.get("syncPolicy")).get("syncOptions")
        for option in options if isinstance(options, list) else []:
            problem = _bad_sync_option(str(option))
            if problem:
                yield app, problem


def check_sync_options(ctx: EnvContext) -> Iterator[Hit]:
    for resource in ctx.resources:
        annotations = mapping(resource.metadata.get("annotations"))
        for option in str(annotations.get(SYNC_OPTIONS_ANNOTATION) or "").split(","):
            problem = _bad_sync_option(option) if option.strip() else None
            if problem:
                yield resource, problem
        wave = annotations.get(SYNC_WAVE)
        if wave is not None and not str(wave).lstrip("-").isdigit():
            yield resource, f"{SYNC_WAVE} {wave!r} is not a whole number"


def app_check_sync_policy(ctx: AppContext) -> Iterator[Hit]:
    if not ctx.config.production:
        return
    for app in ctx.applications:
        if automated(app):
            yield app, (f"automated sync on {ctx.env}, in production (the last promotion stage): "
                        f"the Argo CD UI cannot roll it back"), ("spec", "syncPolicy", "automated")


# --- the rules ---------------------------------------------------------------------------------

APPLICATION = Rule(
    "application", Severity.HIGH,
    summary="one Application per overlay, with its namespace and the configured project; none for "
            "other overlays",
    why="An overlay no Application deploys silently drifts from git; two Applications on one "
        "overlay fight over the same objects, each pruning or overwriting the other's.",
    fix="Keep one apps/<app>.yaml per environment with source.path overlays/ENV, "
        "destination.namespace the overlay's namespace and spec.project from gitops.yaml.",
    app_check=app_check_application)


PROJECT_PERMITS = Rule(
    "project-permits", Severity.CRITICAL,
    summary="the Application's AppProject allows its repo, its destination and every rendered "
            "kind",
    why="Argo CD refuses to sync an Application whose AppProject does not permit its source repo, "
        "its destination or one of the kinds it renders.",
    fix="Add the repo to sourceRepos, the namespace to destinations and the kind to the namespace "
        "or cluster resource whitelist in argocd/, or stop rendering the kind.",
    app_check=app_check_project_permits)


SYNC_OPTIONS = Rule(
    "sync-options", Severity.HIGH,
    summary="every Argo CD sync option (Application or annotation) and sync wave is one Argo CD "
            "knows",
    why="Argo CD ignores a sync option it does not know or a value it cannot read, without a "
        "warning: the Prune=false or wave ordering the manifest asks for never happens.",
    fix="Write KEY=VALUE with a key and value from Argo CD's Sync Options page (e.g. "
        "PruneLast=true), and a whole number as argocd.argoproj.io/sync-wave.",
    check=check_sync_options, app_check=app_check_sync_options)


SYNC_POLICY = Rule(
    "sync-policy", Severity.MEDIUM,
    summary="no environment of the last promotion stage has automated sync",
    why="Under automated sync Argo CD reverts any manual change at once, so the UI's rollback is "
        "refused; production should change only when someone syncs it.",
    fix="Switch automated sync off in the Application of each production environment (gitops env "
        "set ENV --manual-sync) and sync them by hand after review.",
    app_check=app_check_sync_policy)
