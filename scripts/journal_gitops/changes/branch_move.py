"""Moving the current branch, and the files of the working tree it changes, to a commit made
elsewhere (in a temporary worktree) so that a crash at any moment is recoverable and nothing a
user changed is ever written over.

The move is journaled in the git directory: first the journal (the branch, its worktree, both
commits and the files), then the files and the index, then the branch (one atomic ref update),
then the journal goes. A crash before the branch moved leaves the change staged, never staged
in reverse: a plain `git commit` then could only commit the change, not silently revert it.
The next gitops command in the clone finds a journal left by a dead process and finishes the
move (the branch had moved) or undoes it (it had not).

A file is written only while it is exactly what one side of the move made it (the old commit's
or the new one's, in the index and the working tree): a file the user changed in between is
left as it is, and said so. Before a move starts, every file it is to write must be as the
branch has it.
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from ..adapters.shas import short_sha
from ..errors import GitopsError
from .checkpoints import checkpoint
from .pending import JOURNAL, pending

if TYPE_CHECKING:  # `pending` runs before every command: it must not load GitPython
    from ..adapters import gitrepo


@dataclass(frozen=True)
class Journal:
    """A move under way: enough to finish it, or to see that it never became visible."""

    branch: str  # checked out in `worktree`
    old: str  # its commit before the move
    new: str  # the commit made in a temporary worktree
    paths: tuple[str, ...]  # the files that differ between the two
    subject: str  # of the change, for the message of the recovery
    worktree: str = ""  # the worktree the branch is checked out in ("": the main one)


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
                       tuple(str(p) for p in data["paths"]), str(data["subject"]),
                       str(data.get("worktree", "")))
    except FileNotFoundError:
        return None
    except (OSError, ValueError, KeyError, TypeError):
        path.unlink(missing_ok=True)  # unreadable: written by no complete step, so no step ran
        return None


# --- the files of one side --------------------------------------------------------------------


def _blobs(tree: Path, commit: str, paths: Sequence[str]) -> dict[str, str]:
    """path -> blob of `commit` (paths it lacks are left out)."""
    from ..adapters import gitrepo

    listed = gitrepo.git_in(tree, ["ls-tree", "-z", commit, "--", *paths]).split("\0")
    return {line.split("\t", 1)[1]: line.split()[2] for line in listed if "\t" in line}


def _index(tree: Path, paths: Sequence[str]) -> dict[str, str]:
    """path -> blob the index holds for it."""
    from ..adapters import gitrepo

    listed = gitrepo.git_in(tree, ["ls-files", "-s", "-z", "--", *paths]).split("\0")
    return {line.split("\t", 1)[1]: line.split()[1] for line in listed if "\t" in line}


def _worktree(tree: Path, path: str) -> str | None:
    """The blob the working tree's file would be (None: there is no file)."""
    from ..adapters import gitrepo

    file = tree / path
    if file.is_symlink():
        return gitrepo.git_in(tree, ["hash-object", "--stdin"],
                              str(file.readlink()).encode()).strip()
    if not file.is_file():
        return None
    return gitrepo.git_in(tree, ["hash-object", "--path", path, "--", path]).strip()


def _settle(tree: Path, source: str, target: str, paths: Sequence[str]) -> list[str]:
    """Bring `paths` of the worktree `tree` from `source`'s state to `target`'s, each only
    while it is one side's (in the index and in the file: a step of this very move); a file
    the user changed is left, and its index entry set to `target`'s when it was one side's,
    which stages nothing of theirs. Returns the files left as the user made them."""
    from ..adapters import gitrepo

    before, after = _blobs(tree, source, paths), _blobs(tree, target, paths)
    index = _index(tree, paths)
    ours, theirs = [], []
    for path in paths:
        sides = {before.get(path), after.get(path)}
        if index.get(path) in sides and _worktree(tree, path) in sides:
            ours.append(path)
        else:
            theirs.append(path)
            if index.get(path) in sides:
                gitrepo.git_in(tree, ["reset", "--quiet", target, "--", path])
    # Paths go on the command line, never through a pipe: a git whose input ended early
    # (its parent killed) would read no pathspec, and `checkout <commit>` alone moves HEAD.
    present = [p for p in ours if p in after]
    if present:
        gitrepo.git_in(tree, ["checkout", target, "--", *present])
    absent = [p for p in ours if p not in after]
    if absent:
        gitrepo.git_in(tree, ["rm", "--quiet", "--cached", "--ignore-unmatch", "--", *absent])
        for rel in absent:
            (tree / rel).unlink(missing_ok=True)
            folder = (tree / rel).parent
            while folder != tree and folder.is_dir() and not any(folder.iterdir()):
                folder.rmdir()
                folder = folder.parent
    return theirs


