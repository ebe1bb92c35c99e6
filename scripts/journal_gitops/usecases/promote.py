"""`gitops promote`: carry the exact image tags (and digests) of one environment, and with
--with-config its config values, into the next one."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, fields
from pathlib import Path

from ..changelog import Changelog, changelog_lines, changelogs
from ..commit_message import (
    ALLOW_ROLLBACK,
    PROMOTED_COMMIT,
    PROMOTED_FROM,
    SOURCE_COMMIT,
    ChangeKind,
    Trailer,
    state_message,
)
from ..config import Config, load_config
from ..delivery import Delivery, DeliveryOptions, Proposal, deliver, read_file
from ..env_history import read_history
from ..errors import GitopsError, UsageError
from ..gates import (
    Overrides,
    check_not_frozen,
    check_soak,
    is_rollback,
    rollback_refusal,
    steps,
)
from ..images import Pin, commit_of_tag, select_images
from ..kustomization import Kustomization
from ..shas import short_sha
from ..snapshot import EnvSnapshot, StateChange, apply_snapshot, snapshot_of, verify_state


@dataclass(frozen=True)
class PromoteRequest:
    source: str
    target: str
    images: tuple[str, ...] = ()
    with_config: bool = False
    overrides: Overrides = field(default_factory=Overrides)
    allow_rollback: bool = False
    source_repo: Path | None = None  # a clone of the app repository, for the changelog


@dataclass(frozen=True)
class PromotedChange(StateChange):
    """A promotion, with the app commits it carries (known with --source-repo)."""

    changelog: tuple[Changelog, ...] = ()


def _check_order(config: Config, source: str, target: str, skip: str | None) -> None:
    config.require_env(source)
    config.require_env(target)
    if source == target:
        raise UsageError("--from and --to name the same environment")
    order = config.environments
    if not skip and order.index(target) != order.index(source) + 1:
        nxt = order[order.index(source) + 1] if order.index(source) + 1 < len(order) else None
        after = f"the next after {source} is {nxt}" if nxt else f"{source} is the last"
        raise UsageError(f"{target} is not next in promotion order ({after}); "
                         f"pass --skip-order REASON to promote anyway")


def _source_commit(config: Config, env: str, tags: Sequence[str]) -> str | None:
    """The commit of this repository that brought those tags to the source environment."""
    for row in read_history(config, env, limit=50):
        if any(move.new in tags for move in row.images):
            return row.commit
    return None


def promote(config: Config, request: PromoteRequest, options: DeliveryOptions
            ) -> Delivery[StateChange]:
    _check_order(config, request.source, request.target, request.overrides.skip_order)
    request.overrides.trailers()  # a reason must be one line, before anything is planned
    names = [image.name for image in select_images(config, request.images)]

    def plan(tree: Path) -> Proposal[StateChange] | None:
        cfg = load_config(tree)
        rel = cfg.overlay_file(request.source, tree)
        source = snapshot_of(Kustomization(read_file(tree, rel), rel), names)
        state = EnvSnapshot(source.images, source.config if request.with_config else {})
        change = apply_snapshot(tree, cfg, request.target, state, names)
        if change.edit is None:
            return None
        tags = [c.new for c in change.images]
        check_not_frozen(cfg, [request.target], request.overrides)
        history = steps(tree, cfg, request.target)
        rollbacks = [c for c in change.images if is_rollback(history, c.image, c.old, c.new)]
        if rollbacks and not request.allow_rollback:
            first = rollbacks[0]
            raise GitopsError(rollback_refusal(request.target, first.image, first.old, first.new))
        pins = {c.image: Pin(c.new, c.new_digest) for c in change.images if c not in rollbacks}
        if pins:
            check_soak(cfg, tree, request.target, request.source, pins, request.overrides,
                       "promote")
        trailers: list[Trailer] = [(PROMOTED_FROM, request.source)]
        brought = _source_commit(cfg, request.source, tags) if tags else None
        if brought:
            trailers.append((PROMOTED_COMMIT, brought))
        app_commit = commit_of_tag(cfg, tags[0]) if tags else None
        if app_commit:
            trailers.append((SOURCE_COMMIT, app_commit))
        trailers += request.overrides.trailers()
        if rollbacks:
            trailers.append((ALLOW_ROLLBACK, request.target))
        note = f"Promotes what {request.source} runs to {request.target}."
        logs = changelogs(cfg, request.source_repo,
                          [(c.env, c.old, c.new) for c in change.images])
        notes = [note, *([""] if logs else []), *changelog_lines(logs)]
        text = state_message("promote", ChangeKind.PROMOTION, change, notes, trailers)
        promoted = PromotedChange(**{f.name: getattr(change, f.name) for f in fields(change)},
                                  changelog=logs)
        return Proposal((change.edit,), text, promoted)

    def verify(tree: Path, proposal: Proposal[StateChange]) -> None:
        verify_state(config, tree, proposal.data)

    def branch(proposal: Proposal[StateChange]) -> str:
        images = proposal.data.images
        tag = short_sha(images[0].new) if images else "config"
        return f"promote/{request.source}-to-{request.target}/{tag}"

    return deliver(config.root, plan, verify, options, branch)
