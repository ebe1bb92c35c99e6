"""An environment's history is every commit that changed what it reads: a patch of its overlay,
a base every environment loads, a folder it loads through a link, its Application, its entries
in gitops.yaml. A rollback puts back every file it owns; a shared change is refused for one
environment and reverted, as one reviewable commit, for all it reaches."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from conftest import MakeRepo, Runner
from support import git

PATCH = "overlays/prod/patches/redis-resources.yaml"
BASE = "base/redis/statefulset.yaml"


def _commit(repo: Path, message: str) -> str:
    git(repo, "add", "--all")
    git(repo, "commit", "--quiet", "-m", message)
    return git(repo, "rev-parse", "HEAD")


def _edit(repo: Path, path: str, change: Callable[[str], str]) -> None:
    text = (repo / path).read_text()
    changed = change(text)
    assert changed != text
    (repo / path).write_text(changed)


def _rows(gitops: Runner, repo: Path, env: str) -> list[dict[str, object]]:
    result = gitops("history", env, "--output", "json", repo=repo)
    assert result.exit_code == 0, result.output
    rows: list[dict[str, object]] = json.loads(result.output)["changes"]
    return rows


def test_a_patch_of_the_overlay_is_history_and_rolls_back(gitops: Runner,
                                                          make_repo: MakeRepo) -> None:
    repo = make_repo()
    before = (repo / PATCH).read_text()
    _edit(repo, PATCH, lambda t: t.replace("memory: 2Gi", "memory: 3Gi", 1))
    sha = _commit(repo, "prod: less memory for redis")
    [row, *_] = _rows(gitops, repo, "prod")
    assert (row["commit"], row["kind"], row["parts"], row["files"]) == (
        sha, "manual", ["overlay"], [PATCH])
    assert gitops("history", "prod", "--limit", "1", repo=repo).output.splitlines()[1].endswith(
        f"manual  overlay {PATCH}")
    assert _rows(gitops, repo, "staging")[0]["commit"] != sha
    planned = gitops("rollback", "prod", "--dry-run", "--output", "json", repo=repo)
    assert planned.exit_code == 0, planned.output
    data = json.loads(planned.output)
    assert (data["restored"], data["rendered"], data["holds"], data["images"]) == (
        [PATCH], ["changed StatefulSet/journal-prod/redis"], [], [])
    result = gitops("rollback", "prod", "--in-place", repo=repo)
    assert result.exit_code == 0, result.output
    assert (repo / PATCH).read_text() == before
    message = git(repo, "log", "-1", "--format=%B")
    assert message.splitlines()[0] == f"rollback(prod): {PATCH}"
    assert f"Files put back:\n- {PATCH}\n" in message
    assert "In the rendered manifests:\n- changed StatefulSet/journal-prod/redis\n" in message
    assert git(repo, "show", "--format=", "--name-only", "HEAD") == PATCH
    again = gitops("rollback", "prod", "--in-place", repo=repo)
    assert (again.exit_code, again.output) == (
        0, "nothing to roll back: prod already runs that state\n")


def test_a_base_change_is_in_every_history_and_is_reverted_for_all(gitops: Runner,
                                                                   make_repo: MakeRepo) -> None:
    repo = make_repo()
    _edit(repo, BASE, lambda t: t.replace("periodSeconds: 10", "periodSeconds: 5", 1))
    sha = _commit(repo, "redis: probe more often")
    for env in ("dev", "staging", "prod"):
        row = _rows(gitops, repo, env)[0]
        assert (row["commit"], row["parts"], row["files"], row["reached"]) == (
            sha, ["shared"], [BASE], ["dev", "staging", "prod"])
    refused = gitops("rollback", "prod", repo=repo)
    assert (refused.exit_code, refused.output) == (
        1, f"Error: {sha[:7]} (redis: probe more often) changed {BASE} that dev, staging, prod "
           f"load: it cannot be rolled back for prod alone; `gitops rollback prod --revert` "
           f"proposes the revert of that commit\n")
    reverted = gitops("rollback", "prod", "--revert", repo=repo)
    assert reverted.exit_code == 0, reverted.output
    branch = f"revert/{sha[:7]}"
    assert git(repo, "show", f"{branch}:{BASE}") == git(repo, "show", f"{sha}^:{BASE}")
    message = git(repo, "log", "-1", "--format=%B", branch)
    assert message.splitlines()[:3] == [
        "revert: redis: probe more often", "",
        f"Reverts {sha[:7]}, which reaches dev, staging, prod."]
    assert "- prod: changed StatefulSet/journal-prod/redis" in message
    assert message.splitlines()[-1] == "Change-Kind: revert"


def _linked_extras(repo: Path, *envs: str) -> None:
    """A folder outside the overlays that `envs` load through a link each."""
    extra = repo / "extras/shared"
    extra.mkdir(parents=True)
    (extra / "kustomization.yaml").write_text("resources:\n  - cm.yaml\n")
    (extra / "cm.yaml").write_text("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: extra\n"
                                   "data:\n  v: a\n")
    for env in envs:
        (repo / f"overlays/{env}/extra").symlink_to("../../extras/shared")
        _edit(repo, f"overlays/{env}/kustomization.yaml",
              lambda t: t.replace("  - namespace.yaml\n", "  - namespace.yaml\n  - extra\n", 1))
    _commit(repo, "load extras through a link")


def test_a_folder_loaded_through_a_link_is_history(gitops: Runner, make_repo: MakeRepo) -> None:
    repo = make_repo()
    _linked_extras(repo, "dev", "staging")
    _edit(repo, "extras/shared/cm.yaml", lambda t: t.replace("v: a", "v: b"))
    sha = _commit(repo, "extras: b")
    for env in ("dev", "staging"):
        row = _rows(gitops, repo, env)[0]
        assert (row["commit"], row["parts"], row["files"], row["reached"]) == (
            sha, ["shared"], ["extras/shared/cm.yaml"], ["dev", "staging"])
    assert _rows(gitops, repo, "prod")[0]["commit"] != sha


def test_a_folder_only_one_environment_loads_is_its_own(gitops: Runner,
                                                        make_repo: MakeRepo) -> None:
    repo = make_repo()
    _linked_extras(repo, "dev")
    _edit(repo, "extras/shared/cm.yaml", lambda t: t.replace("v: a", "v: b"))
    sha = _commit(repo, "extras: b")
    row = _rows(gitops, repo, "dev")[0]
    assert (row["commit"], row["parts"], row["files"], row["reached"]) == (
        sha, ["overlay"], ["extras/shared/cm.yaml"], [])
    result = gitops("rollback", "dev", "--in-place", repo=repo)
    assert result.exit_code == 0, result.output
    assert "v: a" in (repo / "extras/shared/cm.yaml").read_text()
    assert git(repo, "show", "--format=", "--name-only", "HEAD") == "extras/shared/cm.yaml"


def test_the_application_and_gitops_yaml_entries_are_history(gitops: Runner,
                                                             make_repo: MakeRepo) -> None:
    repo = make_repo()
    assert gitops("env", "set", "staging", "--manual-sync", "--in-place",
                  repo=repo).exit_code == 0
    assert gitops("env", "set", "prod", "--min-soak", "2h", "--in-place",
                  repo=repo).exit_code == 0
    assert _rows(gitops, repo, "staging")[0]["parts"] == ["app"]
    assert _rows(gitops, repo, "prod")[0]["parts"] == ["settings"]
    assert _rows(gitops, repo, "dev")[0]["parts"] != ["settings"]


def test_rollback_to_a_commit_leaves_shared_changes_in(gitops: Runner,
                                                       make_repo: MakeRepo) -> None:
    repo = make_repo()
    start = git(repo, "rev-parse", "HEAD")
    _edit(repo, BASE, lambda t: t.replace("periodSeconds: 10", "periodSeconds: 5", 1))
    shared = _commit(repo, "redis: probe more often")
    _edit(repo, PATCH, lambda t: t.replace("memory: 2Gi", "memory: 3Gi", 1))
    _commit(repo, "prod: less memory for redis")
    probe = (repo / BASE).read_text()
    result = gitops("rollback", "prod", "--to", start, "--in-place", repo=repo)
    assert result.exit_code == 0, result.output
    assert (repo / BASE).read_text() == probe
    assert git(repo, "show", "--format=", "--name-only", "HEAD") == PATCH
    assert (f"undoing:\n- prod: less memory for redis\n\n"
            f"Left in (they change other environments too; `--revert` undoes one):\n"
            f"- {shared[:7]} redis: probe more often\n") in git(repo, "log", "-1", "--format=%B")
