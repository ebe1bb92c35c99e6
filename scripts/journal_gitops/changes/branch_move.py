"""Moving the current branch, and the files of the working tree it changes, to a commit made
elsewhere (in a temporary worktree) so that a crash at any moment is recoverable.

The move is journaled in the git directory: first the journal, then the branch (one atomic ref
update), then the files and the index, then the journal goes. The next gitops command in the
clone finds a journal left by a dead process and finishes the move (the branch had moved) or
drops it (the branch had not moved, so nothing of the change is visible).
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import GitopsError
from ..history.shas import short_sha
from .checkpoints import checkpoint
from .pending import JOURNAL, pending

if TYPE_CHECKING:  # `pending` runs before every command: it must not load GitPython
    from ..adapters import gitrepo



@dataclass(frozen=True)
class Journal:
    """A move under way: enough to finish it, or to see that it never became visible."""

    branch: str  # checked out in the clone's main worktree
    old: str  # its commit before the move
    new: str  # the commit made in a temporary worktree
    paths: tuple[str, ...]  # the files that differ between the two
    subject: str  # of the change, for the message of the recovery


def _path(repo: gitrepo.Repo) -> Path:
    from ..adapters import gitrepo

    return gitrepo.state_dir(repo) / JOURNAL


def _write(path: Path, journal: Journal) -> None:
    tmp = path.with_name(f".{JOURNAL}.tmp")
    with tmp.open("w", encoding="utf-8") as handle:
        json.dump({**asdict(journal), "paths": list(journal.paths)}, handle)
        handle.flush()
        os.fsync(handle.fileno())
    tmp.replace(path)
    dir_fd = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)


def _read(path: Path) -> Journal | None:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return Journal(str(data["branch"]), str(data["old"]), str(data["new"]),
                       tuple(str(p) for p in data["paths"]), str(data["subject"]))
    except FileNotFoundError:
        return None
    except (OSError, ValueError, KeyError, TypeError):
        path.unlink(missing_ok=True)  # unreadable: written by no complete step, so no step ran
        return None


def _checkout(repo: gitrepo.Repo, commit: str, paths: Sequence[str]) -> None:
    """Make the index and the working tree hold `commit`'s version of `paths` (idempotent)."""
    from ..adapters import gitrepo

    present = [p for p in paths if _exists(repo, commit, p)]
    absent = [p for p in paths if p not in present]
    if present:
        gitrepo.run(repo, "checkout", commit, "--", *present)
    if absent:
        gitrepo.run(repo, "rm", "--quiet", "--cached", "--ignore-unmatch", "--", *absent)
        root = Path(repo.working_tree_dir or ".")
        for rel in absent:
            (root / rel).unlink(missing_ok=True)
            folder = (root / rel).parent
            while folder != root and folder.is_dir() and not any(folder.iterdir()):
                folder.rmdir()
                folder = folder.parent


def _exists(repo: gitrepo.Repo, commit: str, path: str) -> bool:
    status = repo.git.execute(["git", "cat-file", "-e", f"{commit}:{path}"],
                              with_extended_output=True, with_exceptions=False)[0]
    return status == 0


def move_branch(repo: gitrepo.Repo, branch: str, old: str, new: str, paths: Sequence[str],
                subject: str) -> None:
    """Point `branch` (checked out) at `new` and check out `paths` from it, crash-safely."""
    from ..adapters import gitrepo

    path = _path(repo)
    _write(path, Journal(branch, old, new, tuple(paths), subject))
    checkpoint("journal-written")
    gitrepo.update_ref(repo, f"refs/heads/{branch}", new, old)
    checkpoint("branch-moved")
    _checkout(repo, new, paths)
    checkpoint("files-checked-out")
    path.unlink()


def recover(repo: gitrepo.Repo) -> str | None:
    """Finish or drop a move a dead process left half done; what happened, in one line.

    Call with the clone's lock held.
    """
    from ..adapters import gitrepo

    path = _path(repo)
    journal = _read(path)
    if journal is None:
        return None
    tip = gitrepo.rev(repo, f"refs/heads/{journal.branch}")
    if tip == journal.new:
        index_lock = gitrepo.common_dir(repo) / "index.lock"
        if index_lock.exists() and index_lock.stat().st_mtime >= path.stat().st_mtime:
            index_lock.unlink()  # left by the git process that died with the move
        try:
            _checkout(repo, journal.new, journal.paths)
        except GitopsError as error:
            raise GitopsError(f"cannot finish an interrupted change ({journal.subject}): "
                              f"{error}") from None
        path.unlink()
        return (f"finished an interrupted change: {journal.subject} "
                f"(committed {short_sha(journal.new)} on {journal.branch})")
    path.unlink()
    if tip == journal.old:
        return f"undid an interrupted change: {journal.subject} (nothing was committed)"
    return (f"dropped the record of an interrupted change ({journal.subject}): "
            f"{journal.branch} has moved since")


def recover_clone(root: Path) -> str | None:
    """Recover the clone at `root` if a journal is pending and no live change holds the lock."""
    from ..adapters import gitrepo

    if not pending(root):
        return None
    repo = gitrepo.open_repo(root)
    try:
        with gitrepo.lock(repo):
            return recover(repo)
    except gitrepo.Busy:
        return None  # the journal belongs to that live change
