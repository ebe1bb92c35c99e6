"""A finding: one problem validation reports, where it is, and under which rule; and the ones a
waiver in gitops.yaml accepts."""

from __future__ import annotations

import datetime
from dataclasses import dataclass


@dataclass(frozen=True)
class Finding:
    rule: str
    message: str
    env: str | None  # None: the Argo CD manifests shared by all environments
    resource: str | None  # Kind/namespace/name
    file: str  # where to look, relative to the repository root
    line: int | None = None  # in `file`, when it could be traced


@dataclass(frozen=True)
class WaivedFinding:
    """A finding a waiver in gitops.yaml accepts, with the waiver's reason."""

    finding: Finding
    reason: str
    expires: datetime.date | None
