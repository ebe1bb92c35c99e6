"""The schema-findings cache: a hit gives what a check gives, and anything that decides the
findings (the object, the versions, the CRDs) is part of the key."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from journal_gitops.adapters import cache as cache_module
from journal_gitops.adapters.schema_cache import CachedSchemaChecker, SchemaFinding
from journal_gitops.errors import ToolMissingError
from journal_gitops.resources import Resource

SHARED_CRDS = Path(__file__).resolve().parents[3] / "shared" / "crds"
BAD = Resource({"apiVersion": "v1", "kind": "Service", "metadata": {"name": "x"},
                "spec": {"ports": [{"port": "eighty"}]}}, "test")
APP = Resource({"apiVersion": "argoproj.io/v1alpha1", "kind": "Application",
                "metadata": {"name": "a"}, "spec": {"project": "p", "unknownField": 1}}, "test")


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.delenv("GITOPS_NO_CACHE", raising=False)
    monkeypatch.setenv("GITOPS_CACHE_DIR", str(tmp_path / "cache"))
    return tmp_path / "cache" / "schema-findings"


def _entries(cache: Path) -> int:
    return sum(1 for p in cache.rglob("*") if p.is_file())


def test_a_hit_gives_the_same_findings_without_checking(cache: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    first = CachedSchemaChecker(("1.35",)).check(BAD)
    assert first and all(f.rule == "schema" for f in first)
    assert _entries(cache) == 1
    checker = CachedSchemaChecker(("1.35",))
    monkeypatch.setattr(checker, "_real", lambda: pytest.fail("checked again"))
    assert checker.check(BAD) == first


def test_a_render_seen_before_is_one_hit(cache: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    good = Resource({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c"}}, "t")
    first = CachedSchemaChecker(("1.35",)).check_render("text", [BAD, good])
    assert first[0] and first[1] == []
    assert _entries(cache) == 3  # each object, and the render
    checker = CachedSchemaChecker(("1.35",))
    monkeypatch.setattr(checker, "check", lambda resource: pytest.fail("checked one by one"))
    assert checker.check_render("text", [BAD, good]) == first
    with pytest.raises(pytest.fail.Exception):  # another text is another entry
        checker.check_render("other text", [BAD, good])


def test_versions_and_objects_are_part_of_the_key(cache: Path) -> None:
    CachedSchemaChecker(("1.35",)).check(BAD)
    CachedSchemaChecker(("1.29", "1.35")).check(BAD)
    changed = Resource({**BAD.body, "metadata": {"name": "y"}}, "test")
    CachedSchemaChecker(("1.35",)).check(changed)
    assert _entries(cache) == 3


def test_crd_content_is_part_of_the_key(cache: Path, tmp_path: Path) -> None:
    if not SHARED_CRDS.is_dir():
        pytest.skip("needs ../shared/crds")
    crds = tmp_path / "crds"
    shutil.copytree(SHARED_CRDS, crds)
    with_crd = CachedSchemaChecker(("1.35",), crds).check(APP)
    assert any(f.message.endswith("(CRD)") for f in with_crd)
    application = next(p for p in crds.iterdir() if p.name.startswith("application-crd"))
    application.write_text(application.read_text() + "\n# edited\n")
    CachedSchemaChecker(("1.35",), crds).check(APP)
    assert _entries(cache) == 2


def test_no_cache_when_asked(cache: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GITOPS_NO_CACHE", "1")
    assert CachedSchemaChecker(("1.35",)).check(BAD) == CachedSchemaChecker(("1.35",)).check(BAD)
    assert not cache.exists() or _entries(cache) == 0


def test_a_missing_version_is_refused_even_when_cached(cache: Path) -> None:
    with pytest.raises(ToolMissingError) as caught:
        CachedSchemaChecker(("1.2",))
    assert str(caught.value).startswith("Kubernetes 1.2 has no schemas in the installed "
                                        "kubernetes-validate")


def test_an_unwritable_cache_is_skipped(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    blocked = tmp_path / "file"
    blocked.write_text("not a folder")
    monkeypatch.delenv("GITOPS_NO_CACHE", raising=False)
    monkeypatch.setenv("GITOPS_CACHE_DIR", str(blocked))
    assert cache_module.cache_dir("schema-findings") is None
    findings = CachedSchemaChecker(("1.35",)).check(BAD)
    assert findings == [SchemaFinding(f.rule, f.message) for f in findings] and findings
