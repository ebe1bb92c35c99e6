"""`gitops history`: an environment's changes, newest first."""

from __future__ import annotations

import click

from .formats import Shown, formats, shown
from .options import Settings


@click.command()
@click.argument("env")
@click.option("--limit", type=int, metavar="N", help="Show at most N changes.")
@formats("history", "text", "json")
def history(settings: Settings, env: str, limit: int | None) -> Shown:
    """Changes of ENV's deployed images and config, newest first, from git history."""
    from ..usecases.history import history as read

    return shown(read(settings.config(), env, limit), env)
