"""`gitops validate`'s early builds: started only for a command line read whole, from a plan
only while everything it read is unchanged, and taken over only by the very same build."""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from conftest import git, init_git, run_gitops
from journal_gitops import fingerprints, prestart
from journal_gitops.adapters import kustomize, kustomize_runs
from journal_gitops.adapters.cache import installed
from journal_gitops.kustomize_inputs import depends_on
from journal_gitops.prestart import _options, _repo

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(("argv", "expected"), [
    (["validate"], ([], "validate")),
    (["--repo", "r", "validate", "--env=dev", "-ojson", "--env", "prod"],
     ([(False, "--repo", "r"), (True, "--env", "dev"), (True, "-o", "json"),
       (True, "--env", "prod")], "validate")),
    (["validate", "--help"], None),
    (["--env", "dev", "validate"], None),  # --env belongs after the command
    (["validate", "--env"], None),
    (["validate", "dev"], None),
])
def test_the_command_line_is_read_only_as_far_as_it_is_known(
        argv: list[str], expected: object) -> None:
    assert _options(argv) == expected


def test_the_repository_is_the_one_click_settles_on(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("GITOPS_REPO", raising=False)
    assert _repo([(False, "--repo", "a")]) == "a"
    assert _repo([(False, "--repo", "a"), (True, "--repo", "b")]) == "b"
    assert _repo([]) is None
    monkeypatch.setenv("GITOPS_REPO", "env")
    assert _repo([(False, "--repo", "a")]) == "env"
    assert _repo([(True, "--repo", "b")]) == "b"


def _args(root: Path, env: str) -> list[str]:
    return kustomize.find_kustomize().build_args(root / "overlays" / env)


def test_an_early_build_is_taken_once_by_the_same_command_line() -> None:
    kustomize_runs.start([_args(ROOT, "dev")])
    assert list(kustomize_runs._started) == [tuple(_args(ROOT, "dev"))]
    with kustomize.render_many(ROOT, {"dev": "overlays/dev", "prod": "overlays/prod"}) as first:
        assert kustomize_runs._started == {}  # dev taken over, prod started by render_many
        assert first["dev"].result().error is None
        assert first["dev"].result().manifests.count("kind: ") > 10
    assert kustomize_runs.take(_args(ROOT, "dev")) is None  # taken once


def test_forgotten_early_builds_are_not_taken() -> None:
    kustomize_runs.start([_args(ROOT, "dev")])
    kustomize_runs.forget()
    assert kustomize_runs.take(_args(ROOT, "dev")) is None


@pytest.fixture
def settled_now(monkeypatch: pytest.MonkeyPatch) -> None:
    """Files copied a moment ago count as settled (a real run waits SETTLE_NS for that)."""
    monkeypatch.setattr(fingerprints, "SETTLE_NS", -10**18)


def _plan(repo: Path, envs: tuple[str, ...] = ()) -> tuple[list[list[str]], dict[str, Any]]:
    """The builds a fresh plan starts, and the plan, saved."""
    started: list[list[str]] = []
    saved = prestart.plan(repo, list(envs), started.extend)
    path = prestart._plan_file(repo)
    assert saved is not None and path is not None
    path.write_text(json.dumps(saved))
    return started, saved


def _edit_plan(repo: Path, edit: Callable[[dict[str, Any]], object]) -> None:
    path = prestart._plan_file(repo)
    assert path is not None
    saved = json.loads(path.read_text())
    edit(saved)
    path.write_text(json.dumps(saved))


@pytest.mark.usefixtures("settled_now")
def test_a_plan_starts_the_same_builds_while_nothing_it_read_changed(repo: Path) -> None:
    started, _ = _plan(repo)
    assert started == [_args(repo, env) for env in ("dev", "staging", "prod")]
    assert prestart.planned(repo, []) == started
    assert prestart.planned(repo, ["prod", "dev", "prod"]) == [started[2], started[0]]
    assert prestart.planned(repo, ["qa"]) is None  # the command says it is unknown
    assert _plan(repo, ("staging",))[0] == [started[1]]  # the others are planned, not started


@pytest.mark.usefixtures("settled_now")
@pytest.mark.parametrize("change", [
    "overlays/dev/kustomization.yaml",  # an overlay's own file
    "base/frontend/kustomization.yaml",  # a base it includes
    "gitops.yaml",  # environments and overlay folders
    "base/new-folder",  # a folder the overlay names (../../base) gains an entry
    "overlays/dev/kustomization.yml",  # a second kustomization file (kustomize refuses that)
    "overlays/gitops.yaml",  # the repository root the check looks for moves
])
def test_a_change_to_anything_a_plan_read_voids_it(repo: Path, change: str) -> None:
    _plan(repo)
    path = repo / change
    if path.suffix and path.exists():
        with path.open("a") as handle:  # in place: the same inode
            handle.write("\n# changed\n")
    elif path.suffix:
        path.write_text("resources: []\n")
    else:
        path.mkdir()
    assert prestart.planned(repo, ["dev"]) is None


@pytest.mark.usefixtures("settled_now")
def test_a_kustomization_that_did_not_parse_is_watched_too(repo: Path) -> None:
    kustomization = repo / "overlays/dev/kustomization.yaml"
    good = kustomization.read_text()
    kustomization.write_text("resources: [\n")
    _, saved = _plan(repo)
    assert saved["environments"]["dev"]["refused"] is False  # kustomize reports the YAML error
    with kustomization.open("w") as handle:  # fixed in place, with a remote input
        handle.write(good.replace("resources:\n", "resources:\n  - https://example.com/x\n"))
    assert prestart.planned(repo, ["dev"]) is None


@pytest.mark.usefixtures("settled_now")
def test_a_linked_overlay_folder_that_points_elsewhere_voids_a_plan(repo: Path) -> None:
    (repo / "variants").mkdir()
    (repo / "overlays/dev").rename(repo / "variants/a")
    shutil.copytree(repo / "variants/a", repo / "variants/b")
    (repo / "overlays/dev").symlink_to("../variants/a")
    _plan(repo)
    (repo / "overlays/dev").unlink()
    (repo / "overlays/dev").symlink_to("../variants/b")
    assert prestart.planned(repo, ["dev"]) is None


@pytest.mark.usefixtures("settled_now")
def test_an_overlay_linked_outside_the_repository_that_points_elsewhere_voids_a_plan(
        repo: Path, tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    (repo / "overlays/dev").rename(outside)
    (outside / "kustomization.yaml").write_text(
        (outside / "kustomization.yaml").read_text().replace("../../base", str(repo / "base")))
    (repo / "overlays/dev").symlink_to(outside)
    _plan(repo)
    (repo / "overlays/dev").unlink()
    (repo / "overlays/dev").symlink_to(tmp_path)
    assert prestart.planned(repo, ["dev"]) is None


@pytest.mark.usefixtures("settled_now")
def test_git_commands_keep_a_plan(repo: Path) -> None:
    init_git(repo)
    _plan(repo)
    git(repo, "commit", "--allow-empty", "-m", "later")
    git(repo, "status")
    assert prestart.planned(repo, []) is not None


@pytest.mark.usefixtures("settled_now")
def test_a_plan_is_only_good_for_its_search_python_and_tooling(
        repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _, saved = _plan(repo)
    assert str(Path(prestart.__file__)) in saved["shared"]  # an edit of the tooling voids it
    for folder in os.environ["PATH"].split(os.pathsep):  # and a kustomize new on the PATH
        assert str(Path(folder) / "kustomize") in saved["shared"]
    assert prestart.planned(repo, []) is not None
    for name, value in [("PATH", f"{repo}:{os.environ['PATH']}"),
                        ("GITOPS_KUSTOMIZE", "/usr/bin/kubectl")]:
        with monkeypatch.context() as patch:
            patch.setenv(name, value)
            assert prestart.planned(repo, []) is None
    with monkeypatch.context() as patch:
        patch.setattr(prestart, "__file__", str(repo / "elsewhere/prestart.py"))
        assert prestart.planned(repo, []) is None


@pytest.mark.usefixtures("settled_now")
def test_an_overlay_that_would_fetch_is_planned_but_never_started_early(repo: Path) -> None:
    kustomization = repo / "overlays/staging/kustomization.yaml"
    kustomization.write_text(kustomization.read_text().replace(
        "resources:\n", "resources:\n  - https://github.com/org/repo//base?ref=v1\n", 1))
    started, saved = _plan(repo)
    assert started == [_args(repo, "dev"), _args(repo, "prod")]
    assert [saved["environments"][env]["refused"] for env in ("dev", "staging", "prod")] == [
        False, True, False]
    assert prestart.planned(repo, []) == started


def test_inputs_changed_in_the_last_seconds_are_not_planned(repo: Path) -> None:
    started: list[list[str]] = []
    assert prestart.plan(repo, ["dev"], started.extend) is None  # copied a moment ago
    assert started == [_args(repo, "dev")]  # started all the same


@pytest.mark.usefixtures("settled_now")
@pytest.mark.parametrize("plant", [
    lambda saved: saved.update(tool=["/usr/bin/touch", "kustomize"]),  # not fingerprinted
    lambda saved: saved.update(tool=[saved["tool"][0], "apply"]),
    lambda saved: saved["environments"]["dev"].update(overlay="../../tmp"),
    lambda saved: saved["environments"]["dev"].update(overlay="/tmp"),
    lambda saved: saved["shared"].pop(next(p for p in saved["shared"] if "gitops.yaml" in p)),
    lambda saved: saved.update(key=[]),
    lambda saved: saved.update(environments=[]),
])
def test_a_damaged_or_planted_plan_starts_nothing(
        repo: Path, plant: Callable[[dict[str, Any]], object]) -> None:
    _plan(repo)
    _edit_plan(repo, plant)
    assert not prestart.planned(repo, [])


@pytest.mark.usefixtures("settled_now")
def test_validate_takes_over_the_builds_started_from_a_plan(repo: Path) -> None:
    _plan(repo)
    prestart.start_renders(["--repo", str(repo), "validate"])
    assert sorted(kustomize_runs._started) == sorted(
        tuple(_args(repo, env)) for env in ("dev", "staging", "prod"))
    result = run_gitops("validate", repo=repo)
    assert (result.exit_code, kustomize_runs._started) == (0, {})
    assert prestart._plan_file(repo).is_file()  # type: ignore[union-attr]


@pytest.mark.usefixtures("settled_now")
def test_a_plan_that_started_builds_validate_did_not_take_is_dropped(repo: Path) -> None:
    _plan(repo)
    kustomize_runs.start([["true", "not", "a", "build"]])
    try:
        assert run_gitops("validate", repo=repo).exit_code == 0
        assert not prestart._plan_file(repo).is_file()  # type: ignore[union-attr]
    finally:
        kustomize_runs.forget()


def test_what_the_input_check_depends_on_includes_every_step_of_every_path() -> None:
    paths, probes = depends_on(ROOT / "overlays/dev")
    dev = str(ROOT / "overlays/dev")
    assert paths[:3] == [dev, str(ROOT / "overlays"), str(ROOT)]
    assert {f"{dev}/kustomization.yaml", f"{dev}/kustomization.yml",
            f"{dev}/Kustomization"} <= set(paths)
    assert [f"{dev}/..", f"{dev}/../..", f"{dev}/../../base"] == [
        p for p in paths if p.startswith(f"{dev}/..") and p.count("/") <= dev.count("/") + 3]
    assert probes == [f"{folder}/{name}" for folder in (dev, ROOT / "overlays", ROOT)
                      for name in ("gitops.yaml", ".git")]  # only whether they are there


def test_installed_versions_are_read_without_importlib_metadata() -> None:
    from importlib.metadata import version

    names = ("journal-gitops", "kubernetes-validate", "jsonschema", "pyyaml")
    assert installed(*names) == "".join(f"{name}={version(name)}\0" for name in names).encode()
    assert len(installed("no-such-distribution")) == 16  # random: never matches a cache key
