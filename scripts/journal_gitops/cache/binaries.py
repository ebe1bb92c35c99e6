"""What the tooling learns about a program file (which kustomize it is, its sha256), remembered
while the file is the same file.

Hashing kubectl's 50 MB on every run would cost more than the renders it keys, so the answer is
keyed by the file's identity instead: its real path, device, inode, size, and both change
times. The status change time (ctime) moves on every write, rename, link or mode change, and no
program can set it back: a binary rewritten in place is always a new identity, even with its
modification time restored.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from .store import Namespace, key_of

_TOOLS = Namespace("tools", keep=64)
_seen: dict[str, str | None] = {}  # within one process


def identity(path: str) -> str | None:
    """What names one file as it is now; None when it cannot be read."""
    try:
        real = Path(path).resolve()
        info = real.stat()
    except (OSError, RuntimeError):
        return None
    return (f"{real}\0{info.st_dev}\0{info.st_ino}\0{info.st_size}\0{info.st_mtime_ns}\0"
            f"{info.st_ctime_ns}")


def remember(kind: str, path: str, learn: Callable[[], str | None]) -> str | None:
    """learn() about the file at `path`, or what it gave before for the very same file."""
    found = identity(path)
    if found is None:
        return learn()
    key = key_of("binary", kind, found)
    if key in _seen:
        return _seen[key]
    stored = _TOOLS.get(key)
    try:
        value = json.loads(stored) if stored is not None else ...
    except ValueError:
        value = ...
    if value is None or isinstance(value, str):
        _seen[key] = value
        return value
    value = learn()
    _TOOLS.put(key, json.dumps(value).encode())
    _seen[key] = value
    return value


def sha256(path: str) -> str | None:
    """The sha256 of a program file's content, remembered by identity (see above)."""
    from ..adapters.kustomize import sha256_of

    def learn() -> str | None:
        try:
            return sha256_of(Path(path))
        except OSError:
            return None

    return remember("sha256", path, learn)
