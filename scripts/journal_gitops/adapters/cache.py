"""The folder where the tooling remembers what is costly to learn again (schema findings, which
kustomize a binary is): $GITOPS_CACHE_DIR, else $XDG_CACHE_HOME/journal-gitops, else
~/.cache/journal-gitops. GITOPS_NO_CACHE=1 turns caching off; a folder that cannot be written
is not used. Everything in it can be deleted at any time."""

from __future__ import annotations

import json
import os
import tempfile
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
    try:
        path.parent.mkdir(exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(data, handle)
        Path(tmp).replace(path)
    except OSError:
        pass
