"""What a change between two renders of one environment does that the cluster refuses or that
can hurt: immutable fields, deletions that take data with them, RBAC and CRD changes, a
loosened securityContext, and lost probes, limits or replicas.

`gitops diff` shows every change; these are the few a reviewer must not miss, because the sync
fails (the API server refuses an update of an immutable field) or succeeds and does harm. Pure
functions over parsed objects, so each case is tested in memory.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from enum import Enum
from typing import Any

from ..errors import UsageError
from .destinations import cluster_of_destination, identity
from .objects import CONTAINER_LISTS, Resource
from .quantity import quantity

RBAC_GROUP = "rbac.authorization.k8s.io"
RBAC_KINDS = ("Role", "ClusterRole", "RoleBinding", "ClusterRoleBinding")
CRD_KIND = "CustomResourceDefinition"
SCALABLE = ("Deployment", "StatefulSet", "ReplicaSet")
PROBES = {
    "readinessProbe": "traffic reaches pods before they are ready and rollouts do not wait",
    "livenessProbe": "a hung process is never restarted",
    "startupProbe": "liveness checks start before a slow start is over",
}
LIMITS = {
    "memory": "one pod can take the node's memory and get others evicted",
    "cpu": "one pod can take every free CPU cycle of its node",
    "ephemeral-storage": "one pod can fill the node's disk",
}
FORCE_REPLACE = ("recreate it on sync with the annotation "
                 "`argocd.argoproj.io/sync-options: Force=true,Replace=true` on the object "
                 "(`Replace=true` alone is an update and is refused too)")


class RiskKind(str, Enum):
    """Why a change deserves a look before merge; `--fail-on` picks kinds by these names."""

    IMMUTABLE = "immutable"
    DELETION = "deletion"
    RBAC = "rbac"
    CRD = "crd"
    SECURITY = "security"
    AVAILABILITY = "availability"

    def __str__(self) -> str:
        return self.value


KINDS = tuple(str(k) for k in RiskKind)


def parse_kinds(value: str) -> frozenset[RiskKind]:
    """`--fail-on`: kinds separated by commas, or `any`; an unknown one is a usage error."""
    names = [part.strip() for part in value.split(",")]
    for name in names:
        if name not in (*KINDS, "any"):
            raise UsageError(f"--fail-on: unknown risk kind '{name}' "
                             f"(valid: {', '.join(KINDS)}, any)")
    return frozenset(RiskKind) if "any" in names else frozenset(RiskKind(n) for n in names)


@dataclass(frozen=True)
class Risk:
    kind: RiskKind
    object: str  # Kind/namespace/name
    message: str  # one line: what changes and what the cluster does with it
    remedy: str  # one line: what to do


Key = tuple[str, str, str, str]  # group, kind, namespace, name


def _key(r: Resource) -> Key:
    return r.group, r.kind, r.namespace or "", r.name


def assess(before: Sequence[Resource], after: Sequence[Resource]) -> tuple[Risk, ...]:
    """Every risk of turning the objects `before` into the objects `after`, in object order."""
    old = {_key(r): r for r in before}
    new = {_key(r): r for r in after}
    found: list[Risk] = []
    for key in sorted(old.keys() | new.keys(), key=lambda k: (k[1], k[2], k[3], k[0])):
        a, b = old.get(key), new.get(key)
        if a is not None and b is not None:
            if a.body != b.body:
                found += _changed(a, b)
        elif a is not None:
            found += _removed(a)
        elif b is not None:
            found += _added(b)
    return tuple(found)


# --- small readers ----------------------------------------------------------------------------


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _kubectl(r: Resource) -> str:
    ns = f" -n {r.namespace}" if r.namespace else ""
    return f"{r.kind.lower()} {r.name}{ns}"


def _risk(kind: RiskKind, r: Resource, message: str, remedy: str) -> Risk:
    return Risk(kind, r.ref, message, remedy)


# --- added and removed objects ------------------------------------------------------------------


def _added(r: Resource) -> list[Risk]:
    if r.group == RBAC_GROUP and r.kind in RBAC_KINDS:
        return [_risk(RiskKind.RBAC, r, f"new {r.kind}: it grants permissions",
                      "check who gets which verbs on which resources; grant no more than "
                      "the workload uses")]
    if r.kind == CRD_KIND:
        return [_risk(RiskKind.CRD, r, "new CustomResourceDefinition: a cluster-wide API",
                      "make sure no other application owns this CRD; a CRD is shared by the "
                      "whole cluster")]
    return []


def _removed(r: Resource) -> list[Risk]:
    if r.kind == "PersistentVolumeClaim" and not r.group:
        return [_risk(RiskKind.DELETION, r, "PersistentVolumeClaim removed: pruning deletes "
                      "the claim, and its volume too under the reclaim policy Delete",
                      "back the data up and set the PersistentVolume's reclaim policy to Retain "
                      "first, or keep the claim: `argocd.argoproj.io/sync-options: Prune=false` "
                      "on the live object")]
    if r.kind == "Namespace" and not r.group:
        return [_risk(RiskKind.DELETION, r, "Namespace removed: pruning it deletes every "
                      "object in it, claims and their data included",
                      "move or back up what must stay, or keep the namespace: "
                      "`argocd.argoproj.io/sync-options: Prune=false` on the live object")]
    if r.group == RBAC_GROUP and r.kind in RBAC_KINDS:
        return [_risk(RiskKind.RBAC, r, f"{r.kind} removed: permissions are taken away",
                      "make sure nothing running still needs these permissions")]
    if r.kind == CRD_KIND:
        return [_risk(RiskKind.CRD, r, "CustomResourceDefinition removed: the cluster deletes "
                      "every object of its kind with it",
                      "keep the CRD (`argocd.argoproj.io/sync-options: Prune=false`) unless "
                      "every object of its kind may go")]
    return []


# --- changed objects ---------------------------------------------------------------------------


def _changed(a: Resource, b: Resource) -> list[Risk]:
    found: list[Risk] = []
    check = _IMMUTABLE.get(a.kind)
    if check is not None and a.group == _GROUPS[a.kind]:
        found += check(a, b)
    if a.group == RBAC_GROUP and a.kind in RBAC_KINDS:
        found += _rbac(a, b)
    if a.kind == CRD_KIND:
        found.append(_risk(RiskKind.CRD, b, "CustomResourceDefinition changes: every object "
                           "of its kind is read through the new schema",
                           "keep every stored version served, and check existing objects "
                           "against the new schema before the sync"))
    if a.pod_spec() is not None and b.pod_spec() is not None:
        found += _security(a, b) + _availability(a, b)
    if a.kind == "Application" and a.group == "argoproj.io":
        found += _destination(a, b)
    return found


def _destination(a: Resource, b: Resource) -> list[Risk]:
    """An Application aimed at another cluster or namespace starts there from nothing."""
    old, new = _dict(a.spec.get("destination")), _dict(b.spec.get("destination"))
    if identity(old) == identity(new) and old.get("namespace") == new.get("namespace"):
        return []

    def where(d: dict[str, Any]) -> str:
        return f"{d.get('namespace')} on {cluster_of_destination(d)}"
    return [_risk(RiskKind.AVAILABILITY, b, f"destination moves from {where(old)} to "
                  f"{where(new)}: everything is deployed there anew (volumes start empty), "
                  f"and what runs at the old one is no longer managed",
                  "copy the data first, move traffic once the new destination is healthy, "
                  "then remove what is left at the old one by hand")]


def _fields(a: Resource, b: Resource, fields: dict[str, Any], remedy: str) -> list[Risk]:
    """One risk per field of `spec` that changes; a field's default counts as its value."""
    return [_risk(RiskKind.IMMUTABLE, b, f"spec.{name} changes: the API server refuses to "
                  f"update it, so the sync fails", remedy)
            for name, default in fields.items()
            if a.spec.get(name, default) != b.spec.get(name, default)]


