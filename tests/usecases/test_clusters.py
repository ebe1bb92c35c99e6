"""gitops cluster, and environments across clusters and parallel promotion stages, on real
repositories: a second production region beside prod, promoted to in one commit, rolled back
alone, with `gitops validate` clean at every step."""

from __future__ import annotations

import json
from functools import partial
from pathlib import Path

import pytest

from conftest import MakeRepo, Runner
from support import START, assert_refused, git

US = "https://us-east.k8s.example.com"
A = "a1b2c3d" + "0" * 33
CLEAN = "ok: dev, staging, prod, prod-us (80 resources) pass every rule on Kubernetes 1.29, 1.35\n"


def ok(gitops: Runner, repo: Path, *args: str) -> str:
    result = gitops(*args, repo=repo)
    assert result.exit_code == 0, result.output
    return str(result.output)


def test_cluster_list(gitops: Runner) -> None:
    from conftest import ROOT

    assert ok(gitops, ROOT, "cluster", "list") == (
        "CLUSTER     DESTINATION                     ENVIRONMENTS\n"
        "in-cluster  https://kubernetes.default.svc  dev, staging, prod\n")
    assert json.loads(ok(gitops, ROOT, "cluster", "list", "--output", "json")) == {
        "version": 1, "ok": True, "clusters": [
            {"name": "in-cluster", "server": "https://kubernetes.default.svc",
             "argocdName": None, "environments": ["dev", "staging", "prod"],
             "declared": True}]}


def test_a_second_region_beside_prod(gitops: Runner, make_repo: MakeRepo) -> None:
    repo = make_repo()
    head = git(repo, "rev-parse", "HEAD")
    assert ok(gitops, repo, "cluster", "add", "us-east", "--server", US, "--in-place") == (
        f"added cluster us-east ({US})\n\n"
        f"committed {git(repo, 'rev-parse', '--short=7', 'HEAD')} on main\n")
    assert git(repo, "diff", "-U0", head, "HEAD", "--", "gitops.yaml").splitlines()[4:] == [
        "@@ -23,0 +24,3 @@ clusters:", "+  us-east:", f"+    server: {US}",
        "+    environments: []"]
    assert ok(gitops, repo, "validate") == CLEAN.replace(", prod-us", "").replace("80", "60")

    ok(gitops, repo, "env", "new", "prod-us", "--from", "prod", "--beside", "prod", "--cluster",
       "us-east", "--host", "journal-us.example.com", "--in-place")
    assert git(repo, "log", "-1", "--format=%B").splitlines()[2] == (
        "prod-us starts as a copy of prod (namespace journal-prod-us on cluster us-east, host "
        "journal-us.example.com, manual sync), beside prod (same promotion stage).")
    app = (repo / "apps/journal-prod-us.yaml").read_text()
    assert f"  destination:\n    server: {US}\n    namespace: journal-prod-us\n" in app
    assert "Prune=false,Delete=false" in app and "      enabled: false\n" in app
    project = (repo / "argocd/project.yaml").read_text()
    assert f"    - server: {US}\n      namespace: journal-prod-us\n" in project
    config = (repo / "gitops.yaml").read_text()
    assert "  - [prod, prod-us]\n" in config and "    environments: [prod-us]\n" in config
    assert ok(gitops, repo, "validate") == CLEAN
    rows = ok(gitops, repo, "env", "list").splitlines()
    assert [row.split()[:4] for row in rows] == [
        ["ENV", "STAGE", "CLUSTER", "NAMESPACE"], ["dev", "1", "in-cluster", "journal-dev"],
        ["staging", "2", "in-cluster", "journal-staging"],
        ["prod", "3", "in-cluster", "journal-prod"], ["prod-us", "3", "us-east", "journal-prod-us"]]
    assert ok(gitops, repo, "compare", "staging", "prod-us", "--exit-code")

    # A bump, staging, then both regions of production in one commit.
    ok(gitops, repo, "bump", "--commit", A, "--in-place")
    ok(gitops, repo, "promote", "--from", "dev", "--to", "staging", "--in-place")
    before = git(repo, "rev-parse", "HEAD")
    out = ok(gitops, repo, "promote", "--from", "staging", "--to", "prod", "--to", "prod-us",
             "--in-place")
    assert out.splitlines()[:4] == [
        "prod     journal-server      805c8cf -> a1b2c3d",
        "prod     journal-fileserver  805c8cf -> a1b2c3d",
        "prod-us  journal-server      805c8cf -> a1b2c3d",
        "prod-us  journal-fileserver  805c8cf -> a1b2c3d"]
    message = git(repo, "log", "-1", "--format=%B")
    assert message.splitlines()[:12] == [
        "promote(prod,prod-us): journal-server, journal-fileserver -> a1b2c3d", "",
        "Promotes what staging runs to prod and prod-us.", "",
        "prod:", "  journal-server      805c8cf -> a1b2c3d",
        "  journal-fileserver  805c8cf -> a1b2c3d",
        "prod-us:", "  journal-server      805c8cf -> a1b2c3d",
        "  journal-fileserver  805c8cf -> a1b2c3d", "",
        f"Previous-Tag: prod/journal-server={START}"]
    assert message.splitlines()[-3:] == [
        "Environment: prod", "Environment: prod-us", "Change-Kind: promotion"]
    assert git(repo, "show", "--format=", "--name-only", "HEAD").splitlines() == [
        "overlays/prod-us/kustomization.yaml", "overlays/prod/kustomization.yaml"]
    assert ok(gitops, repo, "validate") == CLEAN
    gate = json.loads(ok(gitops, repo, "gate", "--base", before, "--head", "HEAD",
                         "--output", "json"))
    assert (gate["ok"], gate["changed"], gate["violations"]) == (
        True, ["prod", "prod-us"], [])

    # One region rolled back alone.
    out = ok(gitops, repo, "rollback", "prod-us", "--in-place")
    assert out.splitlines()[:2] == ["prod-us  journal-server      a1b2c3d -> 805c8cf",
                                    "prod-us  journal-fileserver  a1b2c3d -> 805c8cf"]
    assert git(repo, "show", "--format=", "--name-only", "HEAD").splitlines() == [
        "gitops.yaml", "overlays/prod-us/kustomization.yaml"]  # the tags rolled away: held
    assert ok(gitops, repo, "validate") == CLEAN
    status = json.loads(ok(gitops, repo, "status", "--output", "json"))
    assert {(r["env"], r["tag"][:7], r["pendingPromotion"] and r["pendingPromotion"][:7])
            for r in status["images"]} >= {("prod", "a1b2c3d", None),
                                           ("prod-us", "805c8cf", "a1b2c3d")}


