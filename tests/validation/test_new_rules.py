"""The rules on what the API server, Argo CD and the app refuse: each on a small in-memory
environment, a failing case and a passing near-miss."""

from __future__ import annotations

import datetime
import json
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from conftest import MakeRepo, Runner
from journal_gitops.argocd.manifests import ArgocdManifests
from journal_gitops.config.load import parse_config
from journal_gitops.config.model import Waiver
from journal_gitops.errors import ConfigError
from journal_gitops.kube.objects import Resource
from journal_gitops.validation.findings import Finding
from journal_gitops.validation.rules import all_rules, get_rule, rules_off
from journal_gitops.validation.rules.context import RepoContext
from journal_gitops.validation.waivers import apply_waivers
from validation.test_rules import (
    CONFIG,
    LABELS,
    REPO_URL,
    WEB,
    Doc,
    app,
    container,
    ctx,
    hits,
    obj,
    project,
    service,
    workload,
)

HTTP = [{"name": "http", "containerPort": 8080}]


def res(requests: Doc | None = None, limits: Doc | None = None) -> Doc:
    return {"resources": {"requests": requests or {}, "limits": limits or {}}}


@pytest.mark.parametrize(("rule", "bad", "good", "message"), [
    ("quantity", container(**res({"cpu": "100mm"})), container(**res({"cpu": "100m"})),
     "container app: requests.cpu '100mm' is not a quantity"),
    ("limits-requests", container(**res({"memory": "256Mi"}, {"memory": "128Mi"})),
     container(**res({"memory": "128Mi"}, {"memory": "0.25Gi"})),
     "container app: limits.memory 128Mi is below requests.memory 256Mi"),
    ("probe-handler", container(readinessProbe={"exec": {"command": ["true"]},
                                                "tcpSocket": {"port": 80}}),
     container(readinessProbe={"tcpSocket": {"port": 80}}),
     "container app: readinessProbe has exec and tcpSocket; it needs exactly one"),
    ("probe-port", container(ports=HTTP, readinessProbe={"httpGet": {"port": 9090}}),
     container(ports=HTTP, readinessProbe={"httpGet": {"port": 8080}}),
     "container app: readinessProbe port 9090 is not a port the container declares"),
    ("image-reference", container(image="redis@sha256:abc"),
     container(image="redis@sha256:" + "a" * 64),
     "container app: digest sha256:abc is not sha256: followed by 64 lowercase hex digits"),
    ("image-reference", container(image="ghcr.io/Journal/server:1"),
     container(image="GHCR.io/journal/server:1"),
     "container app: repository ghcr.io/Journal/server has capitals: repositories are "
     "lowercase"),
    ("int-range", container(ports=[{"containerPort": 70000}]),
     container(ports=[{"containerPort": 65535}]), "spec.template.spec.containers.0.ports.0."
     "containerPort 70000 is not in 1..65535"),
    ("secret-literal", container(env=[{"name": "REDIS_PASSWORD", "value": "hunter2"}]),
     container(env=[{"name": "REDIS_PASSWORD_FILE", "value": "/etc/redis/password"}]),
     "container app: env REDIS_PASSWORD is a literal value"),
    ("service-host-env", container(env=[{"name": "REDIS_HOST", "value": "redis-wrte"}]),
     container(env=[{"name": "REDIS_HOST", "value": "web.journal-dev.svc.cluster.local"}]),
     "container app: REDIS_HOST=redis-wrte names Service redis-wrte, which is not in the "
     "environment"),
    ("service-host-env", container(env=[{"name": "API_URL", "value": "http://api:8080/x"}]),
     container(env=[{"name": "API_URL", "value": "https://api.example.com"}]),
     "container app: API_URL=http://api:8080/x names Service api, which is not in the "
     "environment"),
])
def test_container_rule(rule: str, bad: Doc, good: Doc, message: str) -> None:
    assert hits(rule, ctx(workload("web", bad), service())) == [(WEB, message)]
    assert hits(rule, ctx(workload("web", good), service())) == []


