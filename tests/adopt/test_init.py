"""`gitops init` on repositories laid out as public ones commonly are: the gitops.yaml it writes
reads back as the repository is, and `gitops validate` then finds only what is wrong in it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from conftest import MakeRepo, Runner
from journal_gitops.argocd.generators import generated, glob_regex
from journal_gitops.config.load import load_config
from journal_gitops.config.model import EnvLayout, ManagedImage
from journal_gitops.kube.objects import Resource
from journal_gitops.usecases.init.images import tag_scheme
from support import git

from .conftest import (
    AUTOPILOT_REPO,
    EXAMPLE_REPO,
    EXTERNAL_ORIGIN,
    PROMOTION_ORIGIN,
    Shape,
    build_external_apps,
    write,
)


def lines(*rows: str) -> str:
    return "".join(f"{row}\n" for row in rows)


def validated(gitops: Runner, repo: Path) -> list[tuple[str, str]]:
    """(rule, resource or file) of every finding of `gitops validate`, in its order."""
    result = gitops("validate", "--output", "json", repo=repo)
    assert result.exit_code in (0, 1), result.output
    return [(f["rule"], f["resource"] or f["file"]) for f in json.loads(result.output)["findings"]]


def test_promotion_example(gitops: Runner, promotion_example: Shape) -> None:
    repo = promotion_example()
    result = gitops("init", repo=repo)
    assert (result.exit_code, result.output) == (0, lines(
        "KEY           VALUE                                          HOW      FROM",
        "repoURL       https://github.com/acme/web-deploy.git         found    git remote get-url origin",
        "project       default                                        guessed  Argo CD's built-in project (no Application in git names one)",
        "environments  dev, staging, prod                             found    the folder names",
        "base          base                                           found    every overlay loads it",
        "env dev       envs/dev, namespace web-dev, external          guessed  no Application in git deploys envs/dev",
        "env staging   envs/staging, namespace web-staging, external  guessed  no Application in git deploys envs/staging",
        "env prod      envs/prod, namespace web-prod, external        guessed  no Application in git deploys envs/prod",
        "image         ghcr.io/acme/web (app)                         found    set in envs/*/version.yaml",
        "tagScheme     semver                                         found    1.3.0, 1.2.1, 1.2.0",
        "deployBranch  main                                           guessed  the branch checked out (no Application in git names one)",
        "rules         strict                                         default  every rule",
        "wrote gitops.yaml with 5 guessed values, marked in its comments: check them, "
        "then run gitops validate"))
    assert git(repo, "status", "--porcelain") == "?? gitops.yaml"
    config = load_config(repo)
    assert (config.repo_url, config.project, config.deploy_branch) == (
        PROMOTION_ORIGIN, "default", "main")
    assert config.stages == (("dev",), ("staging",), ("prod",))
    assert [config.overlay_rel(env) for env in config.environments] == [
        "envs/dev", "envs/staging", "envs/prod"]
    assert config.layouts == dict.fromkeys(("dev", "staging", "prod"),
                                           EnvLayout(application="external"))
    assert config.images == (ManagedImage("ghcr.io/acme/web", "ghcr.io/acme/web", True),)
    assert config.tag_scheme.label == "semver"
    assert validated(gitops, repo) == []


def test_autopilot_like(gitops: Runner, autopilot_like: Shape) -> None:
    repo = autopilot_like()
    result = gitops("init", repo=repo)
    assert (result.exit_code, result.output) == (0, lines(
        "KEY           VALUE                                                                   HOW      FROM",
        "repoURL       https://github.com/acme/storefront-gitops.git                           found    the Applications' source repoURL",
        "project       dev                                                                     found    the Applications' project",
        "environments  dev, prod                                                               found    the folder names",
        "base          apps/web/base                                                           found    every overlay loads it",
        "env dev       apps/web/overlays/dev, namespace storefront-dev, ApplicationSet dev     found    projects/dev.yaml",
        "env prod      apps/web/overlays/prod, namespace storefront-prod, ApplicationSet prod  found    projects/prod.yaml",
        "image         ghcr.io/acme/storefront (app)                                           found    set in apps/web/overlays/*/kustomization.yaml",
        "tagScheme     short                                                                   found    4e7d21a, 9b03c5f",
        "deployBranch  main                                                                    found    the Applications' targetRevision",
        "rules         strict                                                                  default  every rule",
        "wrote gitops.yaml; now run gitops validate"))
    assert git(repo, "status", "--porcelain") == "?? gitops.yaml"
    config = load_config(repo)
    assert (config.repo_url, config.project, config.deploy_branch) == (
        AUTOPILOT_REPO, "dev", "main")
    assert config.stages == (("dev",), ("prod",))
    assert (config.overlays_dir, config.apps_dir, config.argocd_dir) == (
        "apps/web/overlays", "projects", "bootstrap")
    assert config.layouts == {
        "dev": EnvLayout(application_set="dev", namespace="storefront-dev"),
        "prod": EnvLayout(application_set="prod", namespace="storefront-prod", project="prod")}
    assert [config.project_of(env) for env in config.environments] == ["dev", "prod"]
    assert config.images == (
        ManagedImage("ghcr.io/acme/storefront", "ghcr.io/acme/storefront", True),)
    assert (config.tag_scheme.label, config.short_length) == ("short", 7)
    # The projects allow any namespace on purpose (a real defect); the ApplicationSets in the
    # synced folder pass their schema.
    assert validated(gitops, repo) == [
        ("project-wildcard", "AppProject/argocd/dev"),
        ("project-wildcard", "AppProject/argocd/prod")]


def test_example_apps_like(gitops: Runner, example_apps_like: Shape) -> None:
    repo = example_apps_like()
    asked = gitops("init", repo=repo)
    assert (asked.exit_code, asked.output) == (2, (
        "Error: the promotion order of dev, preprod, prod does not follow from their names: "
        "give it with --order, first stage first (--order ENV,ENV,...; ENV+ENV for a stage "
        "deployed in parallel)\n"))
    assert not (repo / "gitops.yaml").exists()
    result = gitops("init", "--order", "dev,preprod,prod", repo=repo)
    assert (result.exit_code, result.output) == (0, lines(
        "KEY           VALUE                                                                           HOW      FROM",
        "repoURL       https://github.com/acme/catalog-deploy.git                                      found    the Applications' source repoURL",
        "project       default                                                                         found    the Applications' project",
        "environments  dev, preprod, prod                                                              given    --order",
        "base          catalog/base                                                                    found    every overlay loads it",
        "env dev       catalog/overlays/dev, namespace catalog-dev, apps/catalog-dev.yaml              found    an Application's source path",
        "env preprod   catalog/overlays/preprod, namespace catalog-preprod, apps/catalog-preprod.yaml  found    an Application's source path",
        "env prod      catalog/overlays/prod, namespace catalog-prod, apps/catalog-prod.yaml           found    an Application's source path",
        "image         ghcr.io/acme/catalog (app)                                                      found    set in catalog/overlays/*/kustomization.yaml",
        "tagScheme     build-[0-9]+ (history order)                                                    guessed  build-142, build-139, build-131 follow no known scheme",
        "deployBranch  main                                                                            guessed  the branch checked out (the Applications follow HEAD)",
        "rules         strict                                                                          default  every rule",
        "wrote gitops.yaml with 2 guessed values, marked in its comments: check them, "
        "then run gitops validate"))
    assert git(repo, "status", "--porcelain") == "?? gitops.yaml"
    config = load_config(repo)
    assert (config.repo_url, config.project, config.deploy_branch) == (
        EXAMPLE_REPO, "default", "main")
    assert config.stages == (("dev",), ("preprod",), ("prod",))
    assert (config.overlays_dir, config.apps_dir, config.argocd_dir) == (
        "catalog/overlays", "apps", "argocd")
    assert config.layouts == {}
    assert config.images == (ManagedImage("ghcr.io/acme/catalog", "ghcr.io/acme/catalog", True),)
    assert (config.tag_scheme.pattern, config.tag_scheme.order.value) == (
        "build-[0-9]+", "history")
    # The Applications are applied by a root app made outside git (layout.rootApp), and in
    # Argo CD's built-in project no argocd/ folder is needed. What is left is the profile's
    # rule: targetRevision HEAD follows whatever the remote's default branch is.
    assert config.root_app_external
    assert validated(gitops, repo) == [
        ("target-revision", "Application/argocd/catalog-dev"),
        ("target-revision", "Application/argocd/catalog-preprod"),
        ("target-revision", "Application/argocd/catalog-prod")]


def test_external_applications(gitops: Runner, external_apps: Shape) -> None:
    repo = external_apps()
    result = gitops("init", repo=repo)
    assert (result.exit_code, result.output) == (0, lines(
        "KEY           VALUE                                               HOW      FROM",
        "repoURL       https://gitlab.example.com/payments/api-deploy.git  found    git remote get-url origin",
        "project       default                                             guessed  Argo CD's built-in project (no Application in git names one)",
        "environments  dev, qa, prod                                       found    the folder names",
        "base          base                                                found    every overlay loads it",
        "env dev       overlays/dev, namespace payments-dev, external      guessed  no Application in git deploys overlays/dev",
        "env qa        overlays/qa, namespace payments-qa, external        guessed  no Application in git deploys overlays/qa",
        "env prod      overlays/prod, namespace payments-prod, external    guessed  no Application in git deploys overlays/prod",
        "image         api (app)                                           found    set in overlays/*/kustomization.yaml",
        "image         docker.io/library/memcached (third-party)           found    1.6.29 everywhere, set in base",
        "tagScheme     full                                                found    3c9a1f0, a1b2c3d, 0f1e2d3",
        "deployBranch  main                                                guessed  the branch checked out (no Application in git names one)",
        "rules         strict                                              default  every rule",
        "wrote gitops.yaml with 5 guessed values, marked in its comments: check them, "
        "then run gitops validate"))
    assert git(repo, "status", "--porcelain") == "?? gitops.yaml"
    config = load_config(repo)
    assert (config.repo_url, config.project) == (EXTERNAL_ORIGIN, "default")
    assert config.environments == ("dev", "qa", "prod")
    assert [config.overlay_rel(env) for env in config.environments] == [
        "overlays/dev", "overlays/qa", "overlays/prod"]
    assert config.layouts == dict.fromkeys(("dev", "qa", "prod"),
                                           EnvLayout(application="external"))
    assert config.images == (
        ManagedImage("api", "registry.example.com/payments/api", True),
        ManagedImage("docker.io/library/memcached", None, False))
    assert config.tag_scheme.label == "full"
    assert validated(gitops, repo) == []


def _comments_above_keys(text: str) -> dict[str, str]:
    """Each top-level key of gitops.yaml and the last comment line above it."""
    found, last = {}, ""
    for line in text.splitlines():
        if line.startswith("#"):
            last = line
        elif line and not line.startswith(" "):
            found[line.partition(":")[0]] = last
    return found


def test_every_key_says_whether_it_was_found_or_guessed(gitops: Runner,
                                                         promotion_example: Shape) -> None:
    repo = promotion_example()
    assert gitops("init", "--profile", "baseline", repo=repo).exit_code == 0
    text = (repo / "gitops.yaml").read_text()
    assert _comments_above_keys(text) == {
        "repoURL": "# Found: git remote get-url origin.",
        "project": "# Guessed: Argo CD's built-in project (no Application in git names one).",
        "environments": "# Found: the folder names.",
        "images": "# Found: the images the overlays render.",
        "tagScheme": "# Found: 1.3.0, 1.2.1, 1.2.0.",
        "deployBranch": "# Guessed: the branch checked out (no Application in git names one).",
        "rules": "# Given: --profile.",
        "layout": "# Found: only where the defaults (overlays/ENV, apps/, argocd/) do not hold.",
    }
    assert "# The AppProject every environment's Application belongs to.\n# Guessed" in text
    assert ("    # Guessed: no Application or ApplicationSet in git deploys envs/prod.\n"
            "    prod:\n      application: external\n") in text
    assert load_config(repo).rules.profile == "baseline"


def test_init_refuses_to_overwrite_unless_forced(gitops: Runner, external_apps: Shape) -> None:
    repo = external_apps()
    (repo / "gitops.yaml").write_text("repoURL: mine\n")
    refused = gitops("init", repo=repo)
    assert (refused.exit_code, refused.output) == (1, (
        f"Error: gitops.yaml already exists in {repo}: gitops init --force replaces it\n"))
    assert (repo / "gitops.yaml").read_text() == "repoURL: mine\n"
    forced = gitops("init", "--force", repo=repo)
    assert forced.exit_code == 0, forced.output
    assert forced.output.splitlines()[-1] == (
        "replaced gitops.yaml with 5 guessed values, marked in its comments: check them, then "
        "run gitops validate")
    assert load_config(repo).repo_url == EXTERNAL_ORIGIN


@pytest.mark.parametrize("files", [
    {"README.md": "deploy notes\n"},
    {"base/kustomization.yaml": "resources:\n  - deployment.yaml\n",
     "base/deployment.yaml": "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: x\n"},
])
def test_a_repository_without_overlays_is_one_line(gitops: Runner, tmp_path: Path,
                                                   files: dict[str, str]) -> None:
    repo = tmp_path / "plain"
    write(repo, files)
    git(repo, "init", "--quiet")
    result = gitops("init", repo=repo)
    assert (result.exit_code, result.output) == (1, (
        f"Error: no environment overlays in {repo}: gitops init looks for kustomization "
        f"folders side by side in one folder (overlays/ENV, envs/ENV, apps/APP/overlays/ENV) "
        f"that load a common base\n"))
    assert not (repo / "gitops.yaml").exists()


@pytest.mark.parametrize(("order", "message"), [
    ("dev,qa", "--order leaves out prod (found: dev, prod, qa)"),
    ("dev,uat,prod", "--order names uat, which is not an environment found (found: dev, prod, "
                     "qa)"),
    ("dev,qa,qa,prod", "--order names qa twice"),
    ("dev,,prod", "--order 'dev,,prod': write the environments as ENV,ENV,... (ENV+ENV for "
                  "one stage deployed in parallel)"),
])
def test_order_must_name_each_environment_once(gitops: Runner, external_apps: Shape,
                                               order: str, message: str) -> None:
    repo = external_apps()
    result = gitops("init", "--order", order, repo=repo)
    assert (result.exit_code, result.output) == (2, f"Error: {message}\n")
    assert not (repo / "gitops.yaml").exists()


def test_order_with_a_stage_in_parallel(gitops: Runner, external_apps: Shape) -> None:
    repo = external_apps()
    result = gitops("init", "--order", "dev,qa+prod", repo=repo)
    assert result.exit_code == 0, result.output
    assert "environments  dev, qa+prod " in result.output
    assert load_config(repo).stages == (("dev",), ("qa", "prod"))


def test_json_is_the_documented_document(gitops: Runner, autopilot_like: Shape) -> None:
    repo = autopilot_like()
    result = gitops("init", "--output", "json", repo=repo)
    assert result.exit_code == 0, result.output
    document = json.loads(result.output)
    assert list(document) == ["version", "ok", "file", "replaced", "facts", "environments",
                              "config"]
    assert (document["version"], document["ok"], document["file"], document["replaced"]) == (
        1, True, "gitops.yaml", False)
    assert document["facts"][0] == {"key": "repoURL", "value": AUTOPILOT_REPO, "how": "found",
                                    "from": "the Applications' source repoURL"}
    assert document["environments"] == [
        {"name": "dev", "overlay": "apps/web/overlays/dev", "base": "apps/web/base",
         "namespace": "storefront-dev", "application": None, "applicationSet": "dev",
         "project": "dev"},
        {"name": "prod", "overlay": "apps/web/overlays/prod", "base": "apps/web/base",
         "namespace": "storefront-prod", "application": None, "applicationSet": "prod",
         "project": "prod"}]
    assert document["config"] == yaml.safe_load((repo / "gitops.yaml").read_text())


def test_an_application_set_list_element_names_the_overlay(gitops: Runner,
                                                           external_apps: Shape) -> None:
    repo = external_apps()
    write(repo, {"argocd/environments.yaml": f"""apiVersion: argoproj.io/v1alpha1
