"""Promotion, history and rollback over real git histories with bumps, promotions and config
changes."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from conftest import Runner, git

MakeRepo = Callable[..., Path]
START = "805c8cf2d536af9137692c914ecddbe83a103304"
A = "aaaaaaa1" + "0" * 32
B = "bbbbbbb2" + "0" * 32


def at(day: int) -> dict[str, str]:
    when = f"2026-03-{day:02d}T10:00:00Z"
    return {"GIT_AUTHOR_DATE": when, "GIT_COMMITTER_DATE": when}


def changed_files(repo: Path, rev: str = "HEAD") -> list[str]:
    return git(repo, "show", "--format=", "--name-only", rev).splitlines()


@pytest.fixture
def lived(gitops: Runner, make_repo: MakeRepo) -> Path:
    """A repository with a history: bump dev to A, promote to staging, a config change in dev,
    bump dev and staging to B in one commit."""
    repo = make_repo()
    steps = [
        ("bump", "--commit", A),
        ("promote", "--from", "dev", "--to", "staging"),
        ("env", "set", "dev", "--set", "journalEntries=25"),
        ("bump", "--commit", B, "--env", "dev", "--env", "staging"),
    ]
    for day, step in enumerate(steps, start=2):
        result = gitops(*step, "--in-place", repo=repo, env=at(day))
        assert result.exit_code == 0, result.output
    return repo


def test_history_table(gitops: Runner, lived: Path) -> None:
    result = gitops("history", "dev", repo=lived)
    assert result.exit_code == 0
    commits = git(lived, "log", "--format=%h", "--", "overlays/dev/kustomization.yaml").split()
    assert result.output == (
        "DATE              COMMIT   AUTHOR         KIND    CHANGES\n"
        f"2026-03-05 10:00  {commits[0]}  Test Engineer  bump    journal-server aaaaaaa -> "
        "bbbbbbb, journal-fileserver aaaaaaa -> bbbbbbb\n"
        f"2026-03-04 10:00  {commits[1]}  Test Engineer  env     journalEntries 20 -> 25\n"
        f"2026-03-02 10:00  {commits[2]}  Test Engineer  bump    journal-server 805c8cf -> "
        "aaaaaaa, journal-fileserver 805c8cf -> aaaaaaa\n"
        f"{_first_row(lived, commits[3])}\n")


def _first_row(repo: Path, commit: str) -> str:
    date = git(repo, "log", "-1", "--format=%aI", commit)[:16].replace("T", " ")
    return (f"{date}  {commit}  Test Engineer  manual  journal-server (none) -> 805c8cf, "
            "journal-fileserver (none) -> 805c8cf, journalEntries (none) -> 20")


def test_history_json_and_limit(gitops: Runner, lived: Path) -> None:
    result = gitops("history", "staging", "--limit", "2", "--output", "json", repo=lived)
    data = json.loads(result.output)["changes"]
    assert [(row["kind"], row["subject"]) for row in data] == [
        ("bump", "deploy(dev,staging): journal-server, journal-fileserver -> bbbbbbb"),
        ("promotion", "promote(staging): journal-server, journal-fileserver -> aaaaaaa")]
    assert data[1]["images"] == [
        {"image": "journal-server", "old": START, "new": A},
        {"image": "journal-fileserver", "old": START, "new": A}]
    assert data[1]["date"] == "2026-03-03T10:00:00Z" or data[1]["date"].startswith("2026-03-03")


def test_history_bad_input(gitops: Runner, lived: Path, tmp_path: Path) -> None:
    unknown = gitops("history", "qa", repo=lived)
    assert (unknown.exit_code, unknown.output) == (
        2, "Error: unknown environment 'qa' (known: dev, staging, prod)\n")
    limit = gitops("history", "dev", "--limit", "0", repo=lived)
    assert (limit.exit_code, limit.output) == (2, "Error: --limit must be at least 1\n")
    plain = tmp_path / "plain"
    plain.mkdir()
    (plain / "gitops.yaml").write_text((lived / "gitops.yaml").read_text())
    nogit = gitops("history", "dev", repo=plain)
    assert (nogit.exit_code, nogit.output) == (1, f"Error: {plain} is not a git repository\n")


def test_promote_names_its_source(gitops: Runner, lived: Path) -> None:
    result = gitops("promote", "--from", "staging", "--to", "prod", "--in-place", repo=lived)
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[:2] == [
        "prod  journal-server      805c8cf -> bbbbbbb",
        "prod  journal-fileserver  805c8cf -> bbbbbbb"]
    bump = git(lived, "log", "--format=%H", "-1", "HEAD^")
    assert git(lived, "log", "-1", "--format=%B") == (
        "promote(prod): journal-server, journal-fileserver -> bbbbbbb\n\n"
        "Promotes what staging runs to prod.\n\n"
        "prod:\n"
        "  journal-server      805c8cf -> bbbbbbb\n"
        "  journal-fileserver  805c8cf -> bbbbbbb\n\n"
        f"Previous-Tag: prod/journal-server={START}\n"
        f"Previous-Tag: prod/journal-fileserver={START}\n"
        "Promoted-From: staging\n"
        f"Promoted-Commit: {bump}\n"
        f"Source-Commit: {B}\n"
        "Environment: prod\n"
        "Change-Kind: promotion")
    assert changed_files(lived) == ["overlays/prod/kustomization.yaml"]


def test_promote_config_only_with_config(gitops: Runner, lived: Path) -> None:
    plain = gitops("promote", "--from", "dev", "--to", "staging", repo=lived)
    assert (plain.exit_code, plain.output) == (0, "nothing to promote from dev to staging\n")
    with_config = gitops("promote", "--from", "dev", "--to", "staging", "--with-config",
                         "--in-place", repo=lived)
    assert with_config.exit_code == 0, with_config.output
    assert with_config.output.splitlines()[0] == "staging  journalEntries  50 -> 25"
    assert git(lived, "log", "-1", "--format=%s") == "promote(staging): journalEntries"
    rendered = gitops("render", "staging", repo=lived).output
    assert "journalEntries: \"25\"" in rendered


def test_promote_one_image_on_a_branch(gitops: Runner, lived: Path) -> None:
    result = gitops("promote", "--from", "staging", "--to", "prod", "--image", "journal-server",
                    repo=lived)
    assert result.exit_code == 0, result.output
    branch = "promote/staging-to-prod/bbbbbbb"
    assert git(lived, "log", "-1", "--format=%s", branch) == (
        "promote(prod): journal-server -> bbbbbbb")
    assert git(lived, "diff", "--stat", "HEAD", branch).splitlines()[-1] == (
        " 1 file changed, 1 insertion(+), 1 deletion(-)")


@pytest.mark.parametrize(("args", "message"), [
    (("--from", "dev", "--to", "prod"),
     "prod is not next in promotion order (the next after dev is staging); pass --skip-order "
     "to promote anyway"),
    (("--from", "prod", "--to", "dev"),
     "dev is not next in promotion order (prod is the last); pass --skip-order to promote "
     "anyway"),
    (("--from", "dev", "--to", "dev"), "--from and --to name the same environment"),
    (("--from", "dev", "--to", "qa"), "unknown environment 'qa' (known: dev, staging, prod)"),
    (("--from", "dev", "--to", "staging", "--image", "docker.io/library/redis"),
     "docker.io/library/redis is a third-party image: only images built from the app "
     "repository are bumped"),
])
def test_promote_bad_input(gitops: Runner, lived: Path, args: tuple[str, ...],
                           message: str) -> None:
    head = git(lived, "rev-parse", "HEAD")
    result = gitops("promote", *args, repo=lived)
    assert (result.exit_code, result.output) == (2, f"Error: {message}\n")
    assert git(lived, "rev-parse", "HEAD") == head


def test_promote_skip_order(gitops: Runner, lived: Path) -> None:
    result = gitops("promote", "--from", "dev", "--to", "prod", "--skip-order", "--in-place",
                    repo=lived)
    assert result.exit_code == 0, result.output
    assert "Promoted-From: dev" in git(lived, "log", "-1", "--format=%B")


def test_rollback_after_a_bump_touching_two_envs(gitops: Runner, lived: Path) -> None:
    result = gitops("rollback", "staging", "--in-place", repo=lived)
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[:2] == [
        "staging  journal-server      bbbbbbb -> aaaaaaa",
        "staging  journal-fileserver  bbbbbbb -> aaaaaaa"]
    assert changed_files(lived) == ["overlays/staging/kustomization.yaml"]
    undone = git(lived, "rev-parse", "HEAD^")
    message = git(lived, "log", "-1", "--format=%B")
    assert message.splitlines()[:4] == [
        "rollback(staging): journal-server, journal-fileserver -> aaaaaaa", "",
        f"Puts staging's images and config back to what they were at "
        f"{git(lived, 'rev-parse', '--short=7', f'{undone}^')}, undoing:",
        "- deploy(dev,staging): journal-server, journal-fileserver -> bbbbbbb"]
    assert message.splitlines()[-1] == "Change-Kind: rollback"
    dev = gitops("env", "list", "--output", "json", repo=lived)
    assert json.loads(dev.output)["environments"][0]["images"]["journal-server"]["tag"] == B


def test_rollback_after_a_config_change_and_steps(gitops: Runner, lived: Path) -> None:
    two = gitops("rollback", "dev", "--steps", "2", "--in-place", repo=lived)
    assert two.exit_code == 0, two.output
    assert two.output.splitlines()[:3] == [
        "dev  journal-server      bbbbbbb -> aaaaaaa",
        "dev  journal-fileserver  bbbbbbb -> aaaaaaa",
        "dev  journalEntries      25 -> 20"]
    latest = gitops("history", "dev", "--limit", "1", repo=lived).output.splitlines()[1]
    assert latest.split()[5] == "rollback"


def test_rollback_after_a_promotion_to_a_commit(gitops: Runner, lived: Path) -> None:
    assert gitops("promote", "--from", "staging", "--to", "prod", "--in-place",
                  repo=lived).exit_code == 0
    first = git(lived, "rev-list", "--max-parents=0", "HEAD")
    result = gitops("rollback", "prod", "--to", first[:10], repo=lived)
    assert result.exit_code == 0, result.output
    branch = f"rollback/prod/{first[:7]}"
    assert git(lived, "show", f"{branch}:overlays/prod/kustomization.yaml") == git(
        lived, "show", f"{first}:overlays/prod/kustomization.yaml")
    again = gitops("rollback", "prod", "--to", first, "--in-place", repo=lived)
    assert again.exit_code == 0
    nothing = gitops("rollback", "prod", "--to", first, repo=lived)
    assert (nothing.exit_code, nothing.output) == (
        0, "nothing to roll back: prod already runs that state\n")


def test_rollback_with_no_earlier_state(gitops: Runner, lived: Path) -> None:
    first = git(lived, "rev-list", "--max-parents=0", "HEAD")
    result = gitops("rollback", "prod", repo=lived)
    assert (result.exit_code, result.output) == (
        1, f"Error: prod has no earlier state to roll back to (its first change is "
           f"{first[:7]})\n")
    steps = gitops("rollback", "prod", "--steps", "2", repo=lived)
    assert (steps.exit_code, steps.output) == (
        1, "Error: prod has 1 change in its history, fewer than --steps 2\n")


@pytest.mark.parametrize(("args", "code", "message"), [
    (("dev", "--to", "nope"), 2, "--to nope is not a commit"),
    (("dev", "--to", "HEAD", "--steps", "1"), 2, "--to and --steps do not go together"),
    (("dev", "--steps", "0"), 2, "--steps must be at least 1"),
    (("qa",), 2, "unknown environment 'qa' (known: dev, staging, prod)"),
])
def test_rollback_bad_input(gitops: Runner, lived: Path, args: tuple[str, ...], code: int,
                            message: str) -> None:
    head = git(lived, "rev-parse", "HEAD")
    result = gitops("rollback", *args, repo=lived)
    assert (result.exit_code, result.output) == (code, f"Error: {message}\n")
    assert git(lived, "rev-parse", "HEAD") == head


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


def test_rollback_to_a_commit_outside_history(gitops: Runner, lived: Path) -> None:
    git(lived, "checkout", "--quiet", "-b", "elsewhere")
    (lived / "NOTES").write_text("x\n")
    git(lived, "add", "NOTES")
    git(lived, "commit", "--quiet", "-m", "elsewhere")
    other = git(lived, "rev-parse", "HEAD")
    git(lived, "checkout", "--quiet", "main")
    result = gitops("rollback", "dev", "--to", other, repo=lived)
    assert (result.exit_code, result.output) == (
        2, f"Error: --to {other} is not in the history of HEAD: an environment goes back only "
           f"to a state it had\n")
    both = gitops("rollback", "dev", "--to", "HEAD", "--steps", "0", repo=lived)
    assert (both.exit_code, both.output) == (2, "Error: --to and --steps do not go together\n")


def test_history_follows_a_renamed_kustomization(gitops: Runner, lived: Path) -> None:
    git(lived, "mv", "overlays/dev/kustomization.yaml", "overlays/dev/kustomization.yml")
    git(lived, "commit", "--quiet", "-m", "rename")
    rows = json.loads(gitops("history", "dev", "--output", "json", repo=lived).output)["changes"]
    assert [r["kind"] for r in rows] == ["bump", "env", "bump", "manual"]
    result = gitops("rollback", "dev", "--in-place", repo=lived)
    assert result.exit_code == 0, result.output
    assert changed_files(lived) == ["overlays/dev/kustomization.yml"]


def test_history_shows_digests(gitops: Runner, make_repo: MakeRepo) -> None:
    repo = make_repo()
    digest = "sha256:" + "ab" * 32
    assert gitops("bump", "--commit", START, "--image", "journal-server", "--digest",
                  f"journal-server={digest}", "--in-place", repo=repo).exit_code == 0
    row = json.loads(gitops("history", "dev", "--output", "json", repo=repo).output)["changes"][0]
    assert row["images"] == [{"image": "journal-server", "old": START,
                              "new": f"{START}@sha256:abababababab"}]


def test_repeated_promotion_finds_its_branch(gitops: Runner, lived: Path) -> None:
    assert gitops("promote", "--from", "staging", "--to", "prod", repo=lived).exit_code == 0
    again = gitops("promote", "--from", "staging", "--to", "prod", repo=lived)
    assert (again.exit_code, again.output) == (
        0, "already proposed on promote/staging-to-prod/bbbbbbb\n")