def test_duplicate_container_names_and_undefined_mounts() -> None:
    mount = container("b", volumeMounts=[{"name": "data", "mountPath": "/d"}])
    bad = workload("web", container("a"), mount, pod={"initContainers": [container("a")]})
    assert hits("container-names", ctx(bad)) == [(WEB, "two containers are named a")]
    assert hits("volume-mounts", ctx(bad)) == [
        (WEB, "container b: volumeMounts data is not a volume of the pod")]
    good = workload("web", container("a"), mount, pod={"volumes": [{"name": "data",
                                                                     "emptyDir": {}}]})
    sts = workload("db", mount, kind="StatefulSet", volumeClaimTemplates=[
        {"metadata": {"name": "data"}, "spec": {"resources": {"requests": {"storage": "1Gi"}}}}])
    assert hits("container-names", ctx(good)) == hits("volume-mounts", ctx(good, sts)) == []


def test_selector_labels_replicas_and_claims() -> None:
    bad = workload("web", replicas=99999999999)
    bad["spec"]["selector"] = {"matchLabels": {"app.kubernetes.io/name": "other"}}
    bad["metadata"]["labels"] = {**LABELS, "team": "x" * 64}
    assert hits("selector-match", ctx(bad)) == [
        (WEB, "selector does not match the pod template's labels")]
    assert hits("label-syntax", ctx(bad)) == [
        (WEB, "label team value is 64 characters (at most 63)")]
    assert hits("int-range", ctx(bad)) == [
        (WEB, "spec.replicas 99999999999 is not in 0..2147483647")]
    claim = obj("PersistentVolumeClaim", "data", spec={"resources": {"requests": {
        "storage": "0Gi"}}})
    assert hits("claim-size", ctx(claim)) == [
        ("PersistentVolumeClaim/journal-dev/data",
         "claim requests storage 0Gi: it must be above zero")]
    good_claim = obj("PersistentVolumeClaim", "data", spec={"resources": {"requests": {
        "storage": "1Gi"}}})
    good = workload("web", replicas=2147483647, labels={**LABELS, "team": "x" * 63})
    for rule in ("selector-match", "label-syntax", "int-range", "claim-size"):
        assert hits(rule, ctx(good, good_claim)) == []


def test_ingress_host_and_network_policy() -> None:
    def ingress(host: str) -> Doc:
        return obj("Ingress", "journal", "networking.k8s.io/v1", spec={"rules": [{"host": host}]})

    policy = obj("NetworkPolicy", "p", "networking.k8s.io/v1", spec={
        "podSelector": {"matchLabels": {"app.kubernetes.io/name": "redis"}}})
    assert hits("ingress-host", ctx(ingress("Journal_dev.example.com"))) == [
        ("Ingress/journal-dev/journal", "host 'Journal_dev.example.com' is not a lowercase DNS "
                                        "name (letters, digits, '-' and '.')")]
    assert hits("ingress-host", ctx(ingress("*.journal-dev.example.com"))) == []
    assert hits("network-policy-selector", ctx(workload(), policy)) == [
        ("NetworkPolicy/journal-dev/p", "podSelector matches no pod in the environment")]
    open_policy = obj("NetworkPolicy", "p", "networking.k8s.io/v1", spec={"podSelector": {}})
    web_policy = obj("NetworkPolicy", "p", "networking.k8s.io/v1", spec={
        "podSelector": {"matchExpressions": [{"key": "app.kubernetes.io/name",
                                              "operator": "In", "values": ["web"]}]}})
    assert hits("network-policy-selector", ctx(workload(), open_policy, web_policy)) == []


def test_secret_literals_in_config_maps_and_external_secret_templates() -> None:
    cm = obj("ConfigMap", "c", data={"dbPassword": "hunter2", "journalEntries": "20"})
    es = obj("ExternalSecret", "e", "external-secrets.io/v1", spec={"target": {"template": {
        "data": {"password": "hunter2", "url": "redis://:{{ .password }}@redis:6379"}}}})
    assert hits("secret-literal", ctx(cm, es)) == [
        ("ConfigMap/journal-dev/c", "key dbPassword is a literal value"),
        ("ExternalSecret/journal-dev/e", "template key password is a literal, not read from "
                                         "the store")]
    cm_ok = obj("ConfigMap", "c", data={"passwordFile": "/run/secret", "journalEntries": "20"})
    es_ok = obj("ExternalSecret", "e", "external-secrets.io/v1", spec={"target": {"template": {
        "data": {"password": "{{ .password }}"}}}})
    assert hits("secret-literal", ctx(cm_ok, es_ok)) == []


