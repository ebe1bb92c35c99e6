"""Risks of a change between two renders, on objects built in memory: each class of risk has a
failing case and a near-miss that must stay quiet. tests/test_diff.py renders real ones."""

from __future__ import annotations

import copy
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest

from journal_gitops.errors import UsageError
from journal_gitops.kube.objects import Resource
from journal_gitops.kube.quantity import quantity
from journal_gitops.kube.risks import Risk, RiskKind, assess, parse_kinds

Doc = dict[str, Any]
NS = "journal-dev"
POD_SECURITY = {"runAsNonRoot": True, "runAsUser": 999, "seccompProfile": {"type": "RuntimeDefault"}}
CONTAINER_SECURITY = {"allowPrivilegeEscalation": False, "readOnlyRootFilesystem": True,
                      "capabilities": {"drop": ["ALL"]}}
PROBE = {"tcpSocket": {"port": 6379}, "periodSeconds": 10}


def _pod(name: str) -> Doc:
    return {"metadata": {"labels": {"app": name}},
            "spec": {"securityContext": copy.deepcopy(POD_SECURITY), "containers": [{
                "name": name, "image": f"docker.io/library/{name}:1",
                "securityContext": copy.deepcopy(CONTAINER_SECURITY),
                "readinessProbe": dict(PROBE), "livenessProbe": dict(PROBE),
                "resources": {"requests": {"cpu": "100m", "memory": "256Mi"},
                              "limits": {"cpu": "1", "memory": "512Mi"}}}]}}


def _meta(name: str, namespace: str | None = NS) -> Doc:
    return {"name": name, **({"namespace": namespace} if namespace else {})}


def objects() -> dict[str, Doc]:
    """One environment as kustomize renders it, by a short handle."""
    return {
        "ns": {"apiVersion": "v1", "kind": "Namespace", "metadata": _meta(NS, None)},
        "sts": {"apiVersion": "apps/v1", "kind": "StatefulSet", "metadata": _meta("redis"),
                "spec": {"serviceName": "redis", "replicas": 1,
                         "selector": {"matchLabels": {"app": "redis"}},
                         "template": _pod("redis"), "volumeClaimTemplates": [{
                             "metadata": {"name": "data", "labels": {"app": "redis"}},
                             "spec": {"accessModes": ["ReadWriteOnce"],
                                      "resources": {"requests": {"storage": "1Gi"}}}}]}},
        "deploy": {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": _meta("web"),
                   "spec": {"replicas": 2, "selector": {"matchLabels": {"app": "web"}},
                            "template": _pod("web")}},
        "ds": {"apiVersion": "apps/v1", "kind": "DaemonSet", "metadata": _meta("agent"),
               "spec": {"selector": {"matchLabels": {"app": "agent"}},
                        "template": _pod("agent")}},
        "job": {"apiVersion": "batch/v1", "kind": "Job", "metadata": _meta("migrate"),
                "spec": {"template": _pod("migrate")}},
        "svc": {"apiVersion": "v1", "kind": "Service", "metadata": _meta("web"),
                "spec": {"selector": {"app": "web"}, "ports": [{"port": 80}]}},
        "pvc": {"apiVersion": "v1", "kind": "PersistentVolumeClaim", "metadata": _meta("files"),
                "spec": {"storageClassName": "standard", "accessModes": ["ReadWriteOnce"],
                         "resources": {"requests": {"storage": "10Gi"}}}},
        "role": {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "Role",
                 "metadata": _meta("reader"),
                 "rules": [{"apiGroups": [""], "resources": ["pods"], "verbs": ["get"]}]},
        "binding": {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "RoleBinding",
                    "metadata": _meta("reader"),
                    "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role",
                                "name": "reader"},
                    "subjects": [{"kind": "ServiceAccount", "name": "web"}]},
        "crd": {"apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
                "metadata": _meta("widgets.example.com", None),
                "spec": {"group": "example.com", "names": {"kind": "Widget"}}},
        "config": {"apiVersion": "v1", "kind": "ConfigMap", "metadata": _meta("web-config"),
                   "data": {"entries": "20"}},
    }


def _resources(docs: dict[str, Doc]) -> list[Resource]:
    return [Resource(doc, "overlays/dev") for doc in docs.values()]


def risks_of(change: Callable[[dict[str, Doc]], object]) -> list[tuple[str, str, str]]:
    before = objects()
    after = copy.deepcopy(before)
    change(after)
    return [(str(r.kind), r.object, r.message)
            for r in assess(_resources(before), _resources(after))]


def _container(docs: dict[str, Doc], handle: str = "deploy") -> Doc:
    container: Doc = docs[handle]["spec"]["template"]["spec"]["containers"][0]
    return container


