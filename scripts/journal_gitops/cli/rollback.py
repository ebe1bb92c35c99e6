"""`gitops rollback`: an environment's tags and config as they were before."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from .formats import Shown, formats, shown
from .options import Settings, break_glass_option, delivery_options

if TYPE_CHECKING:
    from ..changes.delivery import DeliveryOptions


@click.command()
@click.argument("env")
@click.option("--to", metavar="COMMIT", help="Restore ENV as it was at this commit.")
@click.option("--steps", type=int, metavar="N", help="Undo the last N changes (default 1).")
@click.option("--revert", is_flag=True,
              help="Revert the whole commit of that change, for every environment it reaches "
                   "(a change to a shared folder).")
@click.option("--reason", metavar="TEXT",
              help="Why: the holds of the tags rolled away from say it (default: the change "
                   "undone).")
@break_glass_option
@delivery_options
@formats("state", "text", "json")
def rollback(settings: Settings, env: str, to: str | None, steps: int | None, revert: bool,
             reason: str | None, break_glass: str | None, delivery: DeliveryOptions) -> Shown:
    """Commit ENV's files (overlay, Application) as they were before its last change(s), and
    hold the tags it rolls away from out of ENV and every later stage.

    \b
    Example:
        gitops rollback prod --push
    """
    from ..gates.checks import Overrides
    from ..usecases.rollback import RollbackRequest
    from ..usecases.rollback import rollback as run

    request = RollbackRequest(env, to, steps, Overrides(break_glass=break_glass), revert, reason)
    done = run(settings.config(), request, delivery)
    nothing = (f"nothing to revert: {env} already runs without that change" if revert else
               f"nothing to roll back: {env} already runs that state")
    return shown(done, delivery, nothing, None)