def repo_ctx(*resources: Resource, config: Any = CONFIG) -> RepoContext:
    return RepoContext(config, ArgocdManifests(tuple(resources), ()))


def repo_hits(rule_id: str, context: RepoContext) -> list[tuple[str | None, str]]:
    check = get_rule(rule_id).repo_check
    assert check is not None
    return [(h[0].ref if h[0] is not None else None, h[1]) for h in check(context)]


def test_application_path_and_target_revision() -> None:
    bad = app("tools", "tools/nowhere")
    bad.body["spec"]["source"]["targetRevision"] = "mian"
    assert repo_hits("application-path", repo_ctx(bad)) == [
        ("Application/argocd/tools", "path tools/nowhere is not a folder of this repository")]
    assert repo_hits("target-revision", repo_ctx(bad)) == [
        ("Application/argocd/tools", "targetRevision 'mian' is not the deploy branch main "
                                     "(gitops.yaml deployBranch)")]
    good = app("root", "apps")
    good.body["spec"]["source"]["targetRevision"] = "main"
    other = app("ext", "anything")
    other.body["spec"]["source"]["repoURL"] = "https://example.com/other.git"
    assert repo_hits("application-path", repo_ctx(good, other)) == []
    assert repo_hits("target-revision", repo_ctx(good, other)) == []
    release = replace(CONFIG, deploy_branch="release")
    assert repo_hits("target-revision", repo_ctx(good, config=release)) == [
        ("Application/argocd/root", "targetRevision 'main' is not the deploy branch release "
                                    "(gitops.yaml deployBranch)")]


def test_project_wildcards() -> None:
    bad = project(sourceRepos=["*"], destinations=[{"server": "*", "namespace": "journal-dev"}],
                  clusterResourceWhitelist=[{"group": "*", "kind": "*"}])
    assert repo_hits("project-wildcard", repo_ctx(bad)) == [
        ("AppProject/argocd/journal", "sourceRepos allows '*': a wildcard lifts the project's "
                                      "limit"),
        ("AppProject/argocd/journal", "destinations[0].server is '*': a wildcard lifts the "
                                      "project's limit"),
        ("AppProject/argocd/journal", "clusterResourceWhitelist[0].group is '*': a wildcard "
                                      "lifts the project's limit"),
        ("AppProject/argocd/journal", "clusterResourceWhitelist[0].kind is '*': a wildcard "
                                      "lifts the project's limit")]
    good = project(destinations=[{"server": "https://kubernetes.default.svc",
                                  "namespace": "journal-dev"}, "odd"],
                   namespaceResourceBlacklist=[{"group": "*", "kind": "*"}])
    assert repo_hits("project-wildcard", repo_ctx(good)) == []


# --- waivers -------------------------------------------------------------------------------


def _config(waivers: Any) -> Any:
    return parse_config(Path(), {"repoURL": REPO_URL, "project": "journal",
                                 "environments": ["dev", "prod"],
                                 "images": [{"name": "x", "source": "third-party"}],
                                 "waivers": waivers})


FINDING = Finding("probes", "container web: no livenessProbe", "dev",
                  "Deployment/journal-dev/web", "base/web.yaml", 3)


def test_a_waiver_moves_its_finding_aside_with_its_reason() -> None:
    config = _config([{"rule": "probes", "resource": "Deployment/web", "reason": "batch job",
                       "expires": datetime.date(2999, 1, 1)}])
    kept, waived = apply_waivers(config, [FINDING, replace(FINDING, env="prod")], None)
    assert kept == []
    assert [(w.finding.env, w.reason, str(w.expires)) for w in waived] == [
        ("dev", "batch job", "2999-01-01"), ("prod", "batch job", "2999-01-01")]


