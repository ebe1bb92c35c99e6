"""The clusters gitops.yaml names, which environments each one runs, and the promotion stages.

    clusters:
      in-cluster:
        server: https://kubernetes.default.svc    # Argo CD's own cluster
        environments: [dev, staging, prod]
      us-east:
        argocdName: prod-us-east                  # as registered with `argocd cluster add`
        environments: [prod-us]
    environments:                                 # promotion stages, in order
      - dev
      - staging
      - [prod, prod-us]                           # one stage, deployed in parallel

Without `clusters:` every environment deploys to Argo CD's own cluster. An Application names
its cluster by `destination.server` or `destination.name`; the cluster's entry says which, so
that the Application, the AppProject's destinations and gitops.yaml can be held to one another.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from ..kube.destinations import IN_CLUSTER, IN_CLUSTER_SERVER, identity
from ..kube.names import is_dns_label
from . import invalid

CLUSTERS = "clusters"
# An API server URL: https, a host (a name, an IPv4 or a bracketed IPv6 address), an optional
# port and path, nothing a YAML reader or Argo CD's destination matching could read otherwise.
# Argo CD matches the URL as written, so https://x and https://x:443 are two clusters to it.
SERVER_URL = re.compile(
    r"^https://([A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\])(:[0-9]{1,5})?(/[A-Za-z0-9._~/-]*)?$")


@dataclass(frozen=True)
class Cluster:
    """A cluster the environments deploy to, as Argo CD knows it: by API URL or by name."""

    name: str
    server: str | None
    argocd_name: str | None
    environments: tuple[str, ...] = ()
    declared: bool = True  # False: the implicit in-cluster of a gitops.yaml without clusters

    @property
    def destination(self) -> dict[str, str]:
        """The cluster half of an Application's or AppProject's destination."""
        return {"server": self.server} if self.server else {"name": str(self.argocd_name)}

    @property
    def label(self) -> str:
        """How listings show where it is."""
        return self.server or f"name {self.argocd_name}"

    @property
    def identity(self) -> tuple[str, str]:
        """What Argo CD knows the cluster as: its own cluster answers to both its server URL
        and the name in-cluster."""
        return identity({"server": self.server, "name": self.argocd_name})

    def matches(self, destination: dict[str, Any]) -> bool:
        """Whether a destination (Application or AppProject entry) names this cluster."""
        return identity(destination) == self.identity


_fail = invalid


SERVER_RULE = "must be an https:// URL of the cluster's API server, without a trailing slash"


def server_problem(value: str) -> str | None:
    """What is wrong with an API server URL for Argo CD to hold a cluster under, if anything."""
    return SERVER_RULE if not SERVER_URL.match(value) or value.endswith("/") else None


def check_server(value: str, what: str = "--server") -> str:
    """An API server URL Argo CD can hold a cluster under, or a gitops.yaml error."""
    problem = server_problem(value)
    if problem:
        raise _fail(f"{what} {value!r} {problem}")
    return value


def parse_stages(raw: list[str | list[str]]) -> tuple[tuple[str, ...], ...]:
    """`environments:`: each item a name (a stage of one) or a list of names (in parallel)."""
    stages: list[tuple[str, ...]] = []
    for item in raw:
        names = item if isinstance(item, list) else [item]
        for name in names:
            if not is_dns_label(name):
                raise _fail(f"environment name '{name}' is not a DNS-1123 label")
        stages.append(tuple(names))
    flat = [name for stage in stages for name in stage]
    twice = next((name for name in flat if flat.count(name) > 1), None)
    if twice:
        raise _fail(f"'environments' lists {twice} twice")
    return tuple(stages)


def _cluster(name: str, body: dict[str, Any], envs: Sequence[str]) -> Cluster:
    if not is_dns_label(name):
        raise _fail(f"cluster name {name!r} is not a DNS-1123 label")
    server, argocd_name = body.get("server"), body.get("argocdName")
    if (server is None) == (argocd_name is None):
        raise _fail(f"cluster {name}: give exactly one of 'server' and 'argocdName'")
    if server is not None:
        check_server(server, f"cluster {name}: server")
    if argocd_name is not None and not is_dns_label(argocd_name):
        raise _fail(f"cluster {name}: 'argocdName' must be the name Argo CD knows it by")
    members = body.get("environments") or []
    for env in members:
        if env not in envs:
            raise _fail(f"cluster {name}: environment '{env}' is not in 'environments'")
    return Cluster(name, server, argocd_name, tuple(members))


def parse_clusters(raw: dict[str, Any] | None, envs: Sequence[str]) -> tuple[Cluster, ...]:
    """`clusters:`; absent, every environment is on the implicit in-cluster."""
    if raw is None:
        return (Cluster(IN_CLUSTER, IN_CLUSTER_SERVER, None, tuple(envs), declared=False),)
    if not raw:
        raise _fail("'clusters' must map cluster names to their server or argocdName")
    clusters = [_cluster(name, body, envs) for name, body in raw.items()]
    seen: dict[tuple[str, str], Cluster] = {}
    for cluster in clusters:
        first = seen.setdefault(cluster.identity, cluster)
        if first is not cluster:
            raise _fail(f"clusters {first.name} and {cluster.name} are the same cluster "
                        f"({first.label})")
    placed: dict[str, str] = {}
    for cluster in clusters:
        twice = next((e for e in cluster.environments if cluster.environments.count(e) > 1),
                     None)
        if twice:
            raise _fail(f"cluster {cluster.name} lists {twice} twice")
        for env in cluster.environments:
            if env in placed:
                raise _fail(f"environment {env} is on two clusters: {placed[env]} and "
                            f"{cluster.name}")
            placed[env] = cluster.name
    missing = [env for env in envs if env not in placed]
    if missing:
        raise _fail(f"environment {missing[0]} is on no cluster: list it under the "
                    f"'environments' of one of: {', '.join(c.name for c in clusters)}")
    return tuple(clusters)
