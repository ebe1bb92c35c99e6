"""One walk over an environment's history: the first-parent commits of a branch that changed
its overlay's kustomization, newest first, each with what the environment ran after it.

Everything that asks what an environment ran and when (history, rollback, promotion, status,
metrics and the release gates) reads it from here. First-parent: a merged pull request is one
step, dated when it landed on the branch. The files are read by one git process per walk.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from pathlib import Path

from ..adapters import gitrepo
from ..adapters.kustomize import KUSTOMIZATION_FILES
from ..config.model import Config
from ..errors import GitopsError
from ..overlays.snapshot import EnvSnapshot, parse_snapshot

FIELD, RECORD = "\x1f", "\x1e"


@dataclass(frozen=True)
class Step:
    """One first-parent commit that changed an environment's overlay, and its state after."""

    commit: str
    parents: tuple[str, ...]
    author: str
    authored: str  # ISO 8601, the author date
    date: datetime  # the committer date: when it landed on the branch
    message: str
    state: EnvSnapshot | None  # None: the overlay did not parse, or was gone


def overlay_paths(config: Config, env: str) -> tuple[str, ...]:
    """The names the environment's kustomization may have, under whichever kustomize takes."""
    return tuple(f"{config.overlay_rel(env)}/{name}" for name in KUSTOMIZATION_FILES)


def _state(texts: Sequence[str | None], source: str) -> EnvSnapshot | None:
    text = next((t for t in texts if t is not None), None)
    return parse_snapshot(text, source)


@lru_cache(maxsize=64)
def _walk(root: str, tip: str, paths: tuple[str, ...]) -> tuple[Step, ...]:
    repo = gitrepo.open_repo(Path(root))
    fmt = FIELD.join(("%H", "%P", "%an", "%aI", "%cI", "%B")) + RECORD
    log = gitrepo.run(repo, "log", "--first-parent", f"--format={fmt}", tip, "--", *paths)
    records = [r.strip("\n").split(FIELD) for r in log.split(RECORD) if r.strip()]
    texts = gitrepo.blobs(repo, [f"{r[0]}:{path}" for r in records for path in paths])
    steps = []
    for index, (sha, parents, author, authored, landed, body) in enumerate(records):
        found = texts[index * len(paths):(index + 1) * len(paths)]
        steps.append(Step(sha, tuple(parents.split()), author, authored,
                          datetime.fromisoformat(landed), body, _state(found, paths[0])))
    return tuple(steps)


def walk(root: Path, config: Config, env: str, rev: str = "HEAD") -> tuple[Step, ...]:
    """The environment's changes on the first-parent line of `rev`, newest first."""
    tip = gitrepo.rev(gitrepo.open_repo(root), rev)
    if tip is None:
        raise GitopsError(f"{rev} is not a commit")
    return _walk(str(root), tip, overlay_paths(config, env))


def state_at(root: Path, config: Config, env: str, commit: str) -> EnvSnapshot | None:
    """What the environment ran as of a commit (None: no readable overlay there)."""
    repo = gitrepo.open_repo(root)
    paths = overlay_paths(config, env)
    return _state(gitrepo.blobs(repo, [f"{commit}:{path}" for path in paths]), paths[0])
