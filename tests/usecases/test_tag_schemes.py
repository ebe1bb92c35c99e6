"""Tag schemes of versions on real repositories: bump --tag, and a move to an older version
refused by bump, promote and `gitops gate` unless allowed, whatever the history says."""

from __future__ import annotations

import json
from functools import partial
from pathlib import Path

import pytest

from conftest import MakeRepo, Runner
from support import START, assert_refused, git

DEV = "overlays/dev/kustomization.yaml"
STAGING = "overlays/staging/kustomization.yaml"
NUMERIC = "\n  pattern: 'build-[0-9]+'\n  order: numeric"


def _repo(make_repo: MakeRepo, scheme: str) -> Path:
    repo = make_repo()
    if scheme != "full":
        path = repo / "gitops.yaml"
        path.write_text(path.read_text().replace("tagScheme: full", f"tagScheme: {scheme}"))
        git(repo, "commit", "--quiet", "-am", "tag scheme")
    return repo


def _run(gitops: Runner, repo: Path, *args: str) -> str:
    result = gitops(*args, repo=repo)
    assert result.exit_code == 0, result.output
    return result.output


def test_bump_tag_on_semver(gitops: Runner, make_repo: MakeRepo) -> None:
    repo = _repo(make_repo, "semver")
    assert _run(gitops, repo, "bump", "--tag", "2.0", "--in-place").splitlines()[:2] == [
        "dev  journal-server      805c8cf -> 2.0",
        "dev  journal-fileserver  805c8cf -> 2.0"]
    assert git(repo, "log", "-1", "--format=%B") == (
        "deploy(dev): journal-server, journal-fileserver -> 2.0\n\n"
        "dev:\n"
        "  journal-server      805c8cf -> 2.0\n"
        "  journal-fileserver  805c8cf -> 2.0\n\n"
        "Source-Tag: 2.0\n"
        f"Previous-Tag: dev/journal-server={START}\n"
        f"Previous-Tag: dev/journal-fileserver={START}\n"
        "Environment: dev\n"
        "Change-Kind: bump")
    assert git(repo, "show", "--format=", "-U0", "HEAD").splitlines()[-1] == '+    newTag: "2.0"'
    assert "image: ghcr.io/journal-app/journal-server:2.0\n" in _run(gitops, repo, "render", "dev")
    assert _run(gitops, repo, "validate", "--env", "dev").startswith("ok: dev")
    on_branch = _run(gitops, repo, "bump", "--tag", "v2.1.0-rc.1")
    assert git(repo, "log", "-1", "--format=%s", "deploy/dev/v2.1.0-rc.1") == (
        "deploy(dev): journal-server, journal-fileserver -> v2.1.0-rc.1")
    assert on_branch.startswith("dev  journal-server      2.0 -> v2.1.0-rc.1\n")


@pytest.mark.parametrize(("scheme", "args", "message"), [
    ("semver", ("--commit", "1a2b3c4"),
     "tagScheme semver deploys tags, not commits: give --tag TAG instead of --commit"),
    ("semver", (), "tagScheme semver needs --tag TAG: the tag to deploy"),
    ("semver", ("--tag", "latest"), "--tag 'latest' does not follow tagScheme semver"),
    ("semver", ("--tag", "1.2.3+build.5"), "--tag '1.2.3+build.5' does not follow tagScheme semver"),
    ("semver", ("--tag", "1.0", "--commit", "1a2b3c4"),
     "--commit and --tag do not go together: give one"),
    ("semver", ("--tag", "1.0", "--source-repo", "."),
     "--source-repo goes with --commit: tags of tagScheme semver name no app commit"),
    (NUMERIC, ("--tag", "build-x"),
     "--tag 'build-x' does not follow tagScheme {pattern: build-[0-9]+, order: numeric}"),
    ("full", ("--tag", "1.0"),
     "tagScheme full makes tags of app commits: give --commit SHA instead of --tag"),
    ("full", (), "give --commit SHA: the app commit whose images to deploy"),
])
def test_bump_takes_what_the_scheme_deploys(gitops: Runner, make_repo: MakeRepo, scheme: str,
                                            args: tuple[str, ...], message: str) -> None:
    repo = _repo(make_repo, scheme)
    assert_refused(lambda: gitops("bump", *args, repo=repo), 2, f"Error: {message}\n", repo)


