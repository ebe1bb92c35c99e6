"""Waivers: findings gitops.yaml accepts on purpose, each for a reason and until a date.

A waiver that has expired accepts nothing and is itself a finding, and so is one that matches
no finding when everything it could match was checked: a waiver must not outlive its reason.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence

from ..config import CONFIG_FILE
from ..config.model import Config, Waiver
from .findings import Finding, WaivedFinding
from .rules.pipeline import WAIVER_EXPIRED, WAIVER_UNUSED


def apply_waivers(config: Config, findings: list[Finding], envs: Sequence[str] | None,
                  today: datetime.date | None = None, off: frozenset[str] = frozenset()
                  ) -> tuple[list[Finding], list[WaivedFinding]]:
    """Findings a waiver accepts move aside with its reason; an expired waiver accepts nothing
    and is a finding, and so is a waiver that matches no finding, when everything it could
    match was checked (all environments: `envs` None; or `envs` holds its env)."""
    today = today or datetime.date.today()
    kept: list[Finding] = []
    waived: list[WaivedFinding] = []
    used: set[Waiver] = set()
    live = [w for w in config.waivers if w.expires is None or w.expires >= today]
    for finding in findings:
        waiver = next((w for w in live if w.matches(finding.rule, finding.resource,
                                                     finding.env, finding.file)), None)
        if waiver is None:
            kept.append(finding)
        else:
            used.add(waiver)
            waived.append(WaivedFinding(finding, waiver.reason, waiver.expires))
    for waiver in config.waivers:
        if waiver.rule in off:
            continue  # its rule does not run: it can neither match nor be unused
        where = f"waiver for {waiver.rule} on {waiver.scope}"
        if waiver.expires is not None and waiver.expires < today:
            kept.append(Finding(WAIVER_EXPIRED.id, f"{where} expired on {waiver.expires}",
                                waiver.env, waiver.resource, CONFIG_FILE, waiver.line or None))
        elif (envs is None or waiver.env in envs) and waiver not in used:
            kept.append(Finding(WAIVER_UNUSED.id, f"{where} matches no finding",
                                waiver.env, waiver.resource, CONFIG_FILE, waiver.line or None))
    return kept, waived
