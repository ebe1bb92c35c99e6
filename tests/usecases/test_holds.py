"""Holds on real repositories: a rollback holds the tags it rolled away from, bump, promote and
the release gate refuse to bring them back into that environment or a later stage, until a
release lifts the hold or a change breaks the glass."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conftest import B, Runner
from support import START, assert_refused, git

PROD = "overlays/prod/kustomization.yaml"
FRIDAY = {"GITOPS_NOW": "2026-03-06T16:00:00Z"}
WHO = "Test Engineer <engineer@example.com>"
HELD = (f"journal-server bbbbbbb is held out of prod since 2026-03-06T16:00:00Z by {WHO}: "
        f"500s on /entries")
REFUSED = (f"Error: {HELD}; `gitops release prod --tag bbbbbbb --reason ...` lifts it, or pass "
           f"--break-glass REASON\n")


def _roll_back_a_release(gitops: Runner, repo: Path) -> None:
    """prod gets staging's bbbbbbb, and rolls it back."""
    assert gitops("promote", "--from", "staging", "--to", "prod", "--in-place",
                  repo=repo).exit_code == 0
    rolled = gitops("rollback", "prod", "--reason", "500s on /entries", "--in-place", repo=repo,
                    env=FRIDAY)
    assert rolled.exit_code == 0, rolled.output
    assert rolled.output.splitlines()[:4] == [
        "prod  journal-server      bbbbbbb -> 805c8cf",
        "prod  journal-fileserver  bbbbbbb -> 805c8cf",
        "prod  journal-server      held bbbbbbb",
        "prod  journal-fileserver  held bbbbbbb"]
    assert git(repo, "log", "-1", "--format=%(trailers:key=Hold,valueonly)").splitlines() == [
        f"prod {image}={B} 500s on /entries" for image in ("journal-server",
                                                           "journal-fileserver")]
    assert git(repo, "show", "--format=", "--name-only", "HEAD").splitlines() == [
        "gitops.yaml", PROD]


def test_a_rollback_holds_the_tags_until_released(gitops: Runner, repo_with_history: Path
                                                  ) -> None:
    repo = repo_with_history
    _roll_back_a_release(gitops, repo)
    assert_refused(lambda: gitops("promote", "--from", "staging", "--to", "prod", "--in-place",
                                  repo=repo), 1, REFUSED, repo)
    assert_refused(lambda: gitops("bump", "--commit", B, "--env", "prod", "--skip-order", "x",
                                  "--in-place", repo=repo), 1, REFUSED, repo)
    listed = gitops("hold", "list", repo=repo)
    assert (listed.exit_code, listed.output) == (0, (
        "ENV   IMAGE               TAG      SINCE                 BY" + " " * 36 + "REASON\n"
        f"prod  journal-server      bbbbbbb  2026-03-06T16:00:00Z  {WHO}  500s on /entries\n"
        f"prod  journal-fileserver  bbbbbbb  2026-03-06T16:00:00Z  {WHO}  500s on /entries\n"))
    rows = json.loads(gitops("status", "--output", "json", repo=repo).output)["images"]
    assert [(r["env"], [h["tag"] for h in r["holds"]]) for r in rows] == [
        ("dev", []), ("dev", []), ("staging", []), ("staging", []), ("prod", [B]), ("prod", [B])]
    envs = json.loads(gitops("env", "list", "--output", "json", repo=repo).output)
    assert [len(e["holds"]) for e in envs["environments"]] == [0, 0, 2]

    # A hand-made change that brings the tag back fails the release gate.
    base = git(repo, "rev-parse", "HEAD")
    git(repo, "checkout", "--quiet", "-b", "by-hand")
    (repo / PROD).write_text((repo / PROD).read_text().replace(START, B))
    git(repo, "commit", "--quiet", "-am", "prod: try B")
    gate = gitops("gate", "--base", "main", "--head", "by-hand", repo=repo, env=FRIDAY)
    hint = "; a change bringing it back needs a commit with a Break-Glass trailer for prod"
    assert (gate.exit_code, gate.output) == (1, (
        f"prod: hold: {HELD}{hint}\n"
        f"prod: hold: {HELD.replace('journal-server', 'journal-fileserver')}{hint}\n"
        f"2 violations of the release gates ({base[:7]} -> "
        f"{git(repo, 'rev-parse', '--short', 'HEAD')} at 2026-03-06T16:00:00Z)\n"))
    git(repo, "checkout", "--quiet", "main")

    released = gitops("release", "prod", "--tag", "bbbbbbb", "--reason", "fixed in 1.4.1",
                      "--in-place", repo=repo)
    assert released.exit_code == 0, released.output
    assert released.output.splitlines()[:2] == [
        "prod  released  journal-server      bbbbbbb  fixed in 1.4.1",
        "prod  released  journal-fileserver  bbbbbbb  fixed in 1.4.1"]
    assert git(repo, "log", "-1", "--format=%s") == (
        "release(prod): journal-server bbbbbbb, journal-fileserver bbbbbbb: fixed in 1.4.1")
    assert git(repo, "log", "-1", "--format=%(trailers:key=Change-Kind,valueonly)") == "release"
    assert "holds:" not in (repo / "gitops.yaml").read_text()
    assert gitops("hold", "list", repo=repo).output == "no holds\n"
    again = gitops("release", "prod", "--tag", "bbbbbbb", "--reason", "x", "--in-place",
                   repo=repo)
    assert (again.exit_code, again.output) == (0, "nothing to release: no such hold in prod\n")
    promoted = gitops("promote", "--from", "staging", "--to", "prod", "--in-place", repo=repo)
    assert promoted.exit_code == 0, promoted.output


