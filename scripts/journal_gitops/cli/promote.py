"""`gitops promote`: carry one environment's exact tags into the next stage."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from .formats import Shown, formats, shown
from .options import (
    Settings,
    allow_rollback_option,
    break_glass_option,
    delivery_options,
    skip_order_option,
    skip_soak_option,
)

if TYPE_CHECKING:
    from ..changes.delivery import DeliveryOptions


@click.command()
@click.option("--from", "source", required=True, metavar="ENV", help="Environment to copy from.")
@click.option("--to", "targets", required=True, multiple=True, metavar="ENV",
              help="Environment to change (repeatable: several of the next stage, one commit).")
@click.option("--image", "images", multiple=True, metavar="NAME",
              help="Promote only this app image (repeatable; default: every app image).")
@click.option("--with-config", is_flag=True, help="Copy differing config values too.")
@skip_order_option
@skip_soak_option
@allow_rollback_option
@break_glass_option
@click.option("--source-repo", type=click.Path(exists=True, file_okay=False, path_type=Path),
              help="A clone of the app repository: lists the app commits the promotion carries.")
@delivery_options
@formats("state", "text", "json")
def promote(settings: Settings, source: str, targets: tuple[str, ...], images: tuple[str, ...],
            with_config: bool, skip_order: str | None, skip_soak: str | None,
            allow_rollback: bool, break_glass: str | None, source_repo: Path | None,
            delivery: DeliveryOptions) -> Shown:
    """Copy the exact image tags (and digests) of one environment into the next stage.

    \b
    Examples:
        gitops promote --from staging --to prod --push
        gitops promote --from staging --to prod-eu --to prod-us
    """
    from ..gates.checks import Overrides
    from ..output.changelog import app_web_url
    from ..usecases.promote import PromoteRequest, differing_config
    from ..usecases.promote import promote as run

    config = settings.config()
    request = PromoteRequest(source, targets, images, with_config,
                             Overrides(break_glass, skip_order, skip_soak), allow_rollback,
                             source_repo)
    done = run(config, request, delivery)
    nothing = f"nothing to promote from {source} to {', '.join(targets)}"
    if done.proposal is None and not with_config and not done.existing:
        keys = differing_config(config, source, targets)
        if keys:
            nothing += (f" (config differs: {', '.join(keys)}; --with-config promotes "
                        f"{'it' if len(keys) == 1 else 'them'})")
    return shown(done, delivery, nothing, app_web_url(config.app_repo_url))
