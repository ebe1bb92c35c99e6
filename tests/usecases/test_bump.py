"""bump-image on real git repositories (and bare remotes), rendered with the real kustomize."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from functools import partial
from pathlib import Path

import pytest

from conftest import MakeRepo, Runner
from support import START, assert_refused, git, start_at

NEW = "1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d"
DEV = "overlays/dev/kustomization.yaml"
# The end of a diff of dev's overlay that moves journal-fileserver from START to NEW.
FILESERVER_HUNK_END = (
    "   - name: journal-fileserver\n"
    "     newName: ghcr.io/journal-app/journal-fileserver\n"
    f"-    newTag: {START}\n"
    f"+    newTag: {NEW}\n"
    " \n"
    " patches:\n"
    "   # Public hostname of this environment, in the rule and in the certificate.")


def test_bump_dev_makes_one_small_commit_on_a_new_branch(gitops: Runner,
                                                         make_repo: MakeRepo) -> None:
    repo = make_repo()
    head = git(repo, "rev-parse", "HEAD")
    result = gitops("bump", "--commit", NEW.upper(), repo=repo)
    assert result.exit_code == 0, result.output
    branch = "deploy/dev/1a2b3c4"
    commit = git(repo, "rev-parse", branch)
    assert result.output == (
        "dev  journal-server      805c8cf -> 1a2b3c4\n"
        "dev  journal-fileserver  805c8cf -> 1a2b3c4\n"
        "\n"
        f"committed {commit[:7]} on {branch} (from {head[:7]})\n")
    # The user's branch, index and working tree are untouched.
    assert git(repo, "rev-parse", "HEAD") == head
    assert git(repo, "status", "--porcelain") == ""
    assert git(repo, "worktree", "list").count("\n") == 0
    assert git(repo, "rev-list", f"{head}..{branch}").split() == [commit]
    assert git(repo, "log", "-1", "--format=%B", branch) == (
        "deploy(dev): journal-server, journal-fileserver -> 1a2b3c4\n\n"
        "dev:\n"
        "  journal-server      805c8cf -> 1a2b3c4\n"
        "  journal-fileserver  805c8cf -> 1a2b3c4\n\n"
        f"Source-Commit: {NEW}\n"
        f"Previous-Tag: dev/journal-server={START}\n"
        f"Previous-Tag: dev/journal-fileserver={START}\n"
        "Environment: dev\n"
        "Change-Kind: bump")
    assert git(repo, "diff", head, branch) == (
        f"diff --git a/{DEV} b/{DEV}\n"
        f"index {git(repo, 'rev-parse', f'{head}:{DEV}')[:7]}.."
        f"{git(repo, 'rev-parse', f'{branch}:{DEV}')[:7]} 100644\n"
        f"--- a/{DEV}\n+++ b/{DEV}\n"
        "@@ -28,10 +28,10 @@ configMapGenerator:\n"
        " images:\n"
        "   - name: journal-server\n"
        "     newName: ghcr.io/journal-app/journal-server\n"
        f"-    newTag: {START}\n"
        f"+    newTag: {NEW}\n"
        + FILESERVER_HUNK_END)
    # The committed tree still validates.
    git(repo, "checkout", "--quiet", branch)
    assert gitops("validate", repo=repo).exit_code == 0


def test_bump_is_idempotent(gitops: Runner, make_repo: MakeRepo) -> None:
    repo = make_repo()
    assert_refused(lambda: gitops("bump", "--commit", START, repo=repo), 0,
                   f"already at {START}\n", repo)


def test_dry_run_prints_the_diff_and_changes_nothing(gitops: Runner, make_repo: MakeRepo) -> None:
    repo = make_repo()
    assert_refused(lambda: gitops("bump", "--commit", NEW, "--image", "journal-fileserver",
                                  "--dry-run", repo=repo), 0, (
        f"--- a/{DEV}\n+++ b/{DEV}\n"
        "@@ -31,7 +31,7 @@\n"
        "     newTag: 805c8cf2d536af9137692c914ecddbe83a103304\n"
        + FILESERVER_HUNK_END + "\n"
        "\n"
        "dev  journal-fileserver  805c8cf -> 1a2b3c4\n"
        "dry run: nothing written\n"), repo)


def test_json_output(gitops: Runner, make_repo: MakeRepo) -> None:
    repo = make_repo()
    result = gitops("bump", "--commit", NEW, "--env", "staging", "--skip-order", "hotfix",
                    "--output", "json", repo=repo)
    data = json.loads(result.output)
    commit = git(repo, "rev-parse", "deploy/staging/1a2b3c4")
    assert data["changes"] == [
        {"env": "staging", "image": image, "old": START, "new": NEW, "oldDigest": None,
         "newDigest": None, "rollback": False}
        for image in ("journal-server", "journal-fileserver")]
    assert (data["branch"], data["commit"], data["pushed"], data["tag"]) == (
        "deploy/staging/1a2b3c4", commit, False, NEW)
    assert data["prTitle"] == "deploy(staging): journal-server, journal-fileserver -> 1a2b3c4"


def test_several_envs_in_one_commit(gitops: Runner, make_repo: MakeRepo) -> None:
    repo = make_repo()
    result = gitops("bump", "--commit", NEW, "--env", "dev", "--env", "staging",
                    "--image", "journal-server", "--skip-order", "both", repo=repo)
    assert result.exit_code == 0, result.output
    branch = "deploy/dev+staging/1a2b3c4"
    assert git(repo, "diff", "--stat", "main", branch).splitlines()[-1] == (
        " 2 files changed, 2 insertions(+), 2 deletions(-)")
    assert git(repo, "log", "-1", "--format=%s", branch) == (
        "deploy(dev,staging): journal-server -> 1a2b3c4")


def test_all_envs_change_or_none(gitops: Runner, make_repo: MakeRepo) -> None:
    repo = make_repo()
    path = repo / "overlays/staging/kustomization.yaml"
    path.write_text(path.read_text().replace("images:\n", "pictures:\n"))
    git(repo, "commit", "--quiet", "-am", "break staging")
    assert_refused(lambda: gitops("bump", "--commit", NEW, "--env", "dev", "--env", "staging",
                                  "--skip-order", "both", repo=repo),
                   1, "Error: overlays/staging/kustomization.yaml: has no images: list\n", repo)


@pytest.mark.parametrize(("args", "code", "message"), [
    (("--commit", "xyz"), 2, "--commit must be 7 to 40 hex characters, not 'xyz'"),
    (("--commit", "805c8c"), 2, "--commit must be 7 to 40 hex characters, not '805c8c'"),
    (("--commit", "805c8cf"), 2, "tagScheme full needs all 40 characters of the commit: "
                                 "give them, or --source-repo to resolve 805c8cf"),
    (("--commit", NEW, "--env", "qa"), 2, "unknown environment 'qa' (known: dev, staging, prod)"),
    (("--commit", NEW, "--image", "journal-api"), 2,
     "unknown image 'journal-api' (app images: journal-server, journal-fileserver)"),
    (("--commit", NEW, "--image", "docker.io/library/redis"), 2,
     "docker.io/library/redis is a third-party image: only images built from the app "
     "repository are bumped"),
    (("--commit", NEW, "--digest", "journal-server=sha256:abc"), 2,
     "--digest takes NAME=sha256:<64 hex>, not 'journal-server=sha256:abc'"),
    (("--commit", NEW, "--image", "journal-server", "--digest",
      "journal-fileserver=sha256:" + "a" * 64), 2,
     "--digest names journal-fileserver, which this bump does not move"),
    (("--commit", NEW, "--pin-digest"), 2, "--pin-digest goes with --verify-registry"),
    (("--commit", NEW, "--base", "nope"), 2, "--base nope is not a commit"),
    (("--commit", NEW, "--dry-run", "--push"), 2, "--dry-run does not go with --push"),
    (("--commit", NEW, "--in-place", "--branch", "x"), 2, "--branch does not go with --in-place"),
])
def test_bad_input(gitops: Runner, make_repo: MakeRepo, args: tuple[str, ...], code: int,
                   message: str) -> None:
    repo = make_repo()
    assert_refused(lambda: gitops("bump", *args, repo=repo), code, f"Error: {message}\n", repo)


@pytest.mark.parametrize(("change", "message"), [
    (lambda p: p.write_text(p.read_text().replace("images:\n", "images: [\n")),
     f"{DEV}: YAML syntax error at line 29: did not find expected node content"),
    (lambda p: p.unlink(), f"{DEV} does not exist"),
    (lambda p: p.write_text(p.read_text().replace("images:\n", "imagez:\n")),
     f"{DEV}: has no images: list"),
])
def test_bad_overlay(gitops: Runner, make_repo: MakeRepo, change: Callable[[Path], object],
                     message: str) -> None:
    repo = make_repo()
    change(repo / DEV)
    git(repo, "add", "-A")
    git(repo, "commit", "--quiet", "-m", "broken")
    assert_refused(lambda: gitops("bump", "--commit", NEW, repo=repo), 1, f"Error: {message}\n",
                   repo)


def test_a_merged_branch_in_the_way_is_rebuilt(gitops: Runner, make_repo: MakeRepo) -> None:
    repo = make_repo()
    head = git(repo, "rev-parse", "HEAD")
    git(repo, "branch", "deploy/dev/1a2b3c4")  # holds nothing main lacks: nothing is lost
    result = gitops("bump", "--commit", NEW, repo=repo)
    assert result.exit_code == 0, result.output
    commit = git(repo, "rev-parse", "deploy/dev/1a2b3c4")
    assert result.output.splitlines()[3:] == [
        f"committed {commit[:7]} on deploy/dev/1a2b3c4 (from {head[:7]})",
        f"replaced deploy/dev/1a2b3c4, which held {head[:7]}: an older or merged change"]
    assert git(repo, "rev-parse", "deploy/dev/1a2b3c4^") == head
    named = gitops("bump", "--commit", NEW, "--branch", "ci/bump-42", repo=repo)
    assert named.exit_code == 0
    assert git(repo, "log", "-1", "--format=%s", "ci/bump-42").startswith("deploy(dev)")


def test_detached_head_is_a_fine_base(gitops: Runner, make_repo: MakeRepo) -> None:
    repo = make_repo()
    git(repo, "checkout", "--quiet", "--detach")
    result = gitops("bump", "--commit", NEW, repo=repo)
    assert result.exit_code == 0, result.output
    assert git(repo, "rev-parse", "deploy/dev/1a2b3c4^") == git(repo, "rev-parse", "HEAD")


def test_base_option(gitops: Runner, make_repo: MakeRepo) -> None:
    repo = make_repo()
    first = git(repo, "rev-parse", "HEAD")
    (repo / "NOTES").write_text("later\n")
    git(repo, "add", "NOTES")
    git(repo, "commit", "--quiet", "-m", "later")
    result = gitops("bump", "--commit", NEW, "--base", first, repo=repo)
    assert result.exit_code == 0
    assert git(repo, "rev-parse", "deploy/dev/1a2b3c4^") == first


def test_in_place_commits_on_the_current_branch(gitops: Runner, make_repo: MakeRepo) -> None:
    repo = make_repo()
    (repo / "README.md").write_text("my notes\n")  # an unrelated dirty file
    git(repo, "add", "README.md")
    head = git(repo, "rev-parse", "HEAD")
    result = gitops("bump", "--commit", NEW, "--in-place", repo=repo)
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[-1] == (
        f"committed {git(repo, 'rev-parse', 'HEAD')[:7]} on main")
    assert git(repo, "rev-parse", "HEAD^") == head
    assert git(repo, "show", "--format=", "--name-only", "HEAD") == DEV
    assert git(repo, "status", "--porcelain") == "A  README.md"


def test_in_place_refuses_a_dirty_overlay(gitops: Runner, make_repo: MakeRepo) -> None:
    repo = make_repo()
    path = repo / DEV
    path.write_text(path.read_text() + "# mine\n")
    assert_refused(lambda: gitops("bump", "--commit", NEW, "--in-place", repo=repo), 1,
                   f"Error: {DEV} has uncommitted changes: commit or stash them first\n", repo)
    assert path.read_text().endswith("# mine\n")


def test_in_place_on_detached_head(gitops: Runner, make_repo: MakeRepo) -> None:
    repo = make_repo()
    git(repo, "checkout", "--quiet", "--detach")
    assert_refused(lambda: gitops("bump", "--commit", NEW, "--in-place", repo=repo), 2,
                   "Error: --in-place needs a branch, but HEAD is detached\n", repo)


def _hook(hooks: Path, name: str, script: str) -> Path:
    """An executable git hook `name` in a hooks folder, running `script` with sh."""
    hook = hooks / name
    hook.write_text(f"#!/bin/sh\n{script}")
    hook.chmod(0o755)
    return hook


def test_hooks_apply_and_a_refusal_leaves_nothing(gitops: Runner, make_repo: MakeRepo) -> None:
    repo = make_repo()
    _hook(repo / ".git/hooks", "commit-msg", "echo 'commit-msg: no deploys on Fridays' >&2\nexit 1\n")
    for extra in ((), ("--in-place",)):
        assert_refused(partial(gitops, "bump", "--commit", NEW, *extra, repo=repo), 1,
                       "Error: git commit: commit-msg: no deploys on Fridays\n", repo)


def test_hook_sees_the_users_identity(gitops: Runner, make_repo: MakeRepo) -> None:
    repo = make_repo()
    _hook(repo / ".git/hooks", "pre-commit",
          "git var GIT_AUTHOR_IDENT | cut -d'>' -f1 > \"$GIT_DIR/../who\"\n")
    assert gitops("bump", "--commit", NEW, repo=repo).exit_code == 0
    assert git(repo, "log", "-1", "--format=%an <%ae>", "deploy/dev/1a2b3c4") == (
        "Test Engineer <engineer@example.com>")


def test_missing_entry_is_added(gitops: Runner, make_repo: MakeRepo) -> None:
    repo = make_repo()
    path = repo / DEV
    text = path.read_text()
    path.write_text(text.replace(
        "  - name: journal-fileserver\n    newName: ghcr.io/journal-app/journal-fileserver\n"
        f"    newTag: {START}\n", ""))
    git(repo, "commit", "--quiet", "-am", "drop the fileserver entry")
    result = gitops("bump", "--commit", NEW, repo=repo)
    assert result.exit_code == 0, result.output
    assert "dev  journal-fileserver  (none) -> 1a2b3c4" in result.output
    git(repo, "checkout", "--quiet", "deploy/dev/1a2b3c4")
    assert path.read_text() == text.replace(START, NEW)


def test_digest_is_written_and_later_removed(gitops: Runner, make_repo: MakeRepo) -> None:
    repo = make_repo()
    digest = "sha256:" + "ab" * 32
    result = gitops("bump", "--commit", NEW, "--image", "journal-server", "--digest",
                    f"journal-server={digest}", "--in-place", repo=repo)
    assert result.exit_code == 0, result.output
    assert git(repo, "show", "--format=", "-U0", "HEAD").splitlines()[-3:] == [
        f"-    newTag: {START}", f"+    newTag: {NEW}", f"+    digest: {digest}"]
    rendered = gitops("render", "dev", repo=repo).output
    assert f"image: ghcr.io/journal-app/journal-server:{NEW}@{digest}" in rendered
    again = gitops("bump", "--commit", START, "--image", "journal-server", "--in-place",
                   "--allow-rollback", repo=repo)
    assert again.exit_code == 0, again.output
    assert git(repo, "show", "--format=", "-U0", "HEAD").splitlines()[-3:] == [
        f"-    newTag: {NEW}", f"-    digest: {digest}", f"+    newTag: {START}"]


def _scheme(repo: Path, scheme: str, length: int = 7) -> None:
    path = repo / "gitops.yaml"
    path.write_text(path.read_text().replace("tagScheme: full", f"tagScheme: {scheme}")
                    .replace("shortLength: 7", f"shortLength: {length}"))
    git(repo, "commit", "--quiet", "-am", "tag scheme")


@pytest.mark.parametrize(("scheme", "length", "commit", "written", "image_tag"), [
    ("short", 7, "1234567", '"1234567"', "1234567"),
    ("short", 8, "553640e6" + "0" * 32, '"553640e6"', "553640e6"),
    ("short", 7, "abcdef0", "abcdef0", "abcdef0"),
    ("sha-{short}", 7, "1234567", "sha-1234567", "sha-1234567"),
])
def test_tag_schemes_and_numeric_looking_tags(gitops: Runner, make_repo: MakeRepo, scheme: str,
                                              length: int, commit: str, written: str,
                                              image_tag: str) -> None:
    repo = make_repo()
    _scheme(repo, scheme, length)
    result = gitops("bump", "--commit", commit, "--in-place", repo=repo)
    assert result.exit_code == 0, result.output
    assert git(repo, "show", "--format=", "-U0", "HEAD").splitlines()[-1] == (
        f"+    newTag: {written}")
    rendered = gitops("render", "dev", repo=repo).output
    assert f"image: ghcr.io/journal-app/journal-server:{image_tag}\n" in rendered


def test_short_commit_resolved_in_the_source_repo(gitops: Runner, make_repo: MakeRepo,
                                                  app_repo: tuple[Path, list[str]]) -> None:
    repo = make_repo()
    app, shas = app_repo
    start_at(repo, shas[1])
    result = gitops("bump", "--commit", shas[3][:9].upper(), "--source-repo", str(app),
                    repo=repo)
    assert result.exit_code == 0, result.output
    assert git(repo, "log", "-1", "--format=%(trailers:key=Source-Commit,valueonly)",
               f"deploy/dev/{shas[3][:7]}") == shas[3]


def test_unknown_commit_in_the_source_repo(gitops: Runner, make_repo: MakeRepo,
                                           app_repo: tuple[Path, list[str]]) -> None:
    repo = make_repo()
    app, _ = app_repo
    result = gitops("bump", "--commit", "deadbee", "--source-repo", str(app), repo=repo)
    assert (result.exit_code, result.output) == (1, f"Error: commit deadbee is not in {app}\n")


def test_ambiguous_short_commit(gitops: Runner, make_repo: MakeRepo, tmp_path: Path) -> None:
    """Two commits whose ids share seven characters, found by hashing candidates."""
    app = tmp_path / "ambiguous"
    app.mkdir()
    subprocess.run(["git", "init", "--quiet", str(app)], check=True)
    tree = git(app, "hash-object", "-t", "tree", "-w", "--stdin")  # the empty tree
    prefix, pair = _colliding_commits(tree)
    for body in pair:
        done = subprocess.run(["git", "-C", str(app), "hash-object", "-t", "commit", "-w",
                               "--stdin"], input=body, capture_output=True, check=True)
        assert done.stdout.decode().startswith(prefix)
    repo = make_repo()
    result = gitops("bump", "--commit", prefix, "--source-repo", str(app), repo=repo)
    assert (result.exit_code, result.output) == (
        1, f"Error: commit {prefix} is ambiguous in {app}: it matches 2 commits; give more "
           f"characters\n")


def _colliding_commits(tree: str) -> tuple[str, tuple[bytes, bytes]]:
    import hashlib

    seen: dict[str, bytes] = {}
    n = 0
    while True:
        body = (f"tree {tree}\nauthor A <a@example.com> 0 +0000\n"
                f"committer A <a@example.com> 0 +0000\n\ncandidate {n}\n").encode()
        sha = hashlib.sha1(b"commit %d\0" % len(body) + body).hexdigest()
        if sha[:7] in seen:
            return sha[:7], (seen[sha[:7]], body)
        seen[sha[:7]] = body
        n += 1


def test_rollback_is_refused_then_allowed_and_said(gitops: Runner, make_repo: MakeRepo,
                                                   app_repo: tuple[Path, list[str]]) -> None:
    repo = make_repo()
    app, shas = app_repo
    start_at(repo, shas[2])
    assert_refused(lambda: gitops("bump", "--commit", shas[1], "--source-repo", str(app),
                                  repo=repo),
                   1, f"Error: dev: {shas[1][:7]} is not a descendant of {shas[2][:7]}, which "
                      f"journal-server runs now: that is a rollback; pass --allow-rollback\n",
                   repo)
    allowed = gitops("bump", "--commit", shas[1], "--source-repo", str(app), "--allow-rollback",
                     repo=repo)
    assert allowed.exit_code == 0, allowed.output
    assert f"dev  journal-server      {shas[2][:7]} -> {shas[1][:7]} (rollback)" in allowed.output
    message = git(repo, "log", "-1", "--format=%B", f"deploy/dev/{shas[1][:7]}")
    assert message.splitlines()[0] == (
        f"rollback(dev): journal-server, journal-fileserver -> {shas[1][:7]}")
    assert message.splitlines()[2] == (
        f"This is a rollback: app commit {shas[1][:7]} is not a descendant of what dev runs now.")
    assert message.splitlines()[-1] == "Change-Kind: rollback"
    forward = gitops("bump", "--commit", shas[3], "--source-repo", str(app), repo=repo)
    assert forward.exit_code == 0


def test_rollback_check_needs_the_running_commit(gitops: Runner, make_repo: MakeRepo,
                                                 app_repo: tuple[Path, list[str]]) -> None:
    repo = make_repo()
    app, shas = app_repo
    result = gitops("bump", "--commit", shas[1], "--source-repo", str(app), repo=repo)
    assert (result.exit_code, result.output) == (
        1, f"Error: dev: cannot tell whether journal-server 805c8cf -> {shas[1][:7]} is a "
           f"rollback (805c8cf is not a commit of {app}); pass --allow-rollback to move anyway\n")


def test_push_prints_the_pull_request(gitops: Runner, make_repo: MakeRepo,
                                      app_repo: tuple[Path, list[str]]) -> None:
    repo = make_repo(remote=True)
    app, shas = app_repo
    start_at(repo, shas[1])
    git(repo, "push", "--quiet", "origin", "main")
    git(repo, "remote", "set-url", "--push", "origin", git(repo, "remote", "get-url", "origin"))
    git(repo, "config", "remote.origin.url", "git@github.com:journal-app/journal-gitops.git")
    git(repo, "config", "remote.origin.pushurl", str(repo.parent / "repo-remote.git"))
    result = gitops("bump", "--commit", shas[3], "--source-repo", str(app), "--push", repo=repo)
    assert result.exit_code == 0, result.output
    branch = f"deploy/dev/{shas[3][:7]}"
    commit = git(repo, "rev-parse", branch)
    assert git(repo.parent / "repo-remote.git", "rev-parse", branch) == commit
    kbp = "https://github.com/brendandburns/kbp-sample"
    assert result.output.split("\n\n", 2)[1:] == [
        f"committed {commit[:7]} on {branch} (from {git(repo, 'rev-parse', 'HEAD')[:7]})\n"
        f"pushed {branch} to origin\n"
        "open a pull request: https://github.com/journal-app/journal-gitops/compare/"
        f"main...{branch}?expand=1",
        f"PR title: deploy(dev): journal-server, journal-fileserver -> {shas[3][:7]}\n\n"
        "PR body:\n\n"
        f"Deploys app commit [`{shas[3][:7]}`]({kbp}/commit/{shas[3]}) to **dev**.\n\n"
        "| env | image | from | to |\n"
        "| --- | --- | --- | --- |\n"
        f"| dev | journal-server | `{shas[1][:7]}` | `{shas[3][:7]}` |\n"
        f"| dev | journal-fileserver | `{shas[1][:7]}` | `{shas[3][:7]}` |\n\n"
        f"App changes: {kbp}/compare/{shas[1]}...{shas[3]}\n\n"
        f"**App changes in dev ({shas[1][:7]}..{shas[3][:7]}): 2 app commit(s)**\n\n"
        f"- [`{shas[3][:7]}`]({kbp}/commit/{shas[3]}) v3 (Test Engineer)\n"
        f"- [`{shas[2][:7]}`]({kbp}/commit/{shas[2]}) v2 (Test Engineer)\n",
    ]


def test_push_race_rebuilds_on_the_new_remote_tip(gitops: Runner, make_repo: MakeRepo,
                                                  tmp_path: Path) -> None:
    repo = make_repo(remote=True)
    remote = tmp_path / "repo-remote.git"
    other = tmp_path / "other"
    subprocess.run(["git", "clone", "--quiet", "--branch", "main", str(remote), str(other)],
                   check=True)
    git(other, "config", "user.email", "other@example.com")
    git(other, "config", "user.name", "Other")
    git(other, "checkout", "--quiet", "-b", "deploy/dev/1a2b3c4")
    (other / "NOTES").write_text("pushed first\n")
    git(other, "add", "NOTES")
    git(other, "commit", "--quiet", "-m", "someone else's commit")
    git(other, "push", "--quiet", "origin", "deploy/dev/1a2b3c4")
    theirs = git(other, "rev-parse", "HEAD")
    result = gitops("bump", "--commit", NEW, "--push", repo=repo)
    assert result.exit_code == 0, result.output
    tip = git(remote, "rev-parse", "deploy/dev/1a2b3c4")
    assert git(remote, "rev-parse", f"{tip}^") == theirs
    assert git(repo, "rev-parse", "deploy/dev/1a2b3c4") == tip
    assert f"rebuilt on origin/deploy/dev/1a2b3c4 ({theirs[:7]})" in result.output
    assert git(remote, "show", "--format=", "--name-only", tip) == DEV


def test_push_race_lost_to_the_same_change(gitops: Runner, make_repo: MakeRepo,
                                           tmp_path: Path) -> None:
    repo = make_repo(remote=True)
    other = make_repo("other")
    git(other, "remote", "add", "origin", str(tmp_path / "repo-remote.git"))
    git(other, "fetch", "--quiet", "origin")
    git(other, "reset", "--quiet", "--hard", "origin/main")
    earlier = {"GIT_COMMITTER_DATE": "2020-01-01T00:00:00Z", "GIT_AUTHOR_DATE": "2020-01-01T00:00:00Z"}
    assert gitops("bump", "--commit", NEW, "--push", repo=other, env=earlier).exit_code == 0
    result = gitops("bump", "--commit", NEW, "--push", repo=repo)
    assert result.exit_code == 0, result.output
    assert "origin/deploy/dev/1a2b3c4 already had this change" in result.output
    assert git(repo, "rev-parse", "deploy/dev/1a2b3c4") == git(other, "rev-parse",
                                                                "deploy/dev/1a2b3c4")


def test_push_rejected_every_time(gitops: Runner, make_repo: MakeRepo, tmp_path: Path) -> None:
    repo = make_repo(remote=True)
    _hook(tmp_path / "repo-remote.git/hooks", "pre-receive",
          "echo 'protected: no pushes today' >&2\nexit 1\n")
    result = gitops("bump", "--commit", NEW, "--push", repo=repo)
    assert (result.exit_code, result.output) == (
        1, "Error: push of deploy/dev/1a2b3c4 to origin was rejected 3 times; the branch is "
           "kept locally\n")


def test_push_to_a_missing_remote(gitops: Runner, make_repo: MakeRepo) -> None:
    repo = make_repo()
    for extra in ((), ("--in-place",)):
        assert_refused(partial(gitops, "bump", "--commit", NEW, "--push", "--remote", "upstream",
                               *extra, repo=repo),
                       2, "Error: no remote named upstream\n", repo)


def test_branch_names(gitops: Runner, make_repo: MakeRepo) -> None:
    repo = make_repo()
    assert_refused(lambda: gitops("bump", "--commit", NEW, "--branch", "bad..name", repo=repo),
                   2, "Error: 'bad..name' is not a valid branch name\n", repo)
    git(repo, "remote", "add", "origin", str(repo))
    for name in ("@", "FETCH_HEAD", "ORIG_HEAD", "refs/heads/x", "origin/x"):
        assert_refused(partial(gitops, "bump", "--commit", NEW, "--branch", name, repo=repo),
                       2, f"Error: '{name}' is not a valid branch name (git would read it as "
                          f"something else)\n", repo)
    for name in ("HEAD", "-x", "x@{u}"):
        assert_refused(partial(gitops, "bump", "--commit", NEW, "--branch", name, repo=repo),
                       2, f"Error: '{name}' is not a valid branch name\n", repo)
    assert_refused(lambda: gitops("bump", "--commit", NEW, "--branch", "main", repo=repo),
                   1, "Error: branch main already exists and is checked out: choose another "
                      "--branch\n", repo)


def test_bump_image_console_script(make_repo: MakeRepo) -> None:
    repo = make_repo()
    script = Path(sys.executable).parent / "bump-image"
    done = subprocess.run([str(script), "--commit", NEW, "--env", "prod", "--skip-order", "fix"],
                          cwd=repo,
                          capture_output=True, text=True, check=False)
    assert (done.returncode, done.stderr) == (0, "")
    assert done.stdout.startswith("prod  journal-server      805c8cf -> 1a2b3c4\n")
    bad = subprocess.run([str(script), "--commit", NEW, "--env", "qa"], cwd=repo,
                         capture_output=True, text=True, check=False)
    assert (bad.returncode, bad.stdout, bad.stderr) == (
        2, "", "Error: unknown environment 'qa' (known: dev, staging, prod)\n")


def test_repeating_a_bump_finds_its_branch(gitops: Runner, make_repo: MakeRepo) -> None:
    repo = make_repo()
    assert gitops("bump", "--commit", NEW, repo=repo).exit_code == 0
    assert_refused(lambda: gitops("bump", "--commit", NEW, repo=repo), 0,
                   f"already at {NEW} on deploy/dev/1a2b3c4\n", repo)


def _commit_change(repo: Path, change: Callable[[str], str], rel: str = DEV) -> None:
    path = repo / rel
    with path.open(newline="") as handle:
        text = handle.read()
    with path.open("w", newline="") as handle:
        handle.write(change(text))
    git(repo, "add", "-A")
    git(repo, "commit", "--quiet", "-m", "reshape the overlay")


def _changed_lines(repo: Path, rev: str = "HEAD") -> list[str]:
    return [line for line in git(repo, "show", "--format=", "-U0", rev).splitlines()
            if line[:1] in "+-" and not line.startswith(("+++", "---"))]


def test_crlf_overlay_keeps_its_line_endings(gitops: Runner, make_repo: MakeRepo) -> None:
    repo = make_repo()
    (repo / ".gitattributes").write_text("*.yaml -text\n")
    _commit_change(repo, lambda text: text.replace("\n", "\r\n"))
    result = gitops("bump", "--commit", NEW, "--in-place", repo=repo)
    assert result.exit_code == 0, result.output
    assert git(repo, "show", "--format=", "--numstat", "HEAD") == f"2\t2\t{DEV}"
    committed = subprocess.run(["git", "-C", str(repo), "show", f"HEAD:{DEV}"],
                               capture_output=True, check=True).stdout
    assert committed.count(b"\r\n") == committed.count(b"\n")
    assert f"newTag: {NEW}\r\n".encode() in committed


def _mixed(text: str) -> str:
    """Every other line ending CRLF, as files edited on two systems have them."""
    lines = text.split("\n")
    return "\n".join(line + ("\r" if i % 2 and i < len(lines) - 1 else "")
                     for i, line in enumerate(lines))


@pytest.mark.parametrize("reshape", [
    lambda text: "\ufeff" + text,  # a byte-order mark
    lambda text: "\ufeff" + text.replace("\n", "\r\n"),
    _mixed,
    lambda text: text.replace("newTag: ", "newTag: !!str ", 1),  # a tag on the pin
], ids=["bom", "bom-crlf", "mixed-endings", "str-tag"])
def test_a_bump_changes_the_tag_bytes_and_nothing_else(gitops: Runner, make_repo: MakeRepo,
                                                       reshape: Callable[[str], str]) -> None:
    repo = make_repo()
    (repo / ".gitattributes").write_text("*.yaml -text\n")
    _commit_change(repo, reshape)
    before = (repo / DEV).read_bytes()
    result = gitops("bump", "--commit", NEW, "--in-place", repo=repo)
    assert result.exit_code == 0, result.output
    assert (repo / DEV).read_bytes() == before.replace(START.encode(), NEW.encode())
    assert git(repo, "show", "--format=", "--numstat", "HEAD") == f"2\t2\t{DEV}"


def test_kustomization_yml(gitops: Runner, make_repo: MakeRepo) -> None:
    repo = make_repo()
    git(repo, "mv", DEV, "overlays/dev/kustomization.yml")
    git(repo, "commit", "--quiet", "-m", "yml")
    result = gitops("bump", "--commit", NEW, "--in-place", repo=repo)
    assert result.exit_code == 0, result.output
    assert git(repo, "show", "--format=", "--name-only", "HEAD") == "overlays/dev/kustomization.yml"


@pytest.mark.parametrize(("before", "after", "changed"), [
    # digest as the first key of its entry: the next key moves up beside the dash
    ("  - name: journal-server\n", f"  - digest: sha256:{'c' * 64}\n    name: journal-server\n",
     [f"-  - digest: sha256:{'c' * 64}", "-    name: journal-server", "+  - name: journal-server",
      f"-    newTag: {START}", f"+    newTag: {NEW}"]),
    # an empty newTag gets its value after the colon
    (f"    newTag: {START}\n  - name: journal-fileserver",
     "    newTag:\n  - name: journal-fileserver",
     ["-    newTag:", f"+    newTag: {NEW}"]),
])
def test_odd_entries(gitops: Runner, make_repo: MakeRepo, before: str, after: str,
                     changed: list[str]) -> None:
    repo = make_repo()
    _commit_change(repo, lambda text: text.replace(before, after, 1))
    result = gitops("bump", "--commit", NEW, "--image", "journal-server", "--in-place",
                    repo=repo)
    assert result.exit_code == 0, result.output
    assert _changed_lines(repo) == changed


def test_flow_list_with_a_trailing_comma(gitops: Runner, make_repo: MakeRepo) -> None:
    repo = make_repo()
    flow = (f"images: [\n  {{name: journal-server, newName: ghcr.io/journal-app/journal-server, "
            f"newTag: {START}}},\n]\n")

    def reshape(text: str) -> str:
        start = text.index("images:\n")
        end = text.index("\npatches:")
        return text[:start] + flow + text[end:]

    _commit_change(repo, reshape)
    result = gitops("bump", "--commit", NEW, "--in-place", repo=repo)
    assert result.exit_code == 0, result.output
    rendered = gitops("render", "dev", repo=repo).output
    assert f"image: ghcr.io/journal-app/journal-fileserver:{NEW}\n" in rendered
    assert f"image: ghcr.io/journal-app/journal-server:{NEW}\n" in rendered


def _push_from_elsewhere(tmp_path: Path, branch: str = "main") -> str:
    """Another clone pushes a commit to the remote's branch; returns its sha."""
    other = tmp_path / "elsewhere"
    subprocess.run(["git", "clone", "--quiet", "--branch", branch,
                    str(tmp_path / "repo-remote.git"), str(other)], check=True)
    git(other, "config", "user.email", "other@example.com")
    git(other, "config", "user.name", "Other")
    (other / "NOTES").write_text("meanwhile\n")
    git(other, "add", "NOTES")
    git(other, "commit", "--quiet", "-m", "meanwhile")
    git(other, "push", "--quiet", "origin", branch)
    return git(other, "rev-parse", "HEAD")


