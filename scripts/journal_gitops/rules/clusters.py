"""Cluster rules: each environment's Application deploys to the cluster gitops.yaml puts it on,
no two environments share a namespace on one cluster, and the AppProject allows exactly the
namespaces the environments use, each on its own cluster."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from .argocd_repo import WILDCARD
from .context import EnvContext, RepoContext, dicts, mapping
from .model import Hit


def _where(destination: dict[str, Any]) -> str:
    if destination.get("server"):
        return f"server {destination['server']}"
    return f"name {destination['name']}" if destination.get("name") else "no cluster"


def check_cluster_destination(ctx: EnvContext) -> Iterator[Hit]:
    cluster = ctx.config.cluster_of(ctx.env)
    for app in ctx.environment_apps():
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
