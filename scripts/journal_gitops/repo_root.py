"""The repository a command works on: the nearest folder at or above the current one that holds
gitops.yaml. Kept apart from config so that `gitops validate` finds it before loading anything
else."""

from __future__ import annotations

from pathlib import Path

from .errors import CONFIG_FILE


def find(start: Path) -> Path | None:
    """The nearest folder at or above `start` holding gitops.yaml, or None."""
    return next((folder for folder in [start, *start.parents]
                 if (folder / CONFIG_FILE).is_file()), None)
