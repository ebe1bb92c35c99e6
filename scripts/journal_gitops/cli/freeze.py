"""`gitops freeze` and `gitops unfreeze`: environments that take no change for a while."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from .formats import Shown, formats, shown
from .options import Settings, delivery_options

if TYPE_CHECKING:
    from ..changes.delivery import DeliveryOptions


@click.command("freeze")
@click.argument("envs", nargs=-1, metavar="ENV...")
@click.option("--reason", required=True, metavar="TEXT", help="Why (shown in every refusal).")
@click.option("--until", metavar="TIME", help="Until this ISO-8601 time (UTC unless it says).")
@click.option("--for", "for_duration", metavar="DURATION",
              help="For this long from now (30m, 24h, 2d).")
@click.option("--schedule", metavar="CRON",
              help="Recurring: a window starts at each match of this 5-field cron schedule.")
@click.option("--duration", metavar="DURATION", help="With --schedule: how long a window lasts.")
@click.option("--time-zone", metavar="ZONE",
              help="With --schedule: the schedule's IANA time zone (default UTC).")
@delivery_options
@formats("gates.freeze", "text", "json")
def freeze(settings: Settings, envs: tuple[str, ...], reason: str, until: str | None,
           for_duration: str | None, schedule: str | None, duration: str | None,
           time_zone: str | None, delivery: DeliveryOptions) -> Shown:
    """Freeze environments: no change reaches them without --break-glass.

    \b
    Examples:
        gitops freeze prod --reason "release weekend" --until 2026-03-09T08:00:00Z
        gitops freeze prod --reason "no weekend deploys" --schedule "0 16 * * 5" \\
            --duration 64h --time-zone Europe/Berlin
    """
    from ..usecases.freeze import FreezeRequest
    from ..usecases.freeze import freeze as run

    request = FreezeRequest(envs, reason, until, for_duration, schedule, duration, time_zone)
    return shown(run(settings.config(), request, delivery), delivery, "freeze", envs)


@click.command("unfreeze")
@click.argument("envs", nargs=-1, metavar="ENV...")
@click.option("--recurring", is_flag=True, help="Remove the recurring windows too.")
@delivery_options
@formats("gates.freeze", "text", "json")
def unfreeze(settings: Settings, envs: tuple[str, ...], recurring: bool,
             delivery: DeliveryOptions) -> Shown:
    """Lift the freezes of environments (recurring windows only with --recurring)."""
    from ..usecases.freeze import unfreeze as run

    return shown(run(settings.config(), envs, recurring, delivery), delivery, "unfreeze", envs)
