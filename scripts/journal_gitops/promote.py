"""`gitops promote`: carry the exact image tags (and digests) of one environment, and with
--with-config its config values, into the next one."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from .bump import commit_of_tag, select_images, short
from .change import GitOptions, Outcome, Proposal, deliver, read_file
from .config import Config, load_config
from .deploy_state import StateChange, apply_state, message, verify_state
from .errors import UsageError
from .history import EnvSnapshot, history
from .kustomization import Kustomization


@dataclass(frozen=True)
class PromoteRequest:
    source: str
    target: str
    images: tuple[str, ...] = ()
    with_config: bool = False
    skip_order: bool = False


def _check_order(config: Config, source: str, target: str, skip: bool) -> None:
    config.require_env(source)
    config.require_env(target)
    if source == target:
        raise UsageError("--from and --to name the same environment")
    order = config.environments
    if not skip and order.index(target) != order.index(source) + 1:
        nxt = order[order.index(source) + 1] if order.index(source) + 1 < len(order) else None
        after = f"the next after {source} is {nxt}" if nxt else f"{source} is the last"
        raise UsageError(f"{target} is not next in promotion order ({after}); "
                         f"pass --skip-order to promote anyway")


def _source_commit(config: Config, env: str, tags: Sequence[str]) -> str | None:
    """The commit of this repository that brought those tags to the source environment."""
    for row in history(config, env, limit=50):
        if any(new in tags for _, _, new in row.images):
            return row.commit
    return None


def promote(config: Config, request: PromoteRequest, options: GitOptions) -> Outcome:
    _check_order(config, request.source, request.target, request.skip_order)
    names = [image.name for image in select_images(config, request.images)]

    def plan(tree: Path) -> Proposal | None:
        cfg = load_config(tree)
        rel = cfg.overlay_file(request.source, tree)
        source = Kustomization(read_file(tree, rel), rel)
        images = {e.name: (e.new_tag, e.digest) for e in source.images() if e.name in names}
        state = EnvSnapshot(images, source.config() if request.with_config else {})
        change = apply_state(tree, cfg, request.target, state, names)
        if change.edit is None:
            return None
        tags = [c.new for c in change.images]
        trailers = [f"Promoted-From: {request.source}"]
        brought = _source_commit(cfg, request.source, tags) if tags else None
        if brought:
            trailers.append(f"Promoted-Commit: {brought}")
        app_commit = commit_of_tag(cfg, tags[0]) if tags else None
        if app_commit:
            trailers.append(f"Source-Commit: {app_commit}")
        note = f"Promotes what {request.source} runs to {request.target}."
        text = message("promote", "promotion", change, [note], trailers)
        return Proposal((change.edit,), text, change)

    def verify(tree: Path, proposal: Proposal) -> None:
        assert isinstance(proposal.data, StateChange)
        verify_state(config, tree, proposal.data)

    def branch(proposal: Proposal) -> str:
        assert isinstance(proposal.data, StateChange)
        tag = short(proposal.data.images[0].new) if proposal.data.images else "config"
        return f"promote/{request.source}-to-{request.target}/{tag}"

    return deliver(config.root, plan, verify, options, branch)
