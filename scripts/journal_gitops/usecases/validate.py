"""`gitops validate`: every environment rendered and checked, every problem reported.

The renders start before the checking code is imported: kustomize runs while Python loads the
rules and schemas.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from ..adapters import kustomize, kustomize_runs
from ..config import Config

if TYPE_CHECKING:
    from ..validation import Report


def validate(config: Config, envs: Sequence[str] | None = None, crds: Path | None = None
             ) -> Report:
    overlays = {env: config.overlay_rel(env) for env in config.select(envs)}
    with kustomize.render_many(config.root, overlays) as renders:
        from ..validation import validate as check

        report = check(config, envs, crds, renders)
    if kustomize_runs.untaken():  # the plan started builds this command does not run
        from ..prestart import drop_plan

        drop_plan(config.root)
    return report