def test_semver_promote_back_is_a_rollback_though_never_run(gitops: Runner,
                                                            make_repo: MakeRepo) -> None:
    """staging runs 2.0 and never ran 1.0: the history sees no rollback, the order does."""
    repo = _repo(make_repo, "semver")
    _run(gitops, repo, "bump", "--tag", "2.0", "--env", "staging", "--skip-order", "hotfix",
         "--in-place")
    _run(gitops, repo, "bump", "--tag", "1.0", "--in-place")
    refused = partial(gitops, "promote", "--from", "dev", "--to", "staging", repo=repo)
    assert_refused(refused, 1, "Error: staging: journal-server runs 2.0 now and 1.0 comes before "
                               "it in semver order: moving back is a rollback; pass "
                               "--allow-rollback\n", repo)
    assert _run(gitops, repo, "promote", "--from", "dev", "--to", "staging", "--allow-rollback",
                "--in-place").splitlines()[0] == "staging  journal-server      2.0 -> 1.0"
    assert git(repo, "log", "-1", "--format=%B").endswith(
        "Source-Tag: 1.0\nAllow-Rollback: staging\nEnvironment: staging\nChange-Kind: promotion")
    # 1.0 -> 2.0 is forward by the order, though staging ran 2.0 before it ran 1.0.
    _run(gitops, repo, "bump", "--tag", "2.0", "--in-place")
    assert _run(gitops, repo, "promote", "--from", "dev", "--to", "staging",
                "--in-place").splitlines()[0] == "staging  journal-server      1.0 -> 2.0"
    assert "Allow-Rollback" not in git(repo, "log", "-1", "--format=%B")


def test_semver_bump_back_is_a_rollback(gitops: Runner, make_repo: MakeRepo) -> None:
    repo = _repo(make_repo, "semver")
    _run(gitops, repo, "bump", "--tag", "1.10.0", "--in-place")
    assert_refused(partial(gitops, "bump", "--tag", "1.10.0-rc.2", repo=repo), 1,
                   "Error: dev: journal-server runs 1.10.0 now and 1.10.0-rc.2 comes before it "
                   "in semver order: moving back is a rollback; pass --allow-rollback\n", repo)
    assert _run(gitops, repo, "bump", "--tag", "1.10.0-rc.2", "--allow-rollback",
                "--in-place").splitlines()[0] == (
        "dev  journal-server      1.10.0 -> 1.10.0-rc.2 (rollback)")
    assert git(repo, "log", "-1", "--format=%B").splitlines()[:3] == [
        "rollback(dev): journal-server, journal-fileserver -> 1.10.0-rc.2", "",
        "This is a rollback: 1.10.0-rc.2 goes back from what dev runs now."]
    assert _run(gitops, repo, "bump", "--tag", "1.9.9", "--allow-rollback", "--dry-run"
                ).splitlines()[-2] == "dev  journal-fileserver  1.10.0-rc.2 -> 1.9.9 (rollback)"


def test_numeric_pattern_orders_builds_by_number(gitops: Runner, make_repo: MakeRepo) -> None:
    repo = _repo(make_repo, NUMERIC)
    _run(gitops, repo, "bump", "--tag", "build-9", "--in-place")
    assert _run(gitops, repo, "bump", "--tag", "build-10", "--in-place").splitlines()[0] == (
        "dev  journal-server      build-9 -> build-10")  # as text build-10 sorts first
    assert_refused(partial(gitops, "bump", "--tag", "build-8", repo=repo), 1,
                   "Error: dev: journal-server runs build-10 now and build-8 comes before it in "
                   "numeric order: moving back is a rollback; pass --allow-rollback\n", repo)
    found = gitops("validate", "--env", "dev", "--env", "prod", "--output", "json", repo=repo)
    assert found.exit_code == 1
    assert sorted({(f["env"], f["rule"]) for f in json.loads(found.output)["findings"]}) == [("prod", "tag-scheme")]


