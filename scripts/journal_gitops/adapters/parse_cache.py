"""YAML parsed once per content: `gitops validate` reads every environment's render, the Argo CD
manifests and gitops.yaml, and most of them are the same from one run to the next.

Building Python objects from YAML is most of validate's own work on many environments, and
importing PyYAML a good part of its start-up, so what a text parses to is kept in the cache
folder under the sha256 of the text (with the way it is parsed and the Python and PyYAML
versions): a hit is the very same text, so it cannot be stale, and needs no YAML library.
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
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path
from typing import Any

from ..resources import load_document, load_documents
from .cache import cache_dir, version_of

KEEP = 400


@lru_cache(maxsize=1)
def _salt() -> bytes:
    """The Python, marshal and PyYAML versions (PyYAML's from its own module when it is not
    installed as a distribution, which costs importing it)."""
    version = version_of("pyyaml")
    if version is None:
        import yaml

        version = yaml.__version__
    return f"{sys.version_info[:2]}|{marshal.version}|{version}|".encode()


def cached_documents(text: str, source: str) -> list[Any]:
    """load_documents(text, source), from the cache when this text was parsed before."""
    found = cached("stream", text, lambda: load_documents(text, source))
    return found if isinstance(found, list) else load_documents(text, source)


def cached_document(text: str, source: str) -> Any:
    """load_document(text, source), from the cache when this text was parsed before."""
    return cached("document", text, lambda: load_document(text, source))


def cached(how: str, text: str, parse: Callable[[], Any]) -> Any:
    """parse() of `text`, from the cache when this text was parsed `how` before. What parse()
    raises is raised, and nothing is kept."""
    folder = cache_dir("parsed")
    if folder is None:
        return parse()
    path = folder / hashlib.sha256(_salt() + f"|{how}|{text}".encode()).hexdigest()
    try:
        found = marshal.loads(path.read_bytes())
        os.utime(path)  # kept as recently used
        return found
    except (OSError, ValueError, EOFError, TypeError):
        pass
    parsed = parse()
    try:
        data = marshal.dumps(parsed)
    except ValueError:  # a datetime, or another type marshal does not know
        return parsed
    _store(folder, path, data)
    return parsed


def _store(folder: Path, path: Path, data: bytes) -> None:
    """Write atomically, then drop the oldest entries beyond KEEP; a cache that cannot be
    written is only slower."""
    import tempfile  # only on a miss

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
