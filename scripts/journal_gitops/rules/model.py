"""The rule record, its severity and the id of every rule.

Kept apart from the package's `__init__` so that the family modules can import it while the
package assembles the registry from them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from enum import Enum
from typing import TYPE_CHECKING, Final

from ..resources import Resource

if TYPE_CHECKING:
    from .context import EnvContext

Hit = tuple[Resource | None, str]
Check = Callable[["EnvContext"], Iterator[Hit]]


class Severity(str, Enum):
    """How bad a finding is. Every finding fails `gitops validate` whatever its severity."""

    CRITICAL = "critical"  # the API server or Argo CD refuses it, or secrets leak
    HIGH = "high"  # the app breaks or an operation hangs
    MEDIUM = "medium"  # a missing practice that hurts operations


class RuleId:
    """The id of every rule, in the order `gitops rules` lists them."""

    RENDER: Final = "render"
    YAML: Final = "yaml"
    KUSTOMIZE_WARNING: Final = "kustomize-warning"
    SCHEMA: Final = "schema"
    CUSTOM_SCHEMA: Final = "custom-schema"
    UNKNOWN_KIND: Final = "unknown-kind"
    IMAGE_TAG: Final = "image-tag"
    TAG_SCHEME: Final = "tag-scheme"
    RESOURCES: Final = "resources"
    PROBES: Final = "probes"
    POD_SECURITY: Final = "pod-security"
    LABELS: Final = "labels"
    PLAINTEXT_SECRET: Final = "plaintext-secret"
    CONFIG_REF: Final = "config-ref"
    SERVICE_SELECTOR: Final = "service-selector"
    SERVICE_TARGET_PORT: Final = "service-target-port"
    INGRESS_PATH_ORDER: Final = "ingress-path-order"
    INGRESS_BACKEND: Final = "ingress-backend"
    STATEFULSET_SERVICE: Final = "statefulset-service"
    PDB: Final = "pdb"
    APPLICATION: Final = "application"
    PROJECT_PERMITS: Final = "project-permits"
    SYNC_OPTIONS: Final = "sync-options"
    SYNC_WAVE_ORDER: Final = "sync-wave-order"
    SYNC_POLICY: Final = "sync-policy"
    SYNCED_FILES: Final = "synced-files"
    SYNC_WINDOWS: Final = "sync-windows"

    @classmethod
    def ordered(cls) -> tuple[str, ...]:
        """Every id, in declaration order."""
        return tuple(value for key, value in vars(cls).items()
                     if key.isupper() and isinstance(value, str))


@dataclass(frozen=True)
class Rule:
    """One rule: what it checks, why that matters, how to fix a finding, and its check.

    `check` is None for findings that rendering and the schemas produce, not a check.
    """

    id: str
    summary: str
    why: str
    fix: str
    severity: Severity
    check: Check | None = None
