"""The folder where the tooling remembers what is costly to learn again (schema findings, which
kustomize a binary is): $GITOPS_CACHE_DIR, else $XDG_CACHE_HOME/journal-gitops, else
~/.cache/journal-gitops. GITOPS_NO_CACHE=1 turns caching off; a folder that cannot be written
is not used. Everything in it can be deleted at any time."""

from __future__ import annotations

import json
import os
import re
import sys
from functools import lru_cache
from pathlib import Path
from typing import Any


def cache_dir(name: str) -> Path | None:
    """A writable folder `name` inside the cache, or None."""
    if os.environ.get("GITOPS_NO_CACHE"):
        return None
    given = os.environ.get("GITOPS_CACHE_DIR")
    base = Path(given) if given else Path(
        os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "journal-gitops"
    folder = base / name
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError:
        return None
    return folder if os.access(folder, os.W_OK) else None


def read_json(path: Path) -> Any:
    """A cached JSON value, or None when there is none (or it is unreadable)."""
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def write_json(path: Path, data: Any) -> None:
    """Write atomically; a cache that cannot be written is only slower."""
    import tempfile  # only when something is learnt: reading the cache is the common case

    try:
        path.parent.mkdir(exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(data, handle)
        Path(tmp).replace(path)
    except OSError:
        pass


@lru_cache(maxsize=1)
def _distributions() -> dict[str, str]:
    """Normalised name -> version of every distribution on sys.path, from the names of their
    `.dist-info` folders as importlib.metadata finds them: importing that (or the packages
    themselves) costs more start-up time than a whole validate run of checks."""
    found: dict[str, str] = {}
    for entry in sys.path:
        try:
            names = [path.name for path in Path(entry or ".").iterdir()]
        except OSError:
            continue
        for name in names:
            if name.endswith(".dist-info"):
                dist, _, version = name.removesuffix(".dist-info").partition("-")
                found.setdefault(re.sub(r"[-_.]+", "-", dist).lower(), version)
    return found


def installed(*packages: str) -> bytes:
    """`name=version` of each distribution, read once a process (the code it runs does not
    change under it), to key what that code decides. One not installed as a distribution gets
    a random value, so no cache entry is ever reused for it."""
    return b"".join(
        f"{package}={version}\0".encode() if (version := version_of(package)) else
        os.urandom(16) for package in packages)


def version_of(package: str) -> str | None:
    """The installed version of a distribution (by its normalised name), if it has a
    `.dist-info` folder on sys.path."""
    return _distributions().get(package) or None
