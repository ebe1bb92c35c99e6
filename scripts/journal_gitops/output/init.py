"""What `gitops init` prints: what it found and what it guessed, and the file it wrote."""

from __future__ import annotations

from typing import TYPE_CHECKING

from . import json_document, plural, table

if TYPE_CHECKING:
    from ..usecases.init import Initialised


def init_text(done: Initialised) -> str:
    rows = [(f.key, f.value, f.how, f.source) for f in done.facts]
    guessed = sum(1 for f in done.facts if f.how == "guessed")
    verb = "replaced" if done.replaced else "wrote"
    check = (f" with {plural(guessed, 'guessed value')}, marked in its comments: check "
             f"{'it' if guessed == 1 else 'them'}, then" if guessed else "; now")
    return table(("KEY", "VALUE", "HOW", "FROM"), rows) + (
        f"{verb} {done.file}{check} run gitops validate\n")


def init_json(done: Initialised) -> str:
    return json_document({
        "file": done.file, "replaced": done.replaced,
        "facts": [{"key": f.key, "value": f.value, "how": f.how, "from": f.source}
                  for f in done.facts],
        "environments": [{"name": e.name, "overlay": e.overlay, "base": e.base,
                          "namespace": e.namespace, "application": e.application,
                          "applicationSet": e.application_set, "project": e.project}
                         for e in done.environments],
        "config": done.data})
