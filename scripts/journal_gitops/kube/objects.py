"""Kubernetes objects as the tooling sees them: parsed from rendered YAML, with pod helpers."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from ..adapters.yamlload import load_all, load_output
from ..cache.parsed import parsed
from ..errors import GitopsError

WORKLOAD_KINDS = {
    "Deployment": ("spec", "template"),
    "StatefulSet": ("spec", "template"),
    "DaemonSet": ("spec", "template"),
    "ReplicaSet": ("spec", "template"),
    "Job": ("spec", "template"),
    "CronJob": ("spec", "jobTemplate", "spec", "template"),
    "Pod": (),
}
CONTAINER_LISTS = ("initContainers", "containers", "ephemeralContainers")
# Built-in kinds that live outside namespaces (the ones a repository like this may render).
CLUSTER_SCOPED = {
    ("", "Namespace"), ("", "PersistentVolume"), ("", "Node"),
    ("rbac.authorization.k8s.io", "ClusterRole"),
    ("rbac.authorization.k8s.io", "ClusterRoleBinding"),
    ("apiextensions.k8s.io", "CustomResourceDefinition"),
    ("storage.k8s.io", "StorageClass"), ("storage.k8s.io", "CSIDriver"),
    ("networking.k8s.io", "IngressClass"), ("scheduling.k8s.io", "PriorityClass"),
    ("admissionregistration.k8s.io", "ValidatingWebhookConfiguration"),
    ("admissionregistration.k8s.io", "MutatingWebhookConfiguration"),
    ("external-secrets.io", "ClusterSecretStore"),
    ("external-secrets.io", "ClusterExternalSecret"),
}


@dataclass(frozen=True)
class Resource:
    """One Kubernetes object; `body` is the parsed document, never mutated."""

    body: dict[str, Any]
    source: str  # the file or overlay it came from, relative to the repo root

    @property
    def api_version(self) -> str:
        return str(self.body.get("apiVersion", ""))

    @property
    def group(self) -> str:
        return self.api_version.rpartition("/")[0]

    @property
    def kind(self) -> str:
        return str(self.body.get("kind", ""))

    def _mapping(self, key: str) -> dict[str, Any]:
        """A top-level section that must be a mapping; a malformed one reads as empty."""
        value = self.body.get(key)
        return value if isinstance(value, dict) else {}

    @property
    def metadata(self) -> dict[str, Any]:
        return self._mapping("metadata")

    @property
    def name(self) -> str:
        return str(self.metadata.get("name", ""))

    @property
    def namespace(self) -> str | None:
        ns = self.metadata.get("namespace")
        return str(ns) if ns else None

    @property
    def spec(self) -> dict[str, Any]:
        return self._mapping("spec")

    @property
    def ref(self) -> str:
        """How findings name the object: Kind/namespace/name."""
        ns = f"{self.namespace}/" if self.namespace else ""
        return f"{self.kind}/{ns}{self.name}"

    def pod_template(self) -> dict[str, Any] | None:
        """The pod (metadata + spec) a workload runs, or None for other kinds."""
        path = WORKLOAD_KINDS.get(self.kind)
        if path is None:
            return None
        node: Any = self.body
        for key in path:
            node = node.get(key) if isinstance(node, dict) else None
        return node if isinstance(node, dict) else None

    def pod_spec(self) -> dict[str, Any] | None:
        template = self.pod_template()
        spec = template.get("spec") if template else None
        return spec if isinstance(spec, dict) else None

    def pod_labels(self) -> dict[str, str]:
        template = self.pod_template() or {}
        meta = template.get("metadata")
        labels = meta.get("labels") if isinstance(meta, dict) else None
        return {str(k): str(v) for k, v in labels.items()} if isinstance(labels, dict) else {}

    def replicas(self) -> int:
        value = self.spec.get("replicas", 1)
        return value if isinstance(value, int) else 1

    def containers(self, lists: tuple[str, ...] = CONTAINER_LISTS) -> Iterator[dict[str, Any]]:
        spec = self.pod_spec() or {}
        for key in lists:
            for container in spec.get(key) or []:
                if isinstance(container, dict):
                    yield container


def parse_documents(text: str, source: str) -> list[Resource]:
    """The objects of a manifest file people write (read strictly, see adapters.yamlload)."""
    return list(_documents(text, source))


@lru_cache(maxsize=4096)
def _documents(text: str, source: str) -> tuple[Resource, ...]:
    """The same text is read once a process (objects are never changed: they can be shared),
    and its data remembered across processes (see cache.parsed)."""
    return tuple(as_resources(parsed("manifests", text, lambda t: load_all(t, source)), source))


def parse_render(text: str, source: str) -> list[Resource]:
    """The objects of kustomize's output."""
    return as_resources(load_output(text, source), source)


def as_resources(docs: list[Any], source: str) -> list[Resource]:
    """The Kubernetes objects of parsed documents (a List's items one by one)."""
    resources: list[Resource] = []
    for doc in docs:
        if doc is None:
            continue
        if not isinstance(doc, dict) or "kind" not in doc or "apiVersion" not in doc:
            raise GitopsError(f"{source}: a document is not a Kubernetes object")
        if doc.get("kind") == "List":
            items = doc.get("items") or []
            if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
                raise GitopsError(f"{source}: a List's items are not all Kubernetes objects")
            resources.extend(Resource(item, source) for item in items)
        else:
            resources.append(Resource(doc, source))
    return resources


def selects(selector: Any, labels: dict[str, str]) -> bool:
    """Whether a label selector (matchLabels/matchExpressions, or a Service's map) matches.

    A malformed selector (a list, a string expression) matches nothing: the schema check
    reports its shape, and no caller crashes on it.
    """
    if not selector or not isinstance(selector, dict):
        return False
    is_label_selector = "matchLabels" in selector or "matchExpressions" in selector
    match_labels = (selector.get("matchLabels") or {}) if is_label_selector else selector
    expressions = (selector.get("matchExpressions") or []) if is_label_selector else []
    if not isinstance(match_labels, dict) or not isinstance(expressions, list):
        return False
    for key, value in match_labels.items():
        if labels.get(str(key)) != str(value):
            return False
    for expr in expressions:
        if not isinstance(expr, dict):
            return False
        key, op, values = str(expr.get("key")), expr.get("operator"), expr.get("values") or []
        values = [str(v) for v in values] if isinstance(values, list) else []
        present = key in labels
        if op == "In" and (not present or labels[key] not in values):
            return False
        if op == "NotIn" and present and labels[key] in values:
            return False
        if op == "Exists" and not present:
            return False
        if op == "DoesNotExist" and present:
            return False
        if op not in ("In", "NotIn", "Exists", "DoesNotExist"):
            return False
    return True
