"""Workload rules: a StatefulSet has the headless Service its pods' DNS names need, and
replicated workloads have a PodDisruptionBudget that protects them without blocking drains."""

from __future__ import annotations

import math
from collections.abc import Iterator

from ...kube.objects import Resource, selects
from .context import EnvContext, mapping
from .model import Hit, Rule, Severity

SCALED_KINDS = ("Deployment", "StatefulSet")


def check_statefulset_service(ctx: EnvContext) -> Iterator[Hit]:
    services = {svc.name: svc for svc in ctx.of_kind("Service")}
    for sts in ctx.of_kind("StatefulSet"):
        name = sts.spec.get("serviceName")
        svc = services.get(str(name)) if name else None
        if not name:
            yield sts, "no serviceName"
        elif svc is None:
            yield sts, f"serviceName {name} is not a Service in the environment"
        elif svc.spec.get("clusterIP") != "None":
            yield sts, f"serviceName {name} is not a headless Service (clusterIP: None)"
        elif not selects(mapping(svc.spec.get("selector")), sts.pod_labels()):
            yield sts, f"Service {name} does not select the StatefulSet's pods"


def _count(value: object, replicas: int) -> int | None:
    """A PDB's int-or-percent as a pod count (percentages round up, as the controller does)."""
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.endswith("%") and value[:-1].isdigit():
        return math.ceil(replicas * int(value[:-1]) / 100)
    return None


def _blocks_eviction(pdb: Resource, replicas: int) -> str | None:
    min_available = _count(pdb.spec.get("minAvailable"), replicas)
    max_unavailable = _count(pdb.spec.get("maxUnavailable"), replicas)
    if min_available is not None and min_available >= replicas:
        return f"minAvailable {pdb.spec.get('minAvailable')} with {replicas} replicas"
    if max_unavailable == 0:
        return f"maxUnavailable {pdb.spec.get('maxUnavailable')}"
    return None


def _smallest_sizes(ctx: EnvContext) -> dict[tuple[str, str], int]:
    """(kind, name) -> the fewest pods a workload runs: its HorizontalPodAutoscaler's
    minReplicas (default 1) when one scales it, since the autoscaler sets its replicas."""
    sizes: dict[tuple[str, str], int] = {}
    for hpa in ctx.of_kind("HorizontalPodAutoscaler"):
        target = mapping(hpa.spec.get("scaleTargetRef"))
        least = hpa.spec.get("minReplicas", 1)
        if isinstance(least, int) and target.get("kind") and target.get("name"):
            sizes[(str(target["kind"]), str(target["name"]))] = least
    return sizes


def check_pdb(ctx: EnvContext) -> Iterator[Hit]:
    pdbs = ctx.of_kind("PodDisruptionBudget")
    workloads = ctx.workloads()
    scaled = _smallest_sizes(ctx)

    def size(workload: Resource) -> int:
        return scaled.get((workload.kind, workload.name), workload.replicas())

    for pdb in pdbs:
        selector = mapping(pdb.spec.get("selector"))
        matched = [w for w in workloads if selects(selector, w.pod_labels())]
        if not matched:
            yield pdb, "selector matches no pod in the environment"
        for workload in matched:
            blocked = _blocks_eviction(pdb, size(workload))
            if blocked:
                yield pdb, (f"{blocked} of {workload.kind} {workload.name}: no pod can ever be "
                            f"evicted, node drains hang")
    for workload in ctx.of_kind(*SCALED_KINDS):
        covered = any(selects(mapping(p.spec.get("selector")), workload.pod_labels())
                      for p in pdbs)
        if size(workload) > 1 and not covered:
            yield workload, f"{size(workload)} replicas but no PodDisruptionBudget"


# --- the rules ---------------------------------------------------------------------------------

STATEFULSET_SERVICE = Rule(
    "statefulset-service", Severity.HIGH,
    summary="a StatefulSet's serviceName is a headless Service that selects it",
    why="The governing Service gives each pod its stable DNS name (db-0.db); if it is "
        "missing, not headless or selects other pods, peers and clients cannot find a pod.",
    fix="Point serviceName at a Service with clusterIP: None whose selector matches the "
        "StatefulSet's pod labels.",
    check=check_statefulset_service)


PDB = Rule(
    "pdb", Severity.HIGH,
    summary="PodDisruptionBudgets select pods and let nodes drain; workloads with replicas > 1 "
            "have one",
    why="Without a budget a node drain may evict every replica at once; a budget that allows no "
        "eviction (minAvailable >= replicas, maxUnavailable 0) makes drains and cluster upgrades "
        "hang. A workload a HorizontalPodAutoscaler scales counts its minReplicas.",
    fix="Give each replicated workload a PDB with maxUnavailable: 1 (or a minAvailable below its "
        "replicas) whose selector matches its pod labels.",
    check=check_pdb)
