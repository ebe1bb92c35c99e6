"""The prefixes and suffixes kustomize puts on an overlay's object names (`namePrefix`,
`nameSuffix`), so that two overlays' objects pair up by the names their bases give them.

A kustomization's prefix and suffix go on every object it builds, those of the folders it
lists under `resources:` included, outside theirs: `dev-` over a base's `app-` names `x`
`dev-app-x`. Namespaces, CustomResourceDefinitions and APIServices keep their names. The
references kustomize knows (a pod's ConfigMap, an Ingress's Service, a StatefulSet's
serviceName) follow the names they point at. Read here: the overlay's own kustomization and,
through its `resources:` (and `bases:`) folders inside the repository, each base's; a
component's prefix is not.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from . import inputs

UNPREFIXED_KINDS = frozenset({"Namespace", "CustomResourceDefinition", "APIService"})


@dataclass(frozen=True)
class NameAffixes:
    """What an overlay puts around its objects' names; `pairs`: every (prefix, suffix) one of
    its objects may have (the overlay's own, and its own around each base's), longest first."""

    own: tuple[str, str]
    pairs: tuple[tuple[str, str], ...]

    def strip(self, name: str) -> str:
        """The name without the longest prefix and suffix of this overlay it has."""
        for prefix, suffix in self.pairs:
            if (len(name) > len(prefix) + len(suffix) and name.startswith(prefix)
                    and name.endswith(suffix)):
                return name[len(prefix):len(name) - len(suffix)]
        return name

    def strip_own(self, name: str) -> str:
        """A name as the overlay's own patches target it (inside its own prefix), stripped."""
        prefix, suffix = self.own
        return self.strip(f"{prefix}{name}{suffix}")

    @property
    def pattern(self) -> str:
        """How names are made: `dev-*` (several forms joined by ', '; `*` when left alone)."""
        return ", ".join(f"{prefix}*{suffix}" for prefix, suffix in self.pairs)


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""


def _pairs(folder: Path, root: Path, seen: frozenset[Path]) -> list[tuple[str, str]]:
    file = inputs.kustomization_file(folder)
    data = inputs.load(file)[0] if file is not None else None
    if not isinstance(data, dict):
        return [("", "")]
    prefix, suffix = _text(data.get("namePrefix")), _text(data.get("nameSuffix"))
    out = [(prefix, suffix)]
    for field in ("resources", "bases"):
        listed = data.get(field)
        for entry in listed if isinstance(listed, list) else []:
            child = (folder / str(entry)).resolve()
            if child.is_dir() and child.is_relative_to(root) and child not in seen:
                out += [(prefix + p, s + suffix)
                        for p, s in _pairs(child, root, seen | {child})]
    return out


def name_affixes(root: Path, overlay: str) -> NameAffixes:
    """The affixes of the overlay at `overlay` (relative to the repository `root`)."""
    top = root.resolve()
    folder = (top / overlay).resolve()
    pairs = _pairs(folder, top, frozenset({folder}))
    ordered = sorted(dict.fromkeys(pairs), key=lambda p: len(p[0]) + len(p[1]), reverse=True)
    return NameAffixes(pairs[0], tuple(ordered))


# A kustomization an object passes through on its way to the overlay: its folder, and the
# prefix and suffix the object's name carries once it (and those inside it) applied theirs.
Step = tuple[Path, str, str]
Chain = tuple[Step, ...]  # outermost (the overlay) first


def _folder(folder: Path, entry: Any, top: Path) -> Path | None:
    """A folder entry of a kustomization, resolved, when it is a folder of the repository."""
    try:
        child = (folder / str(entry)).resolve()
        return child if child.is_dir() and child.is_relative_to(top) else None
    except (OSError, ValueError):
        return None


def chains(root: Path, start: Path) -> dict[Path, tuple[Chain, ...]]:
    """Every folder of the tree at `start` (resolved, inside `root`) with each way the objects
    its kustomization lists reach `start` (several when two paths load it): the kustomizations
    they pass through, so that a rendered name is traced to the one document written under it.
    A component is no step of its own: what it lists and patches is its parent's, and its
    prefix is not read (as above)."""
    top = root.resolve()
    found: dict[Path, list[Chain]] = {}
    pending: list[tuple[Path, Chain, bool]] = [(start.resolve(), (), False)]
    while pending:
        folder, outer, component = pending.pop(0)
        file = inputs.kustomization_file(folder)
        loaded = inputs.load(file)[0] if file is not None else None
        data = loaded if isinstance(loaded, dict) else {}
        chain = outer
        if not (component and outer):
            prefix, suffix = (outer[-1][1], outer[-1][2]) if outer else ("", "")
            chain = (*outer, (folder, prefix + _text(data.get("namePrefix")),
                              _text(data.get("nameSuffix")) + suffix))
        known = found.setdefault(folder, [])
        if chain in known:
            continue
        known.append(chain)
        around = {step[0] for step in chain} | {folder}
        for field in ("resources", "bases", "components"):
            listed = data.get(field)
            for entry in listed if isinstance(listed, list) else []:
                child = _folder(folder, entry, top)
                if child is not None and child not in around:
                    pending.append((child, chain, field == "components"))
    return {folder: tuple(ways) for folder, ways in found.items()}