def test_a_rejected_in_place_push_stops_and_keeps_the_commit(gitops: Runner,
                                                              make_repo: MakeRepo,
                                                              tmp_path: Path) -> None:
    """The working tree is the user's: the remote's files are never checked out into it, with
    or without a local edit; the commit stays on the branch for the user to pull and push."""
    repo = make_repo(remote=True)
    _push_from_elsewhere(tmp_path)
    remote = tmp_path / "repo-remote.git"
    before = git(remote, "rev-parse", "main")
    (repo / "README.md").write_text("a local edit that must survive\n")
    result = gitops("bump", "--commit", NEW, "--in-place", "--push", repo=repo)
    made = git(repo, "rev-parse", "--short=7", "main")
    assert (result.exit_code, result.output) == (
        1, f"Error: push of main to origin was rejected: origin/main has commits this clone "
           f"lacks; the change is committed here ({made}): pull, then push\n")
    assert git(repo, "log", "-1", "--format=%s") == (
        "deploy(dev): journal-server, journal-fileserver -> 1a2b3c4")
    assert git(remote, "rev-parse", "main") == before
    assert not (repo / "NOTES").exists()
    assert (repo / "README.md").read_text() == "a local edit that must survive\n"
    assert git(repo, "status", "--porcelain") == "?? README.md"


