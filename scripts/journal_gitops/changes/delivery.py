"""The one path by which the tooling changes the repository: plan file edits on a tree, write
them all or none, verify by rendering, commit on a branch made in a temporary worktree (or on the
current branch), and push. A change's own branch whose push is rejected is rebuilt on the
remote's new tip; the current branch never is (the working tree is the user's): that push stops,
the commit kept, and a later run with nothing to change pushes it.

Use cases (bump, promote, rollback, env ...) supply a planner and a verifier; none of them
touches git or the file system on its own.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Generic, TypeVar

from ..adapters import gitlocks, gitrepo
from ..adapters.files import FileEdit, write_files
from ..adapters.shas import short_sha
from ..config import CONFIG_FILE
from ..errors import GitopsError, ToolMissingError, UsageError
from ..history.trailers import CHANGE_KIND, parse
from . import branch_move
from .checkpoints import checkpoint

T = TypeVar("T")

PUSH_ATTEMPTS = 3


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
    """Where a change went. `proposal` is None when there was nothing to change; `existing`
    says that `branch` already held exactly this change on this base (a repeated command)."""

    proposal: Proposal[T] | None
    branch: str | None = None
    commit: str | None = None
    base: str | None = None
    pushed: bool = False
    compare_url: str | None = None
    notes: tuple[str, ...] = field(default=())
    existing: bool = False


def _commit_on(tree: Path, plan: Planner[T], verify: Verifier[T]) -> Delivery[T]:
    """Plan on `tree`, write, verify and commit there."""
    proposal = plan(tree)
    return Delivery(None) if proposal is None else _commit(tree, proposal, verify)


def _commit(tree: Path, proposal: Proposal[T], verify: Verifier[T]) -> Delivery[T]:
    """Write a planned change on `tree`, verify it and commit it there."""
    paths = write_files(tree, proposal.edits)
    verify(tree, proposal)
    checkpoint("before-commit")
    sha = gitrepo.commit(tree, paths, proposal.message)
    checkpoint("committed")
    return Delivery(proposal, commit=sha)


def deliver(root: Path, plan: Planner[T], verify: Verifier[T], options: DeliveryOptions,
            default_branch: Callable[[Proposal[T]], str]) -> Delivery[T]:
    """Carry a planned change into git as the options say; see the module docstring."""
    repo = gitrepo.open_repo(root)
    if not options.dry_run and gitrepo.identity(root) is None:
        raise ToolMissingError("git knows no name and email to commit with: run git config "
                               "--global user.name 'Your Name' and git config --global "
                               "user.email you@example.com")
    base = options.base or "HEAD"
    if (root / CONFIG_FILE).is_file() and gitrepo.rev(repo, base) is not None and \
            not gitrepo.has_file(repo, base, CONFIG_FILE):
        raise UsageError(f"{CONFIG_FILE} is not committed ({base} has none): changes are made "
                         f"from commits, so commit it first")
    with gitrepo.lock(repo):
        recovered = branch_move.recover(repo)
        checkpoint("locked")
        if options.in_place:
            done = _in_place(repo, plan, verify, options)
        else:
            done = _on_branch(repo, plan, verify, options, default_branch)
    return replace(done, notes=(recovered, *done.notes)) if recovered else done


def _in_place(repo: gitrepo.Repo, plan: Planner[T], verify: Verifier[T],
              options: DeliveryOptions) -> Delivery[T]:
    """Commit on the current branch: made in a worktree, then moved in (see branch_move). A
    push the remote rejects stops there: the working tree is the user's, and rebuilding the
    change on the remote's tip would write the remote's files into it."""
    branch = gitrepo.head_branch(repo)
    if branch is None:
        raise UsageError("--in-place needs a branch, but HEAD is detached")
    if options.base:
        raise UsageError("--base does not go with --in-place")
    if options.push and gitrepo.remote_url(repo, options.remote) is None:
        raise UsageError(f"no remote named {options.remote}")
    head = gitrepo.rev(repo, "HEAD")
    if head is None:
        raise UsageError("the repository has no commit yet")
    with gitrepo.worktree(repo, head) as tree:
        proposal = plan(tree)
        if proposal is None:
            return _push_what_is_made(repo, branch, head, options)
        paths = [e.path for e in proposal.edits]
        dirty = gitrepo.dirty_paths(repo, paths)
        if dirty:
            raise GitopsError(f"{dirty[0]} has uncommitted changes: commit or stash them first")
        if options.dry_run:
            return Delivery(proposal, branch=branch)
        made = _commit(tree, proposal, verify)
    if made.proposal is None or made.commit is None:
        return Delivery(None)
    changed = gitrepo.changes(repo, head, made.commit).paths
    kept = branch_move.move_branch(repo, branch, head, made.commit, changed,
                                   made.proposal.subject)
    notes = tuple(f"{path} was changed while gitops ran: it is left as it is, without the "
                  f"change" for path in kept)
    done = Delivery(made.proposal, branch=branch, commit=made.commit, notes=notes)
    if not options.push:
        return done
    checkpoint("before-push")
    if gitrepo.push(repo, options.remote, branch):
        return replace(done, pushed=True)
    raise _rejected(options.remote, branch, made.commit)


def _rejected(remote: str, branch: str, commit: str) -> GitopsError:
    return GitopsError(f"push of {branch} to {remote} was rejected: {remote}/{branch} has "
                       f"commits this clone lacks; the change is committed here "
                       f"({short_sha(commit)}): pull, then push")


def _push_what_is_made(repo: gitrepo.Repo, branch: str, head: str, options: DeliveryOptions
                       ) -> Delivery[T]:
    """Nothing to change: with --push, the branch still goes out when it holds commits the
    remote lacks (the push of an earlier run failed)."""
    if not options.push or options.dry_run:
        return Delivery(None)
    tip = gitrepo.fetch_branch(repo, options.remote, branch)
    if tip == head or (tip is not None and not gitrepo.is_ancestor(
            Path(repo.working_tree_dir or "."), tip, head)):
        return Delivery(None)  # the remote has it, or has more: nothing of ours to push
    checkpoint("before-push")
    if gitrepo.push(repo, options.remote, branch):
        return Delivery(None, branch=branch, commit=head, pushed=True)
    raise _rejected(options.remote, branch, head)


def _tool_made(repo: gitrepo.Repo, commit: str) -> bool:
    """Whether a commit is one of the tooling's own (it carries a Change-Kind trailer)."""
    return bool(parse(gitrepo.message(repo, commit)).values(CHANGE_KIND))


