"""The app commits a bump or a promotion carries, from a clone of the app repository
(--source-repo): in the commit message, the pull request body and the JSON output."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import Result

from conftest import MakeRepo, Runner
from support import git, start_at

KBP = "https://github.com/brendandburns/kbp-sample"


def _bump(gitops: Runner, repo: Path, app: Path, start: str, commit: str, *extra: str
          ) -> Result:
    """Every environment at app commit `start`, then dev bumped to `commit` in place."""
    start_at(repo, start)
    result = gitops("bump", "--commit", commit, "--source-repo", str(app), "--in-place",
                    *extra, repo=repo)
    assert result.exit_code == 0, result.output
    return result


def test_bump_lists_the_app_commits_it_carries(gitops: Runner, make_repo: MakeRepo,
                                               app_repo: tuple[Path, list[str]]) -> None:
    repo = make_repo()
    app, shas = app_repo
    data = json.loads(_bump(gitops, repo, app, shas[1], shas[3], "--output", "json").output)
    assert data["changelog"] == [{
        "env": "dev", "old": shas[1], "new": shas[3], "rollback": False, "known": True,
        "total": 2, "commits": [
            {"sha": shas[3], "subject": "v3", "author": "Test Engineer"},
            {"sha": shas[2], "subject": "v2", "author": "Test Engineer"}]}]
    assert data["prBody"].split("\n\n", 3)[3] == (
        f"**App changes in dev ({shas[1][:7]}..{shas[3][:7]}): 2 app commit(s)**\n\n"
        f"- [`{shas[3][:7]}`]({KBP}/commit/{shas[3]}) v3 (Test Engineer)\n"
        f"- [`{shas[2][:7]}`]({KBP}/commit/{shas[2]}) v2 (Test Engineer)\n")
    message = git(repo, "log", "-1", "--format=%B")
    assert message.split("\n\n")[1:4] == [
        "dev:\n"
        f"  journal-server      {shas[1][:7]} -> {shas[3][:7]}\n"
        f"  journal-fileserver  {shas[1][:7]} -> {shas[3][:7]}",
        f"dev ({shas[1][:7]}..{shas[3][:7]}): 2 app commit(s)\n"
        f"  {shas[3][:7]} v3 (Test Engineer)\n"
        f"  {shas[2][:7]} v2 (Test Engineer)",
        f"Source-Commit: {shas[3]}\n"
        f"Previous-Tag: dev/journal-server={shas[1]}\n"
        f"Previous-Tag: dev/journal-fileserver={shas[1]}\n"
        "Environment: dev\n"
        "Change-Kind: bump"]


def test_a_rollback_lists_the_commits_it_takes_out(gitops: Runner, make_repo: MakeRepo,
                                                   app_repo: tuple[Path, list[str]]) -> None:
    repo = make_repo()
    app, shas = app_repo
    _bump(gitops, repo, app, shas[4], shas[2], "--allow-rollback")
    assert git(repo, "log", "-1", "--format=%B").split("\n\n")[3] == (
        f"dev ({shas[4][:7]}..{shas[2][:7]}): rollback, takes out 2 app commit(s)\n"
        f"  {shas[4][:7]} v4 (Test Engineer)\n"
        f"  {shas[3][:7]} v3 (Test Engineer)")


def test_at_most_fifty_commits_then_a_count(gitops: Runner, make_repo: MakeRepo,
                                           app_repo: tuple[Path, list[str]]) -> None:
    repo = make_repo()
    app, shas = app_repo
    for n in range(53):
        git(app, "commit", "--quiet", "--allow-empty", "-m", f"change {n}")
    head = git(app, "rev-parse", "HEAD")
    data = json.loads(_bump(gitops, repo, app, shas[4], head, "--output", "json").output)
    assert (data["changelog"][0]["total"], len(data["changelog"][0]["commits"])) == (53, 50)
    assert data["prBody"].endswith("(Test Engineer)\n- and 3 more\n")
    block = git(repo, "log", "-1", "--format=%B").split("\n\n")[2].splitlines()
    assert (block[0], block[1][10:], block[50][10:], block[51]) == (
        f"dev ({shas[4][:7]}..{head[:7]}): 53 app commit(s)", "change 52 (Test Engineer)",
        "change 3 (Test Engineer)", "  and 3 more")


def test_promote_lists_the_app_commits_it_carries(gitops: Runner, make_repo: MakeRepo,
                                                  app_repo: tuple[Path, list[str]]) -> None:
    repo = make_repo()
    app, shas = app_repo
    _bump(gitops, repo, app, shas[0], shas[2])
    result = gitops("promote", "--from", "dev", "--to", "staging", "--source-repo", str(app),
                    "--in-place", "--output", "json", repo=repo)
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert [(log["env"], log["total"]) for log in data["changelog"]] == [("staging", 2)]
    assert data["prBody"].split("\n\n")[2:] == [
        f"**App changes in staging ({shas[0][:7]}..{shas[2][:7]}): 2 app commit(s)**",
        f"- [`{shas[2][:7]}`]({KBP}/commit/{shas[2]}) v2 (Test Engineer)\n"
        f"- [`{shas[1][:7]}`]({KBP}/commit/{shas[1]}) v1 (Test Engineer)\n"]
    assert git(repo, "log", "-1", "--format=%B").split("\n\n")[1:3] == [
        "Promotes what dev runs to staging.",
        f"staging ({shas[0][:7]}..{shas[2][:7]}): 2 app commit(s)\n"
        f"  {shas[2][:7]} v2 (Test Engineer)\n"
        f"  {shas[1][:7]} v1 (Test Engineer)"]


def test_no_changelog_without_the_clone(gitops: Runner, make_repo: MakeRepo,
                                        app_repo: tuple[Path, list[str]]) -> None:
    repo = make_repo()
    _, shas = app_repo
    result = gitops("bump", "--commit", shas[2], "--in-place", "--output", "json", repo=repo)
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["changelog"] == []
    assert "App changes in" not in json.loads(result.output)["prBody"]
