"""Each rule on small in-memory environments: a failing case and a passing near-miss.

Rules read only an `EnvContext`, so these tests build one from dicts and run one rule's check:
no kustomize, no schemas, no copy of the repository. tests/test_rules.py keeps the end-to-end
cases that need a real render.
"""

from __future__ import annotations

import copy
from typing import Any

import pytest

from conftest import ROOT
from journal_gitops.config import load_config
from journal_gitops.resources import Resource
from journal_gitops.rules import EnvContext, RuleId, Severity, all_rules, get_rule, rule_table

CONFIG = load_config(ROOT)
REPO_URL = "https://github.com/journal-app/journal-gitops.git"
SHA = "805c8cf2d536af9137692c914ecddbe83a103304"
LABELS = {"app.kubernetes.io/name": "web", "app.kubernetes.io/component": "web",
          "app.kubernetes.io/part-of": "journal"}
RESOURCES = {"requests": {"cpu": "10m", "memory": "32Mi"}, "limits": {"memory": "64Mi"}}
Doc = dict[str, Any]


def container(name: str = "app", **fields: Any) -> Doc:
    return {"name": name, "image": "docker.io/library/redis:7.4.2", **fields}


def workload(name: str = "web", *containers: Doc, kind: str = "Deployment", replicas: int = 1,
             pod: Doc | None = None, labels: Doc | None = None, annotations: Doc | None = None,
             **spec: Any) -> Doc:
    """A workload in namespace journal-dev whose pods carry LABELS (unless `labels` says)."""
    pod_labels = LABELS if labels is None else labels
    meta: Doc = {"name": name, "namespace": "journal-dev", "labels": pod_labels}
    if annotations:
        meta["annotations"] = annotations
    return {"apiVersion": "apps/v1", "kind": kind, "metadata": meta, "spec": {
        "replicas": replicas, "selector": {"matchLabels": pod_labels}, **spec,
        "template": {"metadata": {"labels": pod_labels},
                     "spec": {"containers": list(containers or [container()]), **(pod or {})}}}}


def obj(kind: str, name: str, api_version: str = "v1", **fields: Any) -> Doc:
    meta = fields.pop("metadata", {})
    return {"apiVersion": api_version, "kind": kind,
            "metadata": {"name": name, "namespace": "journal-dev", **meta}, **fields}


def service(name: str = "web", selector: Doc | None = None, ports: list[Doc] | None = None,
            **spec: Any) -> Doc:
    return obj("Service", name, metadata={"labels": LABELS}, spec={
        "selector": LABELS if selector is None else selector,
        "ports": ports if ports is not None else [{"port": 80, "targetPort": "http"}], **spec})


def app(name: str = "journal-dev", path: str = "overlays/dev", namespace: str = "journal-dev",
        project: str = "journal", **spec: Any) -> Resource:
    return Resource({"apiVersion": "argoproj.io/v1alpha1", "kind": "Application",
                     "metadata": {"name": name, "namespace": "argocd"},
                     "spec": {"project": project,
                              "source": {"repoURL": REPO_URL, "path": path},
                              "destination": {"server": "https://kubernetes.default.svc",
                                              "namespace": namespace}, **spec}},
                    f"apps/{name}.yaml")


def project(name: str = "journal", **spec: Any) -> Resource:
    body = {"sourceRepos": [REPO_URL],
            "destinations": [{"server": "https://kubernetes.default.svc",
                              "namespace": "journal-*"}],
            "clusterResourceWhitelist": [{"group": "", "kind": "Namespace"}], **spec}
    return Resource({"apiVersion": "argoproj.io/v1alpha1", "kind": "AppProject",
                     "metadata": {"name": name, "namespace": "argocd"}, "spec": body},
                    "argocd/project.yaml")


def ctx(*docs: Doc, env: str = "dev", apps: tuple[Resource, ...] | None = None,
        projects: tuple[Resource, ...] = ()) -> EnvContext:
    """An environment of these objects; by default one Application deploys it."""
    return EnvContext(CONFIG, env, [Resource(copy.deepcopy(d), f"overlays/{env}") for d in docs],
                      list(apps if apps is not None else [app(f"journal-{env}", f"overlays/{env}",
                                                              f"journal-{env}")]),
                      {p.name: p for p in projects})


def hits(rule_id: str, context: EnvContext) -> list[tuple[str | None, str]]:
    check = get_rule(rule_id).check
    if check is None:
        raise AssertionError(f"{rule_id} has no check")
    return [(r.ref if r is not None else None, message) for r, message in check(context)]


WEB = "Deployment/journal-dev/web"


# --- the registry --------------------------------------------------------------------------


def test_registry_lists_every_id_once_in_the_documented_order() -> None:
    ids = [rule.id for rule in all_rules()]
    assert ids == list(RuleId.ordered()) == [rule.id for rule in rule_table()]
    assert ids[:8] == ["render", "yaml", "kustomize-warning", "schema", "custom-schema",
                       "unknown-kind", "image-tag", "tag-scheme"]
    assert ids[-1] == "sync-policy" and len(ids) == 25


