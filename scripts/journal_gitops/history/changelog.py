"""The app commits a deployment carries: read from a clone of the app repository, between the
commit an environment runs and the one it moves to, for commit messages and pull requests."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

from ..adapters import gitrepo
from ..adapters.shas import SHORT
from ..config.model import Config
from ..overlays.images import commit_of_tag

MAX_COMMITS = 50  # listed per environment; the rest is counted


class AppCommit(NamedTuple):
    sha: str
    subject: str
    author: str


@dataclass(frozen=True)
class Changelog:
    """What one environment's move from app commit `old` to `new` carries. With `rollback`, the
    commits are those taken out (new is an ancestor of old)."""

    env: str
    old: str
    new: str
    commits: tuple[AppCommit, ...]
    total: int
    rollback: bool = False
    unknown: bool = False  # old or new is not a commit of the clone

    @property
    def more(self) -> int:
        return self.total - len(self.commits)


def changelogs(config: Config, source_repo: Path | None,
               moves: Iterable[tuple[str, str | None, str]]) -> tuple[Changelog, ...]:
    """One changelog per environment for its (env, old tag, new tag) moves; none without a
    clone, or for tags that are not app commits."""
    if source_repo is None:
        return ()
    out: dict[str, Changelog] = {}
    for env, old_tag, new_tag in moves:
        old = commit_of_tag(config, old_tag) if old_tag else None
        new = commit_of_tag(config, new_tag)
        if env in out or old is None or new is None or old == new:
            continue
        out[env] = app_changelog(env, source_repo, old, new)
    return tuple(out.values())


def app_changelog(env: str, source_repo: Path, old: str, new: str) -> Changelog:
    if not (gitrepo.has_commit(source_repo, old) and gitrepo.has_commit(source_repo, new)):
        return Changelog(env, old, new, (), 0, unknown=True)
    rollback = bool(gitrepo.is_ancestor(source_repo, new, old))
    start, end = (new, old) if rollback else (old, new)
    rows, total = gitrepo.log_range(source_repo, start, end, MAX_COMMITS)
    commits = tuple(AppCommit(sha, subject, author) for sha, subject, author, _ in rows)
    return Changelog(env, old, new, commits, total, rollback)


def heading(log: Changelog) -> str:
    span = f"{log.old[:SHORT]}..{log.new[:SHORT]}"
    if log.unknown:
        return f"{log.env} ({span}): not both commits are in the app repository clone"
    if log.rollback:
        return f"{log.env} ({span}): rollback, takes out {log.total} app commit(s)"
    return f"{log.env} ({span}): {log.total} app commit(s)"


def changelog_lines(logs: Sequence[Changelog]) -> list[str]:
    """Plain lines for a commit message body (empty without changelogs)."""
    lines: list[str] = []
    for log in logs:
        lines += ["", heading(log)]
        lines += [f"  {c.sha[:SHORT]} {c.subject} ({c.author})" for c in log.commits]
        if log.more:
            lines.append(f"  and {log.more} more")
    return lines[1:]
