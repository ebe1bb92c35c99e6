"""`gitops validate`: every environment rendered and checked, every problem reported."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from ..config import Config
from ..validation import Report
from ..validation import validate as run


def validate(config: Config, envs: Sequence[str] | None = None, crds: Path | None = None
             ) -> Report:
    return run(config, envs, crds)
