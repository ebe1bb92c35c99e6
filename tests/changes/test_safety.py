"""What a careful and a hostile user would try: odd files where the repository expects others,
symbolic links out of it, stale branches and repeated commands, a lock left behind. Each ends
in one line and a documented exit code, or in the right change, and never in a traceback."""

from __future__ import annotations

import fcntl
import json
import os
import subprocess
from collections.abc import Callable
from functools import partial
from pathlib import Path

import pytest

from conftest import Runner
from journal_gitops.adapters import registry
from journal_gitops.errors import GitopsError
from support import ROOT, assert_refused, commit_elsewhere, git

NEW = "1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d"
LATER = "2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e"
DEV = "overlays/dev/kustomization.yaml"
MakeRepo = Callable[..., Path]


@pytest.mark.parametrize(("value", "shown"), [("²", "²"), ("99999999999", "99999999999"),
                                              ("-1", "-1"), ("1.5", "1.5")])
def test_replica_counts_are_ascii_int32(gitops: Runner, make_repo: MakeRepo, value: str,
                                        shown: str) -> None:
    repo = make_repo()
    assert_refused(lambda: gitops("env", "set", "dev", "--replicas", f"frontend={value}",
                                  repo=repo), 2,
                   f"Error: --replicas frontend={shown}: the count must be a whole number from 0 "
                   f"to 2147483647\n", repo)


def test_the_largest_replica_count_is_accepted(gitops: Runner, make_repo: MakeRepo) -> None:
    repo = make_repo()
    result = gitops("env", "set", "dev", "--replicas", "frontend=2147483647", "--dry-run",
                    repo=repo)
    assert result.exit_code == 0, result.output
    assert "+    count: 2147483647\n" in result.output


def test_gitops_yaml_that_is_not_utf8(gitops: Runner, make_repo: MakeRepo) -> None:
    repo = make_repo()
    (repo / "gitops.yaml").write_bytes(b"repoURL: caf\xe9\n")
    assert_refused(lambda: gitops("validate", repo=repo), 1,
                   "Error: gitops.yaml: not UTF-8 text\n", repo)


@pytest.mark.parametrize("shape", ["overlay-is-a-file", "kustomization-is-a-folder"])
def test_odd_overlay_shapes(gitops: Runner, make_repo: MakeRepo, shape: str) -> None:
    repo = make_repo()
    if shape == "overlay-is-a-file":
        git(repo, "rm", "-r", "--quiet", "overlays/dev")
        (repo / "overlays/dev").write_text("not a folder\n")
        message = f"{DEV}: a folder on its path is a file"
    else:
        git(repo, "rm", "--quiet", DEV)
        (repo / DEV).mkdir()
        (repo / DEV / "keep").write_text("x\n")
        message = f"{DEV} is a folder, not a file"
    git(repo, "add", "-A")
    git(repo, "commit", "--quiet", "-m", "odd shape")
    for mode in ((), ("--in-place",)):
        assert_refused(partial(gitops, "bump", "--commit", NEW, *mode, repo=repo), 1,
                       f"Error: {message}\n", repo)


def test_lock_path_that_is_a_folder(gitops: Runner, make_repo: MakeRepo) -> None:
    repo = make_repo()
    (repo / ".git/gitops.lock").mkdir()
    assert_refused(lambda: gitops("bump", "--commit", NEW, repo=repo), 1,
                   f"Error: {repo / '.git/gitops.lock'} is a folder, not the lock file: remove "
                   f"it\n", repo)


def test_lock_is_held_by_a_live_process_only(gitops: Runner, make_repo: MakeRepo) -> None:
    repo = make_repo()
    lock = repo / ".git/gitops.lock"
    lock.write_text("1")  # a pid that is alive (init): a pid file would block forever
    assert gitops("bump", "--commit", NEW, repo=repo).exit_code == 0
    with lock.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        lock.write_text(str(os.getpid()))
        assert_refused(lambda: gitops("bump", "--commit", LATER, repo=repo), 1,
                       f"Error: another change is in progress in this clone (process "
                       f"{os.getpid()}): wait for it\n", repo)
    assert gitops("bump", "--commit", LATER, repo=repo).exit_code == 0


