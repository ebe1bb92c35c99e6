"""`gitops metrics`: the four DORA metrics of each environment."""

from __future__ import annotations

from pathlib import Path

import click

from .formats import Shown, formats, shown
from .options import Settings, env_option


@click.command()
@env_option
@click.option("--since", metavar="DURATION",
              help="Only the period before HEAD's commit time: a number and h, d or w (30d).")
@click.option("--source-repo", type=click.Path(exists=True, file_okay=False, path_type=Path),
              help="A clone of the app repository: its commit times give the lead time.")
@formats("metrics", "text", "json")
def metrics(settings: Settings, envs: tuple[str, ...], since: str | None,
            source_repo: Path | None) -> Shown:
    """Deployment frequency, lead time, change failure rate and time to restore, per
    environment, from git history.

    \b
    Example:
        gitops metrics --env prod --since 30d --source-repo ../app
    """
    from ..usecases.metrics import metrics as run

    return shown(run(settings.config(), envs, since, source_repo))
