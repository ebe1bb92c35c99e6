"""Pull request comments written as files (`gitops diff --split-dir`): the folder is made or
refused before any work, and its comment-N.md files are replaced all at once."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from ..adapters.files import FileEdit, write_files
from ..errors import UsageError


def comments_folder(folder: Path) -> None:
    """Make the folder, or say in one line why it cannot be one."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UsageError(f"--split-dir {folder}: cannot be a folder ({exc.strerror})") from None


def write_comments(folder: Path, parts: Sequence[str]) -> None:
    """comment-1.md, comment-2.md, ... in order, and no comment file of an earlier run."""
    stale = [FileEdit(p.name, None, None) for p in sorted(folder.glob("comment-*.md"))
             if p.name not in {f"comment-{n}.md" for n in range(1, len(parts) + 1)}]
    write_files(folder, (*stale, *(FileEdit(f"comment-{n}.md", None, part)
                                   for n, part in enumerate(parts, start=1))))