def _statefulset(a: Resource, b: Resource) -> list[Risk]:
    remedy = (f"recreate the StatefulSet and keep its pods and volumes: `kubectl delete "
              f"{_kubectl(b)} --cascade=orphan`, then sync (the new one adopts the pods; "
              f"claims already made keep their old template)")
    return _fields(a, b, {"volumeClaimTemplates": None, "selector": None, "serviceName": "",
                          "podManagementPolicy": "OrderedReady"}, remedy)


def _selector(a: Resource, b: Resource) -> list[Risk]:
    return _fields(a, b, {"selector": None},
                   f"keep the old selector, or {FORCE_REPLACE}: its pods are replaced at once")


def _job(a: Resource, b: Resource) -> list[Risk]:
    return _fields(a, b, {"template": None},
                   f"give the Job a new name, or {FORCE_REPLACE}: the Job runs again")


def _service(a: Resource, b: Resource) -> list[Risk]:
    old_ip, new_ip = a.spec.get("clusterIP") or "", b.spec.get("clusterIP") or ""
    old_type, new_type = (str(s.spec.get("type") or "ClusterIP") for s in (a, b))
    remedy = f"{FORCE_REPLACE}; clients that kept the old address must look it up again"
    if old_type != new_type and "ExternalName" in (old_type, new_type):
        ip = "dropped" if new_type == "ExternalName" else "allocated anew"
        return [_risk(RiskKind.IMMUTABLE, b, f"spec.type changes from {old_type} to "
                      f"{new_type}: the cluster IP is {ip}", remedy)]
    if old_ip != new_ip:
        what = {"None": "headless"}
        return [_risk(RiskKind.IMMUTABLE, b, f"spec.clusterIP changes from "
                      f"{what.get(old_ip, old_ip or 'allocated')} to "
                      f"{what.get(new_ip, new_ip or 'allocated')}: the API server refuses to "
                      f"change it, so the sync fails", remedy)]
    return []


