"""`gitops rollback`: a new commit that puts back every file an environment owns (its overlay
folder and its Application) as it was before a change of its history, or at a commit.

A change to a folder other environments load too (a base, a component) cannot be undone for one
environment alone: rollback names it and stops; `--revert` proposes the revert of that whole
commit, listing every environment it reaches. The message and the pull request body say what
goes back in the rendered manifests.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from ..adapters import gitrepo
from ..adapters.files import FileEdit, read_file
from ..adapters.shas import SHORT, short_sha
from ..changes.delivery import Delivery, DeliveryOptions, Proposal, deliver
from ..config import CONFIG_FILE
from ..config.edit import add_holds
from ..config.gates import Hold
from ..config.load import load_config
from ..config.model import Config
from ..errors import GitopsError, UsageError
from ..gates.checks import Overrides, check_not_frozen
from ..history.changelog import Changelog
from ..history.entries import HistoryRow, Part, read_history, snapshot_at
from ..history.trailers import (
    HOLD,
    REVERTS,
    ROLLED_BACK_TO,
    ChangeKind,
    CommitMessage,
    change_trailers,
    hold_trailer,
    one_line,
    parse,
    state_message,
)
from ..history.walker import reaches
from ..kube.objdiff import compare
from ..kube.objects import parse_render
from ..overlays.render import render
from ..overlays.snapshot import StateChange, apply_snapshot, verify_state
from ..timing.clock import now


@dataclass(frozen=True)
class RollbackRequest:
    env: str
    to: str | None = None
    steps: int | None = None
    overrides: Overrides = field(default_factory=Overrides)
    revert: bool = False
    reason: str | None = None  # why: the holds of the tags rolled away from say it


@dataclass(frozen=True)
class Rollback:
    """A rollback: the environment's images and config that go back (shaped like a
    promotion's), the other files put back, and what changes in its rendered manifests."""

    change: StateChange
    restored: tuple[str, ...] = ()
    rendered: tuple[str, ...] = ()
    reached: tuple[str, ...] = ()  # a revert: every environment the reverted commit reaches
    holds: tuple[Hold, ...] = ()  # the tags rolled away from, now held

    @property
    def changes(self) -> tuple[StateChange, ...]:
        return (self.change,)

    @property
    def changelog(self) -> tuple[Changelog, ...]:
        return ()

    @property
    def unchanged(self) -> tuple[str, ...]:
        return ()


@dataclass(frozen=True)
class _Target:
    """The commit to restore the environment's files from, and what is undone."""

    commit: str
    undone: list[HistoryRow]
    kept: list[HistoryRow] = field(default_factory=list)  # shared changes since, left in


def _shared_refusal(env: str, row: HistoryRow) -> GitopsError:
    return GitopsError(
        f"{short_sha(row.commit)} ({row.subject}) changed {', '.join(row.files_of(Part.SHARED))} "
        f"that {', '.join(row.reached)} load: it cannot be rolled back for {env} alone; "
        f"`gitops rollback {env} --revert` proposes the revert of that commit")


def _target(config: Config, request: RollbackRequest) -> _Target:
    if request.to and request.steps is not None:
        raise UsageError("--to and --steps do not go together")
    if request.to and request.revert:
        raise UsageError("--to and --revert do not go together")
    repo = gitrepo.open_repo(config.root)
    if request.to:
        sha = gitrepo.rev(repo, request.to)
        if sha is None:
            raise UsageError(f"--to {request.to} is not a commit")
        head = gitrepo.rev(repo, "HEAD")
        if head is None or not gitrepo.is_ancestor(config.root, sha, head):
            raise UsageError(f"--to {request.to} is not in the history of HEAD: an environment "
                             f"goes back only to a state it had")
        since = []
        for row in read_history(config, request.env):
            if gitrepo.is_ancestor(config.root, row.commit, sha):
                break
            since.append(row)
        snapshot_at(config, request.env, sha)  # the environment must have existed there
        return _Target(sha, [r for r in since if not r.shared], [r for r in since if r.shared])
    steps = 1 if request.steps is None else request.steps
    if steps < 1:
        raise UsageError("--steps must be at least 1")
    # A rollback or a revert is a return, not a change to undo: counting one would make it,
    # run again (a rerun after a crash, or a second try), undo what it left.
    rows = [r for r in read_history(config, request.env)
            if r.kind not in (ChangeKind.ROLLBACK, ChangeKind.REVERT)]
    if len(rows) < steps:
        raise GitopsError(f"{request.env} has {len(rows)} change{'' if len(rows) == 1 else 's'} "
                          f"in its history, fewer than --steps {steps}")
    row = rows[steps - 1]
    parent = gitrepo.rev(repo, f"{row.commit}^")
    if parent is None or row.before is None:
        raise GitopsError(f"{request.env} has no earlier state to roll back to (its first "
                          f"change is {row.commit[:SHORT]})")
    if request.revert:
        return _Target(row.commit, [row])
    if row.shared:
        raise _shared_refusal(request.env, row)
    return _Target(parent, [r for r in rows[:steps] if not r.shared],
                   [r for r in rows[:steps] if r.shared])


