"""`gitops validate`: every environment rendered and checked, every problem reported.

The renders start first: kustomize runs while Python loads the rules and schemas.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from ..config.model import Config
from ..overlays.render import render_many

if TYPE_CHECKING:
    from ..validation.run import Report


def validate(config: Config, envs: Sequence[str] | None = None, crds: Path | None = None
             ) -> Report:
    overlays = {env: config.overlay_rel(env) for env in config.select(envs)}
    with render_many(config.root, overlays) as renders:
        from ..validation.run import validate as check

        return check(config, envs, crds, renders)