def test_no_temporary_folders_left_anywhere(gitops: Runner, make_repo: MakeRepo,
                                           tmp_path: Path) -> None:
    repo = make_repo()
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    assert gitops("bump", "--commit", NEW, repo=repo, env={"TMPDIR": str(tmp)}).exit_code == 0
    assert gitops("bump", "--commit", LATER, "--in-place", repo=repo,
                  env={"TMPDIR": str(tmp)}).exit_code == 0
    assert list(tmp.iterdir()) == []
    assert list((repo / ".git/gitops/worktrees").iterdir()) == []
    assert git(repo, "worktree", "list", "--porcelain").count("worktree ") == 1


def test_stale_worktrees_are_pruned_even_when_locked(gitops: Runner, make_repo: MakeRepo) -> None:
    repo = make_repo()
    stale = repo / ".git/gitops/worktrees/tree-dead"
    stale.parent.mkdir(parents=True)
    git(repo, "worktree", "add", "--quiet", "--detach", str(stale), "HEAD")
    git(repo, "worktree", "lock", str(stale))  # as a kill during `git worktree add` leaves it
    assert gitops("bump", "--commit", NEW, repo=repo).exit_code == 0
    assert not stale.exists()
    assert git(repo, "worktree", "list", "--porcelain").count("worktree ") == 1


# --- symbolic links ---------------------------------------------------------------------------


def test_an_overlay_linked_out_of_the_repository_is_not_edited(gitops: Runner,
                                                             make_repo: MakeRepo,
                                                             tmp_path: Path) -> None:
    repo = make_repo()
    outside = tmp_path / "elsewhere"
    (repo / "overlays/dev").rename(outside)
    (repo / "overlays/dev").symlink_to(outside)
    git(repo, "add", "-A")
    git(repo, "commit", "--quiet", "-m", "dev lives elsewhere")
    text = (outside / "kustomization.yaml").read_text()
    for mode in ((), ("--in-place",)):
        assert_refused(partial(gitops, "bump", "--commit", NEW, *mode, repo=repo), 1,
                       f"Error: {DEV} leads out of the repository through a symbolic link: "
                       f"refused\n", repo)
        assert (outside / "kustomization.yaml").read_text() == text


def test_env_new_does_not_copy_what_a_link_points_to(gitops: Runner, make_repo: MakeRepo,
                                                    tmp_path: Path) -> None:
    repo = make_repo()
    secret = tmp_path / "secret.env"
    secret.write_text("password=hunter2\n")
    (repo / "overlays/dev/secret.env").symlink_to(secret)
    git(repo, "add", "-A")
    git(repo, "commit", "--quiet", "-m", "a link")
    assert_refused(lambda: gitops("env", "new", "qa", "--from", "dev", repo=repo), 1,
                   "Error: overlays/dev/secret.env is a symbolic link: env new copies regular "
                   "files only (a link's target is not copied)\n", repo)


def test_a_linked_kustomization_inside_the_repository_stays_a_link(gitops: Runner,
                                                                   make_repo: MakeRepo) -> None:
    repo = make_repo()
    (repo / DEV).rename(repo / "overlays/dev/real-kustomization.yaml")
    (repo / DEV).symlink_to("real-kustomization.yaml")
    git(repo, "add", "-A")
    git(repo, "commit", "--quiet", "-m", "kustomization behind a link")
    for mode in ((), ("--in-place",)):
        result = gitops("bump", "--commit", NEW if not mode else LATER, *mode, repo=repo)
        assert result.exit_code == 0, result.output
    for rev in ("deploy/dev/1a2b3c4", "HEAD"):
        listing = git(repo, "ls-tree", rev, DEV).split()
        assert listing[0] == "120000", rev  # still a symbolic link
        assert git(repo, "show", "--format=", "--name-only", rev) == (
            "overlays/dev/real-kustomization.yaml")
    assert (repo / DEV).is_symlink()
    assert f"newTag: {LATER}" in (repo / DEV).read_text()


