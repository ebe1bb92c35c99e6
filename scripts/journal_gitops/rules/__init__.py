"""Validation rules: each has an id, a severity, a summary, why it matters, how to fix it, and a
check over one rendered environment.

Checks yield (resource, message) pairs; the validate use case turns them into findings. Every
finding fails `gitops validate`, whatever its severity. The rules are grouped in family modules;
the registry below lists every family explicitly, so it is complete whatever was imported before.
Findings of rendering and schemas have rules too (without a check), so that every id is listed.
"""

from __future__ import annotations

from . import (
    argocd,
    config_refs,
    containers,
    images,
    networking,
    rendering,
    sync_windows,
    synced_files,
    workloads,
)
from .argocd import SYNC_OPTIONS, project_problems
from .config_refs import PLAINTEXT_SECRET
from .context import Container, EnvContext, Pod, pods_selected
from .model import Check, Hit, Rule, RuleId, Severity

__all__ = [
    "PLAINTEXT_SECRET", "SYNC_OPTIONS", "Check", "Container", "EnvContext", "Hit", "Pod", "Rule",
    "RuleId", "Severity", "all_rules", "get_rule", "pods_selected", "project_problems",
    "rule_table",
]

FAMILIES = (rendering, images, containers, config_refs, networking, workloads, argocd,
            synced_files, sync_windows)


def _registry() -> dict[str, Rule]:
    """Every family's rules by id, in `RuleId` order; each id must have exactly one rule."""
    found: dict[str, Rule] = {}
    for family in FAMILIES:
        for rule in family.RULES:
            if rule.id in found:
                raise RuntimeError(f"rule {rule.id} is registered twice")
            found[rule.id] = rule
    order = RuleId.ordered()
    if set(found) != set(order):
        raise RuntimeError(f"rules without an id or ids without a rule: "
                           f"{sorted(set(found) ^ set(order))}")
    return {rule_id: found[rule_id] for rule_id in order}


_RULES = _registry()


def all_rules() -> tuple[Rule, ...]:
    """Every rule, in a stable order: rendering and schemas first, then the checks by family."""
    return tuple(_RULES.values())


def rule_table() -> list[Rule]:
    """`all_rules()` as a list, for the listing commands."""
    return list(_RULES.values())


def get_rule(rule_id: str) -> Rule:
    """The rule with this id (a KeyError names an unknown id)."""
    return _RULES[rule_id]