def test_promote_json_names_each_environment(gitops: Runner, make_repo: MakeRepo) -> None:
    repo = make_repo()
    ok(gitops, repo, "env", "new", "prod-b", "--from", "prod", "--beside", "prod", "--host",
       "journal-b.example.com", "--in-place")
    ok(gitops, repo, "bump", "--commit", A, "--env", "staging", "--skip-order", "test",
       "--in-place")
    data = json.loads(ok(gitops, repo, "promote", "--from", "staging", "--to", "prod", "--to",
                         "prod-b", "--dry-run", "--output", "json"))
    assert (data["env"], data["envs"]) == ("prod", ["prod", "prod-b"])
    assert [(i["env"], i["image"], i["new"]) for i in data["images"]] == [
        ("prod", "journal-server", A), ("prod", "journal-fileserver", A),
        ("prod-b", "journal-server", A), ("prod-b", "journal-fileserver", A)]
    assert data["prBody"].startswith("Changes **prod**.\n\n| what | from | to |\n")
    assert "\n\nChanges **prod-b**.\n\n" in data["prBody"]
    # A target already up to date is named, and left out of the commit and the branch name.
    ok(gitops, repo, "promote", "--from", "staging", "--to", "prod", "--in-place")
    out = ok(gitops, repo, "promote", "--from", "staging", "--to", "prod", "--to", "prod-b")
    assert out.splitlines()[:3] == ["prod-b  journal-server      805c8cf -> a1b2c3d",
                                    "prod-b  journal-fileserver  805c8cf -> a1b2c3d",
                                    "prod    -                   already runs it"]
    branch = "promote/staging-to-prod-b/a1b2c3d"
    assert git(repo, "log", "-1", "--format=%b", branch).splitlines()[0] == (
        "Promotes what staging runs to prod-b. prod already runs it.")
    assert git(repo, "show", "--format=", "--name-only", branch).splitlines() == [
        "overlays/prod-b/kustomization.yaml"]


