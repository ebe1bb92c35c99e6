"""References from one object to another that the environment must hold, beyond ConfigMaps,
Secrets and Services (config-ref, service-selector): a pod's ServiceAccount and claims, an
autoscaler's target, and the cluster-scoped PriorityClass and IngressClass where the repository
declares its own (a cluster brings its own otherwise, and they are not the repository's)."""

from __future__ import annotations

from collections.abc import Iterator

from ...kube.objects import WORKLOAD_KINDS
from .context import EnvContext, dicts, mapping
from .model import Hit, Rule, Severity

# PriorityClasses every cluster has.
BUILT_IN_PRIORITIES = {"system-cluster-critical", "system-node-critical"}


def check_object_refs(ctx: EnvContext) -> Iterator[Hit]:
    accounts = {r.name for r in ctx.of_kind("ServiceAccount")} | {"default"}
    claims = {r.name for r in ctx.of_kind("PersistentVolumeClaim")}
    priorities = {r.name for r in ctx.of_kind("PriorityClass")}
    classes = {r.name for r in ctx.of_kind("IngressClass")}
    for workload in ctx.workloads():
        pod = (*WORKLOAD_KINDS.get(workload.kind, ()), "spec")
        spec = workload.pod_spec() or {}
        account = spec.get("serviceAccountName") or spec.get("serviceAccount")
        if account and str(account) not in accounts:
            yield workload, f"serviceAccountName {account} is not a ServiceAccount of the " \
                            f"environment", (*pod, "serviceAccountName")
        for index, volume in enumerate(dicts(spec.get("volumes"))):
            claim = mapping(volume.get("persistentVolumeClaim")).get("claimName")
            if claim and str(claim) not in claims:
                yield workload, (f"volume {volume.get('name')} claims {claim}, which is not a "
                                 f"PersistentVolumeClaim of the environment"), (
                    *pod, "volumes", index, "persistentVolumeClaim", "claimName")
        priority = spec.get("priorityClassName")
        if priorities and priority and str(priority) not in priorities | BUILT_IN_PRIORITIES:
            yield workload, (f"priorityClassName {priority} is not one of the PriorityClasses "
                             f"the repository declares ({', '.join(sorted(priorities))})"), (
                *pod, "priorityClassName")
    kinds = {(r.kind, r.name) for r in ctx.resources}
    for hpa in ctx.of_kind("HorizontalPodAutoscaler"):
        target = mapping(hpa.spec.get("scaleTargetRef"))
        if target.get("name") and (str(target.get("kind")), str(target["name"])) not in kinds:
            yield hpa, (f"scaleTargetRef {target.get('kind')}/{target['name']} is not in the "
                        f"environment"), ("spec", "scaleTargetRef", "name")
    for ingress in ctx.of_kind("Ingress"):
        name = ingress.spec.get("ingressClassName")
        if classes and name and str(name) not in classes:
            yield ingress, (f"ingressClassName {name} is not one of the IngressClasses the "
                            f"repository declares ({', '.join(sorted(classes))})"), (
                "spec", "ingressClassName")


OBJECT_REFS = Rule(
    "object-refs", Severity.HIGH,
    summary="ServiceAccounts, claims, autoscaler targets and declared classes a manifest names "
            "exist",
    why="A pod whose ServiceAccount or claim is missing is never created or never starts, an "
        "autoscaler with no target scales nothing, and a PriorityClass or IngressClass the "
        "repository meant to declare but misnamed leaves pods unschedulable or an Ingress "
        "served by no controller.",
    fix="Add the ServiceAccount or PersistentVolumeClaim to the environment, or fix the name; "
        "point scaleTargetRef at the workload's kind and name; use a class the repository "
        "declares.",
    check=check_object_refs)