def _pod_spec(docs: dict[str, Doc], handle: str = "deploy") -> Doc:
    spec: Doc = docs[handle]["spec"]["template"]["spec"]
    return spec


def _set(handle: str, path: str, value: Any) -> Callable[[dict[str, Doc]], None]:
    """A change that sets one dotted path (list items by index) of one object."""
    def change(docs: dict[str, Doc]) -> None:
        node: Any = docs[handle]
        *parents, last = path.split(".")
        for part in parents:
            node = node[int(part)] if part.isdigit() else node.setdefault(part, {})
        if value is None:
            del node[last]
        else:
            node[int(last) if last.isdigit() else last] = value
    return change


REFUSED = "the API server refuses to update it, so the sync fails"
STS, DEPLOY = f"StatefulSet/{NS}/redis", f"Deployment/{NS}/web"

CASES: list[tuple[str, Callable[[dict[str, Doc]], object], list[tuple[str, str, str]]]] = [
    ("a label on the volume claim template",
     _set("sts", "spec.volumeClaimTemplates.0.metadata.labels.team", "journal"),
     [("immutable", STS, f"spec.volumeClaimTemplates changes: {REFUSED}")]),
    ("statefulset selector, service name and pod management",
     lambda d: d["sts"]["spec"].update(selector={"matchLabels": {"app": "cache"}},
                                       serviceName="cache", podManagementPolicy="Parallel"),
     [("immutable", STS, f"spec.selector changes: {REFUSED}"),
      ("immutable", STS, f"spec.serviceName changes: {REFUSED}"),
      ("immutable", STS, f"spec.podManagementPolicy changes: {REFUSED}")]),
    ("deployment selector", _set("deploy", "spec.selector.matchLabels.tier", "web"),
     [("immutable", DEPLOY, f"spec.selector changes: {REFUSED}")]),
    ("daemonset selector", _set("ds", "spec.selector.matchLabels.app", "node-agent"),
     [("immutable", f"DaemonSet/{NS}/agent", f"spec.selector changes: {REFUSED}")]),
    ("job template", _set("job", "spec.template.spec.containers.0.image", "migrate:2"),
     [("immutable", f"Job/{NS}/migrate", f"spec.template changes: {REFUSED}")]),
    ("service becomes headless", _set("svc", "spec.clusterIP", "None"),
     [("immutable", f"Service/{NS}/web", "spec.clusterIP changes from allocated to headless: "
                                         "the API server refuses to change it, so the sync fails")]),
    ("service becomes an ExternalName",
     lambda d: d["svc"]["spec"].update(type="ExternalName", externalName="web.example.com"),
     [("immutable", f"Service/{NS}/web", "spec.type changes from ClusterIP to ExternalName: "
                                         "the cluster IP is dropped")]),
    ("claim storage class", _set("pvc", "spec.storageClassName", "fast"),
     [("immutable", f"PersistentVolumeClaim/{NS}/files", f"spec.storageClassName changes: {REFUSED}")]),
    ("claim shrinks", _set("pvc", "spec.resources.requests.storage", "9500Mi"),
     [("immutable", f"PersistentVolumeClaim/{NS}/files", "the storage request shrinks: the API "
                                                         "server refuses to make a claim smaller, so the sync fails")]),
    ("claim removed", lambda d: d.pop("pvc"),
     [("deletion", f"PersistentVolumeClaim/{NS}/files", "PersistentVolumeClaim removed: pruning "
                                                        "deletes the claim, and its volume too under the reclaim policy Delete")]),
    ("namespace removed", lambda d: d.pop("ns"),
     [("deletion", f"Namespace/{NS}", "Namespace removed: pruning it deletes every object in "
                                      "it, claims and their data included")]),
    ("role gains a verb", _set("role", "rules.0.verbs", ["get", "delete"]),
     [("rbac", f"Role/{NS}/reader", "Role changes: permissions change")]),
    ("binding points at another role", _set("binding", "roleRef.name", "admin"),
     [("rbac", f"RoleBinding/{NS}/reader", "RoleBinding changes: permissions change"),
      ("immutable", f"RoleBinding/{NS}/reader", f"roleRef changes: {REFUSED}")]),
    ("new cluster role",
     lambda d: d.update(admin={"apiVersion": "rbac.authorization.k8s.io/v1",
                               "kind": "ClusterRole", "metadata": _meta("admin", None)}),
     [("rbac", "ClusterRole/admin", "new ClusterRole: it grants permissions")]),
    ("role removed", lambda d: d.pop("role"),
     [("rbac", f"Role/{NS}/reader", "Role removed: permissions are taken away")]),
    ("crd changes", _set("crd", "spec.names.plural", "widgets"),
     [("crd", "CustomResourceDefinition/widgets.example.com",
       "CustomResourceDefinition changes: every object of its kind is read through the new schema")]),
    ("crd removed", lambda d: d.pop("crd"),
     [("crd", "CustomResourceDefinition/widgets.example.com", "CustomResourceDefinition "
                                                              "removed: the cluster deletes every object of its kind with it")]),
    ("privileged", lambda d: _container(d)["securityContext"].update(privileged=True),
     [("security", DEPLOY, "container web becomes privileged (full access to the node)")]),
    ("privilege escalation allowed",
     lambda d: _container(d)["securityContext"].pop("allowPrivilegeEscalation"),
     [("security", DEPLOY, "container web may gain privileges (allowPrivilegeEscalation is no "
                           "longer false)")]),
    ("root allowed by the container",
     lambda d: _container(d)["securityContext"].update(runAsNonRoot=False),
     [("security", DEPLOY, "container web may run as root (runAsNonRoot is no longer true)")]),
    ("root allowed by the pod", lambda d: _pod_spec(d)["securityContext"].pop("runAsNonRoot"),
     [("security", DEPLOY, "container web may run as root (runAsNonRoot is no longer true)")]),
    ("capability added", _set("deploy", "spec.template.spec.containers.0.securityContext."
                                        "capabilities.add", ["NET_ADMIN"]),
     [("security", DEPLOY, "container web adds capabilities NET_ADMIN")]),
    ("capabilities no longer dropped",
     lambda d: _container(d)["securityContext"].pop("capabilities"),
     [("security", DEPLOY, "container web no longer drops capabilities ALL")]),
    ("writable root filesystem",
     lambda d: _container(d)["securityContext"].update(readOnlyRootFilesystem=False),
     [("security", DEPLOY, "container web gets a writable root filesystem "
                           "(readOnlyRootFilesystem is no longer true)")]),
    ("seccomp removed", lambda d: _pod_spec(d)["securityContext"].pop("seccompProfile"),
     [("security", DEPLOY, "container web loses its seccomp profile")]),
    ("seccomp unconfined", lambda d: _container(d)["securityContext"].update(
        seccompProfile={"type": "Unconfined"}),
     [("security", DEPLOY, "container web loses its seccomp profile")]),
    ("host network", lambda d: _pod_spec(d).update(hostNetwork=True),
     [("security", DEPLOY, "the pod shares the node's namespace: hostNetwork: true")]),
    ("readiness probe removed", lambda d: _container(d).pop("readinessProbe"),
     [("availability", DEPLOY, "container web: readinessProbe removed, so traffic reaches pods "
                               "before they are ready and rollouts do not wait")]),
    ("limits removed", lambda d: _container(d)["resources"].pop("limits"),
     [("availability", DEPLOY, "container web: cpu limit removed, so one pod can take every "
                               "free CPU cycle of its node"),
      ("availability", DEPLOY, "container web: memory limit removed, so one pod can take the "
                               "node's memory and get others evicted")]),
    ("replicas to 0", _set("deploy", "spec.replicas", 0),
     [("availability", DEPLOY, "replicas go from 2 to 0: every pod stops")]),
    ("statefulset replicas to 0 from the default", lambda d: d["sts"]["spec"].update(replicas=0),
     [("availability", STS, "replicas go from 1 to 0: every pod stops")]),
]