def test_a_hold_by_hand_covers_later_stages_and_breaks_with_the_glass(
        gitops: Runner, repo_with_history: Path) -> None:
    repo = repo_with_history
    held = gitops("hold", "staging", "--tag", B[:9], "--image", "journal-server", "--reason",
                  "corrupts entries", "--in-place", repo=repo, env=FRIDAY)
    assert held.exit_code == 0, held.output
    assert held.output.splitlines()[0] == (
        "staging  held  journal-server  bbbbbbb20  corrupts entries")  # as given
    assert git(repo, "log", "-1", "--format=%B") == (
        "hold(staging): journal-server bbbbbbb20: corrupts entries\n\n"
        "Keeps journal-server bbbbbbb20 out of staging and every later stage until "
        "`gitops release`.\n\n"
        f"Hold: staging journal-server={B[:9]} corrupts entries\n"
        "Environment: staging\n"
        "Change-Kind: hold")
    again = gitops("hold", "staging", "--tag", B[:9], "--image", "journal-server", "--reason",
                   "corrupts entries", "--in-place", repo=repo)
    assert (again.exit_code, again.output) == (0, "already held out of staging\n")
    assert_refused(lambda: gitops("promote", "--from", "staging", "--to", "prod", "--in-place",
                                  repo=repo), 1, (
        f"Error: journal-server bbbbbbb20 is held out of staging since 2026-03-06T16:00:00Z by "
        f"{WHO}: corrupts entries; `gitops release staging --tag bbbbbbb20 --reason ...` lifts "
        f"it, or pass --break-glass REASON\n"), repo)
    # Only the held image: the other one may go.
    fileserver = gitops("promote", "--from", "staging", "--to", "prod", "--image",
                        "journal-fileserver", "--in-place", repo=repo)
    assert fileserver.exit_code == 0, fileserver.output
    glass = gitops("promote", "--from", "staging", "--to", "prod", "--break-glass",
                   "hotfix verified by hand", "--in-place", repo=repo)
    assert glass.exit_code == 0, glass.output
    assert git(repo, "log", "-1", "--format=%(trailers:key=Break-Glass,valueonly)") == (
        "hotfix verified by hand")
    gate = gitops("gate", "--base", "HEAD~1", "--head", "HEAD", repo=repo, env=FRIDAY)
    assert gate.exit_code == 0, gate.output
    data = json.loads(gitops("hold", "list", "--output", "json", repo=repo).output)
    assert data["holds"] == [{"env": "staging", "image": "journal-server", "tag": B[:9],
                              "reason": "corrupts entries", "by": WHO,
                              "since": "2026-03-06T16:00:00Z"}]


@pytest.mark.parametrize(("args", "message"), [
    (("hold", "prod", "--tag", "bbbbbbb", "--reason", " "),
     "--reason needs a reason on one line, without control characters"),
    (("hold", "prod", "--tag", "bbbbbbb", "--reason", "a\nb"),
     "--reason needs a reason on one line, without control characters"),
    (("hold", "prod", "--tag", "bb/b", "--reason", "x"), "--tag 'bb/b' is not an image tag"),
    (("hold", "prod", "--tag", "", "--reason", "x"), "--tag '' is not an image tag"),
    (("hold", "prod", "--tag", "bbbbbbb", "--image", "redis", "--reason", "x"),
     "unknown app image 'redis' (app images: journal-server, journal-fileserver)"),
    (("hold", "qa", "--tag", "bbbbbbb", "--reason", "x"), "unknown environment 'qa' (known: dev, staging, prod)"),
    (("release", "prod", "--tag", "bbbbbbb", "--reason", ""),
     "--reason needs a reason on one line, without control characters"),
])
def test_hold_bad_input(gitops: Runner, repo_with_history: Path, args: tuple[str, ...],
                        message: str) -> None:
    assert_refused(lambda: gitops(*args, "--in-place", repo=repo_with_history), 2,
                   f"Error: {message}\n", repo_with_history)