def _claim(a: Resource, b: Resource) -> list[Risk]:
    remedy = ("a claim cannot be changed that way: create a new claim, copy the data over, "
              "and switch the workload to it")
    found = _fields(a, b, {"storageClassName": None, "accessModes": None, "volumeMode": None},
                    remedy)
    old = quantity(_dict(_dict(a.spec.get("resources")).get("requests")).get("storage"))
    new = quantity(_dict(_dict(b.spec.get("resources")).get("requests")).get("storage"))
    if old is not None and new is not None and new < old:
        found.append(_risk(RiskKind.IMMUTABLE, b, "the storage request shrinks: the API server "
                           "refuses to make a claim smaller, so the sync fails",
                           "keep the current size, or " + remedy))
    return found


_IMMUTABLE: dict[str, Callable[[Resource, Resource], list[Risk]]] = {
    "StatefulSet": _statefulset, "Deployment": _selector, "DaemonSet": _selector, "Job": _job,
    "Service": _service, "PersistentVolumeClaim": _claim,
}
_GROUPS = {"StatefulSet": "apps", "Deployment": "apps", "DaemonSet": "apps", "Job": "batch",
           "Service": "", "PersistentVolumeClaim": ""}


def _rbac(a: Resource, b: Resource) -> list[Risk]:
    found = [_risk(RiskKind.RBAC, b, f"{b.kind} changes: permissions change",
                   "check who gains or loses which verbs on which resources")]
    if a.kind.endswith("Binding") and a.body.get("roleRef") != b.body.get("roleRef"):
        found.append(_risk(RiskKind.IMMUTABLE, b, "roleRef changes: the API server refuses to "
                           "update it, so the sync fails",
                           f"give the binding a new name, or {FORCE_REPLACE}"))
    return found


# --- pods: securityContext, probes, limits, replicas -------------------------------------------


def _containers(r: Resource) -> dict[str, dict[str, Any]]:
    return {str(c.get("name")): c for c in r.containers(CONTAINER_LISTS)}


def _pairs(a: Resource, b: Resource) -> Iterator[tuple[str, dict[str, Any], dict[str, Any]]]:
    """The containers found on both sides, by name, in the order of the new side."""
    old = _containers(a)
    for name, container in _containers(b).items():
        if name in old:
            yield name, old[name], container


def _effective(pod: dict[str, Any], container: dict[str, Any], key: str) -> Any:
    """A securityContext field as it applies to the container: its own, else the pod's."""
    own = _dict(container.get("securityContext"))
    return own[key] if key in own else _dict(pod.get("securityContext")).get(key)


