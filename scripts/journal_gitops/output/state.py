"""What `gitops promote` and `gitops rollback` print: the moves of one environment, where they
were committed, and the pull request."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..shas import short_sha
from . import lines_of, table
from .delivery import delivery_json, delivery_text, short_answer

if TYPE_CHECKING:
    from ..delivery import Delivery, DeliveryOptions
    from ..snapshot import StateChange


def state_rows(change: StateChange) -> str:
    """The aligned lines a promotion or rollback prints."""
    rows = [(change.env, c.image, f"{short_sha(c.old)} -> {short_sha(c.new)}")
            for c in change.images]
    rows += [(change.env, c.what, f"{c.old} -> {c.new}") for c in change.config]
    return table(("ENV", "WHAT", "CHANGE"), rows, header=False)


def state_markdown(change: StateChange) -> str:
    """A pull request body for a promotion or rollback."""
    lines = [f"Changes **{change.env}**.", "", "| what | from | to |", "| --- | --- | --- |"]
    lines += [f"| {c.image} | `{short_sha(c.old)}` | `{short_sha(c.new)}` |"
              for c in change.images]
    lines += [f"| {c.what} | `{c.old}` | `{c.new}` |" for c in change.config]
    return lines_of(lines)


def state_text(done: Delivery[StateChange], options: DeliveryOptions, nothing: str) -> str:
    short = short_answer(done, nothing)
    if short is not None or done.proposal is None:
        return short or ""
    change = done.proposal.data
    return delivery_text(done, options, state_rows(change), state_markdown(change))


def state_json(done: Delivery[StateChange], options: DeliveryOptions) -> str:
    change = done.proposal.data if done.proposal else None
    data: dict[str, Any] = {"env": None, "images": [], "config": [], "prBody": None}
    if change is not None:
        data = {
            "prBody": state_markdown(change),
            "env": change.env,
            "images": [{"image": c.image, "old": c.old, "new": c.new, "oldDigest": c.old_digest,
                        "newDigest": c.new_digest} for c in change.images],
            "config": [{"key": c.what, "old": c.old, "new": c.new} for c in change.config],
        }
    return delivery_json(done, options, data)