def test_expired_unused_and_other_env_waivers_are_findings() -> None:
    config = _config([
        {"rule": "probes", "resource": "Deployment/journal-dev/web", "reason": "r",
         "expires": "2000-01-01"},
        {"rule": "probes", "resource": "Deployment/journal-dev/web", "reason": "r",
         "env": "prod"}])
    kept, waived = apply_waivers(config, [FINDING], None, datetime.date(2025, 1, 1))
    assert waived == []
    assert [(f.rule, f.message, f.env) for f in kept] == [
        ("probes", "container web: no livenessProbe", "dev"),
        ("waiver-expired", "waiver for probes on Deployment/journal-dev/web expired on "
                           "2000-01-01", None),
        ("waiver-unused", "waiver for probes on Deployment/journal-dev/web matches no finding",
         "prod")]
    assert apply_waivers(config, [], ["dev"], datetime.date(1999, 1, 1)) == ([], [])


def test_waivers_by_glob_by_file_and_by_rule_alone() -> None:
    warning = Finding("kustomize-warning", "'commonLabels' is deprecated", "dev", None,
                      "overlays/dev/kustomization.yaml")
    other = replace(FINDING, resource="Deployment/journal-dev/api")
    config = _config([
        {"rule": "probes", "resource": "Deployment/journal-*/w?b", "reason": "globbed"},
        {"rule": "kustomize-warning", "file": "overlays/*/kustomization.yaml", "reason": "filed"},
        {"rule": "probes", "resource": "Deployment/a*", "reason": "short form"},
        {"rule": "labels", "reason": "house style we do not follow"}])
    labels = replace(FINDING, rule="labels", resource="Service/journal-dev/web")
    kept, waived = apply_waivers(config, [FINDING, warning, other, labels], None)
    assert kept == []
    assert [w.reason for w in waived] == ["globbed", "filed", "short form",
                                          "house style we do not follow"]
    unused = _config([{"rule": "render", "file": "overlays/qa/*", "reason": "r"}])
    assert [f.message for f in apply_waivers(unused, [], None)[0]] == [
        "waiver for render on file overlays/qa/* matches no finding"]


@pytest.mark.parametrize(("waivers", "error"), [
    ("x", "gitops.yaml: 'waivers' must be a list or empty"),
    ([{"rule": "probes", "resource": "Deployment/web"}],
     "gitops.yaml: 'reason' is missing in waivers[1]"),
    ([{"rule": "probes", "resource": "Deployment/web", "reason": " "}],
     "gitops.yaml: waiver 1: 'reason' must be a non-empty string"),
    ([{"rule": "probes", "resource": "web", "reason": "r"}],
     "gitops.yaml: waiver 1: resource 'web' must be Kind/namespace/name or Kind/name"),
    ([{"rule": "probes", "resource": "Deployment/web", "reason": "r", "expires": "soon"}],
     "gitops.yaml: waiver 1: expires 'soon' must be a date YYYY-MM-DD"),
    ([{"rule": "probes", "resource": "Deployment/web", "reason": "r", "env": "qa"}],
     "gitops.yaml: waiver 1: env 'qa' is not an environment"),
    ([{"rule": "probes", "resource": "Deployment/web", "reason": "r", "until": 1}],
     "gitops.yaml: unknown key 'until' in waivers[1] (known: env, expires, file, reason, "
     "resource, rule)"),
    ([{"rule": "probes", "file": "", "reason": "r"}],
     "gitops.yaml: waiver 1: 'file' must be a non-empty string"),
])
def test_bad_waivers_are_one_line_config_errors(waivers: Any, error: str) -> None:
    with pytest.raises(ConfigError) as caught:
        _config(waivers)
    assert str(caught.value) == error


def test_waiver_matches_kind_and_name_in_any_namespace_only() -> None:
    waiver = Waiver("probes", "Deployment/web", "r")
    assert waiver.matches("probes", "Deployment/journal-dev/web", "dev")
    assert not waiver.matches("probes", "Deployment/journal-dev/webs", "dev")
    assert not waiver.matches("pdb", "Deployment/journal-dev/web", "dev")
    assert not Waiver("probes", "Deployment/journal-prod/web", "r").matches(
        "probes", "Deployment/journal-dev/web", "dev")


