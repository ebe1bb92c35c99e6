"""An environment's deployment history as `gitops history` shows it: every step of its walk
that changed its images or config values, with what changed and what kind of change it was."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import NamedTuple

from ..adapters import gitrepo
from ..config.model import Config
from ..errors import GitopsError, UsageError
from ..overlays.images import Pin
from ..overlays.snapshot import EnvSnapshot
from .shas import short_digest
from .trailers import CHANGE_KIND, ChangeKind, parse
from .walker import Step, overlay_paths, state_at, walk


class Move(NamedTuple):
    """One image or config value of a history row: from, to (None: absent)."""

    what: str
    old: str | None
    new: str | None


@dataclass(frozen=True)
class HistoryRow:
    commit: str
    date: str  # ISO 8601, the author date
    author: str
    subject: str
    kind: ChangeKind
    images: tuple[Move, ...]
    config: tuple[Move, ...]
    before: EnvSnapshot | None


def _value(v: Pin | str | None) -> str | None:
    """A tag with its digest (shortened), or a config value."""
    if isinstance(v, Pin):
        return (f"{v.tag}@{short_digest(v.digest)}" if v.digest else v.tag) if v.tag else None
    return v


def _changes(old: Mapping[str, Pin] | Mapping[str, str], new: Mapping[str, Pin] | Mapping[str, str]
             ) -> tuple[Move, ...]:
    return tuple(Move(key, _value(old.get(key)), _value(new.get(key)))
                 for key in dict.fromkeys([*old, *new]) if old.get(key) != new.get(key))


def _merged(config: Config, step: Step, paths: tuple[str, ...]) -> tuple[str, ChangeKind] | None:
    """For a merge on the first-parent line: subject and kind of the newest merged change."""
    if len(step.parents) < 2:
        return None
    repo = gitrepo.open_repo(config.root)
    out = gitrepo.run(repo, "log", "-1", "--format=%B", f"{step.parents[0]}..{step.commit}",
                      "--no-merges", "--", *paths)
    if not out.strip():
        return None
    message = parse(out)
    return message.subject, message.kind


def read_history(config: Config, env: str, limit: int | None = None,
                 steps: tuple[Step, ...] | None = None) -> list[HistoryRow]:
    """Newest first, along the first-parent line (a merged pull request is one change);
    `steps`: the environment's walk, when the caller has it already."""
    config.require_env(env)
    if limit is not None and limit < 1:
        raise UsageError("--limit must be at least 1")
    steps = walk(config.root, config, env) if steps is None else steps
    paths = overlay_paths(config, env)
    rows: list[HistoryRow] = []
    for index, step in enumerate(steps):
        after = step.state
        if after is None:
            continue
        before = steps[index + 1].state if index + 1 < len(steps) else None
        old = before or EnvSnapshot({}, {})
        images = _changes(old.images, after.images)
        values = _changes(old.config, after.config)
        if not images and not values:
            continue
        message = parse(step.message)
        subject, kind = message.subject, message.kind
        merged = _merged(config, step, paths)
        if merged is not None and not message.values(CHANGE_KIND):
            subject, kind = f"{subject} ({merged[0]})", merged[1]
        rows.append(HistoryRow(step.commit, step.authored, step.author, subject, kind, images,
                               values, before))
        if limit is not None and len(rows) >= limit:
            break
    return rows


def snapshot_at(config: Config, env: str, commit: str) -> EnvSnapshot:
    """The environment's images and config as of a commit of this repository."""
    sha = gitrepo.rev(gitrepo.open_repo(config.root), commit)
    if sha is None:
        raise UsageError(f"--to {commit} is not a commit")
    found = state_at(config.root, config, env, sha)
    if found is None:
        raise GitopsError(f"{env} has no readable overlay at {commit}")
    return found
