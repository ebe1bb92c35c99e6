"""A new gitops.yaml as text: each key under a comment that says what it is (in the schema's
own words) and how its value was come by, so that a reader checks the guesses first."""

from __future__ import annotations

import textwrap
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from ..adapters.yamlload import flow
from .load import schema

WIDTH = 99
Path = tuple[str | int, ...]  # a key path inside an entry's value


@dataclass(frozen=True)
class Entry:
    """A top-level key: its value (plain data), how it was come by, and notes on the items
    inside the value (by their key path)."""

    key: str
    value: Any
    note: str
    notes: dict[Path, str] = field(default_factory=dict)


def _comment(text: str, indent: int) -> list[str]:
    pad = " " * indent
    return textwrap.wrap(text, WIDTH - indent, initial_indent=f"{pad}# ",
                         subsequent_indent=f"{pad}# ", break_on_hyphens=False,
                         break_long_words=False)


def _description(path: Sequence[str]) -> str | None:
    """What schema.json says the key at `path` is (None where it says nothing)."""
    node: Any = schema()
    for key in path:
        node = node.get("properties", {}).get(key) if isinstance(node, dict) else None
    found = node.get("description") if isinstance(node, dict) else None
    return str(found) if found else None


def _scalar(value: Any, indent: int) -> bool:
    """Whether a nested value is written on its key's line: a scalar, a short list of them
    (`[dev, prod]`), or deep down a mapping of one (`{applicationSet: dev}`)."""
    if isinstance(value, list | dict):
        items = list(value.values() if isinstance(value, dict) else value)
        most = (1 if indent > 4 else 0) if isinstance(value, dict) else 4
        return 0 < len(items) <= most and not any(isinstance(v, dict | list) for v in items)
    return True


def _lines(value: Any, indent: int, path: Path, notes: dict[Path, str],
           described: tuple[str, ...] | None) -> list[str]:
    """The value's block lines at `indent`, notes and (for keys the schema describes, as
    `described` names them) descriptions above their items."""
    pad = " " * indent
    out: list[str] = []
    if isinstance(value, dict):
        for key, item in value.items():
            where = (*described, key) if described is not None else None
            text = _description(where) if where is not None else None
            out += _comment(text, indent) if text else []
            note = notes.get((*path, key))
            out += _comment(note, indent) if note else []
            if _scalar(item, indent):
                out.append(f"{pad}{key}: {flow(item)}")
            else:
                out.append(f"{pad}{key}:")
                out += _lines(item, indent + 2, (*path, key), notes,
                              where if isinstance(item, dict) and text else None)
        return out
    for index, item in enumerate(value):
        note = notes.get((*path, index))
        out += _comment(note, indent) if note else []
        if isinstance(item, dict):
            inner = _lines(item, indent + 2, (*path, index), notes, None)
            out += [f"{pad}- {inner[0].lstrip()}", *inner[1:]]
        else:
            out.append(f"{pad}- {flow(item)}")
    return out


def render(entries: Sequence[Entry], header: str) -> str:
    """gitops.yaml's text: the header, then each entry under its comment, a blank line apart."""
    blocks = ["\n".join(_comment(header, 0))]
    for entry in entries:
        lines = _comment(_description([entry.key]) or entry.key, 0) + _comment(entry.note, 0)
        if not isinstance(entry.value, dict | list):
            lines.append(f"{entry.key}: {flow(entry.value)}")
        else:
            lines.append(f"{entry.key}:")
            lines += _lines(entry.value, 2, (), entry.notes,
                            (entry.key,) if entry.key == "layout" else None)
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks) + "\n"

