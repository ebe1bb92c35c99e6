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


# --- namePrefix / nameSuffix ---------------------------------------------------------------------

def _name_affixes(repo: Path, env: str, lines: str) -> None:
    """Set namePrefix / nameSuffix (`lines`) in an environment's overlay."""
    path = repo / f"overlays/{env}/kustomization.yaml"
    text = path.read_text()
    assert f"namespace: journal-{env}\n" in text
    path.write_text(text.replace(f"namespace: journal-{env}\n",
                                 f"namespace: journal-{env}\n{lines}"))


def _managed(result_output: str, category: str) -> list[tuple[str, str, str, str]]:
    data = json.loads(result_output)
    return [(d["object"], d["field"], d["left"], d["right"]) for d in data["managed"]
            if d["category"] == category]


# Every name kustomize prefixes that is the same in both environments (frontend-config's is
# not: its hash is a name-hash difference): (object, field, name), the fields that name another
# object of the render included.
HASH = "-f2t85g7hm5"  # redis-config's, the same in every environment
RENAMED = sorted([
    *((obj, "metadata.name", obj.split("/")[1]) for obj in (
        "Deployment/fileserver", "Deployment/frontend", "ExternalSecret/redis-password",
        "Ingress/journal", "NetworkPolicy/allow-frontend-to-redis",
        "NetworkPolicy/allow-ingress-controller-to-fileserver",
        "NetworkPolicy/allow-ingress-controller-to-frontend",
        "NetworkPolicy/allow-redis-replication", "NetworkPolicy/default-deny-ingress",
        "PodDisruptionBudget/fileserver", "PodDisruptionBudget/frontend",
        "PodDisruptionBudget/redis", "Service/fileserver", "Service/frontend", "Service/redis",
        "Service/redis-write", "StatefulSet/redis")),
    ("ConfigMap/redis-config", "metadata.name", f"redis-config{HASH}"),
    ("Ingress/journal", "spec.rules[0].http.paths[0].backend.service.name", "frontend"),
    ("Ingress/journal", "spec.rules[0].http.paths[1].backend.service.name", "fileserver"),
    ("StatefulSet/redis", "spec.serviceName", "redis"),
    ("StatefulSet/redis", "spec.template.spec.volumes[redis-config].configMap.name",
     f"redis-config{HASH}"),
])


def _renamed(prefixes: tuple[str, str], suffixes: tuple[str, str]
             ) -> list[tuple[str, str, str, str]]:
    """RENAMED as each side names it: prefix + name + suffix (+ a generated name's hash)."""
    def named(name: str, side: int) -> str:
        hashed = name.endswith(HASH)
        core = name.removesuffix(HASH)
        return f"{prefixes[side]}{core}{suffixes[side]}{HASH if hashed else ''}"

    return [(obj, field, named(name, 0), named(name, 1)) for obj, field, name in RENAMED]


def test_prefixes_of_both_overlays_are_managed(gitops: Runner, repo: Path) -> None:
    _name_affixes(repo, "dev", "namePrefix: dev-\n")
    _name_affixes(repo, "staging", "namePrefix: staging-\n")
    result = gitops("compare", "dev", "staging", "--exit-code", repo=repo)
    assert (result.exit_code, result.output) == (0, """\
dev vs staging

Managed per environment (50):
WHAT         WHERE                                                                     DEV                             STAGING                             FROM
config       ConfigMap/frontend-config data.journalEntries                             20                              50                                  overlays/dev/kustomization.yaml, overlays/staging/kustomization.yaml
name-hash    ConfigMap/frontend-config, Deployment/frontend                            dev-frontend-config-hcd6ckd958  staging-frontend-config-9bfhddt9gd  overlays/dev/kustomization.yaml, overlays/staging/kustomization.yaml
namespace    20 objects                                                                journal-dev                     journal-staging                     overlays/dev/kustomization.yaml, overlays/staging/kustomization.yaml
name-prefix  18 objects                                                                dev-*                           staging-*                           overlays/dev/kustomization.yaml, overlays/staging/kustomization.yaml
replicas     Deployment/fileserver spec.replicas, Deployment/frontend spec.replicas    1                               2                                   overlays/dev/kustomization.yaml, overlays/staging/kustomization.yaml
secret-key   ExternalSecret/redis-password spec.data[0].remoteRef.key                  journal/dev/redis-password      journal/staging/redis-password      overlays/dev/kustomization.yaml, overlays/staging/kustomization.yaml
host         Ingress/journal spec.rules[0].host, Ingress/journal spec.tls[0].hosts[0]  journal-dev.example.com         journal-staging.example.com         overlays/dev/kustomization.yaml, overlays/staging/kustomization.yaml

Image versions (0):
  the same in both

Other differences (0, 0 not declared intended):
  none
""")
    result = gitops("compare", "dev", "staging", "--output", "json", repo=repo)
    assert sorted(_managed(result.output, "name-prefix")) == _renamed(("dev-", "staging-"),
                                                                      ("", ""))
    assert _managed(result.output, "name-hash") == [
        ("ConfigMap/frontend-config", "metadata.name", "dev-frontend-config-hcd6ckd958",
         "staging-frontend-config-9bfhddt9gd"),
        ("Deployment/frontend",
         "spec.template.spec.containers[frontend].env[JOURNAL_ENTRIES].valueFrom"
         ".configMapKeyRef.name",
         "dev-frontend-config-hcd6ckd958", "staging-frontend-config-9bfhddt9gd")]
    assert json.loads(result.output)["other"] == []


