"""An environment's deployment history, read from the git history of its overlay: every commit
that changed its images or config values, with what changed and what kind of change it was."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from . import git
from .config import KUSTOMIZATION_FILES, Config
from .errors import GitopsError, UsageError
from .kustomization import Kustomization

FIELD, RECORD = "\x1f", "\x1e"


@dataclass(frozen=True)
class EnvSnapshot:
    """What an environment runs according to one version of its overlay."""

    images: dict[str, tuple[str | None, str | None]]  # name -> (tag, digest)
    config: dict[str, str]


@dataclass(frozen=True)
class HistoryRow:
    commit: str
    date: str  # ISO 8601, the author date
    author: str
    subject: str
    kind: str  # bump, promotion, rollback, env, or manual (no trailer)
    images: tuple[tuple[str, str | None, str | None], ...]  # (image, old tag, new tag)
    config: tuple[tuple[str, str | None, str | None], ...]  # (key, old, new)
    before: EnvSnapshot | None


def snapshot(text: str | None, source: str) -> EnvSnapshot | None:
    if text is None:
        return None
    try:
        kustomization = Kustomization(text, source)
        images = {e.name: (e.new_tag, e.digest) for e in kustomization.images()}
        return EnvSnapshot(images, kustomization.config())
    except GitopsError:
        return None  # a version that did not parse, or had no images: nothing to compare


def file_at(repo: git.Repo, commit: str, paths: Sequence[str]) -> str | None:
    """The overlay's kustomization at a commit, under whichever name kustomize accepts."""
    for path in paths:
        status, out, _ = repo.git.execute(["git", "show", f"{commit}:{path}"],
                                          with_extended_output=True, with_exceptions=False,
                                          strip_newline_in_stdout=False)
        if status == 0:
            return str(out)
    return None


def _value(v: object) -> str | None:
    """A tag with its digest (shortened), or a config value."""
    if isinstance(v, tuple):
        tag, digest = v
        return f"{tag}@{digest[:19]}" if tag and digest else (tag or None)
    return str(v) if v is not None else None


def _changes(old: dict[str, tuple[str | None, str | None]] | dict[str, str],
             new: dict[str, tuple[str | None, str | None]] | dict[str, str]
             ) -> tuple[tuple[str, str | None, str | None], ...]:
    return tuple((key, _value(old.get(key)), _value(new.get(key)))
                 for key in dict.fromkeys([*old, *new]) if old.get(key) != new.get(key))


def _paths(config: Config, env: str) -> list[str]:
    return [f"{config.overlay_rel(env)}/{name}" for name in KUSTOMIZATION_FILES]


def _merged(repo: git.Repo, sha: str, parents: list[str], paths: list[str]
            ) -> tuple[str, str] | None:
    """For a merge on the first-parent line: subject and kind of the newest merged change."""
    if len(parents) < 2:
        return None
    fmt = FIELD.join(("%s", "%(trailers:key=Change-Kind,valueonly,separator=%x2C)"))
    out = git.run(repo, "log", "-1", f"--format={fmt}", f"{parents[0]}..{sha}", "--no-merges",
                  "--", *paths).strip("\n")
    if not out:
        return None
    subject, kind = out.split(FIELD)
    return subject, kind.strip()


def history(config: Config, env: str, limit: int | None = None) -> list[HistoryRow]:
    """Newest first, along the first-parent line (a merged pull request is one change)."""
    config.require_env(env)
    if limit is not None and limit < 1:
        raise UsageError("--limit must be at least 1")
    repo = git.open_repo(config.root)
    paths = _paths(config, env)
    fmt = FIELD.join(("%H", "%P", "%an", "%aI", "%s",
                      "%(trailers:key=Change-Kind,valueonly,separator=%x2C)")) + RECORD
    log = git.run(repo, "log", "--first-parent", f"--format={fmt}", "--", *paths)
    rows: list[HistoryRow] = []
    for record in log.split(RECORD):
        if not record.strip():
            continue
        sha, parents, author, date, subject, kind = record.strip("\n").split(FIELD)
        parent_list = parents.split()
        parent = parent_list[0] if parent_list else None
        before = snapshot(file_at(repo, parent, paths), paths[0]) if parent else None
        after = snapshot(file_at(repo, sha, paths), paths[0])
        if after is None:
            continue
        old = before or EnvSnapshot({}, {})
        images = _changes(old.images, after.images)
        values = _changes(old.config, after.config)
        if not images and not values:
            continue
        merged = _merged(repo, sha, parent_list, paths)
        if merged is not None and not kind.strip():
            subject, kind = f"{subject} ({merged[0]})", merged[1]
        rows.append(HistoryRow(sha, date, author, subject, kind.strip() or "manual",
                               images, values, before))
        if limit is not None and len(rows) >= limit:
            break
    return rows


def state_at(config: Config, env: str, commit: str) -> EnvSnapshot:
    """The environment's images and config as of a commit of this repository."""
    repo = git.open_repo(config.root)
    sha = git.rev(repo, commit)
    if sha is None:
        raise UsageError(f"--to {commit} is not a commit")
    paths = _paths(config, env)
    found = snapshot(file_at(repo, sha, paths), paths[0])
    if found is None:
        raise GitopsError(f"{env} has no readable overlay at {commit}")
    return found
