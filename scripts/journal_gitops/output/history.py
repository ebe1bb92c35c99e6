"""What `gitops history` prints."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from ..adapters.shas import short_sha
from ..history.entries import Part
from . import json_document, table

if TYPE_CHECKING:
    from ..history.entries import HistoryRow


def _when(iso: str) -> str:
    return iso[:16].replace("T", " ")


MAX_FILES = 3  # a part with more shows their number (--output json lists them all)


def changes_text(row: HistoryRow) -> str:
    """What a history row changed, in one line: each image and config value moved, then the
    files of each other part."""
    parts = [f"{m.what} {short_sha(m.old)} -> {short_sha(m.new)}" for m in row.images]
    parts += [f"{m.what} {m.old or '(none)'} -> {m.new or '(none)'}" for m in row.config]
    for part in row.parts:
        found = row.files_of(part)
        files = found if len(found) <= MAX_FILES else (f"{len(found)} files",)
        if part == Part.REPLICAS:
            parts.append("replicas")
        elif part == Part.SHARED:
            parts.append(f"shared {' '.join(files)} ({', '.join(row.reached)})")
        elif part in (Part.OVERLAY, Part.APP, Part.SETTINGS):
            parts.append(f"{part} {' '.join(files)}")
    return ", ".join(parts)


def history_text(rows: Sequence[HistoryRow], env: str) -> str:
    if not rows:
        return f"no changes of {env} in git history\n"
    out = [(_when(row.date), short_sha(row.commit), row.author, str(row.kind),
            changes_text(row)) for row in rows]
    return table(("DATE", "COMMIT", "AUTHOR", "KIND", "CHANGES"), out)


def history_json(rows: Sequence[HistoryRow], env: str) -> str:
    return json_document({"env": env, "changes": [
        {"commit": r.commit, "date": r.date, "author": r.author, "kind": str(r.kind),
         "subject": r.subject,
         "images": [{"image": m.what, "old": m.old, "new": m.new} for m in r.images],
         "config": [{"key": m.what, "old": m.old, "new": m.new} for m in r.config],
         "parts": [str(part) for part in r.parts], "files": list(r.files),
         "reached": list(r.reached)}
        for r in rows]})
