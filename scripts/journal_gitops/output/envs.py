"""What `gitops env` prints: the environments table, and what env new/set/delete changed."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from ..adapters.shas import short_pin, short_sha
from ..timing.clock import iso
from . import json_document, table
from .delivery import delivery_json, delivery_text, short_answer

if TYPE_CHECKING:
    from ..changes.delivery import Delivery, DeliveryOptions
    from ..gates.checks import ActiveGate
    from ..usecases.env.common import EnvChange
    from ..usecases.env.listing import EnvRow


def _sync(automated: bool | None) -> str | None:
    return None if automated is None else ("auto" if automated else "manual")


def _frozen(gate: ActiveGate | None) -> str:
    if gate is None or gate.freeze is None:
        return "-"
    return f"until {iso(gate.freeze.end)}" if gate.freeze.end else "until unfrozen"


def _gate_json(gate: ActiveGate | None) -> dict[str, Any]:
    from .gates import freeze_json_of
    from .holds import hold_json_of

    if gate is None:
        return {"frozen": None, "freezes": [], "minSoak": None, "holds": []}
    active = gate.freeze
    return {"frozen": None if active is None else {
                "reason": active.freeze.reason,
                "until": iso(active.end) if active.end else None},
            "freezes": [freeze_json_of(f) for f in gate.freezes],
            "minSoak": gate.min_soak, "holds": [hold_json_of(h) for h in gate.holds]}


def envs_text(rows: Sequence[EnvRow]) -> str:
    out = []
    for row in rows:
        s = row.state
        differs = "-" if row.differs is None else (", ".join(row.differs) or "nothing")
        out.append((
            s.name, str(row.stage), row.cluster, s.namespace or "-",
            " ".join(f"{k}={v}" for k, v in s.replicas.items()) or "-",
            " ".join(f"{k}={v}" for k, v in s.config.items()) or "-",
            " ".join(f"{k}={short_pin(pin.tag, pin.digest) if any(pin) else '-'}"
                     for k, pin in s.images.items()) or "-",
            _sync(s.automated) or "-", _frozen(row.gate),
            (row.gate.min_soak if row.gate else None) or "-",
            " ".join(dict.fromkeys(short_sha(h.tag) for h in row.gate.holds)) if row.gate and
            row.gate.holds else "-", differs))
    return table(("ENV", "STAGE", "CLUSTER", "NAMESPACE", "REPLICAS", "CONFIG", "IMAGES", "SYNC",
                  "FROZEN", "SOAK", "HELD", "PROMOTES"), out)


def envs_json(rows: Sequence[EnvRow]) -> str:
    return json_document({"environments": [
        {"name": r.state.name, "stage": r.stage, "cluster": r.cluster,
         "namespace": r.state.namespace, "replicas": r.state.replicas,
         "config": r.state.config,
         "images": {k: {"tag": pin.tag, "digest": pin.digest}
                    for k, pin in r.state.images.items()},
         "sync": _sync(r.state.automated),
         "application": r.state.app_file,
         "differsFromPrevious": None if r.differs is None else list(r.differs),
         **_gate_json(r.gate)}
        for r in rows]})


def env_change_text(done: Delivery[EnvChange], options: DeliveryOptions, env: str,
                    action: str = "set") -> str:
    short = short_answer(done, f"{env} is already deleted" if action == "delete" else
                         f"{env} already has those settings")
    if short is not None or done.proposal is None:
        return short or ""
    change = done.proposal.data
    rows = table(("ENV", "WHAT", "CHANGE"),
                 [(change.env, c.what, f"{c.old} -> {c.new}") for c in change.changes],
                 header=False)
    return delivery_text(done, options, rows)


def env_change_json(done: Delivery[EnvChange], options: DeliveryOptions, env: str,
                    action: str = "set") -> str:
    change = done.proposal.data if done.proposal else None
    data: dict[str, Any] = {
        "env": env,
        "action": change.action if change else None,
        "changes": [{"what": c.what, "old": c.old, "new": c.new}
                    for c in (change.changes if change else ())],
        "files": list(change.files) if change else [],
    }
    return delivery_json(done, options, data)
