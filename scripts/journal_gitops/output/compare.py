"""How `gitops compare` prints: what the tooling manages per environment (alike differences
folded into one row), image versions, then everything else with the file that causes it."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ..usecases.compare import CompareReport, Difference, Group
from . import json_document, lines_of, plural, table


def _value(value: str | None) -> str:
    return "(absent)" if value is None else value


def _folded(diffs: Sequence[Difference], names: tuple[str, str]
            ) -> list[tuple[str, str, str, str, str]]:
    """Managed differences: one row per category and pair of values, with how many objects;
    the names the overlays' prefixes and suffixes change in one row, with how each side makes
    them (`dev-*`)."""
    rows: dict[tuple[str, str, str, str], list[str]] = {}
    for d in diffs:
        values = names if d.category == "name-prefix" else (_value(d.left), _value(d.right))
        rows.setdefault((d.category, *values, d.source), []).append(
            d.object if d.category in ("namespace", "name-hash", "name-prefix")
            else f"{d.object} {d.field}")
    out = []
    for (category, left, right, source), found in rows.items():
        objects = list(dict.fromkeys(found))
        what = ", ".join(objects) if len(objects) <= 2 else plural(len(objects), "object")
        out.append((category, what, left, right, source))
    return out


def _other_rows(report: CompareReport) -> list[tuple[str, ...]]:
    return [(d.object, d.field or "(whole object)", _value(d.left), _value(d.right), d.source,
             d.intended or "NOT DECLARED") for d in report.group(Group.OTHER)]


def compare_text(report: CompareReport) -> str:
    left, right = report.left, report.right
    managed, images = report.group(Group.MANAGED), report.group(Group.IMAGES)
    other = report.group(Group.OTHER)
    lines = [f"{left} vs {right}", "", f"Managed per environment ({len(managed)}):"]
    lines += table(("WHAT", "WHERE", left.upper(), right.upper(), "FROM"),
                   _folded(managed, report.names)).splitlines() if managed else ["  none"]
    lines += ["", f"Image versions ({len(images)}):"]
    lines += table(("OBJECT", "FIELD", left.upper(), right.upper()),
                   [(d.object, d.field, _value(d.left), _value(d.right)) for d in images]
                   ).splitlines() if images else ["  the same in both"]
    lines += ["", f"Other differences ({len(other)}, {len(report.undeclared)} not declared "
                  f"intended):"]
    lines += table(("OBJECT", "FIELD", left.upper(), right.upper(), "FROM", "INTENDED"),
                   _other_rows(report)).splitlines() if other else ["  none"]
    return lines_of(lines)


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def _md_table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    return [f"| {' | '.join(headers)} |", f"|{' --- |' * len(headers)}",
            *(f"| {' | '.join(_cell(c) for c in row)} |" for row in rows)]


def compare_markdown(report: CompareReport) -> str:
    left, right = report.left, report.right
    managed, images = report.group(Group.MANAGED), report.group(Group.IMAGES)
    other = report.group(Group.OTHER)
    lines = [f"### {left} vs {right}", "",
             f"**Managed per environment** ({len(managed)})", ""]
    lines += (_md_table(("what", "where", left, right, "from"), _folded(managed, report.names))
              if managed else ["None."])
    lines += ["", f"**Image versions** ({len(images)})", ""]
    lines += (_md_table(("object", "field", left, right),
                        [(d.object, d.field, _value(d.left), _value(d.right)) for d in images])
              if images else ["The same in both."])
    lines += ["", f"**Other differences** ({len(other)}, {len(report.undeclared)} not declared "
                  f"intended)", ""]
    lines += (_md_table(("object", "field", left, right, "from", "intended"),
                        _other_rows(report)) if other else ["None."])
    return lines_of(lines)


def _json(d: Difference) -> dict[str, Any]:
    return {"category": d.category, "object": d.object, "field": d.field or None,
            "left": d.left, "right": d.right, "source": d.source.split(", "),
            "intended": d.intended}


def compare_json(report: CompareReport) -> str:
    return json_document({
        "left": report.left,
        "right": report.right,
        "managed": [_json(d) for d in report.group(Group.MANAGED)],
        "images": [_json(d) for d in report.group(Group.IMAGES)],
        "other": [_json(d) for d in report.group(Group.OTHER)],
        "undeclared": len(report.undeclared),
    })
