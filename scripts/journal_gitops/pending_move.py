"""Whether a clone has a branch move to finish (see branch_move), found without git.

Every command asks this before reading the clone's files, and `gitops validate` asks it before
starting kustomize, so it reads a file or two and loads nothing.
"""

from __future__ import annotations

from pathlib import Path

JOURNAL = "journal.json"
STATE_DIR = "gitops"  # the tooling's own folder inside the clone's common git directory


def pending(root: Path) -> bool:
    """Whether the clone at `root` has a move journal left behind."""
    dot_git = root / ".git"
    if dot_git.is_dir():
        return (dot_git / STATE_DIR / JOURNAL).is_file()
    try:  # a linked worktree: .git names its git directory, which names the common one
        text = dot_git.read_text(encoding="utf-8").strip()
    except (OSError, ValueError):
        return False
    if not text.startswith("gitdir:"):
        return False
    gitdir = (root / text.removeprefix("gitdir:").strip()).resolve()
    try:
        common = (gitdir / (gitdir / "commondir").read_text(encoding="utf-8").strip()).resolve()
    except (OSError, ValueError):
        common = gitdir
    return (common / STATE_DIR / JOURNAL).is_file()
