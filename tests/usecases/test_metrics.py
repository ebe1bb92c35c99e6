"""gitops metrics: the DORA metrics of a history built on known days (March 2026), with the
app commits' own times from a stand-in app repository."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from conftest import MakeRepo, Runner
from support import START, at, git, init_git


def _commit_on(repo: Path, day: int, *args: str) -> None:
    subprocess.run(["git", "-C", str(repo), "commit", "--quiet", *args], check=True,
                   env={**os.environ, **at(day)})


@pytest.fixture
def history(tmp_path: Path, make_repo: MakeRepo, gitops: Runner) -> tuple[Path, Path]:
    """App commits c0 (day 1), c1 (day 2), c2 and c3 (day 4). The GitOps repository: every
    env at c0 (day 1), dev bumped to c1 (day 3), staging promoted (day 4), dev bumped to c2
    (day 5), dev rolled back (day 6), dev bumped to c3 (day 8)."""
    app = tmp_path / "app"
    app.mkdir()
    (app / "server.js").write_text("// v0\n")
    init_git(app)
    _commit_on(app, 1, "--amend", "--no-edit")
    for day in (2, 4, 4):
        _commit_on(app, day, "--allow-empty", "-m", f"change of day {day}")
    c0, c1, c2, c3 = git(app, "rev-list", "--reverse", "HEAD").split()
    repo = make_repo()
    for env in ("dev", "staging", "prod"):
        path = repo / f"overlays/{env}/kustomization.yaml"
        path.write_text(path.read_text().replace(START, c0))
    _commit_on(repo, 1, "-am", "every environment at c0")
    steps = [(3, ("bump", "--commit", c1)), (4, ("promote", "--from", "dev", "--to", "staging")),
             (5, ("bump", "--commit", c2)), (6, ("rollback", "dev")), (8, ("bump", "--commit", c3))]
    for day, step in steps:
        result = gitops(*step, "--in-place", repo=repo, env=at(day))
        assert result.exit_code == 0, result.output
    return repo, app


def test_metrics_of_every_environment(gitops: Runner, history: tuple[Path, Path]) -> None:
    repo, app = history
    result = gitops("metrics", "--source-repo", str(app), repo=repo)
    assert (result.exit_code, result.output) == (0, """\
As of 2026-03-08 10:00 +0000 (HEAD), since each environment's first deployment.

ENV      DEPLOYMENTS  PER WEEK  LEAD TIME  CHANGE FAILURE RATE  TIME TO RESTORE  ROLLBACKS
dev      4            4         1d         25% (1/4)            1d               1
staging  2            2         1d         0% (0/2)             -                0
prod     1            1         0m         0% (0/1)             -                0

Lead time and time to restore are medians.
""")


def test_metrics_since_a_duration_in_json(gitops: Runner, history: tuple[Path, Path]) -> None:
    repo, app = history
    result = gitops("metrics", "--env", "dev", "--since", "4d", "--source-repo", str(app),
                    "--output", "json", repo=repo)
    assert result.exit_code == 0, result.output
    assert json.loads(result.output) == {
        "version": 1, "ok": True, "asOf": "2026-03-08T10:00:00+00:00", "since": "4d",
        "leadTimeKnown": True, "environments": [{
            "env": "dev", "start": "2026-03-04T10:00:00+00:00", "deployments": 2,
            "deploymentsPerWeek": 3.5,
            "leadTimeSeconds": {"median": 216000, "count": 2},
            "changeFailureRate": {"failed": 1, "deployments": 2, "rate": 0.5},
            "timeToRestoreSeconds": {"median": 86400, "count": 1},
            "rollbacks": 1}]}


def test_lead_time_needs_the_app_repository(gitops: Runner, history: tuple[Path, Path]) -> None:
    repo, _ = history
    result = gitops("metrics", "--env", "prod", repo=repo)
    assert (result.exit_code, result.output.splitlines()[2:4]) == (0, [
        "ENV   DEPLOYMENTS  PER WEEK  LEAD TIME                CHANGE FAILURE RATE  "
        "TIME TO RESTORE  ROLLBACKS",
        "prod  1            1         - (needs --source-repo)  0% (0/1)             "
        "-                0"])


def test_since_takes_a_duration(gitops: Runner, make_repo: MakeRepo) -> None:
    result = gitops("metrics", "--since", "a month", repo=make_repo())
    assert (result.exit_code, result.output) == (
        2, "Error: --since 'a month' is not a duration such as 30m, 24h or 2d\n")


def test_a_hold_and_a_revert_fail_a_deployment(gitops: Runner, history: tuple[Path, Path]
                                               ) -> None:
    repo, app = history
    c3 = git(app, "rev-parse", "HEAD")
    held = gitops("hold", "dev", "--tag", c3[:7], "--reason", "slow pages", "--in-place",
                  repo=repo, env=at(9))
    assert held.exit_code == 0, held.output
    reverted = gitops("rollback", "staging", "--revert", "--in-place", repo=repo, env=at(10))
    assert reverted.exit_code == 0, reverted.output
    c1 = git(app, "rev-parse", "--short=7", "HEAD~2")
    assert git(repo, "log", "-1", "--format=%s") == (
        f"revert: promote(staging): journal-server, journal-fileserver -> {c1}")
    data = json.loads(gitops("metrics", "--output", "json", repo=repo).output)
    assert [(e["env"], e["deployments"], e["changeFailureRate"], e["rollbacks"])
            for e in data["environments"]] == [
        ("dev", 4, {"failed": 2, "deployments": 4, "rate": 0.5}, 1),
        ("staging", 2, {"failed": 1, "deployments": 2, "rate": 0.5}, 0),
        ("prod", 1, {"failed": 0, "deployments": 1, "rate": 0.0}, 0)]


def test_minutes_of_history_have_no_weekly_rate(gitops: Runner, make_repo: MakeRepo) -> None:
    """The period runs from the first deployment to HEAD: here, the same moment."""
    repo = make_repo()
    bumped = gitops("bump", "--commit", "c" * 40, "--in-place", repo=repo, env=at(1))
    assert bumped.exit_code == 0, bumped.output
    text = gitops("metrics", "--env", "dev", repo=repo).output.splitlines()
    assert text[2:4] == [
        "ENV  DEPLOYMENTS  PER WEEK            LEAD TIME                CHANGE FAILURE RATE  "
        "TIME TO RESTORE  ROLLBACKS",
        "dev  1            too little history  - (needs --source-repo)  0% (0/1)             "
        "-                0"]
    data = json.loads(gitops("metrics", "--env", "dev", "--output", "json", repo=repo).output)
    assert data["environments"][0]["deploymentsPerWeek"] is None
