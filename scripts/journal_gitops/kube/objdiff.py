"""What differs between two sets of objects (two renders of one environment): objects matched
by kind, namespace and name, each changed one with a unified diff of its YAML with sorted keys,
so only real changes show. A ConfigMap or Secret whose generated name changed with its content
is one change."""

from __future__ import annotations

import difflib
from collections.abc import Sequence
from dataclasses import dataclass
from enum import Enum
from typing import Any

from ..adapters.yamlload import dump
from .names import generated_base
from .objects import Resource

Key = tuple[str, str, str]  # kind, namespace, name


class Change(str, Enum):
    """What happens to an object between the two revisions."""

    ADDED = "added"
    CHANGED = "changed"
    REMOVED = "removed"

    def __str__(self) -> str:
        return self.value


@dataclass(frozen=True)
class ObjectDiff:
    kind: str
    namespace: str
    name: str
    change: Change
    diff: str
    old_name: str | None = None  # a generated name that changed with the content


def _key(resource: Resource) -> Key:
    return resource.kind, resource.namespace or "", resource.name


def _dump(body: dict[str, Any]) -> list[str]:
    return dump(body).splitlines(keepends=True)


def _unified(old: dict[str, Any] | None, new: dict[str, Any] | None, label: str) -> str:
    a = _dump(old) if old is not None else []
    b = _dump(new) if new is not None else []
    return "".join(difflib.unified_diff(a, b, f"a/{label}", f"b/{label}", n=3))


def _pair_renames(removed: dict[Key, Resource], added: dict[Key, Resource]
                  ) -> list[tuple[Resource, Resource]]:
    """Generated ConfigMaps/Secrets whose hash suffix changed: one object, new values."""
    pairs = []
    for key, new in list(added.items()):
        base = generated_base(new.name)
        if new.kind not in ("ConfigMap", "Secret") or base is None:
            continue
        candidates = [k for k, old in removed.items()
                      if k[0] == new.kind and k[1] == key[1] and generated_base(old.name) == base]
        if len(candidates) == 1:
            pairs.append((removed.pop(candidates[0]), added.pop(key)))
    return pairs


def compare(old: Sequence[Resource], new: Sequence[Resource]) -> tuple[ObjectDiff, ...]:
    """Every object that differs between two sets, matched by kind, namespace and name."""
    before = {_key(r): r for r in old}
    after = {_key(r): r for r in new}
    removed = {k: r for k, r in before.items() if k not in after}
    added = {k: r for k, r in after.items() if k not in before}
    out: list[ObjectDiff] = []
    for key in sorted(k for k in before if k in after):
        if before[key].body != after[key].body:
            label = "/".join(p for p in key if p)
            out.append(ObjectDiff(*key, Change.CHANGED,
                                  _unified(before[key].body, after[key].body, label)))
    for old_r, new_r in _pair_renames(removed, added):
        label = "/".join(p for p in _key(new_r) if p)
        old_body = {**old_r.body, "metadata": {**old_r.metadata, "name": new_r.name}}
        out.append(ObjectDiff(*_key(new_r), Change.CHANGED, _unified(old_body, new_r.body, label),
                              old_name=old_r.name))
    for key in sorted(added):
        out.append(ObjectDiff(*key, Change.ADDED, _unified(None, added[key].body,
                                                      "/".join(p for p in key if p))))
    for key in sorted(removed):
        out.append(ObjectDiff(*key, Change.REMOVED, _unified(removed[key].body, None,
                                                        "/".join(p for p in key if p))))
    return tuple(sorted(out, key=lambda o: (o.kind, o.namespace, o.name)))
