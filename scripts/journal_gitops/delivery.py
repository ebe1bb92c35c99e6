"""The one path by which the tooling changes the repository: plan file edits on a tree, write
them all or none, verify by rendering, commit on a branch made in a temporary worktree (or on the
current branch), push, and rebuild on the remote's new tip when a push is rejected.

Use cases (bump, promote, rollback, env ...) supply a planner and a verifier; none of them
touches git or the file system on its own.
"""

from __future__ import annotations

import contextlib
import difflib
import os
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Generic, TypeVar

from .adapters import gitrepo
from .errors import GitopsError, UsageError
from .shas import short_sha

T = TypeVar("T")

PUSH_ATTEMPTS = 3


@dataclass(frozen=True)
class FileEdit:
    path: str  # relative to the repository root
    before: str | None  # None: the file is new
    after: str | None  # None: the file is deleted


@dataclass(frozen=True)
class Proposal(Generic[T]):
    """What a use case wants committed, computed from one tree, with its own account of it."""

    edits: tuple[FileEdit, ...]
    message: str  # the full commit message: subject, body, trailers
    data: T

    @property
    def subject(self) -> str:
        return self.message.splitlines()[0]

    def diff(self) -> str:
        out: list[str] = []
        for edit in self.edits:
            old = f"a/{edit.path}" if edit.before is not None else "/dev/null"
            new = f"b/{edit.path}" if edit.after is not None else "/dev/null"
            out.extend(difflib.unified_diff((edit.before or "").splitlines(True),
                                            (edit.after or "").splitlines(True), old, new))
        return "".join(out)


Planner = Callable[[Path], "Proposal[T] | None"]  # None: nothing to change
Verifier = Callable[[Path, "Proposal[T]"], None]  # raises GitopsError when the result is wrong


@dataclass(frozen=True)
class DeliveryOptions:
    """How a change reaches git: a new branch (default) or the current one, pushed or not."""

    base: str | None = None
    branch: str | None = None
    push: bool = False
    remote: str = "origin"
    in_place: bool = False
    dry_run: bool = False


@dataclass(frozen=True)
class Delivery(Generic[T]):
    """Where a change went. `proposal` is None when there was nothing to change, or when
    `branch` already held it (a repeated command)."""

    proposal: Proposal[T] | None
    branch: str | None = None
    commit: str | None = None
    base: str | None = None
    pushed: bool = False
    compare_url: str | None = None
    notes: tuple[str, ...] = field(default=())


def read_file(root: Path, rel: str) -> str:
    """A file's text exactly as stored (line endings included), for editing in place."""
    try:
        with (root / rel).open(encoding="utf-8", newline="") as handle:
            return handle.read()
    except FileNotFoundError:
        raise GitopsError(f"{rel} does not exist") from None
    except UnicodeDecodeError:
        raise GitopsError(f"{rel} is not UTF-8 text") from None


def write_files(root: Path, edits: tuple[FileEdit, ...]) -> None:
    """All files change or none does: every new text is staged beside its file first."""
    staged: list[tuple[Path, Path | None]] = []
    try:
        for edit in edits:
            target = root / edit.path
            if edit.after is None:
                staged.append((target, None))
                continue
            target.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.")
            with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
                handle.write(edit.after)
            if target.exists():
                Path(tmp).chmod(target.stat().st_mode & 0o777)
            staged.append((target, Path(tmp)))
    except OSError as exc:
        for _, tmp_path in staged:
            if tmp_path is not None:
                tmp_path.unlink(missing_ok=True)
        raise GitopsError(f"cannot write {exc.filename}: {exc.strerror}") from None
    for target, tmp_path in staged:
        if tmp_path is None:
            target.unlink(missing_ok=True)
            _remove_empty_parents(target.parent, root)
        else:
            tmp_path.replace(target)


def _remove_empty_parents(folder: Path, root: Path) -> None:
    """A deleted environment leaves no empty folders behind."""
    while folder != root and folder.is_dir() and not any(folder.iterdir()):
        folder.rmdir()
        folder = folder.parent


def _restore(root: Path, edits: tuple[FileEdit, ...]) -> None:
    write_files(root, tuple(FileEdit(e.path, e.after, e.before) for e in edits))


def _commit_on(tree: Path, plan: Planner[T], verify: Verifier[T]) -> Delivery[T]:
    """Plan on `tree`, write, verify and commit there."""
    proposal = plan(tree)
    if proposal is None:
        return Delivery(None)
    write_files(tree, proposal.edits)
    verify(tree, proposal)
    sha = gitrepo.commit(tree, [e.path for e in proposal.edits], proposal.message)
    return Delivery(proposal, commit=sha)


def deliver(root: Path, plan: Planner[T], verify: Verifier[T], options: DeliveryOptions,
            default_branch: Callable[[Proposal[T]], str]) -> Delivery[T]:
    """Carry a planned change into git as the options say; see the module docstring."""
    repo = gitrepo.open_repo(root)
    with gitrepo.lock(repo):
        if options.in_place:
            return _in_place(root, repo, plan, verify, options)
        return _on_branch(repo, plan, verify, options, default_branch)


