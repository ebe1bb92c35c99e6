"""gitops promote over a real git history with bumps, a promotion and a config change."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import B, MakeRepo, Runner
from support import START, assert_refused, changed_files, git


def test_promote_names_its_source(gitops: Runner, repo_with_history: Path) -> None:
    repo = repo_with_history
    result = gitops("promote", "--from", "staging", "--to", "prod", "--in-place", repo=repo)
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[:2] == [
        "prod  journal-server      805c8cf -> bbbbbbb",
        "prod  journal-fileserver  805c8cf -> bbbbbbb"]
    bump = git(repo, "log", "--format=%H", "-1", "HEAD^")
    assert git(repo, "log", "-1", "--format=%B") == (
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
    assert changed_files(repo) == ["overlays/prod/kustomization.yaml"]


def test_promote_config_only_with_config(gitops: Runner, repo_with_history: Path) -> None:
    repo = repo_with_history
    assert_refused(lambda: gitops("promote", "--from", "dev", "--to", "staging", repo=repo),
                   0, "nothing to promote from dev to staging (config differs: journalEntries; "
                   "--with-config promotes it)\n", repo)
    with_config = gitops("promote", "--from", "dev", "--to", "staging", "--with-config",
                         "--in-place", repo=repo)
    assert with_config.exit_code == 0, with_config.output
    assert with_config.output.splitlines()[0] == "staging  journalEntries  50 -> 25"
    assert git(repo, "log", "-1", "--format=%s") == "promote(staging): journalEntries"
    rendered = gitops("render", "staging", repo=repo).output
    assert "journalEntries: \"25\"" in rendered


def test_promote_one_image_on_a_branch(gitops: Runner, repo_with_history: Path) -> None:
    repo = repo_with_history
    result = gitops("promote", "--from", "staging", "--to", "prod", "--image", "journal-server",
                    repo=repo)
    assert result.exit_code == 0, result.output
    branch = "promote/staging-to-prod/bbbbbbb"
    assert git(repo, "log", "-1", "--format=%s", branch) == (
        "promote(prod): journal-server -> bbbbbbb")
    assert git(repo, "diff", "--stat", "HEAD", branch).splitlines()[-1] == (
        " 1 file changed, 1 insertion(+), 1 deletion(-)")


@pytest.mark.parametrize(("args", "code", "message"), [
    (("--from", "dev", "--to", "prod"), 1,
     "prod is not next in promotion order (the next stage after dev is staging); pass --skip-order "
     "REASON to promote anyway"),
    (("--from", "prod", "--to", "dev"), 1,
     "dev is not next in promotion order (prod is in the last stage); pass --skip-order REASON to "
     "promote anyway"),
    (("--from", "dev", "--to", "dev"), 2, "--from and --to name the same environment"),
    (("--from", "dev", "--to", "qa"), 2, "unknown environment 'qa' (known: dev, staging, prod)"),
    (("--from", "dev", "--to", "staging", "--image", "docker.io/library/redis"), 2,
     "docker.io/library/redis is a third-party image: only images built from the app "
     "repository are bumped"),
])
def test_promote_bad_input(gitops: Runner, make_repo: MakeRepo, args: tuple[str, ...], code: int,
                           message: str) -> None:
    """A release gate refuses with 1, whichever gate; a wrong command line is 2."""
    repo = make_repo()
    assert_refused(lambda: gitops("promote", *args, repo=repo), code, f"Error: {message}\n",
                   repo)


def test_promote_skip_order(gitops: Runner, repo_with_history: Path) -> None:
    repo = repo_with_history
    result = gitops("promote", "--from", "dev", "--to", "prod", "--skip-order", "qa is down",
                    "--in-place", repo=repo)
    assert result.exit_code == 0, result.output
    message = git(repo, "log", "-1", "--format=%B")
    assert "Promoted-From: dev" in message and "Skip-Order: qa is down" in message


def test_repeated_promotion_finds_its_branch(gitops: Runner, repo_with_history: Path) -> None:
    repo = repo_with_history
    assert gitops("promote", "--from", "staging", "--to", "prod", repo=repo).exit_code == 0
    assert_refused(lambda: gitops("promote", "--from", "staging", "--to", "prod", repo=repo),
                   0, "already proposed on promote/staging-to-prod/bbbbbbb\n", repo)
