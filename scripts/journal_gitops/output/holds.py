"""What `gitops hold`, `hold list` and `release` print."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from ..adapters.shas import short_sha
from ..timing.clock import iso
from . import json_document, table
from .delivery import delivery_json, delivery_text, short_answer

if TYPE_CHECKING:
    from ..changes.delivery import Delivery, DeliveryOptions
    from ..config.gates import Hold
    from ..usecases.holds import HoldChange


def hold_json_of(hold: Hold) -> dict[str, Any]:
    """A hold as every JSON output writes it."""
    return {"env": hold.env, "image": hold.image, "tag": hold.tag, "reason": hold.reason,
            "by": hold.by, "since": iso(hold.since) if hold.since else None}


def _row(hold: Hold) -> tuple[str, ...]:
    return (hold.env, hold.image or "(app images)", short_sha(hold.tag),
            iso(hold.since) if hold.since else "-", hold.by or "-", hold.reason)


def holds_text(holds: Sequence[Hold]) -> str:
    if not holds:
        return "no holds\n"
    return table(("ENV", "IMAGE", "TAG", "SINCE", "BY", "REASON"), [_row(h) for h in holds])


def holds_json(holds: Sequence[Hold]) -> str:
    return json_document({"holds": [hold_json_of(h) for h in holds]})


def hold_change_text(done: Delivery[HoldChange], options: DeliveryOptions, env: str,
                     action: str) -> str:
    short = short_answer(done, f"already held out of {env}" if action == "hold" else
                         f"nothing to release: no such hold in {env}")
    if short is not None or done.proposal is None:
        return short or ""
    change = done.proposal.data
    verb = "held" if change.action == "hold" else "released"
    rows = [(h.env, verb, h.image or "(app images)", short_sha(h.tag), change.reason)
            for h in change.holds]
    return delivery_text(done, options, table(("ENV", "ACTION", "IMAGE", "TAG", "REASON"), rows,
                                              header=False))


def hold_change_json(done: Delivery[HoldChange], options: DeliveryOptions, env: str,
                     action: str) -> str:
    change = done.proposal.data if done.proposal else None
    return delivery_json(done, options, {
        "env": env, "action": action, "reason": change.reason if change else None,
        "holds": [hold_json_of(h) for h in (change.holds if change else ())],
        "files": list(change.files) if change else []})
