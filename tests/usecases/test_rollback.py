"""gitops rollback over a real git history with bumps, a promotion and a config change."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conftest import B, MakeRepo, Runner
from support import assert_refused, changed_files, commit_elsewhere, git


def test_rollback_after_a_bump_touching_two_envs(gitops: Runner,
                                                 repo_with_history: Path) -> None:
    repo = repo_with_history
    result = gitops("rollback", "staging", "--in-place", repo=repo)
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[:2] == [
        "staging  journal-server      bbbbbbb -> aaaaaaa",
        "staging  journal-fileserver  bbbbbbb -> aaaaaaa"]
    assert changed_files(repo) == ["gitops.yaml", "overlays/staging/kustomization.yaml"]
    undone = git(repo, "rev-parse", "HEAD^")
    message = git(repo, "log", "-1", "--format=%B")
    assert message.splitlines()[:4] == [
        "rollback(staging): journal-server, journal-fileserver -> aaaaaaa", "",
        f"Puts staging's files back to what they were at "
        f"{git(repo, 'rev-parse', '--short=7', f'{undone}^')}, undoing:",
        "- deploy(dev,staging): journal-server, journal-fileserver -> bbbbbbb"]
    assert message.splitlines()[-1] == "Change-Kind: rollback"
    dev = gitops("env", "list", "--output", "json", repo=repo)
    assert json.loads(dev.output)["environments"][0]["images"]["journal-server"]["tag"] == B


def test_rollback_after_a_config_change_and_steps(gitops: Runner,
                                                  repo_with_history: Path) -> None:
    repo = repo_with_history
    two = gitops("rollback", "dev", "--steps", "2", "--in-place", repo=repo)
    assert two.exit_code == 0, two.output
    assert two.output.splitlines()[:3] == [
        "dev  journal-server      bbbbbbb -> aaaaaaa",
        "dev  journal-fileserver  bbbbbbb -> aaaaaaa",
        "dev  journalEntries      25 -> 20"]
    latest = gitops("history", "dev", "--limit", "1", repo=repo).output.splitlines()[1]
    assert latest.split()[5] == "rollback"


def test_rollback_after_a_promotion_to_a_commit(gitops: Runner,
                                                repo_with_history: Path) -> None:
    repo = repo_with_history
    assert gitops("promote", "--from", "staging", "--to", "prod", "--in-place",
                  repo=repo).exit_code == 0
    first = git(repo, "rev-list", "--max-parents=0", "HEAD")
    result = gitops("rollback", "prod", "--to", first[:10], repo=repo)
    assert result.exit_code == 0, result.output
    branch = f"rollback/prod/{first[:7]}"
    assert git(repo, "show", f"{branch}:overlays/prod/kustomization.yaml") == git(
        repo, "show", f"{first}:overlays/prod/kustomization.yaml")
    again = gitops("rollback", "prod", "--to", first, "--in-place", repo=repo)
    assert again.exit_code == 0
    assert_refused(lambda: gitops("rollback", "prod", "--to", first, repo=repo),
                   0, "nothing to roll back: prod already runs that state\n", repo)


@pytest.mark.parametrize(("args", "code", "message"), [
    (("prod",), 1, "prod has no earlier state to roll back to (its first change is {first})"),
    (("prod", "--steps", "2"), 1, "prod has 1 change in its history, fewer than --steps 2"),
    (("dev", "--to", "nope"), 2, "--to nope is not a commit"),
    (("dev", "--to", "HEAD", "--steps", "1"), 2, "--to and --steps do not go together"),
    (("dev", "--to", "HEAD", "--steps", "0"), 2, "--to and --steps do not go together"),
    (("dev", "--steps", "0"), 2, "--steps must be at least 1"),
    (("qa",), 2, "unknown environment 'qa' (known: dev, staging, prod)"),
])
def test_rollback_bad_input(gitops: Runner, make_repo: MakeRepo, args: tuple[str, ...],
                            code: int, message: str) -> None:
    repo = make_repo()
    first = git(repo, "rev-parse", "HEAD")[:7]
    assert_refused(lambda: gitops("rollback", *args, repo=repo), code,
                   f"Error: {message.format(first=first)}\n", repo)


def test_rollback_to_a_commit_outside_history(gitops: Runner, make_repo: MakeRepo) -> None:
    repo = make_repo()
    other = commit_elsewhere(repo, "elsewhere", "elsewhere")
    assert_refused(lambda: gitops("rollback", "dev", "--to", other, repo=repo), 2,
                   f"Error: --to {other} is not in the history of HEAD: an environment goes "
                   f"back only to a state it had\n", repo)
