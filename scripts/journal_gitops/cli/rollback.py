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
@break_glass_option
@delivery_options
@formats("state", "text", "json")
def rollback(settings: Settings, env: str, to: str | None, steps: int | None,
             break_glass: str | None, delivery: DeliveryOptions) -> Shown:
    """Commit ENV's image tags and config as they were before its last change(s).

    \b
    Example:
        gitops rollback prod --push
    """
    from ..gates.checks import Overrides
    from ..usecases.rollback import RollbackRequest
    from ..usecases.rollback import rollback as run

    request = RollbackRequest(env, to, steps, Overrides(break_glass=break_glass))
    done = run(settings.config(), request, delivery)
    return shown(done, delivery, f"nothing to roll back: {env} already runs that state", None)
