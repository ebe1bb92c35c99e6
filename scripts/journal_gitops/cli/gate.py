"""`gitops gate`: whether a change passes the release gates."""

from __future__ import annotations

import click

from .formats import Shown, formats, shown
from .options import Settings, base_option, head_option


@click.command("gate")
@base_option
@head_option
@formats("gates.gate", "text", "json", "github")
def gate(settings: Settings, base: str | None, head: str | None) -> Shown:
    """Check a change (a pull request) against the release gates: freezes, promotion order,
    soak and rollbacks. Exit 1 with one line per violation."""
    from ..usecases.gate import gate as run

    report = run(settings.config(), base, head)
    return shown(report, failed=not report.ok)