def test_only_rendering_and_schema_rules_have_no_check() -> None:
    assert [r.id for r in all_rules() if r.check is None] == [
        "render", "yaml", "kustomize-warning", "schema", "custom-schema", "unknown-kind"]


@pytest.mark.parametrize("rule", all_rules(), ids=lambda r: r.id)
def test_every_rule_has_real_metadata(rule: Any) -> None:
    assert isinstance(rule.severity, Severity)
    assert rule.summary and "\n" not in rule.summary and len(rule.summary) <= 100
    assert rule.why.endswith(".") and rule.fix.endswith(".")
    assert rule.why != rule.fix and len(rule.why) > 60 and len(rule.fix) > 40


def test_severities_match_their_meaning() -> None:
    by_severity = {s: [r.id for r in all_rules() if r.severity is s] for s in Severity}
    assert {"schema", "pod-security", "plaintext-secret", "project-permits"} <= set(
        by_severity[Severity.CRITICAL])
    assert {"config-ref", "pdb", "sync-wave-order"} <= set(by_severity[Severity.HIGH])
    assert {"labels", "resources", "probes"} <= set(by_severity[Severity.MEDIUM])
    assert [s.value for s in Severity] == ["critical", "high", "medium"]


def test_rules_are_frozen() -> None:
    with pytest.raises(AttributeError):
        get_rule(RuleId.PDB).summary = "changed"  # type: ignore[misc]


# --- the shared walk -----------------------------------------------------------------------


def test_the_walk_yields_pods_and_containers_with_their_list() -> None:
    job = obj("CronJob", "nightly", "batch/v1", spec={"jobTemplate": {"spec": {"template": {
        "spec": {"containers": [container("run")]}}}}})
    context = ctx(workload("web", container("a"), pod={"initContainers": [container("init")],
                                                        "ephemeralContainers": [container("dbg")]}),
                  job, service())
    assert [(p.workload.ref, sorted(p.spec)) for p in context.pods()] == [
        (WEB, ["containers", "ephemeralContainers", "initContainers"]),
        ("CronJob/journal-dev/nightly", ["containers"])]
    assert [(c.workload.name, c.list_name, c.name) for c in context.containers()] == [
        ("web", "initContainers", "init"), ("web", "containers", "a"),
        ("web", "ephemeralContainers", "dbg"), ("nightly", "containers", "run")]
    assert [c.label for c in context.containers(("containers",))] == [
        "container a", "container run"]


def test_the_walk_skips_odd_shapes() -> None:
    odd = workload("odd", pod={"containers": ["redis", None, 3, container("ok")],
                               "initContainers": {"name": "not-a-list"}})
    no_spec = {"apiVersion": "apps/v1", "kind": "Deployment",
               "metadata": {"name": "bare"}, "spec": {"template": "nope"}}
    context = ctx(odd, no_spec)
    assert [c.name for c in context.containers()] == ["ok"]
    assert [p.workload.name for p in context.pods()] == ["odd"]


ODD_SHAPES = [
    workload("odd", "not-a-container", container("c", env=["X", {"valueFrom": "x"}],  # type: ignore[arg-type]
                                                 envFrom=[1, {"secretRef": "s"}],
                                                 ports=["http", {"name": "p"}],
                                                 resources="lots", securityContext=[]),
             pod={"volumes": ["v", {"name": "v", "projected": {"sources": ["s"]}},
                                 {"name": "w", "configMap": "c"}],
                  "initContainers": "none", "securityContext": "x"},
             annotations={"argocd.argoproj.io/sync-wave": "1"}),
    obj("Service", "s", spec={"selector": "app", "ports": ["80"]}),
    obj("Service", "t", metadata={"labels": "x"}, spec={"selector": LABELS, "ports": [1]}),
    obj("Ingress", "i", "networking.k8s.io/v1", spec={
        "defaultBackend": "web", "rules": ["r", {"http": {"paths": ["p", {"backend": "b"}]}}]}),
    obj("PodDisruptionBudget", "p", "policy/v1", spec={"selector": "all"}),
    obj("ExternalSecret", "e", "external-secrets.io/v1", spec={"target": "x", "data": ["d"]}),
    obj("ConfigMap", "c", data="text", metadata={"annotations": "none"}),
    obj("StatefulSet", "sts", "apps/v1", spec={"serviceName": "s", "template": {"spec": "x"}}),
]


@pytest.mark.parametrize("rule", [r for r in all_rules() if r.check], ids=lambda r: r.id)
def test_no_rule_crashes_on_odd_shapes(rule: Any) -> None:
    odd_app = Resource({"kind": "Application", "metadata": {"name": "a"},
                        "spec": {"source": {"repoURL": REPO_URL, "path": "overlays/prod"},
                                 "destination": "x", "syncPolicy": {"syncOptions": [1]},
                                 "project": "journal"}}, "apps/a.yaml")
    context = ctx(*ODD_SHAPES, env="prod", apps=(odd_app,),
                  projects=(project(destinations=["x"], namespaceResourceWhitelist=["y"]),))
    found = list(rule.check(context))
    assert all(isinstance(message, str) for _, message in found)
