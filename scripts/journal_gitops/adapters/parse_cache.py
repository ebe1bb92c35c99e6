"""Rendered manifests, parsed once per content: `gitops validate` reads every environment's
render, and most renders are the same from one run to the next.

Building Python objects from YAML is most of validate's own work on many environments, so
the parsed documents of each render are kept in the cache folder under the sha256 of the text
(with the Python and PyYAML versions): a hit is the very same text, so it cannot be stale.
They are stored with `marshal`, which loads many times faster than YAML is parsed; documents
`marshal` cannot hold (a YAML timestamp becomes a datetime) are simply not kept. The folder
keeps the KEEP entries used last.
"""

from __future__ import annotations

import contextlib
import hashlib
import marshal
import os
import sys
import tempfile
from pathlib import Path
from typing import Any

import yaml

from ..resources import load_documents
from .cache import cache_dir

KEEP = 400
_SALT = f"{sys.version_info[:2]}|{marshal.version}|{yaml.__version__}|"


def cached_documents(text: str, source: str) -> list[Any]:
    """load_documents(text, source), from the cache when this text was parsed before."""
    folder = cache_dir("parsed")
    if folder is None:
        return load_documents(text, source)
    path = folder / hashlib.sha256((_SALT + text).encode()).hexdigest()
    try:
        found = marshal.loads(path.read_bytes())
        if isinstance(found, list):
            os.utime(path)  # kept as recently used
            return found
    except (OSError, ValueError, EOFError, TypeError):
        pass
    docs = load_documents(text, source)
    try:
        data = marshal.dumps(docs)
    except ValueError:  # a datetime, or another type marshal does not know
        return docs
    _store(folder, path, data)
    return docs


def _store(folder: Path, path: Path, data: bytes) -> None:
    """Write atomically, then drop the oldest entries beyond KEEP; a cache that cannot be
    written is only slower."""
    try:
        fd, tmp = tempfile.mkstemp(dir=folder, prefix=".tmp-")
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        Path(tmp).replace(path)
        entries = [e for e in os.scandir(folder) if not e.name.startswith(".")]
        if len(entries) > KEEP:
            entries.sort(key=lambda e: e.stat().st_mtime)
            for entry in entries[:len(entries) - KEEP]:
                with contextlib.suppress(OSError):
                    Path(entry.path).unlink()
    except OSError:
        pass
