"""The parsed-render cache: a hit is the same text's documents, anything odd is parsed again."""

from __future__ import annotations

from pathlib import Path

import pytest

from journal_gitops.adapters import parse_cache
from journal_gitops.adapters.parse_cache import cached_documents
from journal_gitops.errors import GitopsError

TEXT = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\ndata: {n: '1', m: 2}\n---\n"


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("GITOPS_CACHE_DIR", str(tmp_path))
    monkeypatch.delenv("GITOPS_NO_CACHE", raising=False)
    return tmp_path / "parsed"


def test_a_second_read_comes_from_the_cache(cache: Path) -> None:
    first = cached_documents(TEXT, "dev")
    assert first == [{"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "a"},
                      "data": {"n": "1", "m": 2}}, None]
    (entry,) = list(cache.iterdir())
    assert cached_documents(TEXT, "dev") == first
    entry.write_bytes(b"not marshal data")  # a damaged entry is parsed again, not trusted
    assert cached_documents(TEXT, "dev") == first


def test_what_marshal_cannot_hold_and_errors_are_not_kept(cache: Path) -> None:
    dated = "kind: X\napiVersion: v1\nwhen: 2026-03-05\n"
    assert str(cached_documents(dated, "dev")[0]["when"]) == "2026-03-05"
    assert not [p for p in cache.iterdir() if not p.name.startswith(".")]
    with pytest.raises(GitopsError, match=r"^dev: "):
        cached_documents("a: [", "dev")


def test_the_oldest_entries_go_beyond_keep(cache: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(parse_cache, "KEEP", 3)
    for n in range(5):
        cached_documents(f"kind: X\napiVersion: v1\nn: {n}\n", "dev")
    assert len(list(cache.iterdir())) == 3


def test_no_cache_parses_every_time(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GITOPS_CACHE_DIR", str(tmp_path))
    monkeypatch.setenv("GITOPS_NO_CACHE", "1")
    assert cached_documents(TEXT, "dev")[0]["kind"] == "ConfigMap"
    assert not (tmp_path / "parsed").exists()