def _entries_now(tree: Path, folders: Sequence[str]) -> dict[str, str | None]:
    """Each file under the folders (None) and each link (its target), links not followed."""
    found: dict[str, str | None] = {}
    for folder in folders:
        for top, dirs, files in os.walk(tree / folder):
            for name in (*dirs, *files):
                path = Path(top, name)
                if path.is_symlink():
                    found[path.relative_to(tree).as_posix()] = str(path.readlink())
                elif name in files:
                    found[path.relative_to(tree).as_posix()] = None
    return found


def _entries_then(tree: Path, commit: str, folders: Sequence[str]) -> dict[str, str | None]:
    """The same, as `commit` has them."""
    listing = gitrepo.git_in(tree, ["ls-tree", "-r", "-z", commit, "--", *folders])
    entries = [line.split("\t", 1) for line in listing.split("\0") if line]
    links = [path for head, path in entries if head.startswith("120000 ")]
    targets = dict(zip(links, gitrepo.blobs(gitrepo.open_repo(tree),
                                            [f"{commit}:{path}" for path in links]),
                       strict=True))
    return {path: targets.get(path) for _, path in entries}


def _owned(tree: Path, config: Config, env: str, commit: str) -> list[str]:
    """The files the environment owns, now or at `commit`: its overlay folder, the folders it
    alone loads, its Application. A link is put back by hand: one that differs is refused."""
    reach_of = reaches(tree, config, config.environments)
    reach = reach_of[env]
    folders = [reach.own, *reach.shared]
    now, then = _entries_now(tree, folders), _entries_then(tree, commit, folders)
    files = {path for path in (*now, *then) if reach_of.owns(env, path)}
    for path in sorted(files):
        if now.get(path) != then.get(path):
            raise GitopsError(f"{path} is a link that is not what it was at {short_sha(commit)}: "
                              f"rollback puts files back, not links; put it back by hand")
    files = {path for path in files if now.get(path) is None and then.get(path) is None}
    return sorted(files | ({reach.app} if reach.app else set()))


def _edits(tree: Path, commit: str, paths: Sequence[str]) -> list[FileEdit]:
    """Each path put back as `commit` has it (gone where it has none)."""
    repo = gitrepo.open_repo(tree)
    then = gitrepo.blobs(repo, [f"{commit}:{path}" for path in paths])
    edits = []
    for path, text in zip(paths, then, strict=True):
        now = read_file(tree, path) if (tree / path).is_file() else None
        if now != text:
            edits.append(FileEdit(path, now, text))
    return edits


@contextlib.contextmanager
def _preview(tree: Path, edits: Sequence[FileEdit]) -> Iterator[Path]:
    """A copy of the tree (its git folder left out) with the edits made, removed afterwards:
    what a render reads after the change, without writing in the tree before it is made."""
    with tempfile.TemporaryDirectory(prefix="gitops-preview-") as scratch:
        copy = Path(scratch) / "tree"
        shutil.copytree(tree, copy, symlinks=True, ignore=shutil.ignore_patterns(".git"))
        for edit in edits:
            target = copy / edit.path
            if edit.after is None:
                target.unlink(missing_ok=True)
            else:
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_text(edit.after, encoding="utf-8")
        yield copy


def rendered_changes(tree: Path, overlays: dict[str, str], edits: Sequence[FileEdit]
                     ) -> tuple[str, ...]:
    """What the edits change in the renders of the overlays (name -> folder): one line per
    object, named by its environment when there are several."""
    lines: list[str] = []
    with _preview(tree, edits) as copy:
        for name, overlay in overlays.items():
            before, after = render(tree / overlay), render(copy / overlay)
            where = f"{name}: " if len(overlays) > 1 else ""
            if before.error is not None or after.error is not None:
                lines.append(f"{where}(the overlay does not build on one side)")
                continue
            diffs = compare(parse_render(before.manifests, overlay),
                            parse_render(after.manifests, overlay))
            lines += [f"{where}{d.change.value} {d.kind}/"
                      f"{d.namespace + '/' if d.namespace else ''}{d.name}" for d in diffs]
    return tuple(lines)


def _message(env: str, target: _Target, change: StateChange, restored: Sequence[str],
             rendered: Sequence[str], trailers: list[tuple[str, str]]) -> str:
    notes = [f"Puts {env}'s files back to what they were at {target.commit[:SHORT]}, undoing:"]
    notes += [f"- {row.subject}" for row in target.undone]
    if target.kept:
        notes += ["", "Left in (they change other environments too; `--revert` undoes one):"]
        notes += [f"- {short_sha(row.commit)} {row.subject}" for row in target.kept]
    if restored:
        notes += ["", "Files put back:"] + [f"- {path}" for path in restored]
    notes += ["", "In the rendered manifests:"] + [f"- {line}" for line in rendered or
                                                    ["(no object changes)"]]
    trailers = [(ROLLED_BACK_TO, target.commit), *trailers]
    if change.images or change.config:
        return state_message("rollback", ChangeKind.ROLLBACK, [change], notes, trailers)
    return CommitMessage(f"rollback({env}): {', '.join(restored)}", tuple(notes),
                         (*trailers, *change_trailers([env], ChangeKind.ROLLBACK))).text()


