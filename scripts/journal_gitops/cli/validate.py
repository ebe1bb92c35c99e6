"""`gitops validate`: every environment rendered and checked."""

from __future__ import annotations

from pathlib import Path

import click

from .formats import Shown, formats, shown
from .options import Settings, env_option


@click.command()
@env_option
@click.option("--crds", type=click.Path(exists=True, file_okay=False, path_type=Path),
              help="Also check custom resources against the CRDs in this folder.")
@formats("validate", "text", "json", "github")
def validate(settings: Settings, envs: tuple[str, ...], crds: Path | None) -> Shown:
    """Render every environment with kustomize and report every problem.

    \b
    Example:
        gitops validate --env dev --output github
    """
    from ..usecases.validate import validate as run

    report = run(settings.config(), envs, crds)
    return shown(report, failed=not report.ok)
