"""Whether a clone has a branch move to finish (see branch_move), found without git.

Every command asks this before reading the clone's files, so it reads a file or two and loads
nothing.
"""

from __future__ import annotations

from pathlib import Path

from ..adapters.gitdirs import state_file

JOURNAL = "journal.json"


def pending(root: Path) -> bool:
    """Whether the clone at `root` has a move journal left behind."""
    journal = state_file(root, JOURNAL)
    return journal is not None and journal.is_file()
