"""One walk over an environment's history: the first-parent commits of a branch that changed
anything its render or its deployment reads (its reach: its overlay folder, every other folder
its kustomizations load, its Application, its entries in gitops.yaml), newest first, each with
the files it changed and what the environment ran after it (its pins: see overlays.pins).

Everything that asks what an environment ran and when (history, rollback, promotion, status,
metrics and the release gates) reads it from here. First-parent: a merged pull request is one
step, dated when it landed on the branch. One `git log` walks every environment; the files are
read by one git process per walk. The reach is that of the checked-out files: folders are
followed through links, so a change behind a link counts.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from functools import cached_property, lru_cache
from pathlib import Path
from typing import Any

from ..adapters import gitrepo
from ..adapters.kustomize import KUSTOMIZATION_FILES
from ..adapters.yamlload import load as load_yaml
from ..argocd.manifests import environment_applications
from ..config import CONFIG_FILE
from ..config.model import Config
from ..errors import GitopsError
from ..overlays import inputs
from ..overlays.pins import Wanted, pin_sources, wanted
from ..overlays.snapshot import EnvSnapshot, parse_snapshot

FIELD, RECORD = "\x1f", "\x1e"


@dataclass(frozen=True)
class Step:
    """One first-parent commit that changed what an environment reads, and its state after."""

    commit: str
    parents: tuple[str, ...]
    author: str
    authored: str  # ISO 8601, the author date
    date: datetime  # the committer date: when it landed on the branch
    message: str
    state: EnvSnapshot | None  # None: the overlay did not parse, or was gone
    files: tuple[str, ...] = ()  # what of the environment's reach it changed
    pinned: bool = True  # it changed what pins the environment's images and config: its
    # kustomization or a file it lists (so `state` was read anew)


@dataclass(frozen=True)
class Reach:
    """What an environment's render and deployment read from the repository."""

    own: str  # its overlay folder
    shared: tuple[str, ...]  # the other folders its kustomizations load
    app: str | None  # the file of its Application


class Reaches(dict[str, Reach]):
    """Each environment's reach, and which environments read a path: looked up by the path's
    folders, so that the cost does not grow with the number of environments."""

    @classmethod
    def overlays(cls, config: Config, envs: Sequence[str]) -> Reaches:
        """Only the overlay folders (and gitops.yaml): enough for what moves an environment's
        images, config and replicas, which its kustomization and the files it lists in its
        folder set, and nothing to read."""
        return cls((env, Reach(config.overlay_rel(env), (), None)) for env in envs)

    @cached_property
    def _folders(self) -> dict[str, set[str]]:
        readers: dict[str, set[str]] = {}
        for env, reach in self.items():
            for folder in (reach.own, *reach.shared):
                readers.setdefault(folder, set()).add(env)
        return readers

    @cached_property
    def _apps(self) -> dict[str, set[str]]:
        readers: dict[str, set[str]] = {}
        for env, reach in self.items():
            if reach.app:
                readers.setdefault(reach.app, set()).add(env)
        return readers

    def readers(self, path: str) -> frozenset[str]:
        """The environments whose reach has `path` (gitops.yaml: all of them)."""
        if path == CONFIG_FILE:
            return frozenset(self)
        found = self._apps.get(path, set()) | self._folders.get(path, set())
        folder = path
        while "/" in folder:
            folder = folder.rsplit("/", 1)[0]
            found |= self._folders.get(folder, set())
        return frozenset(found)

    def owns(self, env: str, path: str) -> bool:
        """Whether a file is the environment's own: in its overlay folder, or in a folder it
        loads that no other environment does (its Application and gitops.yaml are parts of
        their own)."""
        reach = self[env]
        return path.startswith(f"{reach.own}/") or (
            path not in (reach.app, CONFIG_FILE) and self.readers(path) == {env})


def reaches(root: Path, config: Config, envs: Sequence[str]) -> Reaches:
    """Each environment's reach, as the files under `root` have it."""
    top = root.resolve()
    batch = inputs.Batch()
    try:
        apps = environment_applications(root, config)
    except GitopsError:
        apps = {}
    found = Reaches()
    for env in envs:
        own = config.overlay_rel(env)
        folder = root / own
        loaded = inputs.inspect(folder, root, batch).folders if folder.is_dir() else ()
        shared = sorted({f.relative_to(top).as_posix() for f in loaded if f.is_relative_to(top)}
                        - {own, "."})
        shared = [f for f in shared if not f.startswith(f"{own}/")]
        app = apps.get(env)
        found[env] = Reach(own, tuple(shared), app.source if app else None)
    return found


