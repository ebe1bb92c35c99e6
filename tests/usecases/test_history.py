"""gitops history over a real git history with bumps, a promotion and a config change."""

from __future__ import annotations

import json
from pathlib import Path

from conftest import A, MakeRepo, Runner
from support import START, at, git


def _first_row(repo: Path, commit: str) -> str:
    """The commit that made the repository: every part of dev's reach is new."""
    date = git(repo, "log", "-1", "--format=%aI", commit)[:16].replace("T", " ")
    shared = len(git(repo, "ls-files", "base").split())
    return (f"{date}  {commit}  Test Engineer  manual  journal-server (none) -> 805c8cf, "
            "journal-fileserver (none) -> 805c8cf, journalEntries (none) -> 20, overlay "
            f"overlays/dev/namespace.yaml, shared {shared} files (dev, staging, prod), app "
            "apps/journal-dev.yaml, settings gitops.yaml")


def test_history_table(gitops: Runner, repo_with_history: Path) -> None:
    repo = repo_with_history
    result = gitops("history", "dev", repo=repo)
    assert result.exit_code == 0
    commits = git(repo, "log", "--format=%h", "--", "overlays/dev/kustomization.yaml").split()
    assert result.output == (
        "DATE              COMMIT   AUTHOR         KIND    CHANGES\n"
        f"2026-03-05 10:00  {commits[0]}  Test Engineer  bump    journal-server aaaaaaa -> "
        "bbbbbbb, journal-fileserver aaaaaaa -> bbbbbbb\n"
        f"2026-03-04 10:00  {commits[1]}  Test Engineer  env     journalEntries 20 -> 25\n"
        f"2026-03-02 10:00  {commits[2]}  Test Engineer  bump    journal-server 805c8cf -> "
        "aaaaaaa, journal-fileserver 805c8cf -> aaaaaaa\n"
        f"{_first_row(repo, commits[3])}\n")


def test_history_json_and_limit(gitops: Runner, repo_with_history: Path) -> None:
    result = gitops("history", "staging", "--limit", "2", "--output", "json",
                    repo=repo_with_history)
    data = json.loads(result.output)["changes"]
    assert [(row["kind"], row["subject"]) for row in data] == [
        ("bump", "deploy(dev,staging): journal-server, journal-fileserver -> bbbbbbb"),
        ("promotion", "promote(staging): journal-server, journal-fileserver -> aaaaaaa")]
    assert data[1]["images"] == [
        {"image": "journal-server", "old": START, "new": A},
        {"image": "journal-fileserver", "old": START, "new": A}]
    assert data[1]["date"] == "2026-03-03T10:00:00Z" or data[1]["date"].startswith("2026-03-03")


def test_history_bad_input(gitops: Runner, make_repo: MakeRepo, tmp_path: Path) -> None:
    repo = make_repo()
    unknown = gitops("history", "qa", repo=repo)
    assert (unknown.exit_code, unknown.output) == (
        2, "Error: unknown environment 'qa' (known: dev, staging, prod)\n")
    limit = gitops("history", "dev", "--limit", "0", repo=repo)
    assert (limit.exit_code, limit.output) == (2, "Error: --limit must be at least 1\n")
    plain = tmp_path / "plain"
    plain.mkdir()
    (plain / "gitops.yaml").write_text((repo / "gitops.yaml").read_text())
    nogit = gitops("history", "dev", repo=plain)
    assert (nogit.exit_code, nogit.output) == (1, f"Error: {plain} is not a git repository\n")


def test_a_merged_branch_is_one_change(gitops: Runner, make_repo: MakeRepo) -> None:
    repo = make_repo()
    git(repo, "checkout", "--quiet", "-b", "feature")
    assert gitops("bump", "--commit", A, "--in-place", repo=repo, env=at(2)).exit_code == 0
    git(repo, "checkout", "--quiet", "main")
    assert gitops("env", "set", "dev", "--set", "journalEntries=25", "--in-place", repo=repo,
                  env=at(3)).exit_code == 0
    git(repo, "merge", "--quiet", "--no-ff", "-m", "Merge pull request #7", "feature")
    rows = json.loads(gitops("history", "dev", "--output", "json", repo=repo).output)["changes"]
    assert [(r["kind"], r["subject"]) for r in rows[:2]] == [
        ("bump", "Merge pull request #7 (deploy(dev): journal-server, journal-fileserver -> "
                 "aaaaaaa)"),
        ("env", "env(dev): journalEntries 20 -> 25")]
    assert len(rows) == 3
    result = gitops("rollback", "dev", "--in-place", repo=repo)
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[:2] == ["dev  journal-server      aaaaaaa -> 805c8cf",
                                              "dev  journal-fileserver  aaaaaaa -> 805c8cf"]


def test_history_follows_a_renamed_kustomization(gitops: Runner,
                                                 repo_with_history: Path) -> None:
    repo = repo_with_history
    git(repo, "mv", "overlays/dev/kustomization.yaml", "overlays/dev/kustomization.yml")
    git(repo, "commit", "--quiet", "-m", "rename")
    rows = json.loads(gitops("history", "dev", "--output", "json", repo=repo).output)["changes"]
    assert [r["kind"] for r in rows] == ["manual", "bump", "env", "bump", "manual"]
    assert (rows[0]["parts"], rows[0]["files"]) == (
        ["overlay"], ["overlays/dev/kustomization.yaml", "overlays/dev/kustomization.yml"])
    result = gitops("rollback", "dev", "--steps", "2", "--in-place", repo=repo)
    assert result.exit_code == 0, result.output
    assert git(repo, "show", "--format=", "--name-status", "--no-renames", "HEAD").split(
        "\n") == ["M\tgitops.yaml", "A\toverlays/dev/kustomization.yaml",
                  "D\toverlays/dev/kustomization.yml"]


def test_history_shows_digests(gitops: Runner, make_repo: MakeRepo) -> None:
    repo = make_repo()
    digest = "sha256:" + "ab" * 32
    assert gitops("bump", "--commit", START, "--image", "journal-server", "--digest",
                  f"journal-server={digest}", "--in-place", repo=repo).exit_code == 0
    row = json.loads(gitops("history", "dev", "--output", "json", repo=repo).output)["changes"][0]
    assert row["images"] == [{"image": "journal-server", "old": START,
                              "new": f"{START}@sha256:abababababab"}]