def test_gate_takes_a_promotion_from_any_environment_of_a_parallel_stage(
        gitops: Runner, make_repo: MakeRepo) -> None:
    repo = make_repo()
    ok(gitops, repo, "env", "new", "qa-b", "--from", "staging", "--beside", "staging", "--host",
       "qa-b.example.com", "--in-place")
    ok(gitops, repo, "bump", "--commit", A, "--in-place")
    ok(gitops, repo, "promote", "--from", "dev", "--to", "staging", "--to", "qa-b", "--in-place")
    base = git(repo, "rev-parse", "HEAD")
    ok(gitops, repo, "promote", "--from", "qa-b", "--to", "prod")
    gate = json.loads(ok(gitops, repo, "gate", "--base", base, "--head",
                         "promote/qa-b-to-prod/a1b2c3d", "--output", "json"))
    assert (gate["ok"], gate["changed"], gate["violations"]) == (True, ["prod"], [])
    # Deleting one of the two leaves a stage of one, written as a name again.
    ok(gitops, repo, "env", "delete", "qa-b", "--in-place")
    assert "  - dev\n  - staging\n  - prod\n" in (repo / "gitops.yaml").read_text()


def test_an_argocd_named_cluster_and_a_namespace_reused_there(
        gitops: Runner, make_repo: MakeRepo) -> None:
    repo = make_repo()
    ok(gitops, repo, "cluster", "add", "eu", "--argocd-name", "prod-eu", "--in-place")
    ok(gitops, repo, "env", "new", "prod-eu", "--from", "prod", "--beside", "prod", "--cluster",
       "eu", "--namespace", "journal-prod", "--host", "journal-eu.example.com", "--in-place")
    assert "  destination:\n    name: prod-eu\n    namespace: journal-prod\n" in (
        repo / "apps/journal-prod-eu.yaml").read_text()
    assert "    - name: prod-eu\n      namespace: journal-prod\n" in (
        repo / "argocd/project.yaml").read_text()
    assert ok(gitops, repo, "validate").startswith("ok: dev, staging, prod, prod-eu ")
    # The copy in the stage before production is not production: it can be deleted, and its
    # destination, cluster entry and intended differences go with it.
    ok(gitops, repo, "env", "new", "pre-eu", "--from", "prod-eu", "--host",
       "journal-pre-eu.example.com", "--namespace", "journal-pre", "--in-place")
    assert "  - pre-eu\n  - [prod, prod-eu]\n" in (repo / "gitops.yaml").read_text()
    before = {name: (repo / name).read_text() for name in ("gitops.yaml", "argocd/project.yaml")}
    ok(gitops, repo, "env", "new", "qa-eu", "--from", "pre-eu", "--host", "qa-eu.example.com",
       "--namespace", "journal-qa-eu", "--in-place")
    ok(gitops, repo, "env", "delete", "qa-eu", "--in-place")
    assert {name: (repo / name).read_text() for name in before} == before
    assert ok(gitops, repo, "cluster", "list").splitlines()[2] == (
        "eu          name prod-eu                    pre-eu, prod-eu")
    # Moving: the Application, the project's destination and gitops.yaml follow; a namespace
    # that the other cluster already has is refused.
    assert ok(gitops, repo, "env", "set", "pre-eu", "--cluster", "in-cluster",
              "--in-place").splitlines()[0] == "pre-eu  cluster  eu -> in-cluster"
    assert git(repo, "log", "-1", "--format=%B").splitlines()[:3] == [
        "env(pre-eu): cluster eu -> in-cluster", "",
        "Argo CD deploys pre-eu to cluster in-cluster from scratch: new volumes (what they held "
        "is not there) and a new ingress. What runs on eu is no longer managed by this Application: "
        "remove it there once in-cluster serves."]
    assert "  destination:\n    server: https://kubernetes.default.svc\n    namespace: " \
           "journal-pre\n" in (repo / "apps/journal-pre-eu.yaml").read_text()
    assert "    - server: https://kubernetes.default.svc\n      namespace: journal-pre\n" in (
        repo / "argocd/project.yaml").read_text()
    assert "    argocdName: prod-eu\n    environments: [prod-eu]\n" in (
        repo / "gitops.yaml").read_text()
    assert ok(gitops, repo, "validate").startswith("ok: dev, staging, pre-eu, prod, prod-eu ")
    assert_refused(lambda: gitops("env", "set", "prod-eu", "--cluster", "in-cluster", repo=repo),
                   2, "Error: namespace journal-prod is already prod's on cluster in-cluster\n",
                   repo)