def _in_place(root: Path, repo: gitrepo.Repo, plan: Planner[T], verify: Verifier[T],
              options: DeliveryOptions) -> Delivery[T]:
    branch = gitrepo.head_branch(repo)
    if branch is None:
        raise UsageError("--in-place needs a branch, but HEAD is detached")
    if options.base:
        raise UsageError("--base does not go with --in-place")
    if options.push and gitrepo.remote_url(repo, options.remote) is None:
        raise UsageError(f"no remote named {options.remote}")
    proposal = plan(root)
    if proposal is None:
        return Delivery(None)
    dirty = gitrepo.dirty_paths(repo, [e.path for e in proposal.edits])
    if dirty:
        raise GitopsError(f"{dirty[0]} has uncommitted changes: commit or stash them first")
    if options.dry_run:
        return Delivery(proposal, branch=branch)
    write_files(root, proposal.edits)
    try:
        verify(root, proposal)
        sha = gitrepo.commit(root, [e.path for e in proposal.edits], proposal.message)
    except GitopsError:
        _restore(root, proposal.edits)
        with contextlib.suppress(GitopsError):
            gitrepo.run(repo, "reset", "--quiet", "--", *[e.path for e in proposal.edits])
        raise
    done = Delivery(proposal, branch=branch, commit=sha)
    if not options.push:
        return done

    def move(target: str) -> None:
        """Rebuild the current branch on the remote tip, if that loses nothing."""
        if not gitrepo.is_ancestor(root, f"{sha}^", target):
            raise GitopsError(f"push of {branch} to {options.remote} was rejected and "
                              f"{branch} has other commits the remote lacks: pull, then "
                              f"push (the commit is kept)")
        gitrepo.run(repo, "reset", "--quiet", "--keep", target)

    return _push_with_retry(repo, branch, plan, verify, options, done, move)


def _on_branch(repo: gitrepo.Repo, plan: Planner[T], verify: Verifier[T],
               options: DeliveryOptions, default_branch: Callable[[Proposal[T]], str]
               ) -> Delivery[T]:
    if options.push and gitrepo.remote_url(repo, options.remote) is None:
        raise UsageError(f"no remote named {options.remote}")
    base = gitrepo.rev(repo, options.base or "HEAD")
    if base is None:
        raise UsageError(f"--base {options.base} is not a commit" if options.base
                         else "the repository has no commit yet")
    with gitrepo.worktree(repo, base) as tree:
        proposal = plan(tree)
        if proposal is None:
            return Delivery(None, base=base)
        branch = options.branch or default_branch(proposal)
        gitrepo.check_branch_name(repo, branch)
        if gitrepo.branch_exists(repo, branch):
            if not _already_on(repo, branch, plan):
                hint = "choose another --branch" if options.branch else "delete it or pass --branch"
                raise GitopsError(f"branch {branch} already exists: {hint}")
            found: Delivery[T] = Delivery(None, branch=branch, base=base)
            if options.push and not options.dry_run:
                # An earlier run committed but did not get to push: push that commit now.
                return _publish(repo, branch, plan, verify, options,
                                replace(found, commit=gitrepo.rev(repo, branch)))
            return found
        write_files(tree, proposal.edits)
        verify(tree, proposal)
        if options.dry_run:
            return Delivery(proposal, branch=branch, base=base)
        sha = gitrepo.commit(tree, [e.path for e in proposal.edits], proposal.message)
    gitrepo.run(repo, "branch", branch, sha)
    done = Delivery(proposal, branch=branch, commit=sha, base=base)
    if options.push:
        return _publish(repo, branch, plan, verify, options, done)
    return done


def _publish(repo: gitrepo.Repo, branch: str, plan: Planner[T], verify: Verifier[T],
             options: DeliveryOptions, done: Delivery[T]) -> Delivery[T]:
    """Push the branch, and say where to open its pull request."""
    pushed = _push_with_retry(repo, branch, plan, verify, options, done)
    url = gitrepo.compare_url(gitrepo.remote_url(repo, options.remote),
                              _base_name(repo, options), branch)
    return replace(pushed, compare_url=url)


def _already_on(repo: gitrepo.Repo, branch: str, plan: Planner[T]) -> bool:
    """Whether the existing branch already holds the planned change (a repeated command)."""
    with gitrepo.worktree(repo, branch) as tree:
        try:
            return plan(tree) is None
        except GitopsError:
            return False  # the branch holds something else: the caller says it exists


def _base_name(repo: gitrepo.Repo, options: DeliveryOptions) -> str:
    if options.base:
        return options.base
    return gitrepo.head_branch(repo) or "main"


def _push_with_retry(repo: gitrepo.Repo, branch: str, plan: Planner[T], verify: Verifier[T],
                     options: DeliveryOptions, done: Delivery[T],
                     move: Callable[[str], None] | None = None) -> Delivery[T]:
    """Push; when rejected, redo the change on the remote's new tip of the branch and retry.

    `move` points the branch at the rebuilt commit (default: `git branch --force`).
    """

    def force(sha: str) -> None:
        gitrepo.run(repo, "branch", "--force", branch, sha)

    move = move or force
    for attempt in range(1, PUSH_ATTEMPTS + 1):
        if gitrepo.push(repo, options.remote, branch):
            return replace(done, pushed=True)
        if attempt == PUSH_ATTEMPTS:
            break
        tip = gitrepo.fetch_branch(repo, options.remote, branch)
        if tip is None:
            continue  # the branch vanished on the remote: a plain retry will do
        with gitrepo.worktree(repo, tip) as tree:
            rebuilt = _commit_on(tree, plan, verify)
        if rebuilt.proposal is None or rebuilt.commit is None:
            move(tip)
            note = f"{options.remote}/{branch} already had this change"
            return replace(done, commit=tip, pushed=True, notes=(*done.notes, note))
        move(rebuilt.commit)
        note = f"rebuilt on {options.remote}/{branch} ({short_sha(tip)})"
        done = replace(done, commit=rebuilt.commit, proposal=rebuilt.proposal,
                       notes=(*done.notes, note))
    raise GitopsError(f"push of {branch} to {options.remote} was rejected "
                      f"{PUSH_ATTEMPTS} times; the branch is kept locally")
