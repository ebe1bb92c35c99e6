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

    ok(gitops, repo, "env", "new", "uat", "--from", case.first, "--in-place")
    listed = [e["name"] for e in json.loads(ok(gitops, repo, "env", "list", "--output",
                                                "json"))["environments"]]
    assert listed.index("uat") == listed.index(case.first) + 1
    findings = json.loads(gitops("validate", "--output", "json", repo=repo).output)["findings"]
    # What is left are the shapes' own defects (example-apps' Applications follow HEAD, the
    # autopilot-like AppProjects allow every namespace), none of the layout's.
    assert {f["rule"] for f in findings} == {
        "example_apps_like": {"target-revision"}, "autopilot_like": {"project-wildcard"}}.get(
        case.shape, set())


def _overlay(gitops: Runner, repo: Path, env: str) -> str:
    from journal_gitops.config.load import load_config

    return load_config(repo).overlay_rel(env)