@pytest.mark.parametrize(("change", "expected"), [c[1:] for c in CASES],
                         ids=[c[0] for c in CASES])
def test_risk(change: Callable[[dict[str, Doc]], object],
              expected: list[tuple[str, str, str]]) -> None:
    assert risks_of(change) == expected


NEAR_MISSES: list[tuple[str, Callable[[dict[str, Doc]], object]]] = [
    ("image bump", _set("deploy", "spec.template.spec.containers.0.image", "web:2")),
    ("a label on the pod template only",
     _set("sts", "spec.template.metadata.labels.team", "journal")),
    ("replicas up", _set("deploy", "spec.replicas", 5)),
    ("pod management stated as its default",
     _set("sts", "spec.podManagementPolicy", "OrderedReady")),
    ("claim grows", _set("pvc", "spec.resources.requests.storage", "20Gi")),
    ("claim the same size in other units",
     _set("pvc", "spec.resources.requests.storage", "10240Mi")),
    ("service port change", _set("svc", "spec.ports.0.port", 8080)),
    ("service type NodePort keeps its cluster IP", _set("svc", "spec.type", "NodePort")),
    ("a limit raised", _set("deploy", "spec.template.spec.containers.0.resources.limits.memory",
                            "1Gi")),
    ("a probe tuned", _set("deploy", "spec.template.spec.containers.0.readinessProbe."
                                     "periodSeconds", 5)),
    ("seccomp moved from the pod to the container", lambda d: (
        _pod_spec(d)["securityContext"].pop("seccompProfile"),
        _container(d)["securityContext"].update(seccompProfile={"type": "RuntimeDefault"}))),
    ("runAsNonRoot moved from the pod to the container", lambda d: (
        _pod_spec(d)["securityContext"].pop("runAsNonRoot"),
        _container(d)["securityContext"].update(runAsNonRoot=True))),
    ("a capability dropped too", _set("deploy", "spec.template.spec.containers.0."
                                                "securityContext.capabilities.drop",
                                      ["ALL", "NET_RAW"])),
    ("config map values", _set("config", "data.entries", "25")),
    ("a new container", lambda d: _pod_spec(d)["containers"].append(
        {"name": "sidecar", "image": "sidecar:1"})),
    ("a config map removed", lambda d: d.pop("config")),
]


