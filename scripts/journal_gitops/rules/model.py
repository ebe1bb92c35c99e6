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
    from .context import EnvContext, RepoContext

FieldPath = tuple[str | int, ...]  # keys and list indexes from the object's root
# What a check reports: the object (None: the environment) and a message, and optionally the
# path of the field at fault, which `--output github` traces to its line in the source file.
Hit = tuple[Resource | None, str] | tuple[Resource | None, str, FieldPath]
Check = Callable[["EnvContext"], Iterator[Hit]]
RepoCheck = Callable[["RepoContext"], Iterator[Hit]]


class Severity(str, Enum):
    """How bad a finding is. Every finding fails `gitops validate` whatever its severity."""

    CRITICAL = "critical"  # the API server or Argo CD refuses it, or secrets leak
    HIGH = "high"  # the app breaks or an operation hangs
    MEDIUM = "medium"  # a missing practice that hurts operations


class RuleId:
    """The id of every rule, in the order `gitops rules` lists them."""

    RENDER: Final = "render"
    YAML: Final = "yaml"
    KUSTOMIZE_INPUT: Final = "kustomize-input"
    UNCHECKED_FILE: Final = "unchecked-file"
    KUSTOMIZE_WARNING: Final = "kustomize-warning"
    SCHEMA: Final = "schema"
    CUSTOM_SCHEMA: Final = "custom-schema"
    UNKNOWN_KIND: Final = "unknown-kind"
    IMAGE_TAG: Final = "image-tag"
    IMAGE_REFERENCE: Final = "image-reference"
    TAG_SCHEME: Final = "tag-scheme"
    RESOURCES: Final = "resources"
    QUANTITY: Final = "quantity"
    LIMITS_REQUESTS: Final = "limits-requests"
    CLAIM_SIZE: Final = "claim-size"
    INT_RANGE: Final = "int-range"
    PROBES: Final = "probes"
    PROBE_HANDLER: Final = "probe-handler"
    PROBE_PORT: Final = "probe-port"
    CONTAINER_NAMES: Final = "container-names"
    VOLUME_MOUNTS: Final = "volume-mounts"
    POD_SECURITY: Final = "pod-security"
    LABELS: Final = "labels"
    LABEL_SYNTAX: Final = "label-syntax"
    SELECTOR_MATCH: Final = "selector-match"
    PLAINTEXT_SECRET: Final = "plaintext-secret"
    SECRET_LITERAL: Final = "secret-literal"
    CONFIG_REF: Final = "config-ref"
    SERVICE_HOST_ENV: Final = "service-host-env"
    SERVICE_SELECTOR: Final = "service-selector"
    SERVICE_TARGET_PORT: Final = "service-target-port"
    NETWORK_POLICY_SELECTOR: Final = "network-policy-selector"
    INGRESS_HOST: Final = "ingress-host"
    INGRESS_PATH_ORDER: Final = "ingress-path-order"
    INGRESS_BACKEND: Final = "ingress-backend"
    STATEFULSET_SERVICE: Final = "statefulset-service"
    PDB: Final = "pdb"
    APPLICATION: Final = "application"
    APPLICATION_PATH: Final = "application-path"
    TARGET_REVISION: Final = "target-revision"
    PROJECT_PERMITS: Final = "project-permits"
    PROJECT_WILDCARD: Final = "project-wildcard"
    PROJECT_DESTINATIONS: Final = "project-destinations"
    CLUSTER_DESTINATION: Final = "cluster-destination"
    CLUSTER_NAMESPACE: Final = "cluster-namespace"
    SYNC_OPTIONS: Final = "sync-options"
    SYNC_WAVE_ORDER: Final = "sync-wave-order"
    SYNC_POLICY: Final = "sync-policy"
    SYNCED_FILES: Final = "synced-files"
    SYNC_WINDOWS: Final = "sync-windows"
    WAIVER_EXPIRED: Final = "waiver-expired"
    WAIVER_UNUSED: Final = "waiver-unused"

    @classmethod
    def ordered(cls) -> tuple[str, ...]:
        """Every id, in declaration order."""
        return tuple(value for key, value in vars(cls).items()
                     if key.isupper() and isinstance(value, str))


@dataclass(frozen=True)
class Rule:
    """One rule: what it checks, why that matters, how to fix a finding, and its check.

    `check` runs on each environment, `repo_check` once on the Argo CD manifests; both are None
    for findings that rendering, the schemas or the waivers produce. The texts come from
    `catalog.json`, the checks from the family modules.
    """

    id: str
    summary: str
    why: str
    fix: str
    severity: Severity
    check: Check | None = None
    repo_check: RepoCheck | None = None
