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


@lru_cache(maxsize=16)
def _walk_all(root: str, tip: str, envs: tuple[tuple[str, tuple[str, ...]], ...]
              ) -> dict[str, tuple[Step, ...]]:
    """Every environment's steps, from one `git log` over all their overlays and one batch of
    file reads: the cost does not grow with the number of environments beyond reading them."""
    repo = gitrepo.open_repo(Path(root))
    fmt = RECORD + FIELD.join(("%H", "%P", "%an", "%aI", "%cI", "%B")) + FIELD
    everything = [path for _, paths in envs for path in paths]
    log = gitrepo.run(repo, "log", "--first-parent", "--name-only", f"--format={fmt}", tip,
                      "--", *everything)
    owner = {path: env for env, paths in envs for path in paths}
    commits: list[tuple[list[str], set[str]]] = []  # (fields, environments changed)
    for record in log.split(RECORD)[1:]:
        *fields, names = record.split(FIELD)
        changed = {owner[name] for name in names.split("\n") if name in owner}
        commits.append((fields, changed))
    paths_of = dict(envs)
    specs = [f"{fields[0]}:{path}" for fields, changed in commits for env in sorted(changed)
             for path in paths_of[env]]
    texts = iter(gitrepo.blobs(repo, specs))
    steps: dict[str, list[Step]] = {env: [] for env, _ in envs}
    for (sha, parents, author, authored, landed, body), changed in commits:
        for env in sorted(changed):
            found = [next(texts) for _ in paths_of[env]]
            steps[env].append(Step(sha, tuple(parents.split()), author, authored,
                                   datetime.fromisoformat(landed), body.strip("\n") + "\n",
                                   _state(found, paths_of[env][0])))
    return {env: tuple(found) for env, found in steps.items()}


def walk_all(root: Path, config: Config, rev: str = "HEAD", extra: str | None = None
             ) -> dict[str, tuple[Step, ...]]:
    """Every environment's changes on the first-parent line of `rev`, newest first (and those
    of `extra`, an overlay folder's name that is not an environment of `config`)."""
    tip = gitrepo.rev(gitrepo.open_repo(root), rev)
    if tip is None:
        raise GitopsError(f"{rev} is not a commit")
    envs = [*config.environments, *([extra] if extra else [])]
    return _walk_all(str(root), tip, tuple((e, overlay_paths(config, e)) for e in envs))


def walk(root: Path, config: Config, env: str, rev: str = "HEAD") -> tuple[Step, ...]:
    """The environment's changes on the first-parent line of `rev`, newest first."""
    extra = None if env in config.environments else env
    return walk_all(root, config, rev, extra)[env]


def state_at(root: Path, config: Config, env: str, commit: str) -> EnvSnapshot | None:
    """What the environment ran as of a commit (None: no readable overlay there)."""
    repo = gitrepo.open_repo(root)
    paths = overlay_paths(config, env)
    return _state(gitrepo.blobs(repo, [f"{commit}:{path}" for path in paths]), paths[0])
