"""Cluster rules: each environment's Application deploys to the cluster gitops.yaml puts it on,
no two environments share a namespace on one cluster, and the AppProject allows exactly the
namespaces the environments use, each on its own cluster."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from .argocd_repo import WILDCARD
from .context import AppContext, RepoContext, dicts, mapping
from .model import Hit, Rule, Severity


def _where(destination: dict[str, Any]) -> str:
    if destination.get("server"):
        return f"server {destination['server']}"
    return f"name {destination['name']}" if destination.get("name") else "no cluster"


def app_check_cluster_destination(ctx: AppContext) -> Iterator[Hit]:
    cluster = ctx.config.cluster
    for app in ctx.applications:
        destination = mapping(app.spec.get("destination"))
        if cluster.matches(destination):
            continue
        declared = next((c for c in ctx.config.clusters if c.matches(destination)), None)
        field = "name" if destination.get("name") and not destination.get("server") else "server"
        what = (f"is cluster {declared.name}'s" if declared
                else "names no cluster of gitops.yaml")
        yield app, (f"destination {_where(destination)} {what}, but gitops.yaml puts {ctx.env} "
                    f"on cluster {cluster.name} ({cluster.label})"), \
            ("spec", "destination", field)


def repo_check_cluster_namespace(ctx: RepoContext) -> Iterator[Hit]:
    seen: dict[tuple[str, str], str] = {}
    for env, app in ctx.environment_apps():
        namespace = mapping(app.spec.get("destination")).get("namespace")
        if not namespace:
            continue
        key = (ctx.config.cluster_of(env).name, str(namespace))
        if key in seen and seen[key] != env:
            yield app, (f"{env} deploys to namespace {namespace} on cluster {key[0]}, which is "
                        f"already {seen[key]}'s"), ("spec", "destination", "namespace")
        seen.setdefault(key, env)


def repo_check_project_destinations(ctx: RepoContext) -> Iterator[Hit]:
    used: set[tuple[str, str]] = set()
    deployed: set[str] = set()
    for env, app in ctx.environment_apps():
        deployed.add(env)
        used.add((ctx.config.cluster_of(env).name,
                  str(mapping(app.spec.get("destination")).get("namespace"))))
    if deployed != set(ctx.config.environments):
        return  # what an environment without an Application uses is unknown (see application)
    for project in ctx.projects:
        if project.name != ctx.config.project:
            continue
        for index, entry in enumerate(dicts(project.spec.get("destinations"))):
            values = [str(entry.get(k, "")) for k in ("server", "name", "namespace")]
            if any(c in value for value in values for c in WILDCARD):
                continue  # project-wildcard reports it
            cluster = next((c for c in ctx.config.clusters if c.matches(entry)), None)
            namespace = entry.get("namespace")
            path = ("spec", "destinations", index)
            if cluster is None:
                yield project, (f"destinations[{index}] allows {_where(entry)}, a cluster "
                                f"gitops.yaml does not declare"), path
            elif (cluster.name, str(namespace)) not in used:
                yield project, (f"destinations[{index}] allows namespace {namespace} on "
                                f"cluster {cluster.name}, where no environment deploys"), path


# --- the rules ---------------------------------------------------------------------------------

PROJECT_DESTINATIONS = Rule(
    "project-destinations", Severity.MEDIUM,
    summary="the AppProject allows exactly the namespaces the environments deploy to, each on its "
            "cluster",
    why="Least privilege: a destination no environment uses lets any Application of the project "
        "deploy there, for example a typo'd path into another team's namespace or into a cluster "
        "the project was never meant to reach.",
    fix="Remove the destination, or correct its server/name and namespace to an environment's "
        "(gitops env new and delete keep them in step).",
    repo_check=repo_check_project_destinations)


CLUSTER_DESTINATION = Rule(
    "cluster-destination", Severity.HIGH,
    summary="each environment's Application deploys to the cluster gitops.yaml puts it on",
    why="gitops.yaml's clusters are what promotion, the AppProject's destinations and `gitops "
        "cluster list` rely on: an Application aimed elsewhere deploys the environment to a "
        "cluster nobody reviews it for, or to one Argo CD does not know (a sync that fails with "
        "'cluster not found').",
    fix="Set spec.destination.server (or .name) to the cluster's entry in gitops.yaml, or move "
        "the environment to that cluster's `environments` list there.",
    app_check=app_check_cluster_destination)


CLUSTER_NAMESPACE = Rule(
    "cluster-namespace", Severity.CRITICAL,
    summary="no two environments share a namespace on one cluster",
    why="Two Applications syncing one namespace fight over the same objects: FailOnSharedResource "
        "stops the second, or each sync undoes the other's images and config, and pruning one "
        "deletes the other's objects.",
    fix="Give one of them its own namespace (overlay `namespace:` and the Application's "
        "destination), or put it on another cluster.",
    repo_check=repo_check_cluster_namespace)
