"""`gitops cluster`: the clusters gitops.yaml names and the environments each one runs."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from .formats import Shown, formats, shown
from .options import Settings, common_options, delivery_options

if TYPE_CHECKING:
    from ..changes.delivery import DeliveryOptions


@click.group()
@common_options("text", "json")
def cluster() -> None:
    """List, add and remove the clusters environments deploy to."""


@cluster.command("list")
@formats("clusters", "text", "json")
def cluster_list(settings: Settings) -> Shown:
    """One row per cluster: how Argo CD knows it, and the environments it runs."""
    from ..usecases.clusters import list_clusters

    return shown(list_clusters(settings.config()))


@cluster.command("add")
@click.argument("name")
@click.option("--server", metavar="URL", help="The cluster's API server URL, as Argo CD knows it.")
@click.option("--argocd-name", metavar="NAME",
              help="Instead of --server: the name the cluster is registered under in Argo CD.")
@delivery_options
@formats("clusters.cluster_change", "text", "json")
def cluster_add(settings: Settings, name: str, server: str | None, argocd_name: str | None,
                delivery: DeliveryOptions) -> Shown:
    """Name cluster NAME in gitops.yaml (then: gitops env new ... --cluster NAME).

    \b
    Example:
        gitops cluster add us-east --server https://us-east.k8s.example.com
    """
    from ..usecases.clusters import add

    return shown(add(settings.config(), name, server, argocd_name, delivery), delivery, name,
                 "add")


@cluster.command("remove")
@click.argument("name")
@delivery_options
@formats("clusters.cluster_change", "text", "json")
def cluster_remove(settings: Settings, name: str, delivery: DeliveryOptions) -> Shown:
    """Drop cluster NAME from gitops.yaml (refused while an environment deploys to it)."""
    from ..usecases.clusters import remove

    return shown(remove(settings.config(), name, delivery), delivery, name, "remove")