def test_a_rerun_pushes_what_a_failed_push_left(gitops: Runner, make_repo: MakeRepo,
                                                tmp_path: Path) -> None:
    repo = make_repo(remote=True)
    remote = tmp_path / "repo-remote.git"
    away = tmp_path / "away.git"
    remote.rename(away)  # the remote cannot be reached
    failed = gitops("bump", "--commit", NEW, "--in-place", "--push", repo=repo)
    assert failed.exit_code == 1
    made = git(repo, "rev-parse", "main")
    away.rename(remote)
    again = gitops("bump", "--commit", NEW, "--in-place", "--push", repo=repo)
    assert (again.exit_code, again.output) == (
        0, f"already at {NEW}\npushed main, committed by an earlier run\n")
    assert git(remote, "rev-parse", "main") == made
    assert_refused(partial(gitops, "bump", "--commit", NEW, "--in-place", "--push", repo=repo),
                   0, f"already at {NEW}\n", repo)


def test_a_clone_without_a_git_identity_is_told_how_to_set_one(
        gitops: Runner, make_repo: MakeRepo, tmp_path: Path) -> None:
    repo = make_repo()
    git(repo, "config", "--unset", "user.name")
    git(repo, "config", "--unset", "user.email")
    home = tmp_path / "home"
    home.mkdir()
    nobody = {"HOME": str(home), "GIT_CONFIG_NOSYSTEM": "1", "EMAIL": "",
              "GIT_AUTHOR_NAME": "", "GIT_AUTHOR_EMAIL": "", "GIT_COMMITTER_NAME": "",
              "GIT_COMMITTER_EMAIL": ""}
    assert_refused(lambda: gitops("bump", "--commit", "c" * 40, "--in-place", repo=repo,
                                  env=nobody), 3,
                   "Error: git knows no name and email to commit with: run git config --global "
                   "user.name 'Your Name' and git config --global user.email you@example.com\n",
                   repo)
