"""The release-gate commands (`freeze`, `unfreeze`, `gate`) and the options with which the
commands that change an environment pass a gate that would refuse them."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from ..errors import ExitCode
from .options import Settings, common_options, delivery_options, pass_settings

if TYPE_CHECKING:
    from ..changes.delivery import DeliveryOptions

TEXT_JSON = ("text", "json")

break_glass_option = click.option(
    "--break-glass", metavar="REASON",
    help="Change a frozen environment anyway; the reason goes in a Break-Glass trailer.")
skip_order_option = click.option(
    "--skip-order", metavar="REASON",
    help="Go out of promotion order; the reason goes in a Skip-Order trailer.")
skip_soak_option = click.option(
    "--skip-soak", metavar="REASON",
    help="Promote before the minimum soak is over; the reason goes in a Skip-Soak trailer.")


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
@common_options(*TEXT_JSON)
@pass_settings
def freeze(settings: Settings, envs: tuple[str, ...], reason: str, until: str | None,
           for_duration: str | None, schedule: str | None, duration: str | None,
           time_zone: str | None, delivery: DeliveryOptions) -> None:
    """Freeze environments: no change reaches them without --break-glass.

    \b
    Examples:
        gitops freeze prod --reason "release weekend" --until 2026-03-09T08:00:00Z
        gitops freeze prod --reason "no weekend deploys" --schedule "0 16 * * 5" \\
            --duration 64h --time-zone Europe/Berlin
    """
    from ..output.gates import freeze_json, freeze_text
    from ..usecases.freeze import FreezeRequest
    from ..usecases.freeze import freeze as run

    output = settings.format(TEXT_JSON)
    request = FreezeRequest(envs, reason, until, for_duration, schedule, duration, time_zone)
    done = run(settings.config(), request, delivery)
    click.echo(freeze_json(done, delivery, "freeze", envs) if output == "json"
               else freeze_text(done, delivery, "freeze"), nl=False)


@click.command("unfreeze")
@click.argument("envs", nargs=-1, metavar="ENV...")
@click.option("--recurring", is_flag=True, help="Remove the recurring windows too.")
@delivery_options
@common_options(*TEXT_JSON)
@pass_settings
def unfreeze(settings: Settings, envs: tuple[str, ...], recurring: bool,
             delivery: DeliveryOptions) -> None:
    """Lift the freezes of environments (recurring windows only with --recurring)."""
    from ..output.gates import freeze_json, freeze_text
    from ..usecases.freeze import unfreeze as run

    output = settings.format(TEXT_JSON)
    done = run(settings.config(), envs, recurring, delivery)
    click.echo(freeze_json(done, delivery, "unfreeze", envs) if output == "json"
               else freeze_text(done, delivery, "unfreeze"), nl=False)


@click.command("gate")
@click.option("--base", metavar="REF",
              help="Old side (default: the merge-base with origin/main, or main).")
@click.option("--head", metavar="REF", help="New side (default: the working tree).")
@common_options("text", "json", "github")
@pass_settings
@click.pass_context
def gate(ctx: click.Context, settings: Settings, base: str | None, head: str | None) -> None:
    """Check a change (a pull request) against the release gates: freezes, promotion order,
    soak and rollbacks. Exit 1 with one line per violation."""
    from ..output.gates import gate_github, gate_json, gate_text
    from ..usecases.gate import gate as run

    formats = {"text": gate_text, "json": gate_json, "github": gate_github}
    chosen = formats[settings.format(tuple(formats))]
    report = run(settings.config(), base, head)
    click.echo(chosen(report), nl=False)
    ctx.exit(ExitCode.OK if report.ok else ExitCode.FINDINGS)
