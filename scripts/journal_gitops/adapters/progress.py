"""Progress of long work for a person at a terminal: "rendering 3 of 12 environments" on one
line of stderr, rewritten in place and cleared at the end. The core says what it did; whether
anyone is shown it is the command line's choice (a terminal, and not `--output json`), so
pipes, CI logs and machine output stay quiet."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from contextvars import ContextVar
from typing import TextIO

_SHOWN: ContextVar[TextIO | None] = ContextVar("progress", default=None)


def report(what: str, done: int, total: int) -> None:
    """`done` of `total` units of `what` ("environments rendered") are done."""
    stream = _SHOWN.get()
    if stream is None or total < 2:
        return
    stream.write(f"\r\x1b[K{what}: {done} of {total}")
    if done >= total:
        stream.write("\r\x1b[K")
    stream.flush()


@contextlib.contextmanager
def shown_on(stream: TextIO, wanted: bool = True) -> Iterator[None]:
    """Show progress on `stream` while the block runs, if it is a terminal and `wanted`."""
    token = _SHOWN.set(stream if wanted and stream.isatty() else None)
    try:
        yield
    finally:
        if _SHOWN.get() is not None:
            stream.write("\r\x1b[K")
            stream.flush()
        _SHOWN.reset(token)