kind: ApplicationSet
metadata:
  name: api
  namespace: argocd
spec:
  generators:
    - list:
        elements:
          - env: dev
            cluster: https://dev.k8s.example.com
          - env: qa
            cluster: https://dev.k8s.example.com
  template:
    metadata:
      name: 'api-{{{{env}}}}'
    spec:
      project: payments
      source:
        repoURL: {EXTERNAL_ORIGIN}
        targetRevision: release
        path: 'overlays/{{{{env}}}}'
      destination:
        server: '{{{{cluster}}}}'
        namespace: 'payments-{{{{env}}}}'
"""})
    git(repo, "add", "-A")
    git(repo, "commit", "--quiet", "-m", "an ApplicationSet for dev and qa")
    result = gitops("init", repo=repo)
    assert result.exit_code == 0, result.output
    config = load_config(repo)
    assert (config.project, config.deploy_branch, config.apps_dir, config.argocd_dir) == (
        "payments", "release", "apps", "argocd")
    assert config.layouts == {"dev": EnvLayout(application_set="api"),
                              "qa": EnvLayout(application_set="api"),
                              "prod": EnvLayout(application="external")}
    assert [(c.name, c.server, c.environments) for c in config.clusters] == [
        ("dev", "https://dev.k8s.example.com", ("dev", "qa")),
        ("in-cluster", "https://kubernetes.default.svc", ("prod",))]


def test_without_applications_or_a_remote_there_is_no_repo_url(gitops: Runner,
                                                               tmp_path: Path) -> None:
    repo = build_external_apps_without_remote(tmp_path / "repo")
    result = gitops("init", repo=repo)
    assert (result.exit_code, result.output) == (1, (
        "Error: no repoURL: no Application in git deploys an overlay and git has no remote "
        "origin (git remote add origin URL, then gitops init again)\n"))


def build_external_apps_without_remote(folder: Path) -> Path:
    folder.mkdir()
    repo = build_external_apps(folder)
    git(repo, "remote", "remove", "origin")
    return repo


def test_a_tag_pinned_in_a_patch_is_still_held_to_the_scheme(gitops: Runner,
                                                             promotion_example: Shape) -> None:
    repo = promotion_example()
    assert gitops("init", repo=repo).exit_code == 0
    patch = repo / "envs/dev/version.yaml"
    patch.write_text(patch.read_text().replace(":1.3.0", ":nightly"))
    result = gitops("validate", "--env", "dev", "--output", "json", repo=repo)
    assert [(f["rule"], f["message"]) for f in json.loads(result.output)["findings"]
            if f["env"] == "dev"] == [
        ("tag-scheme", "container web: tag nightly of ghcr.io/acme/web does not follow the tag "
                       "scheme semver")]


SHA = "3c9a1f0e5b7d2c4a6e8f0b1d3c5e7a9b2d4f6a8c"


@pytest.mark.parametrize(("tags", "scheme", "short", "how"), [
    ([SHA], "full", None, "found"),
    (["4e7d21a0", "9b03c5f1"], "short", 8, "found"),
    (["v1.2.0", "v1.3.0-rc.1", "2.0"], "semver", None, "found"),
    (["sha-4e7d21a", "sha-9b03c5f"], "sha-{short}", 7, "found"),
    ([f"main-{SHA}"], "main-{sha}", None, "found"),
    (["20240501", "20240430"], {"pattern": "[0-9]+", "order": "history"}, None, "guessed"),
    (["rc.1", "rc.12"], {"pattern": "rc\\.[0-9]+", "order": "history"}, None, "guessed"),
    (["release-1", "hotfix-2"],
     {"pattern": "[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}", "order": "history"}, None, "guessed"),
    ([], "full", None, "guessed"),
])
def test_the_tags_tell_the_tag_scheme(tags: list[str], scheme: object, short: int | None,
                                      how: str) -> None:
    assert tag_scheme(tags)[:3] == (scheme, short, how)


def test_application_sets_make_applications_from_the_repository() -> None:
    appset = Resource({"apiVersion": "argoproj.io/v1alpha1", "kind": "ApplicationSet",
                       "metadata": {"name": "all"}, "spec": {
                           "goTemplate": True,
                           "generators": [{"matrix": {"generators": [
                               {"git": {"directories": [{"path": "envs/*"},
                                                        {"path": "envs/old", "exclude": True}]}},
                               {"list": {"elements": [{"cluster": "https://a.example.com"}]}},
                           ]}}],
                           "template": {"spec": {
                               "project": "{{.path.basename}}",
                               "source": {"path": "{{.path.path}}"},
                               "destination": {"server": "{{ .cluster }}"}}}}}, "x.yaml")
    files = ["envs/dev/kustomization.yaml", "envs/old/kustomization.yaml", "envs/prod/k.yaml",
             "base/kustomization.yaml"]
    made = list(generated(appset, files, lambda file: None))
    assert [(g.spec["project"], g.spec["source"]["path"], g.deploys("envs/prod"))
            for g in made[:2]] == [("dev", "envs/dev", False), ("prod", "envs/prod", True)]
    assert made[2].spec["destination"] == {"server": "https://a.example.com"}
    assert [bool(glob_regex("apps/**/dev/config.json").match(path)) for path in (
        "apps/web/overlays/dev/config.json", "apps/dev/config.json", "apps/web/prod/config.json",
    )] == [True, True, False]


def test_on_this_repository_it_finds_what_its_own_gitops_yaml_says(
        gitops: Runner, make_repo: MakeRepo) -> None:
    repo = make_repo()
    own = load_config(repo)
    result = gitops("init", "--force", repo=repo)
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[-1] == "replaced gitops.yaml; now run gitops validate"
    found = load_config(repo)
    assert (found.repo_url, found.project, found.stages, found.deploy_branch) == (
        own.repo_url, own.project, own.stages, own.deploy_branch)
    assert (found.tag_scheme, found.layouts) == (own.tag_scheme, own.layouts)
    assert [(c.name, c.server, c.environments) for c in found.clusters] == [
        (c.name, c.server, c.environments) for c in own.clusters]
    assert sorted(found.images, key=str) == sorted(own.images, key=str)
    assert gitops("validate", repo=repo).exit_code == 0


def test_overlays_of_two_apps_are_one_line(gitops: Runner, autopilot_like: Shape) -> None:
    repo = autopilot_like()
    for part in ("base", "overlays/dev", "overlays/prod"):
        write(repo, {"kustomization.yaml": (repo / "apps/web" / part / "kustomization.yaml")
                     .read_text()}, f"apps/api/{part}")
    result = gitops("init", repo=repo)
    assert (result.exit_code, result.output) == (1, (
        "Error: environment overlays in 2 folders (apps/api/overlays, apps/web/overlays): "
        "gitops.yaml describes one overlay per environment\n"))


def test_init_needs_a_git_repository_and_a_file_to_write(gitops: Runner, tmp_path: Path,
                                                         external_apps: Shape) -> None:
    repo = external_apps()
    (repo / "gitops.yaml").mkdir()
    result = gitops("init", "--force", repo=repo)
    assert (result.exit_code, result.output) == (
        1, f"Error: gitops.yaml in {repo} is a folder: move it away first\n")
    (repo / "gitops.yaml").rmdir()
    bare = tmp_path / "not-git"
    bare.mkdir()
    (bare / "kustomization.yaml").write_text("resources: []\n")
    result = gitops("init", repo=bare)
    assert (result.exit_code, result.output) == (
        2, f"Error: {bare} is not in a git repository: gitops works on one (git init first)\n")
    assert sorted(p.name for p in bare.iterdir()) == ["kustomization.yaml"]