def _reason(request: RollbackRequest, target: _Target) -> str:
    """Why the tags rolled away from are held: as given, or the change undone."""
    if request.reason is not None:
        return one_line(request.reason, "--reason")
    undone = target.undone[-1].subject if target.undone else None
    return f"rolled back ({undone})" if undone else "rolled back"


def rollback(config: Config, request: RollbackRequest, options: DeliveryOptions
             ) -> Delivery[Rollback]:
    config.require_env(request.env)
    request.overrides.trailers()  # a reason must be one line, before anything is planned
    check_not_frozen(config, [request.env], request.overrides)
    target = _target(config, request)
    if request.revert:
        return _revert(config, request, target, options)
    sha = target.commit
    reason = _reason(request, target)

    def plan(tree: Path) -> Proposal[Rollback] | None:
        cfg = load_config(tree)
        check_not_frozen(cfg, [request.env], request.overrides)
        edits = _edits(tree, sha, _owned(tree, cfg, request.env, sha))
        if not edits:
            return None
        state = apply_snapshot(tree, cfg, request.env, snapshot_at(cfg, request.env, sha))
        change = StateChange(request.env, (), state.images, state.config, state.targets)
        # The files whose restore is the move of images and config are not listed apart.
        moved = {edit.path: edit.after for edit in state.edits}
        restored = tuple(e.path for e in edits if e.path not in moved or moved[e.path] != e.after)
        rendered = rendered_changes(tree, {request.env: cfg.overlay_rel(request.env)}, edits)
        held = cfg.gates.unheld(request.env, {c.image: c.old for c in change.images if c.old},
                                reason, gitrepo.identity(tree), now())
        if held:
            text = read_file(tree, CONFIG_FILE)
            edits.append(FileEdit(CONFIG_FILE, text, add_holds(text, held)))
        trailers = [*request.overrides.trailers(),
                    *(hold_trailer(HOLD, h.env, h.image, h.tag, h.reason) for h in held)]
        message = _message(request.env, target, change, restored, rendered, trailers)
        return Proposal(tuple(edits), message,
                        Rollback(change, restored, rendered, holds=tuple(held)))

    def verify(tree: Path, proposal: Proposal[Rollback]) -> None:
        verify_state(config, tree, proposal.data.change)

    return deliver(config.root, plan, verify, options,
                   lambda p: f"rollback/{request.env}/{sha[:SHORT]}")


def _revert(config: Config, request: RollbackRequest, target: _Target,
            options: DeliveryOptions) -> Delivery[Rollback]:
    """The revert of one whole commit, for every environment it reaches, as a change to
    review: refused when a file it changed has changed since."""
    [row] = target.undone
    commit = row.commit
    reached = row.reached or (request.env,)

    def plan(tree: Path) -> Proposal[Rollback] | None:
        repo = gitrepo.open_repo(tree)
        paths = sorted(set(row.files) | set(gitrepo.changes(repo, f"{commit}^", commit).paths))
        then = gitrepo.blobs(repo, [f"{commit}:{path}" for path in paths])
        edits = _edits(tree, f"{commit}^", paths)
        if not edits:
            return None  # reverted already (a run that completed before a crash, say)
        for path, text in zip(paths, then, strict=True):
            now = read_file(tree, path) if (tree / path).is_file() else None
            if now != text:
                raise GitopsError(f"{path} has changed since {short_sha(commit)}: revert that "
                                  f"commit by hand (git revert {short_sha(commit)})")
        cfg = load_config(tree)
        rendered = rendered_changes(tree, {env: cfg.overlay_rel(env) for env in reached
                                           if env in cfg.environments}, edits)
        subject = parse(gitrepo.message(repo, commit)).subject
        body = [f"Reverts {short_sha(commit)}, which reaches {', '.join(reached)}.", "",
                "In the rendered manifests:", *[f"- {line}" for line in rendered or
                                                ["(no object changes)"]]]
        message = CommitMessage(f"revert: {subject}", tuple(body), (
            (REVERTS, commit), *request.overrides.trailers(),
            *change_trailers(list(reached), ChangeKind.REVERT))).text()
        change = StateChange(request.env, (), (), (), {})
        return Proposal(tuple(edits), message,
                        Rollback(change, tuple(e.path for e in edits), rendered, tuple(reached)))

    def verify(tree: Path, proposal: Proposal[Rollback]) -> None:
        cfg = load_config(tree)
        for env in proposal.data.reached:
            if env in cfg.environments and render(tree / cfg.overlay_rel(env)).error:
                raise GitopsError(f"{env}: the reverted overlay does not build")

    return deliver(config.root, plan, verify, options,
                   lambda p: f"revert/{short_sha(commit)}")
