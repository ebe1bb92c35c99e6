"""Clusters and promotion stages in memory: gitops.yaml's keys, the edits of them, and the
cluster rules on Argo CD objects built from dicts."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
import yaml

from conftest import ROOT
from journal_gitops.argocd.manifests import ArgocdManifests
from journal_gitops.config.clusters import Cluster
from journal_gitops.config.edit import (
    add_cluster,
    carry_intended,
    drop_intended,
    insert_env,
    place_env,
    remove_cluster,
    remove_env,
)
from journal_gitops.config.load import load_config, parse_config
from journal_gitops.config.model import Config
from journal_gitops.errors import ConfigError, GateRefusal, UsageError
from journal_gitops.gates.checks import Overrides, check_bump_order
from journal_gitops.kube.objects import Resource
from journal_gitops.validation.rules import get_rule
from journal_gitops.validation.rules.context import (
    AppContext,
    RenderSummary,
    RepoContext,
)

BASE = (ROOT / "gitops.yaml").read_text()
REPO_URL = "https://github.com/journal-app/journal-gitops.git"
US = "https://us.k8s.example.com"
TWO_REGIONS = BASE.replace("  - prod\n", "  - [prod, prod-us]\n", 1).replace(
    "    environments: [dev, staging, prod]\n",
    f"    environments: [dev, staging, prod]\n  us:\n    server: {US}\n"
    "    environments: [prod-us]\n")


def config_of(text: str) -> Config:
    return parse_config(Path("/repo"), yaml.safe_load(text), text)


# --- gitops.yaml --------------------------------------------------------------------------


def test_stages_and_clusters_of_two_regions() -> None:
    config = config_of(TWO_REGIONS)
    assert config.stages == (("dev",), ("staging",), ("prod", "prod-us"))
    assert config.environments == ("dev", "staging", "prod", "prod-us")
    assert config.production == ("prod", "prod-us")
    assert [config.is_production(e) for e in config.environments] == [False, False, True, True]
    assert [config.previous_env(e) for e in config.environments] == [
        None, "dev", "staging", "staging"]
    assert config.next_stage("staging") == ("prod", "prod-us")
    assert config.next_stage("prod-us") == ()
    assert config.cluster_of("prod-us") == Cluster("us", US, None, ("prod-us",))
    assert config.cluster_of("dev").destination == {"server": "https://kubernetes.default.svc"}
    with pytest.raises(UsageError, match=r"^unknown cluster 'eu' \(known: in-cluster, us\)$"):
        config.cluster("eu")


def test_without_clusters_every_environment_is_on_in_cluster() -> None:
    text = BASE.split("\n# Clusters the environments", 1)[0] + BASE.split(
        "environments: [dev, staging, prod]\n", 1)[1]
    config = config_of(text)
    assert config.clusters == (Cluster("in-cluster", "https://kubernetes.default.svc", None,
                                       ("dev", "staging", "prod"), declared=False),)


def test_argocds_own_cluster_answers_to_its_name_and_its_server() -> None:
    local = Cluster("in-cluster", "https://kubernetes.default.svc", None)
    assert local.matches({"name": "in-cluster"})
    assert Cluster("local", None, "in-cluster").matches(
        {"server": "https://kubernetes.default.svc"})
    twice = BASE.replace("    environments: [dev, staging, prod]\n",
                         "    environments: [dev, staging, prod]\n  local:\n"
                         "    argocdName: in-cluster\n")
    with pytest.raises(ConfigError) as caught:
        config_of(twice)
    assert str(caught.value) == ("gitops.yaml: clusters in-cluster and local are the same "
                                 "cluster (https://kubernetes.default.svc)")
    with pytest.raises(ConfigError) as caught:
        config_of(BASE.replace("[dev, staging, prod]", "[dev, staging, prod, prod]"))
    assert str(caught.value) == "gitops.yaml: cluster in-cluster lists prod twice"


def test_an_argocd_name_is_the_destination_name() -> None:
    cluster = Cluster("eu", None, "prod-eu")
    assert cluster.destination == {"name": "prod-eu"}
    assert cluster.matches({"name": "prod-eu", "namespace": "x"})
    assert not cluster.matches({"name": "prod-eu", "server": "https://other"})
    assert cluster.label == "name prod-eu"


@pytest.mark.parametrize(("change", "message"), [
    (("  - prod\n", "  - []\n"), "line 16: each stage of 'environments' must be a name or a "
                                 "non-empty list of names"),
    (("  - prod\n", "  - [prod, Prod2]\n"), "environment name 'Prod2' is not a DNS-1123 label"),
    (("  - prod\n", "  - [prod, staging]\n"), "'environments' lists staging twice"),
    (("    environments: [dev, staging, prod]\n", "    environments: [dev, staging]\n"),
     "environment prod is on no cluster: list it under the 'environments' of one of: "
     "in-cluster"),
    (("    environments: [dev, staging, prod]\n", "    environments: [dev, staging, prod, qa]\n"),
     "cluster in-cluster: environment 'qa' is not in 'environments'"),
    (("    server: https://kubernetes.default.svc\n", "    server: http://10.0.0.1\n"),
     "cluster in-cluster: server 'http://10.0.0.1' must be an https:// URL of the cluster's "
     "API server, without a trailing slash"),
    (("    server: https://kubernetes.default.svc\n",
      "    server: https://kubernetes.default.svc\n    argocdName: local\n"),
     "cluster in-cluster: give exactly one of 'server' and 'argocdName'"),
    (("    server: https://kubernetes.default.svc\n", "    sever: https://a.example\n"),
     "line 22: unknown key 'sever' in clusters.in-cluster (did you mean 'server'?)"),
    (("  in-cluster:\n", "  In_Cluster:\n"), "cluster name 'In_Cluster' is not a DNS-1123 label"),
    (("clusters:\n  in-cluster:", "clusters: []\nx:\n  in-cluster:"),
     "line 21: unknown key 'x' (known: app, clusters, crds, deployBranch, environments, freezes, "
     "holds, images, intendedDifferences, kubernetesVersions, layout, minSoak, project, "
     "repoURL, "
     "rules, shortLength, tagScheme, waivers)"),
    (("clusters:\n  in-cluster:", "clusters: {}\nx:\n  in-cluster:"),
     "line 21: unknown key 'x' (known: app, clusters, crds, deployBranch, environments, freezes, "
     "holds, images, intendedDifferences, kubernetesVersions, layout, minSoak, project, "
     "repoURL, "
     "rules, shortLength, tagScheme, waivers)"),
])
def test_config_errors(change: tuple[str, str], message: str) -> None:
    assert change[0] in BASE
    with pytest.raises(ConfigError) as caught:
        config_of(BASE.replace(*change, 1))
    assert str(caught.value) == f"gitops.yaml: {message}"


def test_an_environment_on_two_clusters_and_a_server_twice_are_refused() -> None:
    twice = TWO_REGIONS.replace("environments: [prod-us]", "environments: [prod-us, prod]")
    with pytest.raises(ConfigError) as caught:
        config_of(twice)
    assert str(caught.value) == ("gitops.yaml: environment prod is on two clusters: in-cluster "
                                 "and us")
    same = TWO_REGIONS.replace(US, "https://kubernetes.default.svc")
    with pytest.raises(ConfigError) as caught:
        config_of(same)
    assert str(caught.value) == ("gitops.yaml: clusters in-cluster and us are the same cluster "
                                 "(https://kubernetes.default.svc)")


def test_bumps_land_in_every_environment_of_the_first_stage() -> None:
    config = config_of(TWO_REGIONS.replace("  - dev\n", "  - [dev, dev-b]\n", 1).replace(
        "[dev, staging, prod]", "[dev, dev-b, staging, prod]"))
    check_bump_order(config, ["dev", "dev-b"], Overrides())
    with pytest.raises(GateRefusal) as caught:
        check_bump_order(config, ["dev", "staging"], Overrides())
    assert str(caught.value) == ("bumps land in dev, dev-b, first in promotion order: staging "
                                 "gets tags by promotion; pass --skip-order REASON to bump anyway")


# --- edits of gitops.yaml -----------------------------------------------------------------


def test_beside_turns_a_stage_into_a_list_and_extends_it() -> None:
    one = insert_env(BASE, "prod-us", beside="prod")
    assert one == BASE.replace("  - prod\n", "  - [prod, prod-us]\n", 1)
    assert insert_env(one, "prod-eu", beside="prod-us") == BASE.replace(
        "  - prod\n", "  - [prod, prod-us, prod-eu]\n", 1)
    block = BASE.replace("  - prod\n", "  - - prod\n    - prod-us\n", 1)
    assert insert_env(block, "prod-eu", beside="prod") == BASE.replace(
        "  - prod\n", "  - - prod\n    - prod-us\n    - prod-eu\n", 1)


def test_after_adds_a_stage_after_a_parallel_one() -> None:
    text = BASE.replace("  - staging\n", "  - [staging, staging-b]\n", 1)
    assert insert_env(text, "qa", after="staging-b") == text.replace(
        "  - [staging, staging-b]\n", "  - [staging, staging-b]\n  - qa\n", 1)


def test_remove_env_leaves_its_stage_and_its_cluster() -> None:
    assert remove_env(TWO_REGIONS, "prod-us") == TWO_REGIONS.replace(
        "  - [prod, prod-us]\n", "  - prod\n").replace(
        "environments: [prod-us]", "environments: []")
    three = BASE.replace("  - prod\n", "  - [prod, prod-us, prod-eu]\n", 1)
    assert remove_env(three, "prod-us") == BASE.replace("  - prod\n", "  - [prod, prod-eu]\n", 1)
    block = BASE.replace("  - staging\n", "  - - staging\n    - qa\n", 1)
    assert remove_env(block, "staging") == BASE.replace("  - staging\n", "  - - qa\n", 1).replace(
        "[dev, staging, prod]", "[dev, prod]")
    assert remove_env(block, "qa") == BASE.replace("  - staging\n", "  - - staging\n", 1)
    assert remove_env(TWO_REGIONS, "staging") == TWO_REGIONS.replace(
        "  - staging\n", "", 1).replace("[dev, staging, prod]", "[dev, prod]")


def test_add_cluster_to_the_section_or_as_a_new_section() -> None:
    assert add_cluster(BASE, Cluster("eu", None, "prod-eu"), ()) == BASE.replace(
        "    environments: [dev, staging, prod]\n",
        "    environments: [dev, staging, prod]\n  eu:\n    argocdName: prod-eu\n"
        "    environments: []\n")
    bare = "repoURL: x\nenvironments:\n  - dev\n"
    assert add_cluster(bare, Cluster("us", US, None), ("dev",)) == bare + (
        "\n# Clusters the environments deploy to: Argo CD knows each by its API server URL\n"
        "# (server) or by the name it was registered under (argocdName).\n"
        "clusters:\n  in-cluster:\n    server: https://kubernetes.default.svc\n"
        f"    environments: [dev]\n  us:\n    server: {US}\n    environments: []\n")


def test_place_env_and_remove_cluster() -> None:
    added = add_cluster(BASE, Cluster("us", US, None), ())
    placed = place_env(added, "us", "prod-us")
    assert placed == added.replace("    environments: []\n", "    environments: [prod-us]\n")
    assert place_env(placed, "us", "qa-us") == added.replace(
        "    environments: []\n", "    environments: [prod-us, qa-us]\n")
    empty = added.replace("    environments: []\n", "    environments:\n")
    assert place_env(empty, "us", "qa") == added.replace(
        "    environments: []\n", "    environments: [qa]\n")
    assert remove_cluster(added, "us") == BASE


def test_a_copied_overlay_carries_its_intended_differences() -> None:
    carried = carry_intended(BASE, "overlays/prod", "overlays/prod-us")
    new = carried.split("Production keeps more data; a new size means recreating the "
                        "StatefulSet.\n", 1)[1].split("\n# Clusters", 1)[0]
    assert new == (
        "  - file: overlays/prod-us/patches/frontend-resources.yaml\n"
        "    reason: Production load needs bigger requests and limits for the API server.\n"
        "  - file: overlays/prod-us/patches/fileserver-resources.yaml\n"
        "    reason: Production load needs bigger requests and limits for the web server.\n"
        "  - file: overlays/prod-us/patches/redis-resources.yaml\n"
        "    reason: Production load needs bigger requests and limits for redis.\n"
        "  - file: overlays/prod-us/kustomization.yaml\n"
        "    object: StatefulSet/redis\n"
        "    field: spec.volumeClaimTemplates[0].spec.resources.requests.storage\n"
        "    reason: Production keeps more data; a new size means recreating the StatefulSet.\n")
    assert drop_intended(carried, "overlays/prod-us") == BASE
    assert carry_intended(BASE, "overlays/dev", "overlays/qa") == BASE
    assert "intendedDifferences" not in drop_intended(BASE, "overlays/prod")


# --- the cluster rules --------------------------------------------------------------------


def application(env: str, namespace: str | None = None, **cluster: str) -> Resource:
    destination = {**(cluster or {"server": "https://kubernetes.default.svc"}),
                   "namespace": namespace or f"journal-{env}"}
    return Resource({"apiVersion": "argoproj.io/v1alpha1", "kind": "Application",
                     "metadata": {"name": f"journal-{env}", "namespace": "argocd"},
                     "spec": {"project": "journal",
                              "source": {"repoURL": REPO_URL, "path": f"overlays/{env}"},
                              "destination": destination}}, f"apps/journal-{env}.yaml")


def project(*destinations: dict[str, str]) -> Resource:
    return Resource({"apiVersion": "argoproj.io/v1alpha1", "kind": "AppProject",
                     "metadata": {"name": "journal", "namespace": "argocd"},
                     "spec": {"destinations": list(destinations)}}, "argocd/project.yaml")


TWO = config_of(TWO_REGIONS)
LOCAL = "https://kubernetes.default.svc"
APPS = (application("dev"), application("staging"), application("prod"),
        application("prod-us", server=US))
ALLOWED = (*({"server": LOCAL, "namespace": f"journal-{env}"}
              for env in ("dev", "staging", "prod")),
           {"server": US, "namespace": "journal-prod-us"})


def env_hits(env: str, *apps: Resource, config: Config = TWO) -> list[tuple[str | None, str]]:
    check = get_rule("cluster-destination").app_check
    assert check is not None
    context = AppContext.of(config, env, list(apps), {}, RenderSummary((), ()))
    return [(h[0].ref if h[0] else None, h[1]) for h in check(context)]


def repo_hits(rule: str, *resources: Resource, config: Config = TWO
              ) -> list[tuple[str | None, str]]:
    check = get_rule(rule).repo_check
    assert check is not None
    context = RepoContext(config, ArgocdManifests(tuple(resources), ()))
    return [(h[0].ref if h[0] else None, h[1]) for h in check(context)]


def test_cluster_destination() -> None:
    assert env_hits("prod-us", application("prod-us", server=US)) == []
    assert env_hits("prod-us", application("prod-us")) == [
        ("Application/argocd/journal-prod-us", "destination server https://kubernetes.default."
         "svc is cluster in-cluster's, but gitops.yaml puts prod-us on cluster us "
         "(https://us.k8s.example.com)")]
    assert env_hits("prod-us", application("prod-us", name="us-east")) == [
        ("Application/argocd/journal-prod-us", "destination name us-east names no cluster of "
         "gitops.yaml, but gitops.yaml puts prod-us on cluster us (https://us.k8s.example.com)")]
    named = replace(TWO, clusters=(TWO.clusters[0], Cluster("us", None, "us-east",
                                                             ("prod-us",))))
    assert env_hits("prod-us", application("prod-us", name="us-east"), config=named) == []


def test_cluster_namespace() -> None:
    assert repo_hits("cluster-namespace", *APPS) == []
    # Argo CD's own cluster named two ways is still one cluster.
    assert repo_hits("cluster-namespace", application("staging", "journal-prod"),
                     application("prod", name="in-cluster")) == [
        ("Application/argocd/journal-prod", "prod deploys to namespace journal-prod on cluster "
         "in-cluster, which is already staging's")]
    # The same namespace on two clusters is fine; on one cluster it is not.
    assert repo_hits("cluster-namespace", application("prod"),
                     application("prod-us", "journal-prod", server=US)) == []
    assert repo_hits("cluster-namespace", application("staging", "journal-prod"),
                     application("prod")) == [
        ("Application/argocd/journal-prod", "prod deploys to namespace journal-prod on cluster "
         "in-cluster, which is already staging's")]


def test_project_destinations() -> None:
    assert repo_hits("project-destinations", *APPS, project(*ALLOWED)) == []
    extra = project(*ALLOWED, {"server": US, "namespace": "journal-prod"},
                    {"name": "nowhere", "namespace": "journal-dev"},
                    {"server": "*", "namespace": "*"})
    assert repo_hits("project-destinations", *APPS, extra) == [
        ("AppProject/argocd/journal", "destinations[4] allows namespace journal-prod on "
         "cluster us, where no environment deploys"),
        ("AppProject/argocd/journal", "destinations[5] allows name nowhere, a cluster "
         "gitops.yaml does not declare")]
    # Without an Application for every environment, what is used is not known.
    assert repo_hits("project-destinations", *APPS[:3], extra) == []


def test_the_repository_passes_the_cluster_rules() -> None:
    config = load_config(ROOT)
    from journal_gitops.argocd.manifests import read_manifests

    manifests = read_manifests(ROOT, config)
    context = RepoContext(config, manifests)
    found: list[Any] = []
    for rule in ("cluster-namespace", "project-destinations"):
        check = get_rule(rule).repo_check
        assert check is not None
        found += list(check(context))
    assert found == []


def test_set_destination_keeps_the_line_and_move_env() -> None:
    from journal_gitops.argocd.edit import set_destination

    app = (ROOT / "apps/journal-prod.yaml").read_text()
    named = set_destination(app, "apps/journal-prod.yaml", Cluster("eu", None, "prod-eu"))
    assert named == app.replace("    server: https://kubernetes.default.svc\n",
                                "    name: prod-eu\n")
    assert set_destination(named, "apps/journal-prod.yaml",
                           Cluster("in-cluster", "https://kubernetes.default.svc", None)) == app
    from journal_gitops.config.edit import move_env

    assert move_env(TWO_REGIONS, "prod-us", "in-cluster") == TWO_REGIONS.replace(
        "[dev, staging, prod]", "[dev, staging, prod, prod-us]").replace(
        "environments: [prod-us]", "environments: []")


def test_a_destination_that_moves_is_an_availability_risk() -> None:
    from journal_gitops.kube.risks import assess

    moved = assess([application("prod-us")], [application("prod-us", server=US)])
    assert [(str(r.kind), r.object, r.message) for r in moved] == [
        ("availability", "Application/argocd/journal-prod-us", "destination moves from "
         "journal-prod-us on https://kubernetes.default.svc to journal-prod-us on "
         f"{US}: everything is deployed there anew (volumes start empty), and what runs at "
         "the old one is no longer managed")]
    assert assess([application("prod")], [application("prod", name="in-cluster")]) == ()


@pytest.mark.parametrize(("url", "ok"), [
    ("https://10.0.0.1:6443", True), ("https://[fd00::1]:6443", True),
    ("https://api.example.com/k8s/clusters/c-1", True), ("https://api.example.com/", False),
    ("http://api.example.com", False), ("https://api example.com", False),
    ("https://[fd00::1", False)])
def test_server_urls(url: str, ok: bool) -> None:
    from journal_gitops.config.clusters import check_server

    if ok:
        assert check_server(url) == url
    else:
        with pytest.raises(ConfigError):
            check_server(url)
