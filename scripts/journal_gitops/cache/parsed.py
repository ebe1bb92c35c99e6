"""YAML people write, parsed once per text: the plain data of a text is remembered under the
text and the reader's code, as JSON, when JSON gives it back type for type (a date, a key that
is not text or the like is read anew each time). Reading JSON is many times faster than reading
YAML strictly, and a repository of many environments reads hundreds of unchanged files per
command. A text that cannot be read is never remembered: its error is worked out each time."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Callable
from typing import Any

from .store import Namespace, key_of, source_digest

PARSED = Namespace("yaml-data", keep=8192)


def parsed(kind: str, text: str, read: Callable[[str], Any]) -> Any:
    """`read(text)` (which raises on a text it refuses), or what it gave for the same text of
    the same `kind` before."""
    key = key_of("yaml-data", kind, source_digest("yaml"), text)
    stored = PARSED.get(key)
    if stored is not None:
        with contextlib.suppress(ValueError):
            return json.loads(stored)
    data = read(text)
    with contextlib.suppress(TypeError, ValueError, RecursionError):
        encoded = json.dumps(data, allow_nan=False)
        if _same(json.loads(encoded), data):
            PARSED.put(key, encoded.encode())
    return data


def _same(a: Any, b: Any) -> bool:
    """Equal, and of the same types all the way down (1, 1.0 and True are equal in Python)."""
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return list(a) == list(b) and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    return bool(a == b)
