"""`gitops validate`'s early builds: started only for a command line read whole, from a plan
only while everything it read is unchanged, and taken over only by the very same build."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from conftest import run_gitops
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


def _planned_repo(repo: Path) -> list[list[str]]:
    commands, saved = prestart.plan(repo, [])
    assert saved is not None
    prestart._write_plan(repo, saved)
    return commands


@pytest.mark.usefixtures("settled_now")
def test_a_plan_starts_the_same_builds_while_nothing_it_read_changed(repo: Path) -> None:
    commands = _planned_repo(repo)
    assert commands == [_args(repo, env) for env in ("dev", "staging", "prod")]
    assert prestart.planned(repo, []) == commands
    assert prestart.planned(repo, ["prod", "dev", "prod"]) == [commands[2], commands[0]]
    assert prestart.planned(repo, ["qa"]) is None  # the command says it is unknown


@pytest.mark.usefixtures("settled_now")
@pytest.mark.parametrize("change", [
    "overlays/dev/kustomization.yaml",  # an overlay's own file
    "base/frontend/kustomization.yaml",  # a base it includes
    "gitops.yaml",  # environments and overlay folders
    "base/new-folder",  # a folder the overlay names (../../base) gains an entry
])
def test_a_change_to_anything_a_plan_read_voids_it(repo: Path, change: str) -> None:
    _planned_repo(repo)
    path = repo / change
    if path.exists():
        path.write_text(path.read_text() + "\n# changed\n")
    else:
        path.mkdir()
    assert prestart.planned(repo, ["dev"]) is None


@pytest.mark.usefixtures("settled_now")
def test_another_path_voids_a_plan(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _planned_repo(repo)
    monkeypatch.setenv("PATH", f"{repo}:{os.environ['PATH']}")
    assert prestart.planned(repo, []) is None


@pytest.mark.usefixtures("settled_now")
def test_an_overlay_that_would_fetch_is_never_started_early(repo: Path) -> None:
    kustomization = repo / "overlays/staging/kustomization.yaml"
    kustomization.write_text(kustomization.read_text().replace(
        "resources:\n", "resources:\n  - https://github.com/org/repo//base?ref=v1\n", 1))
    commands, saved = prestart.plan(repo, [])
    assert commands == [_args(repo, "dev"), _args(repo, "prod")]
    assert saved is not None and list(saved["environments"]) == ["dev", "prod"]


def test_inputs_changed_in_the_last_seconds_are_not_planned(repo: Path) -> None:
    commands, saved = prestart.plan(repo, ["dev"])
    assert commands == [_args(repo, "dev")]  # started now all the same
    assert saved is None  # gitops.yaml was written a moment ago: nothing is remembered


@pytest.mark.usefixtures("settled_now")
def test_a_plan_starts_only_the_binary_it_fingerprinted(repo: Path) -> None:
    _planned_repo(repo)
    path = prestart._plan_file(repo)
    assert path is not None
    saved = json.loads(path.read_text())
    saved["environments"]["dev"]["args"][0] = "/bin/echo"
    path.write_text(json.dumps(saved))
    assert prestart.planned(repo, ["dev"]) is None


@pytest.mark.usefixtures("settled_now")
def test_validate_takes_over_the_builds_started_from_a_plan(repo: Path) -> None:
    _planned_repo(repo)
    prestart.start_renders(["--repo", str(repo), "validate"])
    assert sorted(kustomize_runs._started) == sorted(
        tuple(_args(repo, env)) for env in ("dev", "staging", "prod"))
    result = run_gitops("validate", repo=repo)
    assert (result.exit_code, kustomize_runs._started) == (0, {})


def test_what_the_input_check_depends_on_includes_every_step_of_every_path() -> None:
    paths = depends_on(ROOT / "overlays/dev")
    dev = str(ROOT / "overlays/dev")
    assert paths[:3] == [dev, str(ROOT / "overlays"), str(ROOT)]
    assert f"{dev}/kustomization.yaml" in paths
    assert [f"{dev}/..", f"{dev}/../..", f"{dev}/../../base"] == [
        p for p in paths if p.startswith(f"{dev}/..") and p.count("/") <= dev.count("/") + 3]


def test_installed_versions_are_read_without_importlib_metadata() -> None:
    from importlib.metadata import version

    names = ("journal-gitops", "kubernetes-validate", "jsonschema", "pyyaml")
    assert installed(*names) == "".join(f"{name}={version(name)}\0" for name in names).encode()
    assert len(installed("no-such-distribution")) == 16  # random: never matches a cache key
