"""Edits of gitops.yaml's gate keys (`freezes`, `minSoak`) and of the AppProject's sync windows
that mirror the recurring freezes. Like every edit, only the lines concerned change."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ruamel.yaml.nodes import MappingNode, Node, SequenceNode

from .adapters.yamltext import YamlText
from .clock import iso
from .errors import CONFIG_FILE
from .gate_config import FREEZES, MIN_SOAK, Freeze, window_key

WINDOWS = "syncWindows"


def _freeze_fields(doc: YamlText, freeze: Freeze) -> list[str]:
    fields: list[tuple[str, str | None]] = [
        ("env", freeze.env), ("reason", freeze.reason),
        ("since", iso(freeze.since) if freeze.since else None),
        ("until", iso(freeze.until) if freeze.until else None),
        ("schedule", freeze.schedule), ("duration", freeze.duration),
        ("timeZone", freeze.time_zone)]
    return [f"{key}: {doc.format(value)}" for key, value in fields if value is not None]


def _root(doc: YamlText) -> MappingNode:
    if not isinstance(doc.root, MappingNode):
        raise ValueError(f"{CONFIG_FILE} is not a mapping")
    return doc.root


def add_freezes(text: str, freezes: Sequence[Freeze]) -> str:
    """gitops.yaml with these freezes added at the end of `freezes` (made when absent)."""
    doc = YamlText(text, CONFIG_FILE)
    root = _root(doc)
    seq = doc.get(root, FREEZES)
    if isinstance(seq, SequenceNode) and (seq.value or seq.flow_style):
        for freeze in freezes:
            fields = _freeze_fields(doc, freeze)
            if seq.flow_style or not seq.value:
                doc.append(seq, {k: v for k, _, v in (f.partition(": ") for f in fields)})
            else:
                doc.insert_after(seq, len(seq.value) - 1, fields)
        return doc.result()
    if seq is not None:
        doc.remove(root, FREEZES)
    lines = ["", "# Release gates: freezes (gitops freeze / unfreeze). While one holds, a change",
             "# to the environment needs a Break-Glass trailer.", f"{FREEZES}:"]
    for freeze in freezes:
        fields = _freeze_fields(doc, freeze)
        lines += [f"  - {fields[0]}", *(f"    {field}" for field in fields[1:])]
    doc.insert_lines(root, lines)
    return doc.result()


def remove_freezes(text: str, indexes: Sequence[int]) -> str:
    """gitops.yaml without the freezes at these positions (and without the key when none is
    left)."""
    doc = YamlText(text, CONFIG_FILE)
    root = _root(doc)
    seq = doc.get(root, FREEZES)
    if not isinstance(seq, SequenceNode):
        return text
    if set(indexes) >= set(range(len(seq.value))):
        doc.remove(root, FREEZES)
    else:
        for index in indexes:
            doc.remove_item(seq, index)
    return doc.result()


def set_soak(text: str, env: str, value: str | None) -> str:
    """gitops.yaml with env's minimum soak set, or removed (None)."""
    doc = YamlText(text, CONFIG_FILE)
    root = _root(doc)
    soaks = doc.get(root, MIN_SOAK)
    if isinstance(soaks, MappingNode) and not soaks.flow_style and soaks.value:
        if value is not None:
            doc.set(soaks, env, value)
        elif [k.value for k, _ in soaks.value] == [env]:
            doc.remove(root, MIN_SOAK)
        else:
            doc.remove(soaks, env)
        return doc.result()
    if value is None:
        return text
    if soaks is not None:
        doc.remove(root, MIN_SOAK)
    doc.insert_lines(root, ["", "# Release gates: minimum soak. Tags are promoted into an "
                                "environment only after", "# running this long in the one they "
                                "come from (gitops env set ENV --min-soak).", f"{MIN_SOAK}:",
                            f"  {env}: {doc.format(value)}"])
    return doc.result()


# --- the AppProject's sync windows ----------------------------------------------------------


def _window_lines(doc: YamlText, window: dict[str, Any]) -> list[str]:
    lines = []
    for key, value in window.items():
        if isinstance(value, list):
            lines += [f"{key}:", *(f"  - {doc.format(str(v))}" for v in value)]
        elif isinstance(value, bool):
            lines.append(f"{key}: {'true' if value else 'false'}")
        else:
            lines.append(f"{key}: {doc.format(str(value))}")
    return lines


def edit_windows(doc: YamlText, spec: MappingNode, current: list[Any],
                 wanted: list[dict[str, Any]], ours: set[str]) -> bool:
    """Make the deny windows over `ours` (Application names) exactly `wanted`; other windows
    stay. Returns whether anything changed."""
    node = doc.get(spec, WINDOWS)
    items: list[Node] = list(node.value) if isinstance(node, SequenceNode) else []
    wanted_keys = [window_key(w) for w in wanted]
    remove = [i for i, w in enumerate(current)
              if (key := window_key(w)) is not None and key[3] and set(key[3]) <= ours
              and key not in wanted_keys]
    have = {window_key(w) for w in current}
    add = [w for w, key in zip(wanted, wanted_keys, strict=True) if key not in have]
    if not remove and not add:
        return False
    kept = len(items) - len(remove)
    if isinstance(node, SequenceNode) and not node.flow_style and (kept or not add) and items:
        if kept == 0:
            doc.remove(spec, WINDOWS)
        else:
            for index in remove:
                doc.remove_item(node, index)
            last = max(i for i in range(len(items)) if i not in remove)
            for window in add:
                doc.insert_after(node, last, _window_lines(doc, window))
        return True
    if node is not None:
        doc.remove(spec, WINDOWS)
    lines = ["# Deny windows written by `gitops freeze` from the recurring freezes in",
             "# gitops.yaml: Argo CD holds automated syncs of those Applications then.",
             f"{WINDOWS}:"]
    for window in [*(w for i, w in enumerate(current) if i not in remove), *add]:
        first, *rest = _window_lines(doc, window)
        lines += [f"  - {first}", *(f"    {line}" for line in rest)]
    doc.insert_lines(spec, lines)
    return True
