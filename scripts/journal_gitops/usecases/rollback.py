"""`gitops rollback`: a new commit that puts one environment's image tags and config back to
what they were at a point of its history. Only that environment's overlay changes."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from ..adapters import gitrepo
from ..changes.delivery import Delivery, DeliveryOptions, Proposal, deliver
from ..config.load import load_config
from ..config.model import Config
from ..errors import GitopsError, UsageError
from ..gates.checks import Overrides, check_not_frozen
from ..history.changelog import Changelog
from ..history.entries import read_history, snapshot_at
from ..history.shas import SHORT
from ..history.trailers import ROLLED_BACK_TO, ChangeKind, state_message
from ..overlays.snapshot import EnvSnapshot, StateChange, apply_snapshot, verify_state


@dataclass(frozen=True)
class RollbackRequest:
    env: str
    to: str | None = None
    steps: int | None = None
    overrides: Overrides = field(default_factory=Overrides)


@dataclass(frozen=True)
class Rollback:
    """A rollback: the one environment's change (shaped like a promotion's)."""

    change: StateChange

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
    """The commit whose state to restore, that state, and the subjects of what is undone."""

    commit: str
    state: EnvSnapshot
    undone: list[str]


def _target(config: Config, request: RollbackRequest) -> _Target:
    if request.to and request.steps is not None:
        raise UsageError("--to and --steps do not go together")
    if request.to:
        repo = gitrepo.open_repo(config.root)
        sha = gitrepo.rev(repo, request.to)
        if sha is None:
            raise UsageError(f"--to {request.to} is not a commit")
        head = gitrepo.rev(repo, "HEAD")
        if head is None or not gitrepo.is_ancestor(config.root, sha, head):
            raise UsageError(f"--to {request.to} is not in the history of HEAD: an environment "
                             f"goes back only to a state it had")
        undone = []
        for row in read_history(config, request.env):
            if gitrepo.is_ancestor(config.root, row.commit, sha):
                break
            undone.append(row.subject)
        return _Target(sha, snapshot_at(config, request.env, sha), undone)
    steps = 1 if request.steps is None else request.steps
    if steps < 1:
        raise UsageError("--steps must be at least 1")
    # A rollback is a return, not a change to undo: counting it would make a rollback run
    # again (a rerun after a crash, or a second try) undo the first one.
    history = read_history(config, request.env)
    rows = [r for r in history if r.kind != ChangeKind.ROLLBACK][:steps]
    if len(rows) < steps:
        raise GitopsError(f"{request.env} has {len(rows)} change{'' if len(rows) == 1 else 's'} "
                          f"in its history, fewer than --steps {steps}")
    row = rows[steps - 1]
    if row.before is None:
        raise GitopsError(f"{request.env} has no earlier state to roll back to (its first "
                          f"change is {row.commit[:SHORT]})")
    repo = gitrepo.open_repo(config.root)
    parent = gitrepo.rev(repo, f"{row.commit}^") or row.commit
    return _Target(parent, row.before, [r.subject for r in rows])


def rollback(config: Config, request: RollbackRequest, options: DeliveryOptions
             ) -> Delivery[Rollback]:
    config.require_env(request.env)
    request.overrides.trailers()  # a reason must be one line, before anything is planned
    check_not_frozen(config, [request.env], request.overrides)
    target = _target(config, request)
    sha = target.commit

    def plan(tree: Path) -> Proposal[Rollback] | None:
        cfg = load_config(tree)
        change = apply_snapshot(tree, cfg, request.env, target.state)
        if change.edit is None:
            return None
        check_not_frozen(cfg, [request.env], request.overrides)
        notes = [f"Puts {request.env}'s images and config back to what they were at "
                 f"{sha[:SHORT]}, undoing:"] + [f"- {subject}" for subject in target.undone]
        text = state_message("rollback", ChangeKind.ROLLBACK, [change], notes,
                             [(ROLLED_BACK_TO, sha), *request.overrides.trailers()])
        return Proposal((change.edit,), text, Rollback(change))

    def verify(tree: Path, proposal: Proposal[Rollback]) -> None:
        verify_state(config, tree, proposal.data.change)

    return deliver(config.root, plan, verify, options,
                   lambda p: f"rollback/{request.env}/{sha[:SHORT]}")
