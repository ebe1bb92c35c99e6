"""Every command on each of the four repository shapes, after `gitops init` and nothing else:
bump, promote, history, rollback, diff, compare and env new give correct results, and validate
finds nothing a change adds."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import pytest

from conftest import Runner
from support import git

from .conftest import Shape


@dataclass(frozen=True)
class Case:
    shape: str  # the fixture that builds it
    init: tuple[str, ...]  # what gitops init needs besides the repository
    bump: tuple[str, ...]  # a move forward of the first environment
    tag: str  # the tag it deploys
    first: str
    second: str
    pin: str  # the file that pins the first environment's image, relative to its overlay


CASES = [
    Case("promotion_example", (), ("--tag", "1.4.0"), "1.4.0", "dev", "staging", "version.yaml"),
    Case("autopilot_like", (), ("--commit", "5f1e2d3"), "5f1e2d3", "dev", "prod",
         "kustomization.yaml"),
    Case("example_apps_like", ("--order", "dev,preprod,prod"), ("--tag", "build-150"),
         "build-150", "dev", "preprod", "kustomization.yaml"),
    Case("external_apps", (), ("--commit", "4" * 40), "4" * 40, "dev", "qa",
         "kustomization.yaml"),
]


def ok(gitops: Runner, repo: Path, *args: str) -> str:
    result = gitops(*args, repo=repo)
    assert result.exit_code == 0, (args, result.output)
    return result.output


def changed(repo: Path) -> list[str]:
    return git(repo, "show", "--format=", "--name-only", "HEAD").splitlines()


@pytest.mark.parametrize("case", CASES, ids=[c.shape for c in CASES])
def test_every_command_on_each_shape(gitops: Runner, request: pytest.FixtureRequest,
                                     case: Case) -> None:
    shape: Shape = request.getfixturevalue(case.shape)
    repo = shape()
    ok(gitops, repo, "init", *case.init)
    git(repo, "add", "gitops.yaml")
    git(repo, "commit", "-qm", "gitops.yaml")
    config = json.loads(ok(gitops, repo, "env", "list", "--output", "json"))["environments"]
    overlay = {e["name"]: e for e in config}
    first_pin = f"{_overlay(gitops, repo, case.first)}/{case.pin}"
    second_pin = f"{_overlay(gitops, repo, case.second)}/{case.pin}"
    before = {name: e["images"] for name, e in overlay.items()}

    ok(gitops, repo, "bump", *case.bump, "--in-place")
    assert changed(repo) == [first_pin]
    assert case.tag in git(repo, "show", "HEAD", "--", first_pin)
    ok(gitops, repo, "promote", "--from", case.first, "--to", case.second, "--in-place")
    assert changed(repo) == [second_pin]
    history = json.loads(ok(gitops, repo, "history", case.second, "--output", "json"))
    assert [i["new"] for i in history["changes"][0]["images"]] == [case.tag]

    diff = json.loads(ok(gitops, repo, "diff", "--base", "HEAD~1", "--head", "HEAD",
                         "--output", "json"))
    assert [e["name"] for e in diff["environments"] if e["changed"]] == [case.second]
    compared = gitops("compare", case.first, case.second, "--output", "json", repo=repo)
    assert compared.exit_code == 0, compared.output
    assert not [d for d in json.loads(compared.output)["other"]
                if d["category"] == "only-in-one"]

    ok(gitops, repo, "rollback", case.second, "--in-place", "--reason", "a bad release")
    assert second_pin in changed(repo)
    after = json.loads(ok(gitops, repo, "env", "list", "--output", "json"))["environments"]
    assert {e["name"]: e["images"] for e in after}[case.second] == before[case.second]

    if case.shape == "autopilot_like":
        # Each environment's ApplicationSet makes Applications of its own config.json files
        # only: a copy needs a project and an ApplicationSet of its own, which env new does
        # not make up.
        head = git(repo, "rev-parse", "HEAD")
        refused = gitops("env", "new", "uat", "--from", case.first, "--in-place", repo=repo)
        assert (refused.exit_code, refused.output) == (2, (
            "Error: the ApplicationSet dev (projects/dev.yaml) would make no Application for "
            "apps/web/overlays/uat: give it a generator that does, then run env new again\n"))
        assert (git(repo, "rev-parse", "HEAD"), git(repo, "status", "--porcelain")) == (head, "")
        ok(gitops, repo, "cluster", "add", "east", "--server", "https://east.example.com",
           "--in-place")
        moved = gitops("env", "set", "dev", "--cluster", "east", repo=repo)
        assert (moved.exit_code, moved.output) == (2, (
            "Error: dev's Application is made outside this repository's files (gitops.yaml "
            "layout): change its destination where it is made\n"))
        return
    ok(gitops, repo, "env", "new", "uat", "--from", case.first, "--in-place")
    listed = [e["name"] for e in json.loads(ok(gitops, repo, "env", "list", "--output",
                                                "json"))["environments"]]
    assert listed.index("uat") == listed.index(case.first) + 1
    findings = json.loads(gitops("validate", "--output", "json", repo=repo).output)["findings"]
    # What is left is the shape's own defect (example-apps' Applications follow HEAD), none of
    # the layout's.
    assert {f["rule"] for f in findings} == (
        {"target-revision"} if case.shape == "example_apps_like" else set())


LIST_GENERATOR = """  generators:
    - list:
        elements:
          # One element per environment.
          - appName: web
            srcRepoURL: https://github.com/acme/storefront-gitops.git
            srcTargetRevision: main
            srcPath: apps/web/overlays/dev
            destServer: https://kubernetes.default.svc
            destNamespace: storefront-dev
