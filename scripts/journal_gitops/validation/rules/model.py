"""The rule record and its severity, apart from the package's `__init__` so that the family
modules can import it while the package lists the rules they define."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from enum import Enum
from typing import TYPE_CHECKING

from ...kube.objects import Resource

if TYPE_CHECKING:
    from .context import AppContext, EnvContext, RepoContext

FieldPath = tuple[str | int, ...]  # keys and list indexes from the object's root
# What a check reports: the object (None: the environment) and a message, and optionally the
# path of the field at fault, which `--output github` traces to its line in the source file.
Hit = tuple[Resource | None, str] | tuple[Resource | None, str, FieldPath]
Check = Callable[["EnvContext"], Iterator[Hit]]
AppCheck = Callable[["AppContext"], Iterator[Hit]]
RepoCheck = Callable[["RepoContext"], Iterator[Hit]]


class Severity(str, Enum):
    """How bad a finding is. Every finding fails `gitops validate` whatever its severity."""

    CRITICAL = "critical"  # the API server or Argo CD refuses it, or secrets leak
    HIGH = "high"  # the app breaks or an operation hangs
    MEDIUM = "medium"  # a missing practice that hurts operations


@dataclass(frozen=True)
class Rule:
    """One rule: what it checks, why that matters, how to fix a finding, and its check.

    `check` runs on each environment's render, `app_check` on each environment's Applications
    (with a summary of its render), `repo_check` once on the Argo CD manifests; all are None for
    findings that rendering, the schemas or the waivers produce.
    """

    id: str
    severity: Severity
    summary: str
    why: str
    fix: str
    check: Check | None = None
    app_check: AppCheck | None = None
    repo_check: RepoCheck | None = None