def _holds(repo: gitrepo.Repo, tip: str, base: str, made: str) -> bool:
    """Whether branch `tip` is exactly the change `made` on `base`: same parent, same tree."""
    return (gitrepo.parents(repo, tip) == [base]
            and gitrepo.tree_of(repo, tip) == gitrepo.tree_of(repo, made))


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
        existing = gitrepo.rev(repo, f"refs/heads/{branch}")
        if existing is not None:
            _check_replaceable(repo, branch, existing, base, bool(options.branch))
        if options.dry_run:
            write_files(tree, proposal.edits)
            verify(tree, proposal)
            return Delivery(proposal, branch=branch, base=base)
        made = _commit(tree, proposal, verify)
    if made.proposal is None or made.commit is None:
        return Delivery(None, base=base)
    notes: tuple[str, ...] = ()
    if existing is not None and _holds(repo, existing, base, made.commit):
        done = Delivery(made.proposal, branch=branch, commit=existing, base=base, existing=True)
    else:
        notes = _set_branch(repo, branch, made.commit, existing)
        if existing is not None:
            notes += (f"replaced {branch}, which held {short_sha(existing)}: an older or "
                      f"merged change",)
        checkpoint("branch-created")
        done = Delivery(made.proposal, branch=branch, commit=made.commit, base=base, notes=notes)
    if options.push:
        return _publish(repo, branch, base, plan, verify, options, done)
    return done


