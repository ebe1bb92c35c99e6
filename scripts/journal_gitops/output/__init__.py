"""Every format the tooling prints, in one place: aligned tables for people, JSON for machines,
Markdown for pull requests, workflow commands for GitHub.

One newline rule: every formatter returns whole lines, each ending in a newline, and the command
line prints them as they are. Every JSON document is an object with `version` and `ok`; lists
sit under a key, so a document can gain keys without breaking its readers. The JSON shapes are a
stable contract: keys are added, never renamed or removed (CHANGELOG.md lists every change).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

JSON_VERSION = 1


def table(headers: Sequence[str], rows: Sequence[Sequence[str]], header: bool = True) -> str:
    """Columns padded to their widest cell, as lines; the last column is never padded."""
    shown = [headers, *rows] if header else rows
    widths = [max((len(str(r[i])) for r in shown), default=0) for i in range(len(headers))]
    lines = []
    for row in shown:
        cells = [str(cell).ljust(widths[i]) for i, cell in enumerate(row[:-1])]
        lines.append("  ".join([*cells, str(row[-1])]).rstrip())
    return lines_of(lines)


def lines_of(lines: Sequence[str]) -> str:
    """Lines joined, each ending in a newline (nothing for no lines)."""
    return "".join(f"{line}\n" for line in lines)


def plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def json_document(data: dict[str, Any], ok: bool = True) -> str:
    """A JSON document of the stable contract: `version` and `ok` first, then the data."""
    return json.dumps({"version": JSON_VERSION, "ok": ok, **data}, indent=2) + "\n"


def error_document(message: str, exit_code: int) -> str:
    """A failure under `--output json`: the one-line message and the exit code."""
    return json_document({"error": message, "exitCode": exit_code}, ok=False)