def overlay_paths(config: Config, env: str) -> tuple[str, ...]:
    """The names the environment's kustomization may have, under whichever kustomize takes."""
    return tuple(f"{config.overlay_rel(env)}/{name}" for name in KUSTOMIZATION_FILES)


def _first(texts: Sequence[str | None]) -> str | None:
    """The kustomization among the names kustomize takes."""
    return next((t for t in texts if t is not None), None)


def _states(reader: gitrepo.BlobReader, commits: Sequence[tuple[str, dict[str, tuple[str, ...]]]],
            paths_of: dict[str, tuple[str, ...]], images: Wanted
            ) -> dict[tuple[str, str], EnvSnapshot | None]:
    """What each environment ran after each commit (sha, newest first, with the files it
    changed of each environment) that changed what pins it: its kustomization, or a file the
    kustomization lists (see pins.pin_sources). Two rounds of reads: the kustomizations those
    commits changed, then the listed files each commit changed or newly listed; a file a
    commit left alone is carried from the commit before, so a file is read once a change."""
    touching = [(sha, env) for sha, touched in commits for env in sorted(touched)
                if set(touched[env]) & set(paths_of[env])]
    texts = iter(reader.read([f"{sha}:{path}" for sha, env in touching
                              for path in paths_of[env]]))
    kustomizations = {key: _first([next(texts) for _ in paths_of[key[1]]]) for key in touching}
    # Oldest first, each environment's kustomization and listed files carried along.
    current: dict[str, tuple[str | None, tuple[str, ...]]] = {}
    steps: list[tuple[str, str, str | None, tuple[str, ...], list[str]]] = []
    for sha, touched in reversed(commits):
        for env in sorted(touched):
            text, listed = current.get(env, (None, ()))
            changed = set(touched[env])
            if (sha, env) in kustomizations:
                text = kustomizations[(sha, env)]
                now = pin_sources(text, paths_of[env][0])
                reads = [path for path in now if path in changed or path not in listed]
                listed = now
            elif changed & set(listed):
                reads = [path for path in listed if path in changed]
            else:
                continue
            current[env] = (text, listed)
            steps.append((sha, env, text, listed, reads))
    read = iter(reader.read([f"{sha}:{path}" for sha, _, _, _, reads in steps
                             for path in reads]))
    files: dict[str, dict[str, str | None]] = {}
    states: dict[tuple[str, str], EnvSnapshot | None] = {}
    for sha, env, text, listed, reads in steps:
        known = files.setdefault(env, {})
        known.update((path, next(read)) for path in reads)
        states[(sha, env)] = parse_snapshot(
            text, paths_of[env][0], tuple((path, known.get(path)) for path in listed), images)
    return states


