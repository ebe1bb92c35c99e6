"""`gitops status`: what runs where, and since when."""

from __future__ import annotations

import click

from .formats import Shown, formats, shown
from .options import Settings


@click.command()
@formats("status", "text", "markdown", "json", "html")
def status(settings: Settings) -> Shown:
    """What runs where: each environment's app images, since when, and what waits to be
    promoted; html is one self-contained page.

    \b
    Example:
        gitops status --output html > status.html
    """
    from ..usecases.status import status as run

    return shown(run(settings.config()))
