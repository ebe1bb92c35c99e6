"""What the API server's own validation refuses although the schemas let it through: values a
field may take only in some kinds (a pod's restartPolicy in a Deployment or a Job, the update
strategies, a Service's type and the fields it needs), and lists it requires to hold something.
Modelled on the API server's validation of apps/v1, batch/v1, core/v1, policy/v1 and
networking.k8s.io/v1 objects."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from ...kube.objects import WORKLOAD_KINDS, Resource
from .context import EnvContext, mapping
from .model import FieldPath, Hit, Rule, Severity

# restartPolicy each kind's pod template may have (absent: Always, the API server's default).
RESTART_POLICIES = {
    "Deployment": ("Always",), "StatefulSet": ("Always",), "DaemonSet": ("Always",),
    "ReplicaSet": ("Always",), "Job": ("OnFailure", "Never"), "CronJob": ("OnFailure", "Never"),
}
# kind -> (field path, allowed values, the sub-field that goes only with the first value)
STRATEGIES = {
    "Deployment": (("spec", "strategy"), ("RollingUpdate", "Recreate"), "rollingUpdate"),
    "StatefulSet": (("spec", "updateStrategy"), ("RollingUpdate", "OnDelete"), "rollingUpdate"),
    "DaemonSet": (("spec", "updateStrategy"), ("RollingUpdate", "OnDelete"), "rollingUpdate"),
}
SERVICE_TYPES = ("ClusterIP", "NodePort", "LoadBalancer", "ExternalName")
SELECTED_KINDS = ("Deployment", "StatefulSet", "DaemonSet", "ReplicaSet")


def _at(body: dict[str, Any], path: FieldPath) -> Any:
    value: Any = body
    for key in path:
        value = mapping(value).get(str(key))
    return value


def _one_of(value: Any, allowed: tuple[str, ...]) -> str:
    return f"{value!r} is not one of {', '.join(allowed)}"


def _workload_values(workload: Resource) -> Iterator[Hit]:
    pod = (*WORKLOAD_KINDS.get(workload.kind, ()), "spec")
    allowed = RESTART_POLICIES.get(workload.kind)
    if allowed is not None:
        policy = mapping(workload.pod_spec()).get("restartPolicy", "Always")
        if policy not in allowed:
            yield workload, (f"restartPolicy {_one_of(policy, allowed)}, the values a "
                             f"{workload.kind}'s pods may have"), (*pod, "restartPolicy")
    if workload.kind in STRATEGIES:
        path, types, sub = STRATEGIES[workload.kind]
        strategy = mapping(_at(workload.body, path))
        kind = strategy.get("type", types[0])
        if kind not in types:
            yield workload, f"{'.'.join(path[1:])}.type {_one_of(kind, types)}", (*path, "type")
        elif kind != types[0] and strategy.get(sub) is not None:
            yield workload, (f"{'.'.join(path[1:])}.{sub} is set, but it goes only with type "
                             f"{types[0]} (this one is {kind})"), (*path, sub)
    if workload.kind == "StatefulSet":
        policy = workload.spec.get("podManagementPolicy", "OrderedReady")
        if policy not in ("OrderedReady", "Parallel"):
            yield workload, (f"podManagementPolicy {_one_of(policy, ('OrderedReady', 'Parallel'))}"
                             ), ("spec", "podManagementPolicy")


def _service_values(svc: Resource) -> Iterator[Hit]:
    kind = svc.spec.get("type", "ClusterIP")
    if kind not in SERVICE_TYPES:
        yield svc, f"type {_one_of(kind, SERVICE_TYPES)}", ("spec", "type")
        return
    if kind == "ExternalName" and not svc.spec.get("externalName"):
        yield svc, "type ExternalName needs spec.externalName", ("spec", "type")
    if svc.spec.get("clusterIP") == "None" and kind != "ClusterIP":
        yield svc, f"clusterIP None (headless) goes only with type ClusterIP, not {kind}", (
            "spec", "clusterIP")
    if kind in ("ClusterIP", "ExternalName"):
        ports = svc.spec.get("ports")
        for index, port in enumerate(ports if isinstance(ports, list) else []):
            if isinstance(port, dict) and port.get("nodePort") is not None:
                yield svc, (f"ports[{index}].nodePort is set, but a nodePort goes only with type "
                            f"NodePort or LoadBalancer (this one is {kind})"), (
                    "spec", "ports", index, "nodePort")


def check_kind_values(ctx: EnvContext) -> Iterator[Hit]:
    for workload in ctx.workloads():
        yield from _workload_values(workload)
    for svc in ctx.of_kind("Service"):
        yield from _service_values(svc)
    for pdb in ctx.of_kind("PodDisruptionBudget"):
        if pdb.spec.get("minAvailable") is not None and pdb.spec.get("maxUnavailable") is not None:
            yield pdb, "minAvailable and maxUnavailable are both set: a budget takes one", (
                "spec", "maxUnavailable")


def _empty(value: Any) -> bool:
    return value is None or value == [] or value == {}


def check_required_lists(ctx: EnvContext) -> Iterator[Hit]:
    for workload in ctx.workloads():
        spec = workload.pod_spec()
        if spec is not None and _empty(spec.get("containers")):
            yield workload, "its pods have no containers", (
                *WORKLOAD_KINDS.get(workload.kind, ()), "spec", "containers")
        if workload.kind in SELECTED_KINDS and _empty(
                mapping(workload.spec.get("selector")) or None):
            yield workload, "no spec.selector: apps/v1 needs one that selects its pods", (
                "spec", "selector")
    for svc in ctx.of_kind("Service"):
        kind = svc.spec.get("type", "ClusterIP")
        if kind != "ExternalName" and svc.spec.get("clusterIP") != "None" and _empty(
                svc.spec.get("ports")):
            yield svc, f"no ports: a {kind} Service needs at least one (headless ones may have " \
                       f"none)", ("spec", "ports")
    for ingress in ctx.of_kind("Ingress"):
        if _empty(ingress.spec.get("rules")) and _empty(ingress.spec.get("defaultBackend")):
            yield ingress, "neither rules nor a defaultBackend: it routes nothing", (
                "spec", "rules")


KIND_VALUES = Rule(
    "kind-values", Severity.CRITICAL,
    summary="fields take the values their kind allows: restartPolicy, strategies, Service types, "
            "PDB budgets",
    why="The API server refuses a Job whose pods restart Always, a Deployment whose pods do not, "
        "a Recreate strategy with rollingUpdate settings, an ExternalName Service without its "
        "name, a nodePort on a ClusterIP Service, a PodDisruptionBudget with both budgets: the "
        "sync fails on that object.",
    fix="Use the value the kind takes (restartPolicy OnFailure or Never for Jobs, Always or "
        "none for the others), drop the settings of the strategy or type not chosen, keep one "
        "of minAvailable and maxUnavailable.",
    check=check_kind_values)


REQUIRED_LISTS = Rule(
    "required-lists", Severity.CRITICAL,
    summary="lists the API server requires are not empty: containers, selectors, Service ports, "
            "Ingress rules",
    why="A patch or a kustomize replacement can leave a required list empty or null in the "
        "render though every source file looks complete; the API server then refuses the object "
        "(containers, an apps/v1 selector, a Service's ports) or it routes nothing (an Ingress "
        "with neither rules nor a default backend).",
    fix="Fix the patch that empties it, or give the object what it needs: a container, a "
        "selector matching the pod labels, a port, a rule or a defaultBackend.",
    check=check_required_lists)
