"""`gitops promote`: carry the exact image tags (and digests) of one environment, and with
--with-config its config values, into the next stage: one of its environments, or several in
one commit."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from ..adapters.files import read_file
from ..adapters.shas import branch_part
from ..changes.delivery import Delivery, DeliveryOptions, Proposal, deliver
from ..config.gates import Hold
from ..config.load import load_config
from ..config.model import Config
from ..errors import GateRefusal, UsageError
from ..gates.checks import (
    Overrides,
    check_not_frozen,
    check_not_held,
    check_soak,
    moves_back,
)
from ..history.changelog import Changelog, changelog_lines, changelogs
from ..history.entries import read_history
from ..history.trailers import (
    ALLOW_ROLLBACK,
    PROMOTED_COMMIT,
    PROMOTED_FROM,
    SOURCE_COMMIT,
    SOURCE_TAG,
    ChangeKind,
    Trailer,
    state_message,
)
from ..history.walker import walk
from ..overlays.images import Pin, commit_of_tag, select_images
from ..overlays.kustomization import read_values
from ..overlays.snapshot import (
    EnvSnapshot,
    StateChange,
    apply_snapshot,
    tree_snapshot,
    verify_state,
)


@dataclass(frozen=True)
class PromoteRequest:
    source: str
    targets: tuple[str, ...]  # one, or several environments of the next stage
    images: tuple[str, ...] = ()
    with_config: bool = False
    overrides: Overrides = field(default_factory=Overrides)
    allow_rollback: bool = False
    source_repo: Path | None = None  # a clone of the app repository, for the changelog


@dataclass(frozen=True)
class Promotion:
    """A promotion: each target environment's change, and the app commits it carries (known
    with --source-repo)."""

    source: str
    changes: tuple[StateChange, ...]
    changelog: tuple[Changelog, ...] = ()
    unchanged: tuple[str, ...] = ()  # targets that already run what the source runs
    rendered: tuple[str, ...] = ()
    restored: tuple[str, ...] = ()
    holds: tuple[Hold, ...] = ()


def differing_config(config: Config, source: str, targets: Sequence[str]) -> tuple[str, ...]:
    """The config keys whose values the targets do not share with the source: what
    `--with-config` would promote."""
    def values(env: str) -> dict[str, str]:
        rel = config.overlay_file(env)
        return read_values(read_file(config.root, rel), rel).config

    there = values(source)
    return tuple(sorted({key for target in targets for key, value in values(target).items()
                         if key in there and there[key] != value}))


def _check_order(config: Config, source: str, targets: Sequence[str], skip: str | None) -> None:
    config.require_env(source)
    if not targets:
        raise UsageError("name the environment to promote to with --to")
    for target in targets:
        config.require_env(target)
        if source == target:
            raise UsageError("--from and --to name the same environment")
    following = config.next_stage(source)
    wrong = [target for target in targets if target not in following]
    if wrong and not skip:
        after = (f"the next stage after {source} is {', '.join(following)}" if following
                 else f"{source} is in the last stage")
        raise GateRefusal(f"{wrong[0]} is not next in promotion order ({after}); "
                          f"pass --skip-order REASON to promote anyway")


def _source_commit(config: Config, env: str, tags: Sequence[str]) -> str | None:
    """The commit of this repository that brought those tags to the source environment."""
    for row in read_history(config, env, limit=50):
        if any(move.new in tags for move in row.images):
            return row.commit
    return None


def promote(config: Config, request: PromoteRequest, options: DeliveryOptions
            ) -> Delivery[Promotion]:
    """Move each target to what the source runs, all targets in one commit."""
    targets = tuple(dict.fromkeys(request.targets))
    _check_order(config, request.source, targets, request.overrides.skip_order)
    request.overrides.trailers()  # a reason must be one line, before anything is planned
    names = [image.name for image in select_images(config, request.images)]

    def plan(tree: Path) -> Proposal[Promotion] | None:
        cfg = load_config(tree)
        source = tree_snapshot(tree, cfg, request.source)
        state = EnvSnapshot({name: pin for name, pin in source.images.items() if name in names},
                            source.config if request.with_config else {})
        changes = [change for change in (apply_snapshot(tree, cfg, target, state, names)
                                         for target in targets) if change.edits]
        if not changes:
            return None
        check_not_frozen(cfg, [change.env for change in changes], request.overrides)
        check_not_held(cfg, {change.env: {c.image: c.new for c in change.images}
                             for change in changes}, request.overrides)
        allowed: list[str] = []
        for change in changes:
            if _forward(tree, cfg, request, change):
                allowed.append(change.env)
        tags = list(dict.fromkeys(c.new for change in changes for c in change.images))
        trailers: list[Trailer] = [(PROMOTED_FROM, request.source)]
        brought = _source_commit(cfg, request.source, tags) if tags else None
        if brought:
            trailers.append((PROMOTED_COMMIT, brought))
        app_commit = commit_of_tag(cfg, tags[0]) if tags else None
        if app_commit:
            trailers.append((SOURCE_COMMIT, app_commit))
        elif len(tags) == 1 and not cfg.tag_scheme.of_commits:
            trailers.append((SOURCE_TAG, tags[0]))
        trailers += request.overrides.trailers()
        trailers += [(ALLOW_ROLLBACK, env) for env in allowed]
        moved = [change.env for change in changes]
        unchanged = tuple(target for target in targets if target not in moved)
        note = f"Promotes what {request.source} runs to {' and '.join(moved)}." + (
            f" {' and '.join(unchanged)} already run{'s' if len(unchanged) == 1 else ''} it."
            if unchanged else "")
        logs = changelogs(cfg, request.source_repo,
                          [(c.env, c.old, c.new) for change in changes for c in change.images])
        notes = [note, *([""] if logs else []), *changelog_lines(logs)]
        text = state_message("promote", ChangeKind.PROMOTION, changes, notes, trailers)
        edits = tuple(edit for change in changes for edit in change.edits)
        return Proposal(edits, text, Promotion(request.source, tuple(changes), logs, unchanged))

    def verify(tree: Path, proposal: Proposal[Promotion]) -> None:
        for change in proposal.data.changes:
            verify_state(config, tree, change)

    def branch(proposal: Proposal[Promotion]) -> str:
        changes = proposal.data.changes
        images = [c for change in changes for c in change.images]
        tag = branch_part(images[0].new) if images else "config"
        moved = "+".join(change.env for change in changes)
        return f"promote/{request.source}-to-{moved}/{tag}"

    return deliver(config.root, plan, verify, options, branch)


def _forward(tree: Path, cfg: Config, request: PromoteRequest, change: StateChange) -> bool:
    """Hold one target's move to the gates: a move back needs --allow-rollback (returns True
    then, for its trailer), a move forward the source's soak."""
    history = walk(tree, cfg, change.env)
    rollbacks = [move for move in (moves_back(cfg.tag_scheme, history, c.image, c.old, c.new)
                                   for c in change.images) if move is not None]
    if rollbacks and not request.allow_rollback:
        raise GateRefusal(rollbacks[0].refusal(change.env))
    back = {move.image for move in rollbacks}
    pins = {c.image: Pin(c.new, c.new_digest) for c in change.images if c.image not in back}
    if pins:
        check_soak(cfg, tree, change.env, request.source, pins, request.overrides, "promote")
    return bool(rollbacks)
