"""gitops compare: two rendered environments, the differences the tooling manages apart from
the rest, each with the overlay file that causes it, and --exit-code on undeclared drift."""

from __future__ import annotations

import json
from pathlib import Path

import yaml

from conftest import B, Runner
from support import START

RESOURCES = "spec.template.spec.containers[{0}].resources.{1}"


def _without_declarations(repo: Path) -> None:
    path = repo / "gitops.yaml"
    path.write_text(path.read_text().split("\n# Differences between environments")[0] + "\n")


def _other(result_output: str) -> list[tuple[str | None, ...]]:
    data = json.loads(result_output)
    return [(d["object"], d["field"], d["left"], d["right"], ", ".join(d["source"]),
             d["intended"]) for d in data["other"]]


# What prod's resource patches set, per workload: the field under resources, staging, prod.
PATCHED = {
    ("Deployment", "fileserver"): [("limits.memory", "128Mi", "256Mi"),
                                   ("requests.cpu", "50m", "100m"),
                                   ("requests.memory", "64Mi", "128Mi")],
    ("Deployment", "frontend"): [("limits.memory", "256Mi", "1Gi"),
                                 ("requests.cpu", "100m", "500m"),
                                 ("requests.memory", "128Mi", "512Mi")],
    ("StatefulSet", "redis"): [("limits.memory", "512Mi", "2Gi"), ("requests.cpu", "100m", "500m"),
                               ("requests.memory", "256Mi", "1Gi")],
}
PROD_ONLY = [(f"{kind}/{name}", RESOURCES.format(name, field), old, new,
              f"overlays/prod/patches/{name}-resources.yaml")
             for (kind, name), rows in PATCHED.items() for field, old, new in rows]
PROD_ONLY.append(("StatefulSet/redis",
                  "spec.volumeClaimTemplates[0].spec.resources.requests.storage", "1Gi", "10Gi",
                  "overlays/prod/kustomization.yaml"))


def test_prod_patches_and_claim_size_are_drift_until_declared(gitops: Runner,
                                                             repo: Path) -> None:
    _without_declarations(repo)
    result = gitops("compare", "staging", "prod", "--exit-code", "--output", "json", repo=repo)
    assert result.exit_code == 1
    assert _other(result.output) == [(*row, None) for row in PROD_ONLY]
    assert json.loads(result.output)["undeclared"] == 10


def test_declared_differences_pass_with_their_reasons(gitops: Runner, repo: Path) -> None:
    result = gitops("compare", "staging", "prod", "--exit-code", "--output", "json", repo=repo)
    assert result.exit_code == 0, result.output
    reasons = [row[5] for row in _other(result.output)]
    assert reasons == (
        ["Production load needs bigger requests and limits for the web server."] * 3
        + ["Production load needs bigger requests and limits for the API server."] * 3
        + ["Production load needs bigger requests and limits for redis."] * 3
        + ["Production keeps more data; a new size means recreating the StatefulSet."])


def test_managed_differences_and_images_are_their_own_groups(gitops: Runner,
                                                              repo: Path) -> None:
    path = repo / "overlays/dev/kustomization.yaml"
    path.write_text(path.read_text().replace(
        f"journal-server\n    newName: ghcr.io/journal-app/journal-server\n    newTag: {START}",
        f"journal-server\n    newName: ghcr.io/journal-app/journal-server\n    newTag: {B}"))
    result = gitops("compare", "dev", "staging", "--exit-code", repo=repo)
    assert (result.exit_code, result.output) == (0, f"""\
dev vs staging

Managed per environment (28):
WHAT        WHERE                                                                     DEV                         STAGING                         FROM
config      ConfigMap/frontend-config data.journalEntries                             20                          50                              overlays/dev/kustomization.yaml, overlays/staging/kustomization.yaml
name-hash   ConfigMap/frontend-config, Deployment/frontend                            frontend-config-hcd6ckd958  frontend-config-9bfhddt9gd      overlays/dev/kustomization.yaml, overlays/staging/kustomization.yaml
namespace   20 objects                                                                journal-dev                 journal-staging                 overlays/dev/kustomization.yaml, overlays/staging/kustomization.yaml
replicas    Deployment/fileserver spec.replicas, Deployment/frontend spec.replicas    1                           2                               overlays/dev/kustomization.yaml, overlays/staging/kustomization.yaml
secret-key  ExternalSecret/redis-password spec.data[0].remoteRef.key                  journal/dev/redis-password  journal/staging/redis-password  overlays/dev/kustomization.yaml, overlays/staging/kustomization.yaml
host        Ingress/journal spec.rules[0].host, Ingress/journal spec.tls[0].hosts[0]  journal-dev.example.com     journal-staging.example.com     overlays/dev/kustomization.yaml, overlays/staging/kustomization.yaml

Image versions (1):
OBJECT               FIELD                                          DEV                                                                          STAGING
Deployment/frontend  spec.template.spec.containers[frontend].image  ghcr.io/journal-app/journal-server:{B}  ghcr.io/journal-app/journal-server:{START}

Other differences (0, 0 not declared intended):
  none
""")


def test_an_object_in_one_only_and_an_undeclared_patch(gitops: Runner, repo: Path) -> None:
    overlay = repo / "overlays/staging"
    (overlay / "extra.yaml").write_text(yaml.safe_dump({
        "apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "extra"},
        "data": {"a": "b"}}))
    (overlay / "probe.yaml").write_text(yaml.safe_dump({
        "apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "frontend"},
        "spec": {"minReadySeconds": 5}}))
    path = overlay / "kustomization.yaml"
    path.write_text(path.read_text().replace("  - namespace.yaml\n",
                                             "  - namespace.yaml\n  - extra.yaml\n")
                    + "  - path: probe.yaml\n")
    result = gitops("compare", "staging", "prod", "--exit-code", "--output", "json", repo=repo)
    assert result.exit_code == 1
    assert [row for row in _other(result.output) if row[5] is None] == [
        ("ConfigMap/extra", None, "staging", None, "overlays/staging/kustomization.yaml", None),
        ("Deployment/frontend", "spec.minReadySeconds", "5", None,
         "overlays/staging/probe.yaml", None)]


def test_a_declaration_needs_a_reason(gitops: Runner, repo: Path) -> None:
    path = repo / "gitops.yaml"
    path.write_text(path.read_text().replace(
        "    reason: Production load needs bigger requests and limits for redis.\n", ""))
    result = gitops("compare", "staging", "prod", repo=repo)
    assert (result.exit_code, result.output) == (
        1, "Error: gitops.yaml: line 59: 'reason' is missing in intendedDifferences[3]\n")


def test_compare_needs_two_known_environments(gitops: Runner, repo: Path) -> None:
    result = gitops("compare", "prod", "prod", repo=repo)
    assert (result.exit_code, result.output) == (
        2, "Error: compare takes two different environments\n")
    result = gitops("compare", "qa", "prod", repo=repo)
    assert (result.exit_code, result.output) == (
        2, "Error: unknown environment 'qa' (known: dev, staging, prod)\n")
