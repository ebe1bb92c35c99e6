"""`gitops rules`: the validation rules."""

from __future__ import annotations

import click

from .formats import Shown, formats, shown
from .options import Settings


@click.command()
@formats("validate.rules", "text", "json", "markdown")
def rules(settings: Settings) -> Shown:
    """List the validation rules: severity, summary, and (in JSON) why and how to fix."""
    from ..validation.rules import all_rules

    return shown(all_rules())