def test_every_rule_a_family_defines_is_listed_once() -> None:
    import importlib
    import pkgutil

    import journal_gitops.validation.rules as package
    from journal_gitops.validation.rules.model import Rule

    defined = []
    for info in pkgutil.iter_modules(package.__path__):
        module = importlib.import_module(f"{package.__name__}.{info.name}")
        defined += [value for value in vars(module).values() if isinstance(value, Rule)]
    listed = [rule.id for rule in all_rules()]
    assert sorted(rule.id for rule in defined) == sorted(listed)
    checks = [rule.check or rule.repo_check for rule in all_rules()]
    assert len({id(c) for c in checks if c}) == len([c for c in checks if c])


# --- rule profiles -------------------------------------------------------------------------


def test_rules_off_by_profile_and_one_by_one() -> None:
    baseline = parse_config(Path(), {"repoURL": REPO_URL, "project": "journal",
                                     "environments": ["dev"],
                                     "images": [{"name": "x", "source": "third-party"}],
                                     "rules": {"profile": "baseline", "disabled": [
                                         {"rule": "secret-value", "reason": "test keys only"}]}})
    assert rules_off(baseline) == {
        "resources": "baseline profile", "probes": "baseline profile",
        "labels": "baseline profile", "tag-scheme": "baseline profile",
        "pdb": "baseline profile", "sync-policy": "baseline profile",
        "secret-value": "test keys only"}
    assert rules_off(_config([])) == {}


@pytest.mark.parametrize(("rules", "error"), [
    ({"profile": "lax"}, "gitops.yaml: rules.profile 'lax' is not one of strict, baseline"),
    ({"disabled": [{"rule": "labels", "reason": " "}]},
     "gitops.yaml: rules.disabled entry 1: 'rule' and 'reason' must be non-empty strings"),
    ({"disabled": [{"rule": "labels"}]}, "gitops.yaml: 'reason' is missing in rules.disabled[1]"),
])
def test_bad_rule_choices_are_one_line_config_errors(rules: Any, error: str) -> None:
    with pytest.raises(ConfigError) as caught:
        parse_config(Path(), {"repoURL": REPO_URL, "project": "journal", "environments": ["dev"],
                              "images": [{"name": "x", "source": "third-party"}],
                              "rules": rules})
    assert str(caught.value) == error


def test_an_unknown_rule_switched_off_is_a_config_error() -> None:
    config = parse_config(Path(), {"repoURL": REPO_URL, "project": "journal",
                                   "environments": ["dev"],
                                   "images": [{"name": "x", "source": "third-party"}],
                                   "rules": {"disabled": [{"rule": "lables", "reason": "typo"}]}})
    with pytest.raises(ConfigError, match=r"^gitops.yaml: rules.disabled names unknown rule 'lables' "
                                          r"\(see gitops rules\)$"):
        rules_off(config)


def test_the_baseline_profile_runs_without_house_style(gitops: Runner, make_repo: MakeRepo
                                                       ) -> None:
    repo = make_repo()
    deployment = repo / "base/frontend/deployment.yaml"
    deployment.write_text(deployment.read_text().replace(
        "    app.kubernetes.io/component: api\n", "", 1))
    strict = gitops("validate", "--env", "dev", "--output", "json", repo=repo)
    assert {f["rule"] for f in json.loads(strict.output)["findings"]} == {"labels"}
    config = repo / "gitops.yaml"
    config.write_text(config.read_text() + "rules:\n  profile: baseline\n  disabled:\n"
                      "    - rule: service-host-env\n      reason: hosts set by the platform\n"
                      "waivers:\n  - rule: labels\n    reason: moot under baseline\n")
    result = gitops("validate", "--env", "dev", repo=repo)
    assert (result.exit_code, result.output) == (0, (
        "ok: dev (20 resources) pass every rule on Kubernetes 1.29, 1.35\n"
        "rules off: resources (baseline profile), probes (baseline profile), labels (baseline "
        "profile), tag-scheme (baseline profile), pdb (baseline profile), sync-policy (baseline "
        "profile), service-host-env (hosts set by the platform)\n"))
    data = json.loads(gitops("validate", "--env", "dev", "--output", "json", repo=repo).output)
    assert (data["profile"], data["rulesOff"][-1]) == (
        "baseline", {"rule": "service-host-env", "reason": "hosts set by the platform"})
