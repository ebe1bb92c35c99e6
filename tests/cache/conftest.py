"""A fresh cache folder for a test, with what the process remembers of the last one forgotten
before and after."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from journal_gitops.cache import binaries, store


def _forget() -> None:
    store._checked_root.cache_clear()
    store._problems.clear()
    binaries._seen.clear()


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    folder = tmp_path / "cache"
    monkeypatch.setenv("GITOPS_CACHE_DIR", str(folder))
    monkeypatch.delenv("GITOPS_NO_CACHE", raising=False)
    _forget()
    yield folder
    _forget()
