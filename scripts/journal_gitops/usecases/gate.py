"""`gitops gate`: the release gates, asked of the change a pull request makes, however it was
made (by the tooling or by hand). The rules are those in force on the base: its gitops.yaml
(freezes, soak) and its first-parent history (what each environment ran, and since when).

An environment counts as changed when a file of its overlay or its Application changes, or
anything under base/ (which every overlay builds on). For each changed environment:

- frozen now: needs a `Break-Glass:` trailer on a commit of the change for that environment;
- images moved back (to a tag older by the tag scheme's order, or to one it ran before): needs
  such a commit of kind rollback or with `Allow-Rollback:`; a rollback passes the order and soak
  gates;
- images moved in any environment but the first: they must be what the environment before it
  runs on the base (or a `Promoted-From:` environment's), else `Skip-Order:`;
- and, with a minimum soak, they must have run there that long, else `Skip-Soak:`.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from ..adapters import gitrepo
from ..adapters.shas import short_sha
from ..config.model import Config
from ..errors import GitopsError
from ..gates.checks import MoveBack, holds_over, moves_back, soak_verdict
from ..history.revisions import config_at, sides
from ..history.trailers import (
    ALLOW_ROLLBACK,
    BREAK_GLASS,
    ENVIRONMENT,
    PROMOTED_FROM,
    SKIP_ORDER,
    SKIP_SOAK,
    ChangeKind,
    parse,
)
from ..history.walker import walk
from ..overlays.images import Pin
from ..overlays.snapshot import EnvSnapshot, tree_snapshot
from ..timing.clock import now

RECORD = "\x1e"


@dataclass(frozen=True)
class Violation:
    env: str
    gate: str  # freeze, order, soak or rollback
    message: str


@dataclass(frozen=True)
class GateReport:
    base: str
    head: str  # a commit, or "working tree"
    now: datetime
    changed: tuple[str, ...]  # environments the change touches
    violations: tuple[Violation, ...]

    @property
    def ok(self) -> bool:
        return not self.violations


def _trailers(repo: gitrepo.Repo, base: str, head: str) -> dict[str, dict[str, list[str]]]:
    """For each environment, the trailers of the change's commits that name it (a commit's
    Change-Kind counts as a trailer too)."""
    out: dict[str, dict[str, list[str]]] = {}
    log = gitrepo.run(repo, "log", f"--format=%B{RECORD}", f"{base}..{head}")
    for text in log.split(RECORD):
        if not text.strip():
            continue
        message = parse(text)
        for env in message.values(ENVIRONMENT):
            found = out.setdefault(env, {})
            for key, value in message.trailers:
                found.setdefault(key.lower(), []).append(value)
    return out


def _app_file(root: Path, config: Config, env: str) -> str | None:
    from ..argocd.manifests import find_application

    try:
        app = find_application(root, config, env)
    except GitopsError:
        return None
    return app.source if app else None


def _snapshot(root: Path, config: Config, env: str) -> EnvSnapshot | None:
    if not (root / config.overlay_file(env, root)).is_file():
        return None
    try:
        return tree_snapshot(root, config, env)
    except GitopsError:  # an overlay that does not parse says nothing of what runs
        return None


@contextlib.contextmanager
def _sides(config: Config, repo: gitrepo.Repo, base: str, head: str | None
           ) -> Iterator[tuple[Path, Path]]:
    with contextlib.ExitStack() as stack:
        base_root = stack.enter_context(gitrepo.worktree(repo, base))
        head_root = stack.enter_context(gitrepo.worktree(repo, head)) if head else config.root
        yield base_root, head_root



@dataclass
class _Checker:
    """The gates of one environment of the change."""

    base_cfg: Config
    base_root: Path
    base_sha: str
    trailers: dict[str, dict[str, list[str]]]
    moment: datetime

    def has(self, env: str, key: str) -> bool:
        return bool(self.trailers.get(env, {}).get(key.lower()))

    def freeze(self, env: str) -> Iterator[Violation]:
        active = self.base_cfg.gates.active(env, self.moment)
        if active is not None and not self.has(env, BREAK_GLASS):
            yield Violation(env, "freeze", f"{active.message(env)}; a change needs a commit "
                                           f"with a {BREAK_GLASS} trailer for {env}")

    def images(self, env: str, before: EnvSnapshot, after: EnvSnapshot) -> Iterator[Violation]:
        moved = {name: pin for name, pin in after.images.items()
                 if pin != before.images.get(name) and pin.tag}
        if not moved:
            return
        if not self.has(env, BREAK_GLASS):
            for hold in holds_over(self.base_cfg, env):
                scheme = self.base_cfg.tag_scheme
                if any(hold.covers(name, pin.tag or "", scheme) for name, pin in moved.items()):
                    yield Violation(env, "hold", f"{hold.describe()}; a change bringing it "
                                                 f"back needs a commit with a {BREAK_GLASS} "
                                                 f"trailer for {env}")
        history = walk(self.base_root, self.base_cfg, env, self.base_sha)
        rolled: dict[str, MoveBack] = {}
        for name, pin in moved.items():
            old = before.images.get(name, Pin(None, None)).tag
            move = moves_back(self.base_cfg.tag_scheme, history, name, old, pin.tag or "")
            if move is not None:
                rolled[name] = move
        allowed = self.has(env, ALLOW_ROLLBACK) or ChangeKind.ROLLBACK.value in [
            v.strip() for v in self.trailers.get(env, {}).get("change-kind", [])]
        for move in rolled.values():
            if not allowed:
                why = (f"which comes before {move.old} in {move.order} order" if move.order
                       else f"which {env} ran before (it runs {short_sha(move.old)})")
                yield Violation(env, "rollback", f"{move.image} moves back to "
                                f"{short_sha(move.new)}, {why}: a rollback needs a commit of "
                                f"kind rollback or with an {ALLOW_ROLLBACK} trailer for {env}")
        forward = {name: pin for name, pin in moved.items() if name not in rolled}
        if forward:
            yield from self._order_and_soak(env, forward)

    def _order_and_soak(self, env: str, moved: dict[str, Pin]) -> Iterator[Violation]:
        previous = self.base_cfg.previous_env(env)
        if previous is None:
            return
        stage = self.base_cfg.previous_stage(env)
        named = self.trailers.get(env, {}).get(PROMOTED_FROM.lower(), [])
        source = named[0] if named and named[0] in self.base_cfg.environments else previous
        source_state = _snapshot(self.base_root, self.base_cfg, source)
        runs = source_state is not None and all(
            source_state.images.get(name) == pin for name, pin in moved.items())
        tags = ", ".join(dict.fromkeys(short_sha(pin.tag) for pin in moved.values()))
        # git log lists the newest commit first: named[0] is the latest promotion's source.
        if (source not in stage or not runs) and not self.has(env, SKIP_ORDER):
            why = (f"they come from {source}, not {' or '.join(stage)}" if source not in stage
                   else f"{source} does not run them")
            yield Violation(env, "order", f"{env} gets {tags}, but {why}: a change out of "
                                          f"promotion order needs a {SKIP_ORDER} trailer")
        if self.has(env, SKIP_SOAK):
            return
        verdict = soak_verdict(self.base_cfg,
                               walk(self.base_root, self.base_cfg, source, self.base_sha),
                               env, source, moved)
        if verdict is not None and verdict.refused(self.moment):
            yield Violation(env, "soak", f"{verdict.message(moved)}; a change sooner needs a "
                                         f"{SKIP_SOAK} trailer")


def gate(config: Config, base: str | None = None, head: str | None = None) -> GateReport:
    repo = gitrepo.open_repo(config.root)
    base_sha, head_sha = sides(repo, base, head, config.deploy_branch)
    moment = now()
    trailers = _trailers(repo, base_sha, head_sha or "HEAD")
    paths = gitrepo.changes(repo, base_sha, head_sha).paths
    violations: list[Violation] = []
    changed: list[str] = []
    with _sides(config, repo, base_sha, head_sha) as (base_root, head_root):
        base_cfg = config_at(base_root, "base")
        head_cfg = config_at(head_root, "head")
        checker = _Checker(base_cfg, base_root, base_sha, trailers, moment)
        shared = any(p.startswith("base/") for p in paths)
        for env in base_cfg.environments:
            overlay = base_cfg.overlay_rel(env) + "/"
            app_files = {_app_file(base_root, base_cfg, env), _app_file(head_root, head_cfg, env)}
            if not (shared or any(p.startswith(overlay) or p in app_files for p in paths)):
                continue
            changed.append(env)
            violations += checker.freeze(env)
            before = _snapshot(base_root, base_cfg, env)
            after = _snapshot(head_root, head_cfg, env)
            if before is not None and after is not None:
                violations += checker.images(env, before, after)
    return GateReport(base_sha, head_sha or "working tree", moment, tuple(changed),
                      tuple(violations))