def test_a_prefix_on_one_side_keeps_the_patches_and_their_declarations(gitops: Runner,
                                                                        repo: Path) -> None:
    _name_affixes(repo, "prod", "namePrefix: prod-\n")
    result = gitops("compare", "staging", "prod", "--exit-code", "--output", "json", repo=repo)
    assert result.exit_code == 0, result.output
    other = _other(result.output)
    assert [row[:5] for row in other] == PROD_ONLY  # each from its patch, keyed without prod-
    assert [row[5] for row in other] == (
        ["Production load needs bigger requests and limits for the web server."] * 3
        + ["Production load needs bigger requests and limits for the API server."] * 3
        + ["Production load needs bigger requests and limits for redis."] * 3
        + ["Production keeps more data; a new size means recreating the StatefulSet."])
    assert sorted(_managed(result.output, "name-prefix")) == _renamed(("", "prod-"), ("", ""))


def test_suffixes_through_a_base_folder_are_managed(gitops: Runner, repo: Path) -> None:
    _name_affixes(repo, "dev", "nameSuffix: -dev\n")
    # staging reaches base/ through a folder that has its own suffix: -blue, then -s.
    (repo / "variants/blue").mkdir(parents=True)
    (repo / "variants/blue/kustomization.yaml").write_text(
        "nameSuffix: -blue\nresources:\n  - ../../base\n")
    _name_affixes(repo, "staging", "nameSuffix: -s\n")
    path = repo / "overlays/staging/kustomization.yaml"
    path.write_text(path.read_text().replace("  - ../../base\n", "  - ../../variants/blue\n"))
    result = gitops("compare", "dev", "staging", "--exit-code", repo=repo)
    assert result.exit_code == 0, result.output
    assert [line for line in result.output.splitlines() if line.startswith("name-")] == [
        "name-hash    ConfigMap/frontend-config, Deployment/frontend                            "
        "frontend-config-dev-hcd6ckd958  frontend-config-blue-s-9bfhddt9gd  "
        "overlays/dev/kustomization.yaml, overlays/staging/kustomization.yaml",
        "name-prefix  18 objects                                                                "
        "*-dev                           *-blue-s, *-s                      "
        "overlays/dev/kustomization.yaml, overlays/staging/kustomization.yaml"]
    result = gitops("compare", "dev", "staging", "--output", "json", repo=repo)
    assert sorted(_managed(result.output, "name-prefix")) == _renamed(("", ""),
                                                                      ("-dev", "-blue-s"))
    assert json.loads(result.output)["other"] == []


def test_objects_are_named_without_the_prefix(gitops: Runner, repo: Path) -> None:
    _name_affixes(repo, "staging", "namePrefix: staging-\n")
    overlay = repo / "overlays/staging"
    (overlay / "extra.yaml").write_text(yaml.safe_dump({
        "apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "extra"},
        "data": {"a": "b"}}))
    path = overlay / "kustomization.yaml"
    path.write_text(path.read_text().replace("  - namespace.yaml\n",
                                             "  - namespace.yaml\n  - extra.yaml\n"))
    result = gitops("compare", "staging", "prod", "--exit-code", "--output", "markdown",
                    repo=repo)
    assert result.exit_code == 1
    assert [line for line in result.output.splitlines()
            if line.startswith(("| name-prefix", "| ConfigMap/extra"))] == [
        "| name-prefix | 18 objects | staging-* | * | overlays/staging/kustomization.yaml, "
        "overlays/prod/kustomization.yaml |",
        "| ConfigMap/extra | (whole object) | staging | (absent) | "
        "overlays/staging/kustomization.yaml | NOT DECLARED |"]


def test_without_namespace_objects_the_namespace_is_the_objects_one(gitops: Runner,
                                                                      repo: Path) -> None:
    """A value that happens to be the environment's name is drift, not the namespace."""
    for env in ("dev", "staging"):
        path = repo / f"overlays/{env}/kustomization.yaml"
        path.write_text(path.read_text().replace("  - namespace.yaml\n", "")
                        + f"labels:\n  - pairs:\n      tier: {env}\n")
    data = json.loads(gitops("compare", "dev", "staging", "--output", "json", repo=repo).output)
    tiers = [d for d in data["other"] if d["field"].endswith("labels.tier")]
    assert tiers and {(d["left"], d["right"], d["category"]) for d in tiers} == {
        ("dev", "staging", "patch")}
    namespaces = [d for d in data["managed"] if d["category"] == "namespace"]
    assert {(d["left"], d["right"]) for d in namespaces} == {("journal-dev", "journal-staging")}
