"""The cache folder and its entries.

The folder is $GITOPS_CACHE_DIR, else $XDG_CACHE_HOME/journal-gitops, else
~/.cache/journal-gitops; GITOPS_NO_CACHE=1 turns caching off. It is made private (0700), and a
folder that another user owns or that others may write is not used: an entry decides what
validate reports. Everything in it can be deleted at any time.

Each namespace keeps at most a fixed number of entries, the ones used last. An entry is one
file named by its key, holding the key and a checksum of its payload: a truncated, corrupt or
misplaced file is not an entry and is dropped. Payloads are data (bytes, JSON); nothing read
from the cache is ever run.
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib.util
import os
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path

from ..adapters.files import unsafe_folder

NO_CACHE = "GITOPS_NO_CACHE"
CACHE_DIR = "GITOPS_CACHE_DIR"
MAGIC = b"journal-gitops cache 1\n"
_problems: list[str] = []


def key_of(*parts: bytes | str) -> str:
    """A key from the parts that decide an answer (each part length-prefixed, so that no two
    different lists of parts give the same key)."""
    digest = hashlib.sha256()
    for part in parts:
        data = part.encode() if isinstance(part, str) else part
        digest.update(len(data).to_bytes(8, "big") + data)
    return digest.hexdigest()


def _base() -> Path | None:
    """Where the cache folder is asked to be (None: caching is off)."""
    if os.environ.get(NO_CACHE):
        return None
    given = os.environ.get(CACHE_DIR)
    if given:
        return Path(given)
    home = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(home) / "journal-gitops"


def root() -> Path | None:
    """The cache folder, made if need be; None when caching is off or the folder is unsafe
    (then `problem()` says why)."""
    base = _base()
    return _checked_root(base) if base is not None else None


@lru_cache(maxsize=4)
def _checked_root(folder: Path) -> Path | None:
    try:
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    except FileExistsError:
        pass  # not a folder: said below
    except OSError as exc:
        _problems.append(f"cannot make {folder}: {exc.strerror}")
        return None
    why = unsafe_folder(folder)
    if why is not None:
        _problems.append(why)
        return None
    return folder


def problem() -> str | None:
    """Why the cache was not used in this process, if it was wanted and could not be."""
    return _problems[-1] if _problems else None


class Namespace:
    """One kind of entry, in a subfolder of its own, keeping the `keep` used last."""

    def __init__(self, name: str, keep: int) -> None:
        self.name = name
        self.keep = keep
        self._written = 0
        self._checked: tuple[Path, Path] | None = None  # (cache root, its folder), checked

    def _folder(self) -> Path | None:
        """The namespace's folder, made and checked once a process per cache root."""
        base = root()
        if base is None:
            return None
        if self._checked is not None and self._checked[0] == base:
            return self._checked[1]
        found = self._made(base)
        self._checked = (base, found) if found is not None else None
        return found

    def _made(self, base: Path) -> Path | None:
        folder = base / self.name
        try:
            folder.mkdir(mode=0o700, exist_ok=True)
        except OSError:
            return None
        return folder if unsafe_folder(folder) is None else None

    def get(self, key: str) -> bytes | None:
        """The payload stored under `key`, or None."""
        folder = self._folder()
        if folder is None:
            return None
        path = folder / key
        try:
            data = path.read_bytes()
        except OSError:
            return None
        head = MAGIC + key.encode() + b"\n"
        body = data[len(head) + 32:]
        if not data.startswith(head) or data[len(head):len(head) + 32] != \
                hashlib.sha256(body).digest():
            with contextlib.suppress(OSError):
                path.unlink()
            return None
        with contextlib.suppress(OSError):
            os.utime(path)  # used now: kept over older entries
        return body

    def put(self, key: str, payload: bytes) -> None:
        """Store `payload` under `key`; a cache that cannot be written is only slower."""
        folder = self._folder()
        if folder is None:
            return
        tmp = folder / f".tmp-{os.getpid()}-{key}"
        data = MAGIC + key.encode() + b"\n" + hashlib.sha256(payload).digest() + payload
        try:
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_EXCL, 0o600)
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
            tmp.replace(folder / key)
        except OSError:
            with contextlib.suppress(OSError):
                tmp.unlink()
            return
        self._written += 1
        if self._written % self.keep == 1 or self.keep == 1:
            self._evict(folder)

    def _evict(self, folder: Path) -> None:
        """Drop all but the `keep` entries used last (and temporary files a dead process left)."""
        entries: list[tuple[float, str]] = []
        with contextlib.suppress(OSError), os.scandir(folder) as found:
            for entry in found:
                with contextlib.suppress(OSError):
                    entries.append((entry.stat(follow_symlinks=False).st_mtime, entry.path))
        entries.sort(reverse=True)
        for _, path in entries[self.keep:]:
            with contextlib.suppress(OSError):
                Path(path).unlink()


PACKAGE = Path(__file__).resolve().parent.parent


@lru_cache(maxsize=8)
def source_digest(*libraries: str) -> bytes:
    """The tooling's own code (its modules and the schemas it ships), and that of the named
    installed packages: what an answer worked out by code depends on besides its input."""
    folders = [PACKAGE]
    for name in libraries:
        spec = importlib.util.find_spec(name)
        if spec is not None and spec.submodule_search_locations:
            folders.append(Path(next(iter(spec.submodule_search_locations))))
    files = [path for folder in folders for path in sorted(folder.rglob("*"))
             if path.suffix in (".py", ".json") and path.is_file()]
    return digest_files(files)


def digest_files(paths: Iterable[Path]) -> bytes:
    """The content of files, in the order given, as one digest (names included)."""
    digest = hashlib.sha256()
    for path in paths:
        data = path.read_bytes()
        digest.update(f"{path.name}\0{len(data)}\0".encode() + data)
    return digest.digest()
