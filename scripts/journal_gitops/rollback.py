"""`gitops rollback`: a new commit that puts one environment's image tags and config back to
what they were at a point of its history. Only that environment's overlay changes."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from . import git
from .change import GitOptions, Outcome, Proposal, deliver
from .config import Config, load_config
from .deploy_state import StateChange, apply_state, message, verify_state
from .errors import GitopsError, UsageError
from .history import EnvSnapshot, history, state_at


@dataclass(frozen=True)
class RollbackRequest:
    env: str
    to: str | None = None
    steps: int | None = None


def _target(config: Config, request: RollbackRequest) -> tuple[str, EnvSnapshot, list[str]]:
    """The commit whose state to restore, that state, and the subjects of what is undone."""
    if request.to and request.steps is not None:
        raise UsageError("--to and --steps do not go together")
    if request.to:
        repo = git.open_repo(config.root)
        sha = git.rev(repo, request.to)
        if sha is None:
            raise UsageError(f"--to {request.to} is not a commit")
        head = git.rev(repo, "HEAD")
        if head is None or not git.is_ancestor(config.root, sha, head):
            raise UsageError(f"--to {request.to} is not in the history of HEAD: an environment "
                             f"goes back only to a state it had")
        rows = history(config, request.env)
        undone = []
        for row in rows:
            if git.is_ancestor(config.root, row.commit, sha):
                break
            undone.append(row.subject)
        return sha, state_at(config, request.env, sha), undone
    steps = 1 if request.steps is None else request.steps
    if steps < 1:
        raise UsageError("--steps must be at least 1")
    rows = history(config, request.env, limit=steps)
    if len(rows) < steps:
        raise GitopsError(f"{request.env} has {len(rows)} change{'' if len(rows) == 1 else 's'} "
                          f"in its history, fewer than --steps {steps}")
    row = rows[steps - 1]
    if row.before is None:
        raise GitopsError(f"{request.env} has no earlier state to roll back to (its first "
                          f"change is {row.commit[:7]})")
    repo = git.open_repo(config.root)
    parent = git.rev(repo, f"{row.commit}^") or row.commit
    return parent, row.before, [r.subject for r in rows]


def rollback(config: Config, request: RollbackRequest, options: GitOptions) -> Outcome:
    config.require_env(request.env)
    sha, state, undone = _target(config, request)

    def plan(tree: Path) -> Proposal | None:
        cfg = load_config(tree)
        change = apply_state(tree, cfg, request.env, state)
        if change.edit is None:
            return None
        notes = [f"Puts {request.env}'s images and config back to what they were at "
                 f"{sha[:7]}, undoing:"] + [f"- {subject}" for subject in undone]
        text = message("rollback", "rollback", change, notes, [f"Rolled-Back-To: {sha}"])
        return Proposal((change.edit,), text, change)

    def verify(tree: Path, proposal: Proposal) -> None:
        assert isinstance(proposal.data, StateChange)
        verify_state(config, tree, proposal.data)

    return deliver(config.root, plan, verify, options,
                   lambda p: f"rollback/{request.env}/{sha[:7]}")