@pytest.mark.parametrize(("args", "code", "message"), [
    (("cluster", "add", "us", "--server", "http://x.example"), 2,
     "--server 'http://x.example' must be an https:// URL of the cluster's API server, without "
     "a trailing slash"),
    (("cluster", "add", "us"), 2, "give exactly one of --server and --argocd-name"),
    (("cluster", "add", "us", "--server", US, "--argocd-name", "us"), 2,
     "give exactly one of --server and --argocd-name"),
    (("cluster", "add", "US", "--server", US), 2, "cluster name 'US' is not a DNS-1123 label"),
    (("cluster", "add", "in-cluster", "--server", US), 2,
     "cluster in-cluster already exists (https://kubernetes.default.svc)"),
    (("cluster", "add", "local", "--server", "https://kubernetes.default.svc"), 2,
     "https://kubernetes.default.svc is already cluster in-cluster"),
    (("cluster", "add", "local", "--argocd-name", "in-cluster"), 2,
     "name in-cluster is already cluster in-cluster (https://kubernetes.default.svc)"),
    (("cluster", "add", "in-cluster", "--server", "https://kubernetes.default.svc"), 0,
     "cluster in-cluster is already there"),
    (("cluster", "remove", "in-cluster"), 2,
     "cluster in-cluster runs dev, staging, prod: delete or move them first"),
    (("cluster", "remove", "eu"), 2, "unknown cluster 'eu' (known: in-cluster)"),
    (("env", "new", "qa", "--from", "dev", "--cluster", "eu"), 2,
     "unknown cluster 'eu' (known: in-cluster)"),
    (("env", "new", "qa", "--from", "dev", "--after", "dev", "--beside", "dev"), 2,
     "--after and --beside exclude each other"),
    (("env", "new", "prod-us", "--from", "prod", "--beside", "prod"), 2,
     "cannot derive a host for prod-us from journal.example.com: pass --host"),
    (("env", "new", "qa", "--from", "dev", "--namespace", "journal-prod"), 2,
     "namespace journal-prod is already prod's on cluster in-cluster"),
    (("promote", "--from", "dev", "--to", "staging", "--to", "prod"), 1,
     "prod is not next in promotion order (the next stage after dev is staging); pass "
     "--skip-order REASON to promote anyway"),
])
def test_refusals(gitops: Runner, make_repo: MakeRepo, args: tuple[str, ...], code: int,
                  message: str) -> None:
    repo = make_repo()
    output = f"{message}\n" if code == 0 else f"Error: {message}\n"
    assert_refused(lambda: gitops(*args, repo=repo), code, output, repo)


def test_cluster_remove(gitops: Runner, make_repo: MakeRepo) -> None:
    repo = make_repo()
    before = (repo / "gitops.yaml").read_text()
    ok(gitops, repo, "cluster", "add", "us", "--server", US, "--in-place")
    data = json.loads(ok(gitops, repo, "cluster", "remove", "us", "--dry-run", "-o", "json"))
    assert (data["cluster"], data["action"], data["server"], data["argocdName"],
            data["files"], data["commit"]) == ("us", "remove", US, None, ["gitops.yaml"], None)
    assert ok(gitops, repo, "cluster", "remove", "us", "--dry-run").splitlines()[-2:] == [
        f"would remove cluster us ({US})", "dry run: nothing written"]
    assert ok(gitops, repo, "cluster", "remove", "us", "--in-place").splitlines()[0] == (
        f"removed cluster us ({US})")
    assert (repo / "gitops.yaml").read_text() == before
    assert git(repo, "log", "-1", "--format=%B") == (
        f"cluster(us): remove\n\nNo environment deploys to {US}.\n\nChange-Kind: cluster")
    # Again: done already, as a second add answers; a name never known is still unknown.
    assert_refused(partial(gitops, "cluster", "remove", "us", "--in-place", repo=repo), 0,
                   "cluster us is already removed\n", repo)
    assert_refused(partial(gitops, "cluster", "remove", "eu", "--in-place", repo=repo), 2,
                   "Error: unknown cluster 'eu' (known: in-cluster)\n", repo)
