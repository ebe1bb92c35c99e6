"""What `gitops cluster` prints: the clusters table, and what cluster add/remove changed."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from . import json_document, table
from .delivery import delivery_json, delivery_text, short_answer

if TYPE_CHECKING:
    from ..changes.delivery import Delivery, DeliveryOptions
    from ..config.clusters import Cluster
    from ..usecases.clusters import ClusterChange


def _cluster_json(cluster: Cluster) -> dict[str, Any]:
    return {"name": cluster.name, "server": cluster.server, "argocdName": cluster.argocd_name,
            "environments": list(cluster.environments), "declared": cluster.declared}


def clusters_text(clusters: Sequence[Cluster]) -> str:
    return table(("CLUSTER", "DESTINATION", "ENVIRONMENTS"),
                 [(c.name, c.label, ", ".join(c.environments) or "-") for c in clusters])


def clusters_json(clusters: Sequence[Cluster]) -> str:
    return json_document({"clusters": [_cluster_json(c) for c in clusters]})


def cluster_change_text(done: Delivery[ClusterChange], options: DeliveryOptions,
                        name: str, action: str) -> str:
    short = short_answer(done, f"cluster {name} is already "
                               f"{'removed' if action == 'remove' else 'there'}")
    if short is not None or done.proposal is None:
        return short or ""
    cluster = done.proposal.data.cluster
    verb = {"add": "added", "remove": "removed"}[action]
    if options.dry_run:
        verb = f"would {action}"
    return delivery_text(done, options, f"{verb} cluster {cluster.name} ({cluster.label})\n")


def cluster_change_json(done: Delivery[ClusterChange], options: DeliveryOptions,
                        name: str, action: str) -> str:
    change = done.proposal.data if done.proposal else None
    return delivery_json(done, options, {
        "cluster": name, "action": action,
        "server": change.cluster.server if change else None,
        "argocdName": change.cluster.argocd_name if change else None,
        "files": list(change.files) if change else []})
