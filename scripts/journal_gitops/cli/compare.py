"""`gitops compare`: how two environments differ, and why."""

from __future__ import annotations

import click

from .formats import Shown, formats, shown
from .options import Settings


@click.command("compare")
@click.argument("left", metavar="ENV")
@click.argument("right", metavar="ENV")
@click.option("--exit-code", is_flag=True,
              help="Exit 1 when a difference outside what the tooling manages per environment "
                   "is not declared under intendedDifferences in gitops.yaml.")
@formats("compare", "text", "markdown", "json")
def compare_command(settings: Settings, left: str, right: str, exit_code: bool) -> Shown:
    """Render two environments and show how they differ, and which overlay file causes it.

    \b
    Example:
        gitops compare staging prod --exit-code
    """
    from ..usecases.compare import compare

    report = compare(settings.config(), left, right)
    return shown(report, failed=exit_code and bool(report.undeclared))
