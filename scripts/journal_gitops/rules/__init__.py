"""Validation rules: each has an id, a severity, a summary, why it matters, how to fix it, and a
check over one rendered environment (or, for the Argo CD manifests, over the repository).

Checks yield (resource, message[, field path]) hits; the validate use case turns them into
findings. Every finding fails `gitops validate`, whatever its severity. The texts of every rule
live in `catalog.json` (data, not code: one place to read and edit them); the checks live in the
family modules, named `check_<id>` (per environment) or `repo_check_<id>` (once, on the Argo CD
manifests). The registry below joins both and refuses a check without texts or texts without an
id.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from . import (
    api_server,
    app_checks,
    argocd,
    argocd_repo,
    clusters,
    config_refs,
    containers,
    images,
    networking,
    sync_windows,
    workloads,
)
from .argocd import SYNC_OPTIONS, project_problems
from .config_refs import PLAINTEXT_SECRET
from .context import Container, EnvContext, Pod, RepoContext, pods_selected
from .model import Check, FieldPath, Hit, RepoCheck, Rule, RuleId, Severity

__all__ = [
    "PLAINTEXT_SECRET", "SYNC_OPTIONS", "Check", "Container", "EnvContext", "FieldPath", "Hit",
    "Pod", "RepoCheck", "RepoContext", "Rule", "RuleId", "Severity", "all_rules", "get_rule",
    "pods_selected", "project_problems", "rule_table",
]

FAMILIES: tuple[Any, ...] = (images, containers, api_server, app_checks, config_refs,
                             networking, workloads, argocd, argocd_repo, clusters,
                             sync_windows)
CATALOG = Path(__file__).with_name("catalog.json")


def _checks(prefix: str) -> dict[str, Any]:
    """The checks the families define, by naming convention: `check_<id>` runs on each
    environment, `repo_check_<id>` once on the repository (`_` in the name is `-` in the id)."""
    found: dict[str, Any] = {}
    for family in FAMILIES:
        for name, check in vars(family).items():
            if name.startswith(prefix) and callable(check) and \
                    check.__module__ == family.__name__:
                found[name.removeprefix(prefix).replace("_", "-")] = check
    return found


def _registry() -> dict[str, Rule]:
    """Every rule by id, in `RuleId` order: texts from the catalog, checks from the families."""
    texts: dict[str, dict[str, str]] = json.loads(CATALOG.read_text(encoding="utf-8"))
    checks, repo_checks = _checks("check_"), _checks("repo_check_")
    order = RuleId.ordered()
    unknown = (set(texts) | set(checks) | set(repo_checks)) - set(order)
    if unknown or set(texts) != set(order):
        raise RuntimeError(f"catalog.json, the checks and RuleId disagree on: "
                           f"{sorted(unknown | (set(texts) ^ set(order)))}")
    return {
        rule_id: Rule(rule_id, summary=texts[rule_id]["summary"], why=texts[rule_id]["why"],
                      fix=texts[rule_id]["fix"], severity=Severity(texts[rule_id]["severity"]),
                      check=checks.get(rule_id), repo_check=repo_checks.get(rule_id))
        for rule_id in order
    }


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