"""


def test_env_new_adds_its_element_to_a_list_generator(gitops: Runner,
                                                      autopilot_like: Shape) -> None:
    repo = autopilot_like()
    project = repo / "projects/dev.yaml"
    text = project.read_text()
    start = text.index("  generators:\n")
    project.write_text(text[:start] + LIST_GENERATOR + text[text.index("  template:\n"):])
    git(repo, "commit", "-qam", "a list of environments")
    ok(gitops, repo, "init")
    git(repo, "add", "gitops.yaml")
    git(repo, "commit", "-qm", "gitops.yaml")
    ok(gitops, repo, "env", "new", "uat", "--from", "dev", "--namespace", "storefront-uat",
       "--in-place")
    assert "projects/dev.yaml" in changed(repo)
    assert git(repo, "diff", "-U0", "HEAD~1", "HEAD", "--", "projects/dev.yaml").splitlines()[
        4:] == ["@@ -12,0 +13,2 @@ spec:",
                "+    - server: https://kubernetes.default.svc",
                "+      namespace: storefront-uat",
                "@@ -37,0 +40,6 @@ spec:",
                "+          - appName: web",
                "+            srcRepoURL: https://github.com/acme/storefront-gitops.git",
                "+            srcTargetRevision: main",
                "+            srcPath: apps/web/overlays/uat",
                "+            destServer: https://kubernetes.default.svc",
                "+            destNamespace: storefront-uat"]
    findings = json.loads(gitops("validate", "--output", "json", repo=repo).output)["findings"]
    assert {f["rule"] for f in findings} == {"project-wildcard"}  # the shape's own defect


def _overlay(gitops: Runner, repo: Path, env: str) -> str:
    from journal_gitops.config.load import load_config

    return load_config(repo).overlay_rel(env)


def test_a_side_without_gitops_yaml_says_so(gitops: Runner, external_apps: Shape) -> None:
    repo = external_apps()
    ok(gitops, repo, "init")
    refused = gitops("bump", "--commit", "4" * 40, repo=repo)
    assert (refused.exit_code, refused.output) == (2, (
        "Error: gitops.yaml is not committed (HEAD has none): changes are made from commits, "
        "so commit it first\n"))
    git(repo, "add", "gitops.yaml")
    git(repo, "commit", "-qm", "gitops.yaml")
    for command in ("diff", "gate"):
        result = gitops(command, "--base", "HEAD~1", repo=repo)
        assert (result.exit_code, result.output) == (1, (
            "Error: the base revision has no gitops.yaml (one not committed, or not pushed "
            "yet): commit or push it, or give --base\n")), command