def _set_branch(repo: gitrepo.Repo, branch: str, commit: str, was: str | None
                ) -> tuple[str, ...]:
    """Point a branch of the change's at `commit`, only if it is still at `was` (None: only if
    it does not exist): a branch someone moved or made meanwhile is never overwritten. A lock
    on it that a killed git left is removed first; the notes say so."""
    ref = f"refs/heads/{branch}"
    removed = gitlocks.remove_stale([gitrepo.common_dir(repo) / f"{ref}.lock"])
    gitrepo.update_ref(repo, ref, commit, was or "0" * 40)
    return tuple(f"removed {lock}, left by a killed git" for lock in removed)


def _check_replaceable(repo: gitrepo.Repo, branch: str, tip: str, base: str,
                       named: bool) -> None:
    """A branch in the way is rebuilt only when nothing of someone else's is lost with it:
    it is the tooling's own change, or (for a derived name) already merged into the base."""
    if gitrepo.checked_out(repo, branch):
        hint = "choose another --branch" if named else "pass --branch"
        raise GitopsError(f"branch {branch} already exists and is checked out: {hint}")
    if _tool_made(repo, tip) or (not named and gitrepo.is_ancestor(
            Path(repo.working_tree_dir or "."), tip, base)):
        return
    hint = "choose another --branch" if named else "delete it or pass --branch"
    raise GitopsError(f"branch {branch} already exists and holds commits gitops did not make: "
                      f"{hint}")


def _publish(repo: gitrepo.Repo, branch: str, base: str, plan: Planner[T], verify: Verifier[T],
             options: DeliveryOptions, done: Delivery[T]) -> Delivery[T]:
    """Push the branch, and say where to open its pull request."""
    pushed = _push_with_retry(repo, branch, base, plan, verify, options, done)
    url = gitrepo.compare_url(gitrepo.remote_url(repo, options.remote),
                              _base_name(repo, options), branch)
    return replace(pushed, compare_url=url)


def _base_name(repo: gitrepo.Repo, options: DeliveryOptions) -> str:
    if options.base:
        return options.base
    return gitrepo.head_branch(repo) or "main"


def _push_with_retry(repo: gitrepo.Repo, branch: str, base: str, plan: Planner[T],
                     verify: Verifier[T], options: DeliveryOptions, done: Delivery[T]
                     ) -> Delivery[T]:
    """Push the change's branch; when rejected, look at what the remote branch holds and act
    on it:

    - built on the same base (someone pushed onto it): redo the change on its tip, retry;
    - the tooling's own, but older or merged: replace it, with a lease;
    - anything else: refuse, keeping the local branch.
    """
    root = Path(repo.working_tree_dir or ".")

    def move(current: str, target: str) -> None:
        _set_branch(repo, branch, target, current)

    for attempt in range(1, PUSH_ATTEMPTS + 1):
        checkpoint("before-push")
        if gitrepo.push(repo, options.remote, branch):
            return replace(done, pushed=True)
        if attempt == PUSH_ATTEMPTS:
            break
        tip = gitrepo.fetch_branch(repo, options.remote, branch)
        if tip is None or tip == done.commit:
            continue  # the branch vanished on the remote, or holds ours: a plain retry will do
        where = f"{options.remote}/{branch}"
        if gitrepo.is_ancestor(root, base, tip):
            with gitrepo.worktree(repo, tip) as tree:
                rebuilt = _commit_on(tree, plan, verify)
            current = done.commit or base
            if rebuilt.proposal is None or rebuilt.commit is None:
                move(current, tip)
                return replace(done, commit=tip, pushed=True,
                               notes=(*done.notes, f"{where} already had this change"))
            move(current, rebuilt.commit)
            done = replace(done, commit=rebuilt.commit, proposal=rebuilt.proposal,
                           notes=(*done.notes, f"rebuilt on {where} ({short_sha(tip)})"))
        elif _tool_made(repo, tip):
            if gitrepo.push(repo, options.remote, branch, replacing=tip):
                note = f"replaced {where}, which held {short_sha(tip)}: an older or merged change"
                return replace(done, pushed=True, notes=(*done.notes, note))
        else:
            raise GitopsError(f"push of {branch} to {options.remote} was rejected: {where} holds "
                              f"commits gitops did not make; the branch is kept locally")
    raise GitopsError(f"push of {branch} to {options.remote} was rejected "
                      f"{PUSH_ATTEMPTS} times; the branch is kept locally")
