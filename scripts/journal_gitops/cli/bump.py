"""`gitops bump` (and `bump-image`): deploy the images of one app commit, or of one tag."""

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
@click.option("--commit", metavar="SHA",
              help="App commit whose images to deploy (7 to 40 hex characters), under a "
                   "tagScheme of commits.")
@click.option("--tag", metavar="TAG",
              help="The tag to deploy, under a tagScheme of versions (semver, or a pattern).")
@click.option("--env", "envs", multiple=True, metavar="ENV",
              help="Environment to move (repeatable; default: the first in promotion order).")
@click.option("--image", "images", multiple=True, metavar="NAME",
              help="Move only this app image (repeatable; default: every app image).")
@click.option("--source-repo", type=click.Path(exists=True, file_okay=False, path_type=Path),
              help="A clone of the app repository: resolves the commit, spots rollbacks and "
                   "lists the app commits the bump carries.")
@click.option("--digest", "digests", multiple=True, metavar="NAME=sha256:...",
              help="Pin an image to this digest as well.")
@click.option("--verify-registry", is_flag=True,
              help="Check that every image:tag exists in its registry first.")
@click.option("--pin-digest", is_flag=True, help="With --verify-registry: pin the digest found.")
@allow_rollback_option
@skip_order_option
@skip_soak_option
@break_glass_option
@delivery_options
@formats("bump", "text", "json")
def bump(settings: Settings, commit: str | None, tag: str | None, envs: tuple[str, ...],
         images: tuple[str, ...], source_repo: Path | None, digests: tuple[str, ...],
         verify_registry: bool, pin_digest: bool, allow_rollback: bool, skip_order: str | None,
         skip_soak: str | None, break_glass: str | None, delivery: DeliveryOptions) -> Shown:
    """Deploy the images of one app commit (or, under a tagScheme of versions, one tag) to an
    environment, as one reviewable commit.

    \b
    Examples:
        bump-image --commit 1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d --push
        bump-image --tag v1.4.2 --push
    """
    from ..gates.checks import Overrides
    from ..usecases.bump import BumpRequest
    from ..usecases.bump import bump as run

    config = settings.config()
    request = BumpRequest(commit, envs, images, source_repo, digests, verify_registry,
                          pin_digest, allow_rollback,
                          Overrides(break_glass, skip_order, skip_soak), tag)
    return shown(config, run(config, request, delivery), delivery)
