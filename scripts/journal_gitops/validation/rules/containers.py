"""Container rules: what every pod needs to be scheduled, admitted, health-checked and traced
back to its app."""

from __future__ import annotations

from collections.abc import Iterator

from . import pod_security
from .context import POD_CONTAINERS, EnvContext, mapping
from .model import Hit, Rule, Severity

RECOMMENDED_LABELS = ("app.kubernetes.io/name", "app.kubernetes.io/component",
                      "app.kubernetes.io/part-of")
REQUIRED_RESOURCES = (("requests", "cpu"), ("requests", "memory"), ("limits", "memory"))


def _set(value: object) -> bool:
    return value not in (None, "")


def check_resources(ctx: EnvContext) -> Iterator[Hit]:
    for c in ctx.containers(POD_CONTAINERS):
        res = mapping(c.body.get("resources"))
        limits = mapping(res.get("limits"))
        # A request left out defaults to the limit of that resource (the API server's rule).
        missing = [f"{part}.{what}" for part, what in REQUIRED_RESOURCES
                   if not _set(mapping(res.get(part)).get(what))
                   and not (part == "requests" and _set(limits.get(what)))]
        if missing:
            yield c.workload, f"{c.label}: no {', '.join(missing)}", (*c.path, "resources")


RUN_TO_COMPLETION = ("Job", "CronJob")  # nothing routes to them: no probe to ask for


def check_probes(ctx: EnvContext) -> Iterator[Hit]:
    for c in ctx.containers(("containers",)):
        if c.workload.kind in RUN_TO_COMPLETION:
            continue
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


# --- the rules ---------------------------------------------------------------------------------

RESOURCES = Rule(
    "resources", Severity.MEDIUM,
    summary="every container requests cpu and memory and has a memory limit",
    why="The scheduler places pods by their requests; without them nodes are overcommitted, and "
        "without a memory limit one leaking container gets its neighbours OOM-killed. A request "
        "left out where a limit is set is that limit, as the API server defaults it.",
    fix="Set resources.requests.cpu, resources.requests.memory and resources.limits.memory on "
        "every container and init container.",
    check=check_resources)


PROBES = Rule(
    "probes", Severity.MEDIUM,
    summary="every container of a long-running workload has a readiness and a liveness probe",
    why="Without a readiness probe a Service sends traffic to pods still starting; without a "
        "liveness probe a hung process is never restarted, and rollouts cannot tell either. "
        "Jobs and CronJobs run to completion and are not asked for probes.",
    fix="Add readinessProbe and livenessProbe (httpGet on a health endpoint, or tcpSocket) to "
        "every container.",
    check=check_probes)


POD_SECURITY = Rule(
    "pod-security", Severity.CRITICAL,
    summary="every pod meets the restricted Pod Security Standard",
    why="The namespaces enforce the restricted profile: the API server refuses the pods, so the "
        "Deployment or StatefulSet stays at zero ready replicas.",
    fix="Set runAsNonRoot: true, seccompProfile RuntimeDefault, allowPrivilegeEscalation: false "
        "and capabilities.drop [ALL]; drop host namespaces, hostPath and hostPort.",
    check=check_pod_security)


LABELS = Rule(
    "labels", Severity.MEDIUM,
    summary="workloads, pod templates and Services carry app.kubernetes.io name, component and "
            "part-of",
    why="Dashboards, `kubectl get -l` and cost reports group objects by these labels; an object "
        "without them cannot be traced to its app and component.",
    fix="Add app.kubernetes.io/name, app.kubernetes.io/component and app.kubernetes.io/part-of to "
        "the object's labels and to its pod template's labels.",
    check=check_labels)
