"""An environment's findings, remembered under a hash of everything that decides them, so that
a repository of hundreds of environments re-checks only the ones whose inputs changed.

Only what the render gives is kept (its schema and render-rule findings, and the summary of it
that the Argo CD rules read); the Argo CD rules, which also read apps/ and argocd/, run every
time. What decides it: the overlay's render inputs (the key of its render: every file of every
folder its kustomization tree loads, and the kustomize binary); what its rules know of
gitops.yaml (rules.context.EnvConfig, all they can see of it); the checker's code, the
Kubernetes versions and the CRD folder; and the schema files the check of its objects read,
which the entry names with their sha256 and which must still hold exactly that for the entry to
count.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from ..cache.store import Namespace, key_of
from .findings import Finding
from .rules.context import EnvConfig, RenderSummary
from .schema_findings import SchemaFindings, schema_digests

FINDINGS = Namespace("env-findings", keep=4000)


def context_key(checker: SchemaFindings) -> str:
    """What decides the findings of every environment's render besides the render itself and
    its view of gitops.yaml: the checker."""
    return key_of("render-findings", checker.context())


@dataclass(frozen=True)
class Checked:
    """What an environment's render gives: its object count, the findings of its schemas and
    render rules, the summary the Argo CD rules read, and the schema files the check read."""

    resources: int
    findings: tuple[Finding, ...]
    summary: RenderSummary
    schemas: list[tuple[str, str]] | None  # (path, sha256); None: one could not be read


def recall(context: str, render_key: str | None, view: EnvConfig) -> Checked | None:
    """An environment's render checked before, if everything that decides it is as it was."""
    if render_key is None:
        return None
    stored = FINDINGS.get(key_of(context, render_key, repr(view)))
    if stored is None:
        return None
    try:
        data: Any = json.loads(stored)
        schemas = [(str(path), str(digest)) for path, digest in data["schemas"]]
        if schema_digests([Path(path) for path, _ in schemas]) != schemas:
            return None
        summary = RenderSummary(tuple(map(str, data["namespaces"])),
                                tuple((str(g), str(k)) for g, k in data["kinds"]))
        return Checked(int(data["resources"]), tuple(Finding(**item) for item in
                                                       data["findings"]), summary, schemas)
    except (ValueError, KeyError, TypeError):
        return None


def remember(context: str, render_key: str | None, view: EnvConfig, checked: Checked) -> None:
    """Keep what an environment's render gave (nothing without a key or the schema files)."""
    if render_key is None or checked.schemas is None:
        return
    FINDINGS.put(key_of(context, render_key, repr(view)), json.dumps({
        "resources": checked.resources, "findings": [asdict(f) for f in checked.findings],
        "namespaces": checked.summary.namespaces, "kinds": checked.summary.kinds,
        "schemas": checked.schemas}).encode())
