"""The cache folder and its entries: private or not used at all, entries that are exactly what
was stored under their key or nothing, namespaces that stay bounded."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from journal_gitops.cache import store
from journal_gitops.cache.store import Namespace, key_of


def test_an_entry_is_what_was_stored_under_its_key(cache: Path) -> None:
    space = Namespace("things", keep=10)
    key = key_of("a", b"b")
    assert space.get(key) is None
    space.put(key, b"payload")
    assert space.get(key) == b"payload"
    assert space.get(key_of("a", b"c")) is None
    assert (cache.stat().st_mode & 0o777, (cache / "things").stat().st_mode & 0o777) == (
        0o700, 0o700)


def test_keys_of_different_parts_differ() -> None:
    assert key_of("ab", "c") != key_of("a", "bc")
    assert key_of("a", b"b") == key_of(b"a", "b")


@pytest.mark.parametrize("damage", ["truncated", "flipped", "planted", "moved", "empty"])
def test_a_damaged_or_planted_entry_is_not_an_entry(cache: Path, damage: str) -> None:
    space = Namespace("things", keep=10)
    key, other = key_of("one"), key_of("two")
    space.put(key, b"the real answer")
    space.put(other, b"another answer")
    path = cache / "things" / key
    data = path.read_bytes()
    if damage == "truncated":
        path.write_bytes(data[:-3])
    elif damage == "flipped":
        path.write_bytes(data[:-1] + bytes([data[-1] ^ 1]))
    elif damage == "planted":  # a payload written by something that is not the cache
        path.write_bytes(b"a planted answer")
    elif damage == "moved":  # another key's entry put under this key
        path.write_bytes((cache / "things" / other).read_bytes())
    else:
        path.write_bytes(b"")
    assert space.get(key) is None
    assert not path.exists()  # dropped, so that the next answer is stored again
    assert space.get(other) == b"another answer"


def test_a_namespace_keeps_the_entries_used_last(cache: Path) -> None:
    space = Namespace("things", keep=3)
    keys = [key_of(str(n)) for n in range(10)]
    for n, key in enumerate(keys):
        space.put(key, str(n).encode())
        os.utime(cache / "things" / key, (n, n))  # put in order, a second apart
    kept = sorted(p.name for p in (cache / "things").iterdir())
    assert len(kept) <= 2 * 3
    space._evict(cache / "things")
    assert sorted(p.name for p in (cache / "things").iterdir()) == sorted(keys[-3:])


def test_a_folder_others_may_write_is_not_used(cache: Path) -> None:
    cache.mkdir(mode=0o700)
    cache.chmod(0o777)
    space = Namespace("things", keep=3)
    space.put(key_of("x"), b"y")
    assert space.get(key_of("x")) is None
    assert not (cache / "things").exists()
    assert store.problem() == f"{cache} may be written by other users (chmod 700 it)"


def test_a_folder_of_another_user_is_not_used(cache: Path) -> None:
    if os.geteuid() != 0:
        pytest.skip("needs root to give the folder away")
    cache.mkdir(mode=0o700)
    os.chown(cache, 12345, 12345)
    assert store.root() is None
    assert store.problem() == f"{cache} belongs to another user"


def test_a_link_or_a_file_is_not_a_cache_folder(cache: Path, tmp_path: Path) -> None:
    (tmp_path / "elsewhere").mkdir(mode=0o700)
    cache.symlink_to(tmp_path / "elsewhere")
    assert store.root() is None
    assert store.problem() == f"{cache} is a symbolic link"


def test_no_cache_when_asked(cache: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GITOPS_NO_CACHE", "1")
    space = Namespace("things", keep=3)
    space.put(key_of("x"), b"y")
    assert space.get(key_of("x")) is None
    assert not cache.exists()
    assert store.problem() is None  # off on purpose: nothing to say
