"""What `gitops history` prints."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from ..history.shas import short_sha
from . import json_document, table

if TYPE_CHECKING:
    from ..history.entries import HistoryRow


def _when(iso: str) -> str:
    return iso[:16].replace("T", " ")


def history_text(rows: Sequence[HistoryRow], env: str) -> str:
    if not rows:
        return f"no image or config changes of {env} in git history\n"
    out = []
    for row in rows:
        parts = [f"{m.what} {short_sha(m.old)} -> {short_sha(m.new)}" for m in row.images]
        parts += [f"{m.what} {m.old or '(none)'} -> {m.new or '(none)'}" for m in row.config]
        out.append((_when(row.date), short_sha(row.commit), row.author, str(row.kind),
                    ", ".join(parts)))
    return table(("DATE", "COMMIT", "AUTHOR", "KIND", "CHANGES"), out)


def history_json(rows: Sequence[HistoryRow], env: str) -> str:
    return json_document({"env": env, "changes": [
        {"commit": r.commit, "date": r.date, "author": r.author, "kind": str(r.kind),
         "subject": r.subject,
         "images": [{"image": m.what, "old": m.old, "new": m.new} for m in r.images],
         "config": [{"key": m.what, "old": m.old, "new": m.new} for m in r.config]}
        for r in rows]})
