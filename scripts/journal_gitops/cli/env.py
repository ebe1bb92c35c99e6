"""`gitops env`: list, add, change and delete environments."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from .formats import Shown, formats, shown
from .options import (
    Settings,
    break_glass_option,
    common_options,
    delivery_options,
    replicas_option,
    set_option,
    sync_option,
)

if TYPE_CHECKING:
    from ..changes.delivery import DeliveryOptions


@click.group()
@common_options("text", "json")
def env() -> None:
    """List, add, change and delete environments."""


@env.command("list")
@formats("envs", "text", "json")
def env_list(settings: Settings) -> Shown:
    """One row per environment, in promotion order."""
    from ..usecases.env.listing import list_envs

    return shown(list_envs(settings.config()))


@env.command("new")
@click.argument("name")
@click.option("--from", "source", required=True, metavar="ENV", help="Start as a copy of ENV.")
@click.option("--after", metavar="ENV",
              help="A promotion stage of its own after ENV's (default: after --from's; a copy "
                   "of production goes before production).")
@click.option("--beside", metavar="ENV",
              help="In ENV's promotion stage, deployed in parallel with it.")
@click.option("--cluster", metavar="NAME",
              help="The cluster it deploys to (default: --from's; see gitops cluster list).")
@replicas_option
@set_option
@click.option("--namespace", metavar="NS", help="Namespace (default: journal-NAME).")
@click.option("--host", metavar="HOST", help="Ingress host (default: derived from --from's).")
@sync_option
@delivery_options
@formats("envs.env_change", "text", "json")
def env_new(settings: Settings, name: str, source: str, after: str | None, beside: str | None,
            cluster: str | None, replicas: tuple[str, ...], values: tuple[str, ...],
            namespace: str | None, host: str | None, automated: bool | None,
            delivery: DeliveryOptions) -> Shown:
    """Add environment NAME: overlay, Application, project destination, promotion stage.

    \b
    Examples:
        gitops env new qa --from dev --replicas web=2
        gitops env new prod-us --from prod --beside prod --cluster us-east
    """
    from ..usecases.env.new import NewEnv, new_env

    request = NewEnv(name, source, after, replicas, values, namespace, host, automated, beside,
                     cluster)
    return shown(new_env(settings.config(), request, delivery), delivery, name)


@env.command("set")
@click.argument("name")
@replicas_option
@set_option
@sync_option
@click.option("--min-soak", metavar="DURATION",
              help="Minimum soak of promoted tags in the environment before (24h; 0 removes).")
@click.option("--cluster", metavar="NAME",
              help="Deploy it to this cluster instead (see gitops cluster list).")
@break_glass_option
@delivery_options
@formats("envs.env_change", "text", "json")
def env_set(settings: Settings, name: str, replicas: tuple[str, ...], values: tuple[str, ...],
            automated: bool | None, min_soak: str | None, cluster: str | None,
            break_glass: str | None, delivery: DeliveryOptions) -> Shown:
    """Change replicas, config values, the sync policy, the minimum soak or the cluster of
    NAME."""
    from ..usecases.env.settings import SetEnv, set_env

    request = SetEnv(name, replicas, values, automated, min_soak, break_glass, cluster)
    return shown(set_env(settings.config(), request, delivery), delivery, name)


@env.command("delete")
@click.argument("name")
@break_glass_option
@delivery_options
@formats("envs.env_change", "text", "json")
def env_delete(settings: Settings, name: str, break_glass: str | None,
               delivery: DeliveryOptions) -> Shown:
    """Delete environment NAME (never one in production, the last promotion stage)."""
    from ..usecases.env.delete import delete_env

    return shown(delete_env(settings.config(), name, delivery, break_glass), delivery, name,
                 "delete")
