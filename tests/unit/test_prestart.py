"""`gitops validate`'s early renders: started only for a command line read whole, and taken
over only by the very same build."""

from __future__ import annotations

from pathlib import Path

import pytest

from journal_gitops.adapters import kustomize
from journal_gitops.adapters.schema_cache import _installed
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
    assert _repo([(False, "--repo", "a")]) == Path("a")
    assert _repo([(False, "--repo", "a"), (True, "--repo", "b")]) == Path("b")
    assert _repo([]) is None
    monkeypatch.setenv("GITOPS_REPO", "env")
    assert _repo([(False, "--repo", "a")]) == Path("env")
    assert _repo([(True, "--repo", "b")]) == Path("b")


def test_an_early_render_is_taken_once_by_the_same_build() -> None:
    kustomize.start_early(ROOT, ["overlays/dev"])
    early = next(iter(kustomize._early.values()))
    with kustomize.render_many(ROOT, {"dev": "overlays/dev", "prod": "overlays/prod"}) as first:
        assert first["dev"] is early
        assert first["prod"] is not early
        assert first["dev"].result().error is None
    with kustomize.render_many(ROOT, {"dev": "overlays/dev"}) as second:
        assert second["dev"] is not early  # rendered again: the files may have changed since


def test_forgotten_early_renders_are_not_taken() -> None:
    kustomize.start_early(ROOT, ["overlays/dev"])
    early = next(iter(kustomize._early.values()))
    kustomize.forget_early()
    with kustomize.render_many(ROOT, {"dev": "overlays/dev"}) as renders:
        assert renders["dev"] is not early


def test_installed_versions_are_read_without_importlib_metadata() -> None:
    from importlib.metadata import version

    assert _installed() == "".join(
        f"{name}={version(name)}\0" for name in
        ("journal-gitops", "kubernetes-validate", "jsonschema")).encode()
