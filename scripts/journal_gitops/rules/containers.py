"""Container rules: what every pod needs to be scheduled, admitted, health-checked and traced
back to its app."""

from __future__ import annotations

from collections.abc import Iterator

from . import pod_security
from .context import POD_CONTAINERS, EnvContext, mapping
from .model import Hit

RECOMMENDED_LABELS = ("app.kubernetes.io/name", "app.kubernetes.io/component",
                      "app.kubernetes.io/part-of")
REQUIRED_RESOURCES = (("requests", "cpu"), ("requests", "memory"), ("limits", "memory"))


def check_resources(ctx: EnvContext) -> Iterator[Hit]:
    for c in ctx.containers(POD_CONTAINERS):
        res = mapping(c.body.get("resources"))
        missing = [f"{part}.{what}" for part, what in REQUIRED_RESOURCES
                   if mapping(res.get(part)).get(what) in (None, "")]
        if missing:
            yield c.workload, f"{c.label}: no {', '.join(missing)}", (*c.path, "resources")


def check_probes(ctx: EnvContext) -> Iterator[Hit]:
    for c in ctx.containers(("containers",)):
        missing = [p for p in ("readinessProbe", "livenessProbe") if not c.body.get(p)]
        if missing:
            yield c.workload, f"{c.label}: no {' or '.join(missing)}", (*c.path, "name")


def check_pod_security(ctx: EnvContext) -> Iterator[Hit]:
    for pod in ctx.pods():
        for message in pod_security.violations(pod.spec, pod.metadata):
            yield pod.workload, message


def check_labels(ctx: EnvContext) -> Iterator[Hit]:
    for resource in ctx.workloads() + ctx.of_kind("Service"):
        labels = mapping(resource.metadata.get("labels"))
        missing = [label for label in RECOMMENDED_LABELS if label not in labels]
        if missing:
            yield resource, f"missing label {', '.join(missing)}"
        if resource.pod_template() is not None:
            pod_missing = [label for label in RECOMMENDED_LABELS
                           if label not in resource.pod_labels()]
            if pod_missing:
                yield resource, f"pod template missing label {', '.join(pod_missing)}"