# --- repetition ---------------------------------------------------------------------------------


def _merge(repo: Path, branch: str) -> None:
    git(repo, "merge", "--quiet", "--no-ff", "-m", f"Merge {branch}", branch)


def test_an_old_merged_promotion_branch_is_not_the_answer(gitops: Runner,
                                                          make_repo: MakeRepo) -> None:
    repo = make_repo()
    assert gitops("bump", "--commit", NEW, repo=repo).exit_code == 0
    _merge(repo, "deploy/dev/1a2b3c4")
    assert gitops("promote", "--from", "dev", "--to", "staging", repo=repo).exit_code == 0
    _merge(repo, "promote/dev-to-staging/1a2b3c4")
    rolled = gitops("rollback", "staging", repo=repo)
    assert rolled.exit_code == 0, rolled.output
    _merge(repo, next(b for b in git(repo, "branch", "--format=%(refname:short)").split()
                      if b.startswith("rollback/staging/")))
    assert gitops("release", "staging", "--tag", NEW, "--reason", "fixed", "--in-place",
                  repo=repo).exit_code == 0  # the rollback held the tag it rolled away from
    again = gitops("promote", "--from", "dev", "--to", "staging", repo=repo)
    assert again.exit_code == 0, again.output
    assert again.output.splitlines()[:2] == [
        "staging  journal-server      805c8cf -> 1a2b3c4",
        "staging  journal-fileserver  805c8cf -> 1a2b3c4"]
    old = "replaced promote/dev-to-staging/1a2b3c4, which held"
    assert old in again.output
    tip = "promote/dev-to-staging/1a2b3c4"
    assert git(repo, "rev-parse", f"{tip}^") == git(repo, "rev-parse", "HEAD")


def test_a_bump_after_main_moved_rebuilds_its_branch(gitops: Runner, make_repo: MakeRepo) -> None:
    repo = make_repo()
    assert gitops("bump", "--commit", NEW, repo=repo).exit_code == 0
    (repo / "NOTES").write_text("main moved\n")
    git(repo, "add", "NOTES")
    git(repo, "commit", "--quiet", "-m", "main moves on")
    again = gitops("bump", "--commit", NEW, repo=repo)
    assert again.exit_code == 0, again.output
    assert "replaced deploy/dev/1a2b3c4, which held" in again.output
    assert git(repo, "rev-parse", "deploy/dev/1a2b3c4^") == git(repo, "rev-parse", "HEAD")
    assert gitops("bump", "--commit", NEW, repo=repo).output == (
        f"already at {NEW} on deploy/dev/1a2b3c4\n")


def test_env_set_again_with_a_new_value(gitops: Runner, make_repo: MakeRepo) -> None:
    repo = make_repo()
    assert gitops("env", "set", "prod", "--replicas", "frontend=4", repo=repo).exit_code == 0
    again = gitops("env", "set", "prod", "--replicas", "frontend=5", repo=repo)
    assert again.exit_code == 0, again.output
    assert again.output.splitlines()[0] == "prod  frontend replicas  3 -> 5"
    assert git(repo, "log", "-1", "--format=%s", "env/set-prod") == (
        "env(prod): frontend replicas 3 -> 5")
    assert git(repo, "rev-parse", "env/set-prod^") == git(repo, "rev-parse", "HEAD")


def test_a_branch_someone_else_made_is_never_replaced(gitops: Runner, make_repo: MakeRepo) -> None:
    repo = make_repo()
    commit_elsewhere(repo, "deploy/dev/1a2b3c4", "my own work")
    assert_refused(lambda: gitops("bump", "--commit", NEW, repo=repo), 1,
                   "Error: branch deploy/dev/1a2b3c4 already exists and holds commits gitops did "
                   "not make: delete it or pass --branch\n", repo)


