"""An environment's history as `gitops history` shows it: every step of its walk (a commit that
changed anything it reads), with the files it changed, what changed (images, config values,
replicas, another file of its overlay, a folder other environments share, its Application, its
entries in gitops.yaml) and the kind of change its trailers name."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import Enum
from typing import NamedTuple

from ..adapters import gitrepo
from ..adapters.kustomize import KUSTOMIZATION_FILES
from ..adapters.shas import short_digest
from ..config import CONFIG_FILE
from ..config.model import Config
from ..errors import GitopsError, UsageError
from ..overlays.images import Pin
from ..overlays.snapshot import EnvSnapshot
from .trailers import CHANGE_KIND, ChangeKind, parse
from .walker import Reaches, Step, overlay_paths, reach_walk, reaches, state_at


class Move(NamedTuple):
    """One image or config value of a history row: from, to (None: absent)."""

    what: str
    old: str | None
    new: str | None


class Part(str, Enum):
    """What of an environment a change changed."""

    IMAGES = "images"
    CONFIG = "config"
    REPLICAS = "replicas"
    OVERLAY = "overlay"  # another file of its own overlay folder
    SHARED = "shared"  # a file of a folder other environments load too
    APP = "app"  # its Application
    SETTINGS = "settings"  # its entries in gitops.yaml

    def __str__(self) -> str:
        return self.value


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
    part_files: tuple[tuple[Part, tuple[str, ...]], ...] = ()  # what changed, by part
    reached: tuple[str, ...] = ()  # for a shared change: every environment it reaches
    trailers: tuple[tuple[str, str], ...] = ()  # of its commit message

    def trailer(self, key: str) -> list[str]:
        return [value for k, value in self.trailers if k.lower() == key.lower()]

    @property
    def parts(self) -> tuple[Part, ...]:
        return tuple(part for part, _ in self.part_files)

    @property
    def files(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(f for _, files in self.part_files for f in files))

    @property
    def shared(self) -> bool:
        return Part.SHARED in self.parts

    def files_of(self, part: Part) -> tuple[str, ...]:
        return next((files for p, files in self.part_files if p == part), ())


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


def _parts(step: Step, env: str, reach_of: Reaches, images: tuple[Move, ...],
           values: tuple[Move, ...], replicas: bool, places: frozenset[str]
           ) -> tuple[tuple[Part, tuple[str, ...]], ...]:
    """Each part of the environment the step changed, with its files (`places`: the files
    that pin the images it moved, before or after)."""
    reach = reach_of[env]
    pins = tuple(f"{reach.own}/{name}" for name in KUSTOMIZATION_FILES)
    own = tuple(f for f in step.files if reach_of.owns(env, f))
    kustomization = tuple(f for f in own if f in pins)
    placed = tuple(f for f in own if f in places)
    found: list[tuple[Part, tuple[str, ...]]] = [
        (part, files) for part, moved, files in (
            (Part.IMAGES, images, placed or kustomization), (Part.CONFIG, values, kustomization),
            (Part.REPLICAS, replicas, kustomization)) if moved]
    rest = tuple(f for f in own if f not in pins and f not in placed)
    if rest or (kustomization and not found):
        found.append((Part.OVERLAY, rest or kustomization))
    shared = tuple(f for f in step.files if f not in own and f not in (reach.app, CONFIG_FILE))
    found += [(Part.SHARED, shared)] * bool(shared)
    if reach.app and reach.app in step.files:
        found.append((Part.APP, (reach.app,)))
    found += [(Part.SETTINGS, (CONFIG_FILE,))] * (CONFIG_FILE in step.files)
    return tuple(found)


def read_history(config: Config, env: str, limit: int | None = None,
                 steps: tuple[Step, ...] | None = None,
                 reach_of: Reaches | None = None) -> list[HistoryRow]:
    """Newest first, along the first-parent line (a merged pull request is one change);
    `steps`: the environment's walk, when the caller has it already."""
    config.require_env(env)
    if limit is not None and limit < 1:
        raise UsageError("--limit must be at least 1")
    steps = reach_walk(config.root, config, env) if steps is None else steps
    if reach_of is None:
        reach_of = reaches(config.root, config, config.environments)
    paths = overlay_paths(config, env)
    rows: list[HistoryRow] = []
    for index, step in enumerate(steps):
        after = step.state
        later = steps[index + 1:]
        before = later[0].state if later else None
        old = before or EnvSnapshot({}, {})
        now = after or EnvSnapshot({}, {})
        read = step.pinned and after is not None  # an overlay that did not parse says nothing
        images = _changes(old.images, now.images) if read else ()
        values = _changes(old.config, now.config) if read else ()
        replicas = read and before is not None and old.replicas != now.replicas
        places = frozenset(f for move in images for state in (old, now)
                           for f in state.places.get(move.what, ()))
        parts = _parts(step, env, reach_of, images, values, replicas, places)
        if not parts:
            continue
        shared = dict(parts).get(Part.SHARED, ())
        message = parse(step.message)
        subject, kind = message.subject, message.kind
        merged = _merged(config, step, paths)
        if merged is not None and not message.values(CHANGE_KIND):
            subject, kind = f"{subject} ({merged[0]})", merged[1]
        readers = set().union(*(reach_of.readers(f) for f in shared))
        reached = tuple(e for e in reach_of if e in readers)
        rows.append(HistoryRow(step.commit, step.authored, step.author, subject, kind, images,
                               values, before, parts, reached, message.trailers))
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
