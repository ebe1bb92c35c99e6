"""`gitops cluster`: the clusters gitops.yaml names and the environments each one runs."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from .options import Settings, committing, common_options, pass_settings

if TYPE_CHECKING:
    from ..changes.delivery import Delivery, DeliveryOptions
    from ..usecases.clusters import ClusterChange

TEXT_JSON = ("text", "json")


@click.group()
@common_options(*TEXT_JSON)
def cluster() -> None:
    """List, add and remove the clusters environments deploy to."""


def _print_change(settings: Settings, done: Delivery[ClusterChange], delivery: DeliveryOptions,
                  name: str, action: str) -> None:
    from ..output.clusters import cluster_change_json, cluster_change_text

    output = settings.format(TEXT_JSON)
    click.echo(cluster_change_json(done, delivery, name, action) if output == "json"
               else cluster_change_text(done, delivery, name, action), nl=False)


@cluster.command("list")
@common_options(*TEXT_JSON)
@pass_settings
def cluster_list(settings: Settings) -> None:
    """One row per cluster: how Argo CD knows it, and the environments it runs."""
    from ..output.clusters import clusters_json, clusters_text
    from ..usecases.clusters import list_clusters

    formatter = clusters_json if settings.format(TEXT_JSON) == "json" else clusters_text
    click.echo(formatter(list_clusters(settings.config())), nl=False)


@cluster.command("add")
@click.argument("name")
@click.option("--server", metavar="URL", help="The cluster's API server URL, as Argo CD knows it.")
@click.option("--argocd-name", metavar="NAME",
              help="Instead of --server: the name the cluster is registered under in Argo CD.")
@committing
def cluster_add(settings: Settings, name: str, server: str | None, argocd_name: str | None,
                delivery: DeliveryOptions) -> None:
    """Name cluster NAME in gitops.yaml (then: gitops env new ... --cluster NAME).

    \b
    Example:
        gitops cluster add us-east --server https://us-east.k8s.example.com
    """
    from ..usecases.clusters import add

    done = add(settings.config(), name, server, argocd_name, delivery)
    _print_change(settings, done, delivery, name, "add")


@cluster.command("remove")
@click.argument("name")
@committing
def cluster_remove(settings: Settings, name: str, delivery: DeliveryOptions) -> None:
    """Drop cluster NAME from gitops.yaml (refused while an environment deploys to it)."""
    from ..usecases.clusters import remove

    done = remove(settings.config(), name, delivery)
    _print_change(settings, done, delivery, name, "remove")