def _mapping(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _settings(text: str | None, envs: Sequence[str]) -> dict[str, str]:
    """Each environment's entries in a version of gitops.yaml: its promotion stage and the one
    before, its cluster, minimum soak, freezes, waivers and holds (compared, never shown)."""
    try:
        data = load_yaml(text or "", CONFIG_FILE)
    except GitopsError:
        return dict.fromkeys(envs, "unreadable")
    data = data if isinstance(data, dict) else {}
    stages = [s if isinstance(s, list) else [s] for s in data.get("environments") or []]
    clusters = _mapping(data.get("clusters"))
    soak = _mapping(data.get("minSoak"))

    def named(key: str, env: str) -> list[Any]:
        items = data.get(key)
        return [i for i in items if isinstance(i, dict) and i.get("env") == env] \
            if isinstance(items, list) else []

    found = {}
    for env in envs:
        place = next((i for i, stage in enumerate(stages) if env in stage), None)
        before = stages[place - 1] if place else None
        cluster = [name for name, c in clusters.items()
                   if isinstance(c, dict) and env in (c.get("environments") or [])]
        found[env] = repr((stages[place] if place is not None else None, before, cluster,
                           soak.get(env), named("freezes", env), named("waivers", env),
                           named("holds", env)))
    return found


@lru_cache(maxsize=16)
def _walk_all(root: str, tip: str, envs: tuple[tuple[str, tuple[str, ...], Reach], ...],
              images: Wanted) -> dict[str, tuple[Step, ...]]:
    """Every environment's steps, from one `git log` over all their reaches and one git process
    reading files: the cost does not grow with the number of environments beyond reading
    them."""
    repo = gitrepo.open_repo(Path(root))
    fmt = RECORD + FIELD.join(("%H", "%P", "%an", "%aI", "%cI", "%B")) + FIELD
    everything = sorted({path for _, paths, reach in envs for path in (
        *paths, reach.own, *reach.shared, *([reach.app] if reach.app else []), CONFIG_FILE)})
    log = gitrepo.run(repo, "log", "--first-parent", "--name-only", "--no-renames",
                      f"--format={fmt}", tip, "--", *everything)
    index = Reaches((env, reach) for env, _, reach in envs)
    commits: list[tuple[list[str], dict[str, tuple[str, ...]]]] = []
    for record in log.split(RECORD)[1:]:
        *fields, names = record.split(FIELD)
        found: dict[str, list[str]] = {}
        for name in filter(None, names.split("\n")):
            for env in index.readers(name):
                found.setdefault(env, []).append(name)
        commits.append((fields, {env: tuple(files) for env, files in found.items()}))
    paths_of = {env: paths for env, paths, _ in envs}
    configs = [(fields[0], fields[1].split()[:1]) for fields, touched in commits
               if any(CONFIG_FILE in files for files in touched.values())]
    with gitrepo.BlobReader(repo) as reader:
        config_texts = iter(reader.read([f"{rev}:{CONFIG_FILE}" for sha, parent in configs
                                         for rev in (sha, *parent)]))
        settings: dict[str, tuple[str | None, str | None]] = {
            sha: (next(config_texts), next(config_texts) if parent else None)
            for sha, parent in configs}
        states = _states(reader, [(fields[0], touched) for fields, touched in commits],
                         paths_of, images)
    steps: dict[str, list[Step]] = {env: [] for env, _, _ in envs}
    read: dict[str | None, dict[str, str]] = {}

    def settled(text: str | None) -> dict[str, str]:
        if text not in read:
            read[text] = _settings(text, list(steps))
        return read[text]

    for (sha, parents, author, authored, landed, body), touched in commits:
        for env in sorted(touched):
            files = touched[env]
            if CONFIG_FILE in files and sha in settings:
                now, then = settings[sha]
                if settled(now).get(env) == settled(then).get(env):
                    files = tuple(f for f in files if f != CONFIG_FILE)
            pinned = (sha, env) in states
            state = states.get((sha, env))
            if files:
                steps[env].append(Step(sha, tuple(parents.split()), author, authored,
                                       datetime.fromisoformat(landed), body.strip("\n") + "\n",
                                       state, files, pinned))
    return {env: _carried(found) for env, found in steps.items()}


def _carried(steps: list[Step]) -> tuple[Step, ...]:
    """Each step with the state the environment ran after it: one that left the kustomization
    as it was runs what the one before it left."""
    out: list[Step] = []
    state: EnvSnapshot | None = None
    for step in reversed(steps):
        if step.pinned:
            state = step.state
        out.append(step if step.pinned else replace(step, state=state))
    return tuple(reversed(out))


def walk_all(root: Path, config: Config, rev: str = "HEAD", extra: str | None = None,
             reach: Reaches | None = None) -> dict[str, tuple[Step, ...]]:
    """Every environment's changes of anything it reads on the first-parent line of `rev`,
    newest first (and those of `extra`, an overlay folder's name that is not an environment of
    `config`); `pinned` keeps those of its pins. `reach`: the environments' reaches, when the
    caller has them already."""
    tip = gitrepo.rev(gitrepo.open_repo(root), rev)
    if tip is None:
        raise GitopsError(f"{rev} is not a commit")
    envs = [*config.environments, *([extra] if extra else [])]
    if reach is None or any(env not in reach for env in envs):
        reach = reaches(root, config, envs)
    return _walk_all(str(root), tip, tuple((e, overlay_paths(config, e), reach[e])
                                           for e in envs), wanted(config))


def pinned(steps: Sequence[Step]) -> tuple[Step, ...]:
    """The steps that changed the kustomization or a file it lists: what the environment's pins
    are read from."""
    return tuple(step for step in steps if step.pinned)


def walk(root: Path, config: Config, env: str, rev: str = "HEAD") -> tuple[Step, ...]:
    """The environment's changes of what it runs (its pins, see overlays.pins) on the
    first-parent line of `rev`, newest first."""
    return pinned(reach_walk(root, config, env, rev))


def reach_walk(root: Path, config: Config, env: str, rev: str = "HEAD") -> tuple[Step, ...]:
    """Every change of anything the environment reads, newest first."""
    extra = None if env in config.environments else env
    return walk_all(root, config, rev, extra)[env]


def state_at(root: Path, config: Config, env: str, commit: str) -> EnvSnapshot | None:
    """What the environment ran as of a commit (None: no readable overlay there)."""
    paths = overlay_paths(config, env)
    with gitrepo.BlobReader(gitrepo.open_repo(root)) as reader:
        text = _first(reader.read([f"{commit}:{path}" for path in paths]))
        listed = pin_sources(text, paths[0])
        files = tuple(zip(listed, reader.read([f"{commit}:{path}" for path in listed]),
                          strict=True))
    return parse_snapshot(text, paths[0], files, wanted(config))
