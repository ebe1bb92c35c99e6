"""kustomize's warnings as findings, each on the kustomization file it is about.

kustomize prints a deprecation warning (`'patchesStrategicMerge' is deprecated. Please use
'patches' instead. ...`) once for every kustomization of the build that uses the field, and
names none of them: an overlay and the component it loads that both use a field give the same
line twice. Such a warning is reported once for each kustomization file of the environment's
tree (overlays.inputs.walk: the ones its build loads) that holds the field as a top-level key,
on that key's line. Any other warning, or one whose field no file holds, is reported on the
overlay's kustomization; identical warnings of one environment once.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path

from ..adapters.yamlload import MappingNode, compose_all
from ..errors import GitopsError
from ..overlays.inputs import walk
from .findings import Finding
from .rules.pipeline import KUSTOMIZE_WARNING

DEPRECATED = re.compile(r"^'(?P<field>[A-Za-z0-9_]+)' is deprecated\b")


def _top_keys(root: Path, overlay: Path) -> list[tuple[str, dict[str, int]]]:
    """Each kustomization file of the tree (relative to `root`, overlay first), with the line
    of each of its top-level keys."""
    found = []
    for _, file, _, text in walk(overlay, root):
        try:
            docs = compose_all(text, file.name)
        except GitopsError:
            continue
        lines = {str(key.value): key.start_mark.line + 1 for key, _ in docs[0].value} \
            if docs and isinstance(docs[0], MappingNode) else {}
        rel = file.relative_to(root).as_posix() if file.is_relative_to(root) else str(file)
        found.append((rel, lines))
    return found


def warning_findings(root: Path, overlay: Path, env: str, overlay_file: str,
                     warnings: Iterable[str]) -> list[Finding]:
    """The findings of an environment's build warnings (`overlay`: its folder)."""
    findings: list[Finding] = []
    tree: list[tuple[str, dict[str, int]]] | None = None
    for warning in dict.fromkeys(warnings):
        deprecated = DEPRECATED.match(warning)
        places: list[tuple[str, int]] = []
        if deprecated:
            tree = _top_keys(root.resolve(), overlay) if tree is None else tree
            places = [(rel, keys[deprecated["field"]]) for rel, keys in tree
                      if deprecated["field"] in keys]
        findings += [Finding(KUSTOMIZE_WARNING.id, warning, env, None, rel, line)
                     for rel, line in places] or [
            Finding(KUSTOMIZE_WARNING.id, warning, env, None, overlay_file)]
    return findings