@pytest.mark.parametrize("change", [c[1] for c in NEAR_MISSES], ids=[c[0] for c in NEAR_MISSES])
def test_near_miss(change: Callable[[dict[str, Doc]], object]) -> None:
    assert risks_of(change) == []


def test_new_environment_and_same_objects_have_no_risk() -> None:
    everything = _resources(objects())
    assert assess([], [r for r in everything if r.kind not in ("Role", "RoleBinding",
                                                                 "CustomResourceDefinition")]) == ()
    assert assess(everything, _resources(objects())) == ()


def test_remedies_name_the_object_and_what_keeps_data() -> None:
    before = _resources(objects())
    after_docs = objects()
    after_docs["sts"]["spec"]["volumeClaimTemplates"][0]["metadata"]["labels"]["team"] = "j"
    after_docs["deploy"]["spec"]["selector"]["matchLabels"]["tier"] = "web"
    assert assess(before, _resources(after_docs)) == (
        Risk(RiskKind.IMMUTABLE, DEPLOY, f"spec.selector changes: {REFUSED}",
             "keep the old selector, or recreate it on sync with the annotation "
             "`argocd.argoproj.io/sync-options: Force=true,Replace=true` on the object "
             "(`Replace=true` alone is an update and is refused too): its pods are replaced "
             "at once"),
        Risk(RiskKind.IMMUTABLE, STS, f"spec.volumeClaimTemplates changes: {REFUSED}",
             "recreate the StatefulSet and keep its pods and volumes: `kubectl delete "
             "statefulset redis -n journal-dev --cascade=orphan`, then sync (the new one "
             "adopts the pods; claims already made keep their old template)"))


def test_odd_shapes_do_not_crash_and_what_they_lose_counts() -> None:
    before = objects()
    after = copy.deepcopy(before)
    after["sts"]["spec"]["template"] = "not a pod"
    after["pvc"]["spec"]["resources"] = ["10Gi"]
    after["svc"]["spec"] = None
    after["deploy"]["spec"]["template"]["spec"]["containers"] = [
        "web", {"name": "web", "securityContext": "tight", "resources": {"limits": None}}]
    assert [(str(r.kind), r.message) for r in assess(_resources(before), _resources(after))] == [
        ("security", "container web may gain privileges (allowPrivilegeEscalation is no longer "
                     "false)"),
        ("security", "container web no longer drops capabilities ALL"),
        ("security", "container web gets a writable root filesystem (readOnlyRootFilesystem is "
                     "no longer true)"),
        ("availability", "container web: readinessProbe removed, so traffic reaches pods before "
                         "they are ready and rollouts do not wait"),
        ("availability", "container web: livenessProbe removed, so a hung process is never "
                         "restarted"),
        ("availability", "container web: cpu limit removed, so one pod can take every free CPU "
                         "cycle of its node"),
        ("availability", "container web: memory limit removed, so one pod can take the node's "
                         "memory and get others evicted")]


@pytest.mark.parametrize(("text", "value"), [
    ("1Gi", Decimal(2**30)), ("500M", Decimal(500 * 10**6)), ("1.5e3", Decimal(1500)),
    ("100m", Decimal("0.1")), (3, Decimal(3)), ("10Gb", None), ("", None), (True, None),
    (None, None), ("1..5Gi", None)])
def test_quantity(text: object, value: Decimal | None) -> None:
    assert quantity(text) == value


def test_parse_kinds() -> None:
    assert parse_kinds("immutable, deletion") == {RiskKind.IMMUTABLE, RiskKind.DELETION}
    assert parse_kinds("any") == set(RiskKind)
    with pytest.raises(UsageError) as error:
        parse_kinds("immutable,,deletion")
    assert str(error.value) == ("--fail-on: unknown risk kind '' (valid: immutable, deletion, "
                                "rbac, crd, security, availability, any)")
