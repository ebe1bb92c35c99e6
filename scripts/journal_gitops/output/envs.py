"""What `gitops env` prints: the environments table, and what env new/set/delete changed."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from ..shas import short_pin
from . import json_document, table
from .delivery import delivery_json, delivery_text, short_answer

if TYPE_CHECKING:
    from ..delivery import Delivery, DeliveryOptions
    from ..usecases.environments import EnvChange, EnvRow


def _sync(automated: bool | None) -> str | None:
    return None if automated is None else ("auto" if automated else "manual")


def envs_text(rows: Sequence[EnvRow]) -> str:
    out = []
    for row in rows:
        s = row.state
        differs = "-" if row.differs is None else (", ".join(row.differs) or "nothing")
        out.append((
            s.name, s.namespace or "-",
            " ".join(f"{k}={v}" for k, v in s.replicas.items()) or "-",
            " ".join(f"{k}={v}" for k, v in s.config.items()) or "-",
            " ".join(f"{k}={short_pin(pin.tag, pin.digest)}" for k, pin in s.images.items())
            or "-",
            _sync(s.automated) or "-", differs))
    return table(("ENV", "NAMESPACE", "REPLICAS", "CONFIG", "IMAGES", "SYNC", "PROMOTES"), out)


def envs_json(rows: Sequence[EnvRow]) -> str:
    return json_document({"environments": [
        {"name": r.state.name, "namespace": r.state.namespace, "replicas": r.state.replicas,
         "config": r.state.config,
         "images": {k: {"tag": pin.tag, "digest": pin.digest}
                    for k, pin in r.state.images.items()},
         "sync": _sync(r.state.automated),
         "application": r.state.app_file,
         "differsFromPrevious": None if r.differs is None else list(r.differs)}
        for r in rows]})


def env_change_text(done: Delivery[EnvChange], options: DeliveryOptions, env: str) -> str:
    short = short_answer(done, f"{env} already has those settings")
    if short is not None or done.proposal is None:
        return short or ""
    change = done.proposal.data
    rows = table(("ENV", "WHAT", "CHANGE"),
                 [(change.env, c.what, f"{c.old} -> {c.new}") for c in change.changes],
                 header=False)
    return delivery_text(done, options, rows)


def env_change_json(done: Delivery[EnvChange], options: DeliveryOptions, env: str) -> str:
    change = done.proposal.data if done.proposal else None
    data: dict[str, Any] = {
        "env": env,
        "action": change.action if change else None,
        "changes": [{"what": c.what, "old": c.old, "new": c.new}
                    for c in (change.changes if change else ())],
        "files": list(change.files) if change else [],
    }
    return delivery_json(done, options, data)
