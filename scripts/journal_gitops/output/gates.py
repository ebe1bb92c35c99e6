"""What the release-gate commands print: `gitops freeze` / `unfreeze`, and `gitops gate`."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..adapters.shas import short_sha
from ..timing.clock import iso
from . import json_document, lines_of, plural, table
from .delivery import delivery_json, delivery_text, short_answer
from .validate import github_escape

if TYPE_CHECKING:
    from ..changes.delivery import Delivery, DeliveryOptions
    from ..config.gates import Freeze
    from ..usecases.freeze import FreezeChange
    from ..usecases.gate import GateReport


def freeze_json_of(freeze: Freeze) -> dict[str, Any]:
    """A freeze as every JSON output writes it."""
    return {"env": freeze.env, "reason": freeze.reason,
            "since": iso(freeze.since) if freeze.since else None,
            "until": iso(freeze.until) if freeze.until else None,
            "recurring": freeze.recurring, "schedule": freeze.schedule,
            "duration": freeze.duration, "timeZone": freeze.time_zone}


def freeze_text(done: Delivery[FreezeChange], options: DeliveryOptions, action: str,
                envs: tuple[str, ...]) -> str:
    nothing = ("nothing to unfreeze: no such freeze (recurring windows stay without --recurring)"
               if action == "unfreeze" else "already frozen like that")
    short = short_answer(done, nothing)
    if short is not None or done.proposal is None:
        return short or ""
    change = done.proposal.data
    rows = [(f.env, "frozen", f.describe(), f.reason) for f in change.added]
    rows += [(f.env, "unfrozen", f.describe(), f.reason) for f in change.removed]
    return delivery_text(done, options, table(("ENV", "ACTION", "WHEN", "REASON"), rows,
                                              header=False))


def freeze_json(done: Delivery[FreezeChange], options: DeliveryOptions, action: str,
                envs: tuple[str, ...]) -> str:
    change = done.proposal.data if done.proposal else None
    return delivery_json(done, options, {
        "action": action,
        "envs": list(change.envs) if change else list(envs),
        "added": [freeze_json_of(f) for f in (change.added if change else ())],
        "removed": [freeze_json_of(f) for f in (change.removed if change else ())],
        "files": list(change.files) if change else [],
    })


def _summary(report: GateReport) -> str:
    where = f"{short_sha(report.base)} -> {short_sha(report.head)} at {iso(report.now)}"
    if report.ok:
        touched = ", ".join(report.changed) or "no environment"
        return f"ok: the change to {touched} passes every release gate ({where})"
    return f"{plural(len(report.violations), 'violation')} of the release gates ({where})"


def gate_text(report: GateReport) -> str:
    lines = [f"{v.env}: {v.gate}: {v.message}" for v in report.violations]
    return lines_of([*lines, _summary(report)])


def gate_json(report: GateReport) -> str:
    return json_document({
        "base": report.base, "head": report.head, "now": iso(report.now),
        "changed": list(report.changed),
        "violations": [{"env": v.env, "gate": v.gate, "message": v.message}
                       for v in report.violations],
    }, ok=report.ok)


def gate_github(report: GateReport) -> str:
    """One error annotation per violation, then the summary."""
    lines = [f"::error title={github_escape(f'gitops gate {v.gate}', True)}::"
             f"{github_escape(f'{v.env}: {v.message}')}" for v in report.violations]
    return lines_of([*lines, _summary(report)])
