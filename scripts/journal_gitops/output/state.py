"""What `gitops promote` and `gitops rollback` print: the moves of one environment, where they
were committed, and the pull request."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..shas import short_sha
from . import lines_of, table
from .changelog import changelog_json, changelog_markdown
from .delivery import delivery_json, delivery_text, short_answer

if TYPE_CHECKING:
    from ..changelog import Changelog
    from ..delivery import Delivery, DeliveryOptions
    from ..snapshot import StateChange


def state_rows(change: StateChange) -> str:
    """The aligned lines a promotion or rollback prints."""
    rows = [(change.env, c.image, f"{short_sha(c.old)} -> {short_sha(c.new)}")
            for c in change.images]
    rows += [(change.env, c.what, f"{c.old} -> {c.new}") for c in change.config]
    return table(("ENV", "WHAT", "CHANGE"), rows, header=False)


def _changelog(change: StateChange) -> tuple[Changelog, ...]:
    from ..usecases.promote import PromotedChange

    return change.changelog if isinstance(change, PromotedChange) else ()


def state_markdown(change: StateChange, app_url: str | None = None) -> str:
    """A pull request body for a promotion or rollback."""
    lines = [f"Changes **{change.env}**.", "", "| what | from | to |", "| --- | --- | --- |"]
    lines += [f"| {c.image} | `{short_sha(c.old)}` | `{short_sha(c.new)}` |"
              for c in change.images]
    lines += [f"| {c.what} | `{c.old}` | `{c.new}` |" for c in change.config]
    lines += changelog_markdown(_changelog(change), app_url)
    return lines_of(lines)


def state_text(done: Delivery[StateChange], options: DeliveryOptions, nothing: str,
               app_url: str | None = None) -> str:
    short = short_answer(done, nothing)
    if short is not None or done.proposal is None:
        return short or ""
    change = done.proposal.data
    return delivery_text(done, options, state_rows(change), state_markdown(change, app_url))


def state_json(done: Delivery[StateChange], options: DeliveryOptions,
               app_url: str | None = None) -> str:
    change = done.proposal.data if done.proposal else None
    data: dict[str, Any] = {"env": None, "images": [], "config": [], "prBody": None,
                            "changelog": []}
    if change is not None:
        data = {
            "prBody": state_markdown(change, app_url),
            "env": change.env,
            "images": [{"image": c.image, "old": c.old, "new": c.new, "oldDigest": c.old_digest,
                        "newDigest": c.new_digest} for c in change.images],
            "config": [{"key": c.what, "old": c.old, "new": c.new} for c in change.config],
            "changelog": changelog_json(_changelog(change)),
        }
    return delivery_json(done, options, data)