def test_a_remote_branch_someone_else_made_is_never_overwritten(gitops: Runner,
                                                               make_repo: MakeRepo,
                                                               tmp_path: Path) -> None:
    repo = make_repo(remote=True)
    remote = tmp_path / "repo-remote.git"
    other = tmp_path / "other"
    subprocess.run(["git", "clone", "--quiet", str(remote), str(other)], check=True)
    git(other, "config", "user.email", "other@example.com")
    git(other, "config", "user.name", "Other")
    git(other, "checkout", "--quiet", "--orphan", "deploy/dev/1a2b3c4")
    git(other, "commit", "--quiet", "--allow-empty", "-m", "unrelated work")
    git(other, "push", "--quiet", "origin", "deploy/dev/1a2b3c4")
    theirs = git(other, "rev-parse", "HEAD")
    result = gitops("bump", "--commit", NEW, "--push", repo=repo)
    assert (result.exit_code, result.output) == (
        1, "Error: push of deploy/dev/1a2b3c4 to origin was rejected: origin/deploy/dev/1a2b3c4 "
           "holds commits gitops did not make; the branch is kept locally\n")
    assert git(remote, "rev-parse", "deploy/dev/1a2b3c4") == theirs


def test_a_rerun_after_a_failed_push_prints_the_pull_request(gitops: Runner,
                                                             make_repo: MakeRepo,
                                                             tmp_path: Path) -> None:
    repo = make_repo(remote=True)
    hook = tmp_path / "repo-remote.git/hooks/pre-receive"
    hook.write_text("#!/bin/sh\nexit 1\n")
    hook.chmod(0o755)
    assert gitops("bump", "--commit", NEW, "--push", repo=repo).exit_code == 1
    hook.unlink()
    again = gitops("bump", "--commit", NEW, "--push", repo=repo)
    assert again.exit_code == 0, again.output
    commit = git(repo, "rev-parse", "deploy/dev/1a2b3c4")
    lines = again.output.splitlines()
    assert lines[3:7] == [
        f"deploy/dev/1a2b3c4 already holds this change ({commit[:7]})",
        "pushed deploy/dev/1a2b3c4 to origin", "",
        "PR title: deploy(dev): journal-server, journal-fileserver -> 1a2b3c4"]
    assert "PR body:" in lines
    assert git(tmp_path / "repo-remote.git", "rev-parse", "deploy/dev/1a2b3c4") == commit


# --- registry credentials and digests ------------------------------------------------------------


@pytest.mark.parametrize(("config", "message"), [
    ("[]", "config.json must be a mapping"),
    ('{"credHelpers": "x"}', "config.json: credHelpers must be a mapping"),
    ('{"auths": {"example.com": "secret"}}',
     "config.json: auths entry example.com must be a mapping"),
    ('{"auths": {"example.com": {"auth": "%%%"}}}',
     "config.json: auths entry example.com is not base64 user:password"),
    ("{not json", "config.json is not readable JSON"),
])
def test_odd_docker_configs_are_one_line_errors(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                config: str, message: str) -> None:
    (tmp_path / "config.json").write_text(config)
    monkeypatch.setenv("DOCKER_CONFIG", str(tmp_path))
    with pytest.raises(GitopsError) as caught:
        registry._docker_credentials("example.com")
    assert str(caught.value) == f"{tmp_path}/{message}"


def test_a_bearer_realm_over_plain_http_gets_no_credentials() -> None:
    ref = registry.ImageRef("registry.example.com", "journal-app/journal-server", NEW)
    header = 'Bearer realm="http://auth.example.com/token",service="registry"'
    with pytest.raises(GitopsError) as caught:
        registry._token(header, "user:password", ref)
    assert str(caught.value) == (
        "registry registry.example.com names a token service that is not https "
        "(http://auth.example.com): credentials are not sent there")


def test_json_error_document(gitops: Runner) -> None:
    result = gitops("history", "qa", "--output", "json", repo=ROOT)
    assert result.exit_code == 2
    assert json.loads(result.output) == {
        "version": 1, "ok": False,
        "error": "unknown environment 'qa' (known: dev, staging, prod)", "exitCode": 2}