def _loosened(pod_a: dict[str, Any], a: dict[str, Any], pod_b: dict[str, Any],
              b: dict[str, Any]) -> Iterator[tuple[str, str]]:
    """(what loosened, what restores it) for one container."""
    sa, sb = _dict(a.get("securityContext")), _dict(b.get("securityContext"))
    if sa.get("privileged") is not True and sb.get("privileged") is True:
        yield ("becomes privileged (full access to the node)",
               "drop `privileged: true`; grant the one capability it needs instead")
    if sa.get("allowPrivilegeEscalation") is False and sb.get("allowPrivilegeEscalation") \
            is not False:
        yield ("may gain privileges (allowPrivilegeEscalation is no longer false)",
               "set `allowPrivilegeEscalation: false` again")
    if _effective(pod_a, a, "runAsNonRoot") is True and \
            _effective(pod_b, b, "runAsNonRoot") is not True:
        yield ("may run as root (runAsNonRoot is no longer true)", "set `runAsNonRoot: true` "
               "again, with a non-root `runAsUser` if the image has no user")
    caps_a, caps_b = _dict(sa.get("capabilities")), _dict(sb.get("capabilities"))
    added = [str(c) for c in caps_b.get("add") or [] if c not in (caps_a.get("add") or [])]
    if added:
        yield (f"adds capabilities {', '.join(added)}",
               "add only the capabilities the process needs, with `drop: [ALL]`")
    dropped = [str(c) for c in caps_a.get("drop") or [] if c not in (caps_b.get("drop") or [])]
    if dropped:
        yield (f"no longer drops capabilities {', '.join(dropped)}",
               f"drop {', '.join(dropped)} again")
    if sa.get("readOnlyRootFilesystem") is True and sb.get("readOnlyRootFilesystem") is not True:
        yield ("gets a writable root filesystem (readOnlyRootFilesystem is no longer true)",
               "set `readOnlyRootFilesystem: true` again and mount an emptyDir where it writes")
    confined = ("RuntimeDefault", "Localhost")
    if _dict(_effective(pod_a, a, "seccompProfile")).get("type") in confined and \
            _dict(_effective(pod_b, b, "seccompProfile")).get("type") not in confined:
        yield ("loses its seccomp profile", "set `seccompProfile: {type: RuntimeDefault}` again")


def _security(a: Resource, b: Resource) -> list[Risk]:
    pod_a, pod_b = a.pod_spec() or {}, b.pod_spec() or {}
    found = [_risk(RiskKind.SECURITY, b, f"container {name} {what}", remedy)
             for name, ca, cb in _pairs(a, b) for what, remedy in _loosened(pod_a, ca, pod_b, cb)]
    for host in ("hostNetwork", "hostPID", "hostIPC"):
        if pod_a.get(host) is not True and pod_b.get(host) is True:
            found.append(_risk(RiskKind.SECURITY, b, f"the pod shares the node's namespace: "
                               f"{host}: true", f"remove `{host}: true`"))
    return found


def _availability(a: Resource, b: Resource) -> list[Risk]:
    found: list[Risk] = []
    if a.kind in SCALABLE and a.replicas() > 0 and b.spec.get("replicas") == 0:
        found.append(_risk(RiskKind.AVAILABILITY, b, f"replicas go from {a.replicas()} to 0: "
                           "every pod stops", "keep at least one replica unless the workload "
                           "is meant to stop"))
    for name, ca, cb in _pairs(a, b):
        for probe, why in PROBES.items():
            if ca.get(probe) and not cb.get(probe):
                found.append(_risk(RiskKind.AVAILABILITY, b,
                                   f"container {name}: {probe} removed, so {why}",
                                   f"restore the {probe}"))
        old = _dict(_dict(ca.get("resources")).get("limits"))
        new = _dict(_dict(cb.get("resources")).get("limits"))
        for resource in old:
            if resource not in new:
                why = LIMITS.get(resource, "its use is no longer bounded")
                found.append(_risk(RiskKind.AVAILABILITY, b,
                                   f"container {name}: {resource} limit removed, so {why}",
                                   f"restore `resources.limits.{resource}`"))
    return found
