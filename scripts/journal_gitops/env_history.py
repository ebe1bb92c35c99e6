"""An environment's deployment history, read from the git history of its overlay: every commit
that changed its images or config values, with what changed and what kind of change it was."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import NamedTuple

from .adapters import gitrepo
from .commit_message import CHANGE_KIND, ChangeKind, parse
from .config import KUSTOMIZATION_FILES, Config
from .errors import GitopsError, UsageError
from .images import Pin
from .shas import short_digest
from .snapshot import EnvSnapshot, parse_snapshot

FIELD, RECORD = "\x1f", "\x1e"


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


def file_at(repo: gitrepo.Repo, commit: str, paths: Sequence[str]) -> str | None:
    """The overlay's kustomization at a commit, under whichever name kustomize accepts."""
    for path in paths:
        status, out, _ = repo.git.execute(["git", "show", f"{commit}:{path}"],
                                          with_extended_output=True, with_exceptions=False,
                                          strip_newline_in_stdout=False)
        if status == 0:
            return str(out)
    return None


def _value(v: Pin | str | None) -> str | None:
    """A tag with its digest (shortened), or a config value."""
    if isinstance(v, Pin):
        return (f"{v.tag}@{short_digest(v.digest)}" if v.digest else v.tag) if v.tag else None
    return v


def _changes(old: Mapping[str, Pin] | Mapping[str, str], new: Mapping[str, Pin] | Mapping[str, str]
             ) -> tuple[Move, ...]:
    return tuple(Move(key, _value(old.get(key)), _value(new.get(key)))
                 for key in dict.fromkeys([*old, *new]) if old.get(key) != new.get(key))


def _paths(config: Config, env: str) -> list[str]:
    return [f"{config.overlay_rel(env)}/{name}" for name in KUSTOMIZATION_FILES]


def _merged(repo: gitrepo.Repo, sha: str, parents: list[str], paths: list[str]
            ) -> tuple[str, ChangeKind] | None:
    """For a merge on the first-parent line: subject and kind of the newest merged change."""
    if len(parents) < 2:
        return None
    out = gitrepo.run(repo, "log", "-1", "--format=%B", f"{parents[0]}..{sha}", "--no-merges",
                      "--", *paths)
    if not out.strip():
        return None
    message = parse(out)
    return message.subject, message.kind


def read_history(config: Config, env: str, limit: int | None = None) -> list[HistoryRow]:
    """Newest first, along the first-parent line (a merged pull request is one change)."""
    config.require_env(env)
    if limit is not None and limit < 1:
        raise UsageError("--limit must be at least 1")
    repo = gitrepo.open_repo(config.root)
    paths = _paths(config, env)
    fmt = FIELD.join(("%H", "%P", "%an", "%aI", "%B")) + RECORD
    log = gitrepo.run(repo, "log", "--first-parent", f"--format={fmt}", "--", *paths)
    rows: list[HistoryRow] = []
    for record in log.split(RECORD):
        if not record.strip():
            continue
        sha, parents, author, date, body = record.strip("\n").split(FIELD)
        parent_list = parents.split()
        parent = parent_list[0] if parent_list else None
        before = parse_snapshot(file_at(repo, parent, paths), paths[0]) if parent else None
        after = parse_snapshot(file_at(repo, sha, paths), paths[0])
        if after is None:
            continue
        old = before or EnvSnapshot({}, {})
        images = _changes(old.images, after.images)
        values = _changes(old.config, after.config)
        if not images and not values:
            continue
        message = parse(body)
        subject, kind = message.subject, message.kind
        has_kind = bool(message.values(CHANGE_KIND))
        merged = _merged(repo, sha, parent_list, paths)
        if merged is not None and not has_kind:
            subject, kind = f"{subject} ({merged[0]})", merged[1]
        rows.append(HistoryRow(sha, date, author, subject, kind, images, values, before))
        if limit is not None and len(rows) >= limit:
            break
    return rows


def state_at(config: Config, env: str, commit: str) -> EnvSnapshot:
    """The environment's images and config as of a commit of this repository."""
    repo = gitrepo.open_repo(config.root)
    sha = gitrepo.rev(repo, commit)
    if sha is None:
        raise UsageError(f"--to {commit} is not a commit")
    paths = _paths(config, env)
    found = parse_snapshot(file_at(repo, sha, paths), paths[0])
    if found is None:
        raise GitopsError(f"{env} has no readable overlay at {commit}")
    return found