def test_gate_refuses_an_older_version_by_hand(gitops: Runner, make_repo: MakeRepo) -> None:
    repo = _repo(make_repo, "semver")
    _run(gitops, repo, "bump", "--tag", "2.0", "--env", "staging", "--skip-order", "hotfix",
         "--in-place")
    base = git(repo, "rev-parse", "HEAD")
    git(repo, "checkout", "--quiet", "-b", "by-hand")
    overlay = repo / STAGING
    overlay.write_text(overlay.read_text().replace('newTag: "2.0"', 'newTag: "1.0"'))
    git(repo, "commit", "--quiet", "-am", "staging: back to 1.0")
    noon = {"GITOPS_NOW": "2026-03-06T12:00:00Z"}
    result = gitops("gate", "--base", "main", "--head", "by-hand", repo=repo, env=noon)
    head = git(repo, "rev-parse", "HEAD")
    assert (result.exit_code, result.output) == (1, "".join(
        f"staging: rollback: {image} moves back to 1.0, which comes before 2.0 in semver order: "
        f"a rollback needs a commit of kind rollback or with an Allow-Rollback trailer for "
        f"staging\n" for image in ("journal-server", "journal-fileserver"))
        + f"2 violations of the release gates ({base[:7]} -> {head[:7]} at 2026-03-06T12:00:00Z)\n")
    git(repo, "commit", "--quiet", "--amend", "-m",
        "staging: back to 1.0\n\nAllow-Rollback: staging\nEnvironment: staging")
    allowed = gitops("gate", "--base", "main", "--head", "by-hand", repo=repo, env=noon)
    assert allowed.exit_code == 0, allowed.output


def test_a_hold_of_a_short_version_holds_it(gitops: Runner, make_repo: MakeRepo) -> None:
    """2.0 is shorter than any sha prefix a hold matches by: it is matched whole."""
    repo = _repo(make_repo, "semver")
    noon = {"GITOPS_NOW": "2026-03-06T12:00:00Z"}
    assert gitops("hold", "dev", "--tag", "2.0", "--reason", "corrupts entries", "--in-place",
                  repo=repo, env=noon).exit_code == 0
    assert_refused(partial(gitops, "bump", "--tag", "2.0", repo=repo), 1,
                   "Error: every app image 2.0 is held out of dev since 2026-03-06T12:00:00Z by "
                   "Test Engineer <engineer@example.com>: corrupts entries; `gitops release dev "
                   "--tag 2.0 --reason ...` lifts it, or pass --break-glass REASON\n", repo)
    assert _run(gitops, repo, "bump", "--tag", "2.0.1", "--dry-run").endswith(
        "dry run: nothing written\n")


def test_a_hold_of_a_long_version_is_that_version_alone(gitops: Runner, make_repo: MakeRepo
                                                       ) -> None:
    """Seven characters of a version are not a commit's short sha: the hold is shown, named
    and matched whole."""
    repo = _repo(make_repo, "semver")
    noon = {"GITOPS_NOW": "2026-03-06T12:00:00Z"}
    base = git(repo, "rev-parse", "--short", "HEAD")
    held = gitops("hold", "dev", "--tag", "v1.10.0-rc.1", "--reason", "slow", repo=repo, env=noon)
    made = git(repo, "rev-parse", "--short", "hold/dev/v1.10.0-rc.1")
    assert (held.exit_code, held.output) == (0, (
        f"dev  held  (app images)  v1.10.0-rc.1  slow\n\n"
        f"committed {made} on hold/dev/v1.10.0-rc.1 (from {base})\n"))
    git(repo, "merge", "--quiet", "--ff-only", "hold/dev/v1.10.0-rc.1")
    listed = _run(gitops, repo, "hold", "list")
    assert listed.splitlines()[1].split("  ")[:3] == ["dev", "(app images)", "v1.10.0-rc.1"]
    assert _run(gitops, repo, "bump", "--tag", "v1.10.0", "--dry-run").endswith(
        "dry run: nothing written\n")
    assert_refused(partial(gitops, "bump", "--tag", "v1.10.0-rc.1", repo=repo), 1,
                   "Error: every app image v1.10.0-rc.1 is held out of dev since "
                   "2026-03-06T12:00:00Z by Test Engineer <engineer@example.com>: slow; `gitops "
                   "release dev --tag v1.10.0-rc.1 --reason ...` lifts it, or pass --break-glass "
                   "REASON\n", repo)
