"""Where a clone keeps its git data, found by reading a file or two and without running git, so
that every command can look there before it loads anything heavier."""

from __future__ import annotations

from pathlib import Path

STATE_DIR = "gitops"  # the tooling's own folder inside the clone's common git directory


def common_git_dir(root: Path) -> Path | None:
    """The git directory every worktree of the clone at `root` shares; None when `root` is
    not the top of a clone or a linked worktree."""
    dot_git = root / ".git"
    if dot_git.is_dir():
        return dot_git
    try:  # a linked worktree: .git names its git directory, which names the common one
        text = dot_git.read_text(encoding="utf-8").strip()
    except (OSError, ValueError):
        return None
    if not text.startswith("gitdir:"):
        return None
    gitdir = (root / text.removeprefix("gitdir:").strip()).resolve()
    try:
        return (gitdir / (gitdir / "commondir").read_text(encoding="utf-8").strip()).resolve()
    except (OSError, ValueError):
        return gitdir


def state_file(root: Path, name: str) -> Path | None:
    """A file of the tooling's own state in the clone at `root` (None outside a clone)."""
    common = common_git_dir(root)
    return common / STATE_DIR / name if common is not None else None
