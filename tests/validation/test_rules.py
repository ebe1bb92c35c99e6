"""Each rule on small in-memory environments: a failing case and a passing near-miss.

Rules read only an `EnvContext`, so these tests build one from dicts and run one rule's check:
no kustomize, no schemas, no copy of the repository. tests/test_rules.py keeps the end-to-end
cases that need a real render.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, replace
from typing import Any

import pytest

from conftest import ROOT
from journal_gitops.config.load import load_config
from journal_gitops.config.tags import parse_tag_scheme
from journal_gitops.kube.objects import Resource
from journal_gitops.validation.rules import all_rules, get_rule
from journal_gitops.validation.rules.context import AppContext, EnvContext, RenderSummary
from journal_gitops.validation.rules.model import Severity

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


@dataclass(frozen=True)
class Env:
    """An environment as its rules see it: its render, and its Applications with a summary of
    the render."""

    render: EnvContext
    apps: AppContext


def ctx(*docs: Doc, env: str = "dev", apps: tuple[Resource, ...] | None = None,
        projects: tuple[Resource, ...] = ()) -> Env:
    """An environment of these objects; by default one Application deploys it."""
    resources = [Resource(copy.deepcopy(d), f"overlays/{env}") for d in docs]
    deployed = list(apps if apps is not None else [app(f"journal-{env}", f"overlays/{env}",
                                                       f"journal-{env}")])
    return Env(EnvContext.of(CONFIG, env, resources),
               AppContext.of(CONFIG, env, deployed, {p.name: p for p in projects},
                             RenderSummary.of(resources)))


def hits(rule_id: str, context: Env) -> list[tuple[str | None, str]]:
    rule = get_rule(rule_id)
    if rule.check is None and rule.app_check is None:
        raise AssertionError(f"{rule_id} has no check")
    found = [*(rule.app_check(context.apps) if rule.app_check else ()),
             *(rule.check(context.render) if rule.check else ())]
    return [(hit[0].ref if hit[0] is not None else None, hit[1]) for hit in found]


WEB = "Deployment/journal-dev/web"


# --- the registry --------------------------------------------------------------------------


def test_registry_lists_every_id_once_in_the_documented_order() -> None:
    ids = [rule.id for rule in all_rules()]
    assert len(set(ids)) == len(ids)
    assert ids[:8] == ["render", "yaml", "kustomize-input", "unchecked-file", "kustomize-warning",
                       "schema", "custom-schema", "unknown-kind"]
    assert ids[-5:] == ["sync-policy", "synced-files", "sync-windows", "waiver-expired",
                        "waiver-unused"] and len(ids) == 57


def test_only_rendering_and_schema_rules_have_no_check() -> None:
    assert [r.id for r in all_rules()
            if r.check is None and r.app_check is None and r.repo_check is None] == [
        "render", "yaml", "kustomize-input", "unchecked-file", "kustomize-warning", "schema",
        "custom-schema", "unknown-kind", "synced-files", "waiver-expired", "waiver-unused"]
    assert [r.id for r in all_rules() if r.app_check is not None] == [
        "application", "project-permits", "cluster-destination", "sync-options", "sync-policy",
        "sync-windows"]
    assert [r.id for r in all_rules() if r.repo_check is not None] == [
        "application-path", "target-revision", "project-wildcard", "project-destinations",
        "cluster-namespace"]


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
        get_rule("pdb").summary = "changed"  # type: ignore[misc]


# --- the shared walk -----------------------------------------------------------------------


def test_the_walk_yields_pods_and_containers_with_their_list() -> None:
    job = obj("CronJob", "nightly", "batch/v1", spec={"jobTemplate": {"spec": {"template": {
        "spec": {"containers": [container("run")]}}}}})
    context = ctx(workload("web", container("a"), pod={"initContainers": [container("init")],
                                                        "ephemeralContainers": [container("dbg")]}),
                  job, service())
    assert [(p.workload.ref, sorted(p.spec)) for p in context.render.pods()] == [
        (WEB, ["containers", "ephemeralContainers", "initContainers"]),
        ("CronJob/journal-dev/nightly", ["containers"])]
    assert [(c.workload.name, c.list_name, c.name) for c in context.render.containers()] == [
        ("web", "initContainers", "init"), ("web", "containers", "a"),
        ("web", "ephemeralContainers", "dbg"), ("nightly", "containers", "run")]
    assert [c.label for c in context.render.containers(("containers",))] == [
        "container a", "container run"]


def test_the_walk_skips_odd_shapes() -> None:
    odd = workload("odd", pod={"containers": ["redis", None, 3, container("ok")],
                               "initContainers": {"name": "not-a-list"}})
    no_spec = {"apiVersion": "apps/v1", "kind": "Deployment",
               "metadata": {"name": "bare"}, "spec": {"template": "nope"}}
    context = ctx(odd, no_spec)
    assert [c.name for c in context.render.containers()] == ["ok"]
    assert [p.workload.name for p in context.render.pods()] == ["odd"]


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


@pytest.mark.parametrize("rule", [r for r in all_rules() if r.check or r.app_check],
                         ids=lambda r: r.id)
def test_no_rule_crashes_on_odd_shapes(rule: Any) -> None:
    odd_app = Resource({"kind": "Application", "metadata": {"name": "a"},
                        "spec": {"source": {"repoURL": REPO_URL, "path": "overlays/prod"},
                                 "destination": "x", "syncPolicy": {"syncOptions": [1]},
                                 "project": "journal"}}, "apps/a.yaml")
    context = ctx(*ODD_SHAPES, env="prod", apps=(odd_app,),
                  projects=(project(destinations=["x"], namespaceResourceWhitelist=["y"]),))
    found = [*(rule.check(context.render) if rule.check else ()),
             *(rule.app_check(context.apps) if rule.app_check else ())]
    assert all(isinstance(hit[1], str) for hit in found)


# --- images --------------------------------------------------------------------------------


def test_image_tag() -> None:
    context = ctx(workload("web", container("a", image="redis:latest"), container("b", image="redis"),
                           pod={"initContainers": [container("i", image="busybox")]}))
    assert hits("image-tag", context) == [
        (WEB, "container i: image busybox has no tag"),
        (WEB, "container a: image redis:latest uses the latest tag"),
        (WEB, "container b: image redis has no tag")]


def test_image_tag_near_miss_digest_or_version() -> None:
    context = ctx(workload("web", container("a", image="redis@sha256:" + "a" * 64),
                           container("b", image="registry:5000/redis:7.4.2"),
                           container("c", image="redis:latest-7")))
    assert hits("image-tag", context) == []


def test_tag_scheme() -> None:
    context = ctx(workload("web", container("a", image="journal-server"),
                           container("b", image=f"docker.io/evil/journal-server:{SHA}"),
                           container("c", image="ghcr.io/journal-app/journal-fileserver:v1.2"),
                           container("d", image="ghcr.io/journal-app/journal-server")))
    assert hits("tag-scheme", context) == [
        (WEB, "container a: image journal-server is not set by the overlay's images: list"),
        (WEB, "container b: image docker.io/evil/journal-server is not "
              "ghcr.io/journal-app/journal-server, where gitops.yaml says it is built"),
        (WEB, "container c: tag v1.2 of ghcr.io/journal-app/journal-fileserver does not follow "
              "the tag scheme full"),
        (WEB, "container d: tag None of ghcr.io/journal-app/journal-server does not follow the "
              "tag scheme full")]


def test_tag_scheme_of_versions() -> None:
    images = [container(name, image=f"ghcr.io/journal-app/journal-server:{tag}") for name, tag in (
        ("a", "1.2.3"), ("b", "v1.2.3"), ("c", "2.0"), ("d", "1.2.3-rc.1"), ("e", SHA),
        ("f", "1.02"))]
    config = replace(CONFIG, tag_scheme=parse_tag_scheme("semver"))
    context = EnvContext.of(config, "dev", [Resource(workload("web", *images), "overlays/dev")])
    rule = get_rule("tag-scheme")
    assert rule.check is not None
    assert [hit[1] for hit in rule.check(context)] == [
        f"container {name}: tag {tag} of ghcr.io/journal-app/journal-server does not follow the "
        f"tag scheme semver" for name, tag in (("e", SHA), ("f", "1.02"))]


def test_tag_scheme_near_miss_full_sha_and_third_party() -> None:
    context = ctx(workload("web", container("a", image=f"ghcr.io/journal-app/journal-server:{SHA}"),
                           container("b", image="docker.io/library/redis:7.4.2")))
    assert hits("tag-scheme", context) == []


# --- containers ----------------------------------------------------------------------------


def test_resources() -> None:
    context = ctx(workload("web", container("a", resources={"requests": {"cpu": "", "memory": "1Mi"}}),
                           container("b"), pod={"initContainers": [container(
                               "i", resources={"requests": {"cpu": "1m", "memory": "1Mi"}})]}))
    assert hits("resources", context) == [
        (WEB, "container i: no limits.memory"),
        (WEB, "container a: no requests.cpu, limits.memory"),
        (WEB, "container b: no requests.cpu, requests.memory, limits.memory")]


def test_resources_near_miss_all_set_and_ephemeral_ignored() -> None:
    context = ctx(workload("web", container("a", resources=RESOURCES),
                           pod={"ephemeralContainers": [container("debug")]}))
    assert hits("resources", context) == []


def test_resources_near_miss_limits_stand_for_the_requests_left_out() -> None:
    limits_only = {"limits": {"cpu": "100m", "memory": "64Mi"}}
    context = ctx(workload("web", container("a", resources=limits_only),
                           container("b", resources={"limits": {"memory": "64Mi"}})))
    assert hits("resources", context) == [(WEB, "container b: no requests.cpu")]


def test_probes() -> None:
    context = ctx(workload("web", container("a", livenessProbe={"tcpSocket": {"port": 80}}),
                           container("b", readinessProbe={"tcpSocket": {"port": 80}}),
                           container("c")))
    assert hits("probes", context) == [
        (WEB, "container a: no readinessProbe"), (WEB, "container b: no livenessProbe"),
        (WEB, "container c: no readinessProbe or livenessProbe")]


def test_probes_near_miss_jobs_run_to_completion() -> None:
    cron = obj("CronJob", "nightly", "batch/v1", spec={"schedule": "0 1 * * *", "jobTemplate": {
        "spec": {"template": {"spec": {"containers": [container()]}}}}})
    assert hits("probes", ctx(workload("once", kind="Job"), cron)) == []


def test_probes_near_miss_init_containers_need_none() -> None:
    probe = {"httpGet": {"path": "/healthz", "port": 80}}
    context = ctx(workload("web", container("a", readinessProbe=probe, livenessProbe=probe),
                           pod={"initContainers": [container("init")]}))
    assert hits("probes", context) == []


RESTRICTED = {"allowPrivilegeEscalation": False, "capabilities": {"drop": ["ALL"]},
              "runAsNonRoot": True, "seccompProfile": {"type": "RuntimeDefault"}}


def test_pod_security() -> None:
    loose = {**RESTRICTED, "allowPrivilegeEscalation": True, "capabilities": {"add": ["SYS_ADMIN"]}}
    context = ctx(workload("web", container("a", securityContext=loose), pod={
        "securityContext": {"runAsUser": 0},
        "volumes": [{"name": "host", "hostPath": {"path": "/"}}]}))
    assert hits("pod-security", context) == [
        (WEB, "volume host: type hostPath is not allowed"),
        (WEB, "securityContext.runAsUser must not be 0"),
        (WEB, "container a: allowPrivilegeEscalation must be false"),
        (WEB, "container a: capabilities.drop must include ALL"),
        (WEB, "container a: capability SYS_ADMIN may not be added (only NET_BIND_SERVICE)")]


def test_pod_security_near_miss_restricted_pod() -> None:
    pod_level = {"runAsNonRoot": True, "seccompProfile": {"type": "RuntimeDefault"}}
    context = ctx(workload("web", container("a", securityContext={
        "allowPrivilegeEscalation": False, "capabilities": {"drop": ["ALL"],
                                                            "add": ["NET_BIND_SERVICE"]}}),
        pod={"securityContext": pod_level, "volumes": [{"name": "tmp", "emptyDir": {}}]}))
    assert hits("pod-security", context) == []


def test_labels() -> None:
    partial = {"app.kubernetes.io/name": "web"}
    bare = obj("Service", "bare", spec={"selector": LABELS})
    context = ctx(workload("web", labels=partial), bare)
    assert hits("labels", context) == [
        (WEB, "missing label app.kubernetes.io/component, app.kubernetes.io/part-of"),
        (WEB, "pod template missing label app.kubernetes.io/component, app.kubernetes.io/part-of"),
        ("Service/journal-dev/bare", "missing label app.kubernetes.io/name, "
                                     "app.kubernetes.io/component, app.kubernetes.io/part-of")]


def test_labels_near_miss_other_kinds_need_none() -> None:
    context = ctx(workload("web"), service(), obj("ConfigMap", "plain", data={"a": "b"}))
    assert hits("labels", context) == []


# --- secrets and config --------------------------------------------------------------------


def test_plaintext_secret() -> None:
    context = ctx(obj("Secret", "leaked", stringData={"password": "hunter2"}))
    assert hits("plaintext-secret", context) == [
        ("Secret/journal-dev/leaked", "Secret rendered from git: its values are in the repository")]


def test_plaintext_secret_near_miss_external_secret() -> None:
    context = ctx(obj("ExternalSecret", "leaked", "external-secrets.io/v1", spec={}))
    assert hits("plaintext-secret", context) == []


def _env_from(kind_key: str, name: str, key: str, **extra: Any) -> Doc:
    return {"name": "X", "valueFrom": {kind_key: {"name": name, "key": key, **extra}}}


CONFIG_OBJECTS = (
    obj("ConfigMap", "cfg", data={"a": "1"}, binaryData={"b": "AA=="}),
    obj("ExternalSecret", "pw", "external-secrets.io/v1",
        spec={"target": {"name": "redis-password"}, "data": [{"secretKey": "password"}]}),
    obj("ExternalSecret", "all", "external-secrets.io/v1", spec={"dataFrom": [{"extract": {}}]}),
)


def test_config_ref() -> None:
    context = ctx(*CONFIG_OBJECTS, workload("web", container(
        "a", env=[_env_from("configMapKeyRef", "cfg", "c"),
                  _env_from("secretKeyRef", "redis-password", "pass")],
        envFrom=[{"configMapRef": {"name": "gone"}}]), pod={"volumes": [
            {"name": "v", "secret": {"secretName": "redis-pasword"}},
            {"name": "p", "projected": {"sources": [
                {"configMap": {"name": "cfg", "items": [{"key": "z", "path": "z"}]}}]}}]}))
    assert hits("config-ref", context) == [
        (WEB, "container a: ConfigMap cfg has no key c"),
        (WEB, "container a: Secret redis-password has no key pass"),
        (WEB, "container a: ConfigMap gone is not in the environment"),
        (WEB, "volume v: Secret redis-pasword is not in the environment"),
        (WEB, "volume p: ConfigMap cfg has no key z")]


def test_config_ref_near_miss_present_optional_or_unknowable() -> None:
    context = ctx(*CONFIG_OBJECTS, workload("web", container(
        "a", env=[_env_from("configMapKeyRef", "cfg", "b"),
                  _env_from("secretKeyRef", "redis-password", "password"),
                  _env_from("secretKeyRef", "all", "anything"),
                  _env_from("configMapKeyRef", "gone", "x", optional=True)],
        envFrom=[{"secretRef": {"name": "all"}}]), pod={"volumes": [
            {"name": "v", "secret": {"secretName": "redis-password"}},
            {"name": "o", "configMap": {"name": "gone", "optional": True}}]}))
    assert hits("config-ref", context) == []


def _waved(doc: Doc, wave: str) -> Doc:
    doc["metadata"]["annotations"] = {"argocd.argoproj.io/sync-wave": wave}
    return doc


def test_sync_wave_order() -> None:
    uses_cfg = {"volumes": [{"name": "c", "configMap": {"name": "cfg"}},
                            {"name": "d", "configMap": {"name": "cfg"}},
                            {"name": "s", "secret": {"secretName": "redis-password"}}]}
    context = ctx(_waved(obj("ConfigMap", "cfg", data={}), "2"),
                  _waved(obj("ExternalSecret", "pw", "external-secrets.io/v1",
                             spec={"target": {"name": "redis-password"}}), "1"),
                  _waved(workload("web", pod=uses_cfg), "-1"))
    assert hits("sync-wave-order", context) == [
        (WEB, "ConfigMap cfg is in sync wave 2, after this workload's wave -1"),
        (WEB, "ExternalSecret pw is in sync wave 1, after this workload's wave -1")]


def test_sync_wave_order_near_miss_same_or_earlier_wave() -> None:
    uses_cfg = {"volumes": [{"name": "c", "configMap": {"name": "cfg"}},
                            {"name": "s", "secret": {"secretName": "other"}}]}
    context = ctx(_waved(obj("ConfigMap", "cfg", data={}), "-1"),
                  _waved(obj("Secret", "other"), "-1"), _waved(workload("web", pod=uses_cfg), "-1"))
    assert hits("sync-wave-order", context) == []


# --- services and networking ---------------------------------------------------------------


REDIS = {"app.kubernetes.io/name": "redis"}


def test_service_selector() -> None:
    context = ctx(workload("web"), workload("redis", kind="StatefulSet", replicas=2, labels=REDIS),
                  service("typo", {"app.kubernetes.io/name": "webx"}),
                  service("redis-2", {**REDIS, "statefulset.kubernetes.io/pod-name": "redis-2"}),
                  service("hash-only", {"pod-template-hash": "abc"}))
    assert hits("service-selector", context) == [
        ("Service/journal-dev/typo", "selector app.kubernetes.io/name=webx matches no pod in "
                                     "the environment"),
        ("Service/journal-dev/redis-2", "selector app.kubernetes.io/name=redis,"
         "statefulset.kubernetes.io/pod-name=redis-2 matches no pod in the environment"),
        ("Service/journal-dev/hash-only", "selector pod-template-hash=abc matches no pod in "
                                          "the environment")]


def test_service_selector_near_miss_controller_labels_and_ordinals() -> None:
    context = ctx(workload("web"), workload("redis", kind="StatefulSet", replicas=2, labels=REDIS),
                  service("web", {**LABELS, "pod-template-hash": "abc"}),
                  service("redis-1", {**REDIS, "statefulset.kubernetes.io/pod-name": "redis-1"}),
                  service("external", {}))
    assert hits("service-selector", context) == []


def _listening(*ports: Doc) -> Doc:
    return workload("web", container("a", ports=list(ports)))


def test_service_target_port() -> None:
    context = ctx(_listening({"name": "http", "containerPort": 8080}),
                  service(ports=[{"port": 80, "targetPort": "web"}, {"port": 81, "targetPort": 81},
                                 {"port": 8081}]))
    assert hits("service-target-port", context) == [
        ("Service/journal-dev/web", "port 80: targetPort web is not a container port of "
                                    "Deployment web"),
        ("Service/journal-dev/web", "port 81: targetPort 81 is not a container port of "
                                    "Deployment web"),
        ("Service/journal-dev/web", "port 8081: targetPort 8081 is not a container port of "
                                    "Deployment web")]


def test_service_target_port_near_miss_name_number_or_port() -> None:
    context = ctx(_listening({"name": "http", "containerPort": 8080}, {"containerPort": 9090}),
                  service(ports=[{"port": 80, "targetPort": "http"},
                                 {"port": 81, "targetPort": 8080}, {"port": 9090}]))
    assert hits("service-target-port", context) == []


def _ingress(*rules: Doc, **spec: Any) -> Doc:
    return obj("Ingress", "journal", "networking.k8s.io/v1", spec={"rules": list(rules), **spec})


def _paths(*paths: tuple[str, str], host: str | None = "journal.example.com") -> Doc:
    rule: Doc = {"http": {"paths": [{"path": p, "pathType": t, "backend": {"service": {
        "name": "web", "port": {"number": 80}}}} for p, t in paths]}}
    if host:
        rule["host"] = host
    return rule


ING = "Ingress/journal-dev/journal"


def test_ingress_path_order() -> None:
    context = ctx(_ingress(_paths(("/", "Prefix"), ("/api", "Prefix")),
                           _paths(("/api", "Prefix"), ("/api/v1", "Prefix"), host=None)))
    assert hits("ingress-path-order", context) == [
        (ING, "host journal.example.com: path / is listed before /api, which it prefixes"),
        (ING, "host *: path /api is listed before /api/v1, which it prefixes")]


def test_ingress_path_order_near_miss() -> None:
    context = ctx(_ingress(_paths(("/api", "Prefix"), ("/", "Prefix")),
                           _paths(("/", "Exact"), ("/api", "Prefix"), ("/ap", "Prefix"),
                                  ("/apis", "Prefix"), ("/ap", "Prefix"))))
    assert hits("ingress-path-order", context) == []


def _backend(name: str, port: Doc) -> Doc:
    return {"http": {"paths": [{"path": "/", "pathType": "Prefix",
                                "backend": {"service": {"name": name, "port": port}}}]}}


def test_ingress_backend() -> None:
    context = ctx(service(ports=[{"name": "http", "port": 80}]), _ingress(
        _backend("web", {"number": 8080}), _backend("web", {"name": "https"}),
        defaultBackend={"service": {"name": "gone", "port": {"number": 80}}}))
    assert hits("ingress-backend", context) == [
        (ING, "backend Service gone is not in the environment"),
        (ING, "backend Service web has no port 8080"),
        (ING, "backend Service web has no port named https")]


def test_ingress_backend_near_miss_port_by_number_or_name() -> None:
    context = ctx(service(ports=[{"name": "http", "port": 80}]), _ingress(
        _backend("web", {"number": 80}), _backend("web", {"name": "http"}),
        defaultBackend={"resource": {"kind": "Bucket", "name": "static"}}))
    assert hits("ingress-backend", context) == []


# --- workloads -----------------------------------------------------------------------------


def _sts(name: str, service_name: str | None) -> Doc:
    extra: Doc = {"serviceName": service_name} if service_name else {}
    return workload(name, kind="StatefulSet", labels={"app.kubernetes.io/name": name}, **extra)


def test_statefulset_service() -> None:
    context = ctx(_sts("a", None), _sts("b", "gone"), _sts("c", "c"), _sts("d", "d"),
                  service("c", {"app.kubernetes.io/name": "c"}),
                  service("d", {"app.kubernetes.io/name": "other"}, clusterIP="None"))
    assert hits("statefulset-service", context) == [
        ("StatefulSet/journal-dev/a", "no serviceName"),
        ("StatefulSet/journal-dev/b", "serviceName gone is not a Service in the environment"),
        ("StatefulSet/journal-dev/c", "serviceName c is not a headless Service (clusterIP: None)"),
        ("StatefulSet/journal-dev/d", "Service d does not select the StatefulSet's pods")]


def test_statefulset_service_near_miss_headless_selecting() -> None:
    context = ctx(_sts("redis", "redis"),
                  service("redis", {"app.kubernetes.io/name": "redis"}, clusterIP="None"))
    assert hits("statefulset-service", context) == []


def _pdb(name: str, labels: Doc, **spec: Any) -> Doc:
    return obj("PodDisruptionBudget", name, "policy/v1",
               spec={"selector": {"matchLabels": labels}, **spec})


def test_pdb() -> None:
    context = ctx(workload("web", replicas=3), workload("api", replicas=2, labels=REDIS),
                  workload("one", labels={"app.kubernetes.io/name": "one"}),
                  _pdb("web", LABELS, maxUnavailable=0),
                  _pdb("one", {"app.kubernetes.io/name": "one"}, minAvailable="50%"),
                  _pdb("none", {"app.kubernetes.io/name": "none"}, maxUnavailable=1))
    assert hits("pdb", context) == [
        ("PodDisruptionBudget/journal-dev/web", "maxUnavailable 0 of Deployment web: no pod can "
                                               "ever be evicted, node drains hang"),
        ("PodDisruptionBudget/journal-dev/one", "minAvailable 50% with 1 replicas of Deployment "
                                               "one: no pod can ever be evicted, node drains hang"),
        ("PodDisruptionBudget/journal-dev/none", "selector matches no pod in the environment"),
        ("Deployment/journal-dev/api", "2 replicas but no PodDisruptionBudget")]


def test_pdb_near_miss_budget_that_lets_drains_through() -> None:
    context = ctx(workload("web", replicas=3), workload("single", labels=REDIS),
                  _pdb("web", LABELS, minAvailable="50%"))
    assert hits("pdb", context) == []


def _hpa(target: str, **spec: Any) -> Doc:
    return obj("HorizontalPodAutoscaler", target, "autoscaling/v2", spec={
        "scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": target},
        "maxReplicas": 10, **spec})


def test_pdb_counts_the_autoscalers_smallest_size() -> None:
    """The autoscaler sets the replicas: its minReplicas is the fewest pods the workload runs."""
    context = ctx(workload("web"), _hpa("web", minReplicas=3),
                  workload("api", labels=REDIS), _hpa("api", minReplicas=2))
    assert hits("pdb", context) == [
        ("Deployment/journal-dev/web", "3 replicas but no PodDisruptionBudget"),
        ("Deployment/journal-dev/api", "2 replicas but no PodDisruptionBudget")]


def test_pdb_near_miss_autoscaled_workload_with_a_budget_below_its_minimum() -> None:
    context = ctx(workload("web"), _hpa("web", minReplicas=3),
                  _pdb("web", LABELS, minAvailable=2))
    assert hits("pdb", context) == []


# --- Argo CD -------------------------------------------------------------------------------


APP = "Application/argocd/journal-dev"
NAMESPACE = obj("Namespace", "journal-dev")
del NAMESPACE["metadata"]["namespace"]


def test_application_none_or_two() -> None:
    other_repo = app("elsewhere")
    other_repo.spec["source"]["repoURL"] = "https://github.com/someone/else.git"
    assert hits("application", ctx(workload(), apps=(other_repo,))) == [
        (None, f"no Application deploys overlays/dev from {REPO_URL}")]
    two = (app("journal-dev"), app("journal-dev-2", path="./overlays/dev/"))
    assert hits("application", ctx(workload(), apps=two)) == [
        (None, "2 Applications deploy overlays/dev: journal-dev, journal-dev-2")]


def test_application_namespace_and_project() -> None:
    context = ctx(workload(), apps=(app(namespace="journal-staging", project="journal-root"),))
    assert hits("application", context) == [
        (APP, "destination namespace journal-staging but overlays/dev renders into journal-dev"),
        (APP, "project journal-root is not journal (gitops.yaml)")]


def test_application_near_miss_one_matching_app() -> None:
    repo_variant = app()
    repo_variant.spec["source"]["repoURL"] = REPO_URL.removesuffix(".git").upper() + "/"
    context = ctx(workload(), NAMESPACE, apps=(repo_variant, app("staging", "overlays/staging")))
    assert hits("application", context) == []


def test_project_permits() -> None:
    strict = project(sourceRepos=["https://github.com/journal-app/other.git"],
                     destinations=[{"server": "https://kubernetes.default.svc",
                                    "namespace": "journal-*"},
                                   {"server": "*", "namespace": "!journal-dev"}],
                     clusterResourceWhitelist=[],
                     namespaceResourceWhitelist=[{"group": "apps", "kind": "*"}],
                     namespaceResourceBlacklist=[{"group": "apps", "kind": "StatefulSet"}])
    context = ctx(workload(), workload("redis", kind="StatefulSet"), service(), NAMESPACE,
                  projects=(strict,))
    assert hits("project-permits", context) == [
        (APP, f"AppProject journal does not allow source repo {REPO_URL}"),
        (APP, "AppProject journal does not allow destination namespace journal-dev on "
         "https://kubernetes.default.svc"),
        (APP, "AppProject journal does not allow StatefulSet (apps)"),
        (APP, "AppProject journal does not allow Service (core)"),
        (APP, "AppProject journal does not allow cluster-scoped Namespace (core)")]


def test_project_permits_missing_project() -> None:
    assert hits("project-permits", ctx(workload())) == [
        (APP, "AppProject journal is not defined in git")]


def test_project_permits_near_miss_argo_cds_own_default_project() -> None:
    assert hits("project-permits", ctx(workload(), apps=(app(project="default"),))) == []


def test_project_permits_near_miss_globs_and_no_whitelist() -> None:
    open_project = project(sourceRepos=["https://github.com/journal-app/*"],
                           namespaceResourceBlacklist=[{"group": "", "kind": "Secret"}])
    context = ctx(workload(), service(), NAMESPACE, obj("ConfigMap", "cfg"),
                  projects=(open_project,))
    assert hits("project-permits", context) == []


def test_sync_options() -> None:
    annotated = workload(annotations={
        "argocd.argoproj.io/sync-options": "Prune=false, FooBar=true,Replace",
        "argocd.argoproj.io/sync-wave": "early"})
    context = ctx(annotated, apps=(app(syncPolicy={"syncOptions": ["PruneLast=yes"]}),))
    assert hits("sync-options", context) == [
        (APP, "sync option PruneLast=yes: expected one of false, true"),
        (WEB, "unknown sync option FooBar"),
        (WEB, "sync option 'Replace' is not KEY=VALUE"),
        (WEB, "argocd.argoproj.io/sync-wave 'early' is not a whole number")]


def test_sync_options_near_miss_known_options() -> None:
    annotated = workload(annotations={
        "argocd.argoproj.io/sync-options": "Prune=confirm,Delete=false,",
        "argocd.argoproj.io/sync-wave": "-2"})
    context = ctx(annotated, apps=(app(syncPolicy={"syncOptions": [
        "PruneLast=true", "PrunePropagationPolicy=foreground", "ServerSideApply=true"]}),))
    assert hits("sync-options", context) == []


def test_sync_policy() -> None:
    prod = app("journal-prod", "overlays/prod", "journal-prod",
               syncPolicy={"automated": {"prune": True}})
    assert hits("sync-policy", ctx(env="prod", apps=(prod,))) == [
        ("Application/argocd/journal-prod", "automated sync on prod, in production (the last promotion stage): "
                                            "the Argo CD UI cannot roll it back")]


def test_sync_policy_near_miss_manual_prod_or_automated_dev() -> None:
    switched_off = app("journal-prod", "overlays/prod", "journal-prod",
                       syncPolicy={"automated": {"enabled": False}})
    assert hits("sync-policy", ctx(env="prod", apps=(switched_off,))) == []
    dev = app(syncPolicy={"automated": {"prune": True, "selfHeal": True}})
    assert hits("sync-policy", ctx(apps=(dev,))) == []


# --- secrets by their text -----------------------------------------------------------------

PEM = "-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEA\n-----END RSA PRIVATE KEY-----\n"


def test_secret_value() -> None:
    env = [{"name": "SIGNING", "value": PEM}, {"name": "AWS_ID", "value": "AKIAIOSFODNN7EXAMPLE"},
           {"name": "AZURE_STORAGE_CONNECTION_STRING", "value": "DefaultEndpointsProtocol=https"},
           {"name": "DB_PASSWORD", "value": PEM}]  # secret-literal's, by its name
    sa = '{"type": "service_account", "project_id": "p"}'
    context = ctx(workload("web", container("a", env=env)),
                  obj("ConfigMap", "cfg", data={"gcp.json": sa, "hook": "https://x.example/"
                      "?sv=2022&sig=" + "A" * 43, "ci": "ghp_" + "a" * 36}),
                  obj("ExternalSecret", "es", "external-secrets.io/v1beta1", spec={
                      "target": {"template": {"data": {"api": "AIza" + "B" * 35,
                                                       "ref": "{{ .key }}"}}}}))
    assert hits("secret-value", context) == [
        (WEB, "container a: env SIGNING holds a PEM private key"),
        (WEB, "container a: env AWS_ID holds an AWS access key id"),
        (WEB, "container a: env AZURE_STORAGE_CONNECTION_STRING holds a credential "
              "(AZURE_STORAGE_CONNECTION_STRING is a well-known credential variable)"),
        ("ConfigMap/journal-dev/cfg", "key gcp.json holds a Google service account key"),
        ("ConfigMap/journal-dev/cfg", "key hook holds an Azure shared access signature"),
        ("ConfigMap/journal-dev/cfg", "key ci holds a GitHub token"),
        ("ExternalSecret/journal-dev/es", "template key api holds a Google API key")]


def test_secret_value_near_miss_references_and_look_alikes() -> None:
    env = [{"name": "CERT", "value": "-----BEGIN CERTIFICATE-----"},
           {"name": "ID", "value": "AKIA-not-a-key"},
           {"name": "KEY_FILE", "value": "/var/run/secrets/key.pem"},
           {"name": "FROM_SECRET", "valueFrom": {"secretKeyRef": {"name": "s", "key": "k"}}}]
    context = ctx(workload("web", container("a", env=env)),
                  obj("ConfigMap", "cfg", data={"note": "sk_test_only", "url": "https://x/?a=1"}))
    assert hits("secret-value", context) == []


# --- values per kind, required lists -------------------------------------------------------


def test_kind_values() -> None:
    cron = obj("CronJob", "nightly", "batch/v1", spec={"schedule": "0 1 * * *", "jobTemplate": {
        "spec": {"template": {"spec": {"containers": [container()]}}}}})
    context = ctx(
        workload("web", pod={"restartPolicy": "Never"}),
        workload("job", kind="Job"), cron,
        workload("old", strategy={"type": "Recreate", "rollingUpdate": {"maxSurge": 1}}),
        workload("db", kind="StatefulSet", updateStrategy={"type": "Rolling"},
                 podManagementPolicy="Random"),
        service("ext", type="ExternalName"), service("np", type="ClusterIP", ports=[
            {"port": 80, "nodePort": 30080}]),
        service("hl", type="NodePort", clusterIP="None"), service("odd", type="Internal"),
        obj("PodDisruptionBudget", "both", "policy/v1", spec={
            "minAvailable": 1, "maxUnavailable": 1, "selector": {"matchLabels": LABELS}}))
    assert hits("kind-values", context) == [
        (WEB, "restartPolicy 'Never' is not one of Always, the values a Deployment's pods may "
              "have"),
        ("Job/journal-dev/job", "restartPolicy 'Always' is not one of OnFailure, Never, the "
                                "values a Job's pods may have"),
        ("CronJob/journal-dev/nightly", "restartPolicy 'Always' is not one of OnFailure, Never, "
                                        "the values a CronJob's pods may have"),
        ("Deployment/journal-dev/old", "strategy.rollingUpdate is set, but it goes only with "
                                       "type RollingUpdate (this one is Recreate)"),
        ("StatefulSet/journal-dev/db", "updateStrategy.type 'Rolling' is not one of "
                                       "RollingUpdate, OnDelete"),
        ("StatefulSet/journal-dev/db", "podManagementPolicy 'Random' is not one of "
                                       "OrderedReady, Parallel"),
        ("Service/journal-dev/ext", "type ExternalName needs spec.externalName"),
        ("Service/journal-dev/np", "ports[0].nodePort is set, but a nodePort goes only with type "
                                   "NodePort or LoadBalancer (this one is ClusterIP)"),
        ("Service/journal-dev/hl", "clusterIP None (headless) goes only with type ClusterIP, "
                                   "not NodePort"),
        ("Service/journal-dev/odd", "type 'Internal' is not one of ClusterIP, NodePort, "
                                    "LoadBalancer, ExternalName"),
        ("PodDisruptionBudget/journal-dev/both", "minAvailable and maxUnavailable are both set: "
                                                 "a budget takes one")]


def test_kind_values_near_miss_what_each_kind_takes() -> None:
    context = ctx(
        workload("web", strategy={"type": "RollingUpdate", "rollingUpdate": {"maxSurge": 1}}),
        workload("job", kind="Job", pod={"restartPolicy": "OnFailure"}),
        workload("db", kind="StatefulSet", updateStrategy={"type": "OnDelete"},
                 podManagementPolicy="Parallel"),
        service("ext", type="ExternalName", externalName="db.example.com"),
        service("lb", type="LoadBalancer", ports=[{"port": 80, "nodePort": 30080}]),
        service("hl", clusterIP="None"),
        obj("PodDisruptionBudget", "one", "policy/v1", spec={
            "maxUnavailable": 1, "selector": {"matchLabels": LABELS}}))
    assert hits("kind-values", context) == []


def test_required_lists() -> None:
    empty = workload("web", selector=None)
    empty["spec"]["template"]["spec"]["containers"] = []
    context = ctx(empty, service("svc", ports=[]),
                  obj("Ingress", "ing", "networking.k8s.io/v1", spec={"rules": None}))
    assert hits("required-lists", context) == [
        (WEB, "its pods have no containers"),
        (WEB, "no spec.selector: apps/v1 needs one that selects its pods"),
        ("Service/journal-dev/svc", "no ports: a ClusterIP Service needs at least one (headless "
                                    "ones may have none)"),
        ("Ingress/journal-dev/ing", "neither rules nor a defaultBackend: it routes nothing")]


def test_required_lists_near_miss_headless_and_default_backend() -> None:
    context = ctx(workload("web"), service("hl", ports=[], clusterIP="None"),
                  service("ext", ports=[], type="ExternalName", externalName="x.example.com"),
                  obj("Ingress", "ing", "networking.k8s.io/v1", spec={"defaultBackend": {
                      "service": {"name": "web", "port": {"number": 80}}}}))
    assert hits("required-lists", context) == []


def test_list_keys() -> None:
    env = [{"name": "A", "value": "1"}, {"name": "B", "value": "2"}, {"name": "A", "value": "3"}]
    mounts = [{"name": "v", "mountPath": "/data"}, {"name": "w", "mountPath": "/data"}]
    ports = [{"containerPort": 80}, {"containerPort": 80, "protocol": "TCP"},
             {"containerPort": 80, "protocol": "UDP"}]
    context = ctx(workload("web", container("a", env=env, volumeMounts=mounts, ports=ports),
                           pod={"volumes": [{"name": "v", "emptyDir": {}},
                                            {"name": "v", "emptyDir": {}}]}),
                  service("web", ports=[{"name": "http", "port": 80},
                                        {"name": "http", "port": 81},
                                        {"name": "other", "port": 80, "protocol": "TCP"}]))
    assert hits("list-keys", context) == [
        (WEB, "volume v is listed twice (entries 0 and 1)"),
        (WEB, "container a: env var A is listed twice (entries 0 and 2)"),
        (WEB, "container a: mount path /data is listed twice (entries 0 and 1)"),
        (WEB, "container a: port 80/TCP is listed twice (entries 0 and 1)"),
        ("Service/journal-dev/web", "port name http is listed twice (entries 0 and 1)"),
        ("Service/journal-dev/web", "port 80/TCP is listed twice (entries 0 and 2)")]


def test_list_keys_near_miss_same_port_other_protocol_and_other_containers() -> None:
    env = [{"name": "A", "value": "1"}]
    context = ctx(workload("web", container("a", env=env, ports=[
        {"containerPort": 53, "protocol": "UDP"}, {"containerPort": 53, "protocol": "TCP"}]),
        container("b", env=env)),
        service("dns", ports=[{"name": "udp", "port": 53, "protocol": "UDP"},
                              {"name": "tcp", "port": 53, "protocol": "TCP"}]))
    assert hits("list-keys", context) == []


def test_object_refs() -> None:
    hpa = _hpa("api")
    context = ctx(workload("web", pod={
        "serviceAccountName": "web", "priorityClassName": "hi",
        "volumes": [{"name": "data", "persistentVolumeClaim": {"claimName": "data"}}]}),
        hpa, obj("PriorityClass", "journal-high", "scheduling.k8s.io/v1", value=1000),
        obj("IngressClass", "internal", "networking.k8s.io/v1"),
        obj("Ingress", "ing", "networking.k8s.io/v1", spec={"ingressClassName": "nginx",
                                                             "rules": [{"host": "a.example"}]}))
    assert hits("object-refs", context) == [
        (WEB, "serviceAccountName web is not a ServiceAccount of the environment"),
        (WEB, "volume data claims data, which is not a PersistentVolumeClaim of the "
              "environment"),
        (WEB, "priorityClassName hi is not one of the PriorityClasses the repository declares "
              "(journal-high)"),
        ("HorizontalPodAutoscaler/journal-dev/api", "scaleTargetRef Deployment/api is not in the "
                                                    "environment"),
        ("Ingress/journal-dev/ing", "ingressClassName nginx is not one of the IngressClasses the "
                                    "repository declares (internal)")]


def test_object_refs_near_miss_present_or_the_clusters() -> None:
    hpa = _hpa("web")
    context = ctx(workload("web", pod={
        "serviceAccountName": "web", "priorityClassName": "system-cluster-critical",
        "volumes": [{"name": "data", "persistentVolumeClaim": {"claimName": "data"}}]}),
        workload("other", pod={"serviceAccountName": "default", "priorityClassName": "any"},
                 labels=REDIS),
        hpa, obj("ServiceAccount", "web"), obj("PersistentVolumeClaim", "data"),
        obj("Ingress", "ing", "networking.k8s.io/v1", spec={"ingressClassName": "nginx",
                                                             "rules": [{"host": "a.example"}]}))
    assert hits("object-refs", context) == []