def _left(paths: Sequence[str]) -> str:
    return f"; left {', '.join(paths)} as changed since" if paths else ""


# --- the move, and its recovery ---------------------------------------------------------------


def move_branch(repo: gitrepo.Repo, branch: str, old: str, new: str, paths: Sequence[str],
                subject: str) -> list[str]:
    """Point `branch` (checked out) at `new` and check out `paths` from it, crash-safely;
    refused before anything is written when one of `paths` is no longer as the branch has it.
    Returns the files a user changed during the move, left as they made them."""
    from ..adapters import gitlocks, gitrepo

    tree = Path(repo.working_tree_dir or ".")
    changed = gitrepo.touched_since_head(repo, paths)
    if changed:
        raise GitopsError(f"{changed[0]} changed while gitops ran: nothing was written "
                          f"(run the command again)")
    gitlocks.remove_stale(_locks(repo, tree, branch))
    path = _path(repo)
    _write(path, Journal(branch, old, new, tuple(paths), subject, str(tree)))
    checkpoint("journal-written")
    kept = _settle(tree, old, new, paths)
    checkpoint("files-checked-out")
    gitrepo.update_ref(repo, f"refs/heads/{branch}", new, old)
    checkpoint("branch-moved")
    path.unlink()
    return kept


def _locks(repo: gitrepo.Repo, tree: Path, branch: str) -> list[Path]:
    """The lock files a move takes: the worktree's index and HEAD, and the branch's ref."""
    from ..adapters import gitrepo

    own = Path(gitrepo.git_in(tree, ["rev-parse", "--absolute-git-dir"]).strip())
    common = gitrepo.common_dir(repo)
    return [own / "index.lock", own / "HEAD.lock", common / "packed-refs.lock",
            common / "refs" / "heads" / f"{branch}.lock"]


def recover(repo: gitrepo.Repo) -> str | None:
    """Finish or undo a move a dead process left half done, in the worktree it was made in;
    what happened, in one line. Call with the clone's lock held."""
    from ..adapters import gitlocks, gitrepo

    path = _path(repo)
    journal = _read(path)
    if journal is None:
        return None
    tree = Path(journal.worktree or repo.working_tree_dir or ".")
    try:
        checked_out = tree.is_dir() and gitrepo.git_in(
            tree, ["symbolic-ref", "--quiet", "HEAD"]).strip() == f"refs/heads/{journal.branch}"
    except GitopsError:
        checked_out = False
    if not checked_out:
        path.unlink()
        return (f"dropped the record of an interrupted change ({journal.subject}): "
                f"{journal.branch} is no longer checked out in {tree}")
    removed = gitlocks.remove_stale(_locks(repo, tree, journal.branch))
    freed = "".join(f"; removed {lock}, left by a killed git" for lock in removed)
    tip = gitrepo.rev(repo, f"refs/heads/{journal.branch}")
    try:
        if tip == journal.new:
            kept = _settle(tree, journal.old, journal.new, journal.paths)
            done = (f"finished an interrupted change: {journal.subject} (committed "
                    f"{short_sha(journal.new)} on {journal.branch}){_left(kept)}{freed}")
        elif tip == journal.old:
            kept = _settle(tree, journal.new, journal.old, journal.paths)
            done = (f"undid an interrupted change: {journal.subject} (nothing was "
                    f"committed){_left(kept)}{freed}")
        else:
            done = (f"dropped the record of an interrupted change ({journal.subject}): "
                    f"{journal.branch} has moved since{freed}")
    except GitopsError as error:
        raise GitopsError(f"cannot finish an interrupted change ({journal.subject}): "
                          f"{error}") from None
    path.unlink()
    return done


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
