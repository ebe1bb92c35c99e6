"""Where an Argo CD Application (or an AppProject entry) deploys: a cluster named by its API
server URL (`server`) or by the name it was registered under (`name`), and a namespace."""

from __future__ import annotations

from typing import Any

IN_CLUSTER = "in-cluster"  # Argo CD's name for the cluster it runs in
IN_CLUSTER_SERVER = "https://kubernetes.default.svc"


def cluster_of_destination(destination: dict[str, Any]) -> str:
    """How messages name a destination's cluster: its server URL, or `cluster NAME`."""
    return str(destination.get("server") or f"cluster {destination.get('name')}")


def identity(destination: dict[str, Any]) -> tuple[str, str]:
    """A destination's cluster as Argo CD resolves it: by server when it has one, else by
    name; Argo CD's own cluster is one whichever way it is named."""
    server, name = destination.get("server"), destination.get("name")
    if server == IN_CLUSTER_SERVER or (not server and name == IN_CLUSTER):
        return ("local", "")
    return ("server", str(server)) if server else ("name", str(name or ""))
