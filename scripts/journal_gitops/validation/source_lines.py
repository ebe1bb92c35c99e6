"""Where a rendered object, or one field of it, is written: the file and line in base/ or the
overlay, for `--output github` annotations and the JSON `line`.

kustomize's output says nothing about where an object came from unless the build adds
`buildMetadata: [originAnnotations]`, which would need a second build in a patched copy of
every kustomization (and its annotations name only the object's file, never a field's line, nor
a patch). Instead the kustomization tree the render read is walked again here, and every
document of its resource and patch files is indexed by kind and name; the object is found by
kind and the name it renders as (a generated ConfigMap or Secret by its name without kustomize's
hash suffix), and a field by walking the same path through the YAML nodes (list items matched
by `name` when they have one, else by index). A document renders under the `namePrefix` and
`nameSuffix` of every kustomization on its way to the overlay (overlays/affixes.chains), so
only the document written for that chain is the object's. A patch, op or `replicas:` entry
changes it when it names it by any name it had on that way (kustomize matches the original
name and every later one) and its kustomization is on that way. A field an overlay sets wins
over the base: an inline JSON6902 op on that path, a strategic-merge patch that has the field,
the overlay's `images:` entry for an image and its `replicas:` entry for a replica count. When
nothing more precise is found the object's first line is used. Built only when an environment
has findings.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..adapters.yamlload import MappingNode, ScalarNode, SequenceNode, compose_all
from ..errors import GitopsError
from ..kube.names import generated_base
from ..kube.objects import Resource
from ..overlays.affixes import UNPREFIXED_KINDS, Chain, chains
from ..overlays.inputs import entries, walk

FieldPath = tuple[str | int, ...]
Node = Any  # a node of compose_all's trees


def _scalar(node: Node, *keys: str) -> str | None:
    for key in keys:
        if not isinstance(node, MappingNode):
            return None
        node = next((v for k, v in node.value if getattr(k, "value", None) == key), None)
    return str(node.value) if isinstance(node, ScalarNode) else None


def _walk(node: Node, body: Any, path: FieldPath) -> tuple[int, int]:
    """(line of the deepest node reached, how many path steps were matched)."""
    line, depth = node.start_mark.line + 1, 0
    for step in path:
        if isinstance(node, MappingNode) and isinstance(step, str):
            pair = next(((k, v) for k, v in node.value if getattr(k, "value", None) == step),
                        None)
            if pair is None:
                break
            line, node = pair[0].start_mark.line + 1, pair[1]
            body = body.get(step) if isinstance(body, dict) else None
        elif isinstance(node, SequenceNode) and isinstance(step, int):
            item = body[step] if isinstance(body, list) and step < len(body) else None
            name = item.get("name") if isinstance(item, dict) else None
            match = next((n for n in node.value if name is not None and
                          _scalar(n, "name") == str(name)), None)
            if match is None and name is None and step < len(node.value):
                match = node.value[step]
            if match is None:
                break
            node, body, line = match, item, match.start_mark.line + 1
        else:
            break
        depth += 1
    return line, depth


def _pointer(path: FieldPath) -> str:
    return "/" + "/".join(str(p).replace("~", "~0").replace("/", "~1") for p in path)


def _strip(name: str, prefix: str, suffix: str) -> str | None:
    if len(name) > len(prefix) + len(suffix) and name.startswith(prefix) and \
            name.endswith(suffix):
        return name[len(prefix):len(name) - len(suffix)]
    return None


@dataclass(frozen=True)
class _Source:
    """What writes an object: a document (or a generator entry, known by its line), the name
    it is written under, and the kustomizations it passes through on its way to the overlay."""

    rel: str
    line: int
    node: Node | None
    written: str
    chain: Chain


@dataclass(frozen=True)
class _Change:
    """A patch document, JSON6902 op or `replicas:` entry (`order`: its place in the tree,
    overlay first), and the kustomizations whose objects it changes: its folder's, or for a
    component its parent's. `offset`: the lines before an inline patch's text."""

    order: int
    rel: str
    line: int
    scopes: frozenset[Path]
    node: Node | None = None
    pointer: str = ""
    offset: int = 0


Ways = tuple[Chain, ...]


def _plain(folder: Path) -> Ways:
    """The one way of a folder's objects that no kustomization renames."""
    return (((folder, "", ""),),)


@dataclass
class SourceIndex:
    """The documents of one kustomization tree: what writes each object, by kind and the name
    it renders as; what changes one, by kind and a name it may be targeted by."""

    root: Path
    objects: dict[tuple[str, str], list[_Source]] = field(default_factory=dict)
    generated: dict[tuple[str, str], list[_Source]] = field(default_factory=dict)
    patches: dict[tuple[str, str], list[_Change]] = field(default_factory=dict)
    ops: dict[tuple[str, str], list[_Change]] = field(default_factory=dict)
    replicas: dict[tuple[str, str], list[_Change]] = field(default_factory=dict)  # kind ""
    images: dict[str, tuple[str, int]] = field(default_factory=dict)
    affixes: set[tuple[str, str]] = field(default_factory=set)  # every step's, for the unknown
    changes: int = 0  # how many were indexed: the next one's order

    @classmethod
    def of(cls, root: Path, folders: list[Path]) -> SourceIndex:
        index = cls(root.resolve())
        for folder in folders:
            index._add_tree(folder.resolve())
        return index

    def _add_source(self, table: dict[tuple[str, str], list[_Source]], kind: str, written: str,
                    where: tuple[str, int, Node | None], ways: Ways) -> None:
        """Index what writes an object under the name it renders as by each way it takes."""
        rel, line, node = where
        for chain in ways:
            _, prefix, suffix = chain[-1]
            rendered = written if kind in UNPREFIXED_KINDS else f"{prefix}{written}{suffix}"
            table.setdefault((kind, rendered), []).append(_Source(rel, line, node, written, chain))

    def _add_change(self, table: dict[tuple[str, str], list[_Change]], key: tuple[str, str],
                    where: tuple[str, int], ways: Ways, node: Node | None = None,
                    pointer: str = "", offset: int = 0) -> None:
        self.changes += 1
        scopes = frozenset(chain[-1][0] for chain in ways)
        table.setdefault(key, []).append(_Change(self.changes, *where, scopes, node, pointer,
                                                 offset))

    def _rel(self, path: Path) -> str:
        return path.relative_to(self.root).as_posix() if path.is_relative_to(self.root) else \
            str(path)

    def _documents(self, path: Path) -> Iterator[Node]:
        try:
            yield from compose_all(path.read_text(encoding="utf-8"), str(path))
        except (OSError, UnicodeDecodeError, GitopsError):
            return

    def add_file(self, path: Path, patch: bool = False, ways: Ways | None = None) -> None:
        """Index a file's documents (`ways`: see affixes.chains; by default written as they
        render, as an Argo CD manifest is)."""
        ways = ways or _plain(path.parent.resolve())
        rel = self._rel(path)
        for doc in self._documents(path):
            kind, name = _scalar(doc, "kind"), _scalar(doc, "metadata", "name")
            if kind and name and patch:
                self._add_change(self.patches, (kind, name), (rel, 0), ways, doc)
            elif kind and name:
                self._add_source(self.objects, kind, name, (rel, 0, doc), ways)

    def _add_tree(self, start: Path) -> None:
        every = chains(self.root, start)
        self.affixes |= {(prefix, suffix) for ways in every.values() for chain in ways
                         for _, prefix, suffix in chain}
        for folder, file, data, _ in walk(start, self.root):
            ways = every.get(folder) or _plain(folder)
            self._add_kustomization(file, ways)
            for fieldname, entry, _fetchable in entries(data):
                target = (folder / entry).resolve()
                if not target.is_relative_to(self.root):
                    continue
                if target.is_file() and fieldname == "resources":
                    self.add_file(target, ways=ways)
                elif target.is_file() and fieldname in ("patches", "patchesStrategicMerge"):
                    self.add_file(target, patch=True, ways=ways)

    def _add_kustomization(self, file: Path, ways: Ways) -> None:
        """Inline patches, images, replicas and generators, with their lines."""
        docs = list(self._documents(file))
        if not docs or not isinstance(docs[0], MappingNode):
            return
        rel = self._rel(file)
        top = {getattr(k, "value", None): v for k, v in docs[0].value}
        for entry in getattr(top.get("images"), "value", []) or []:
            name = _scalar(entry, "name")
            if name:
                self.images.setdefault(name, (rel, entry.start_mark.line + 1))
            new_name = _scalar(entry, "newName")
            if new_name:
                self.images.setdefault(new_name, (rel, entry.start_mark.line + 1))
        for entry in getattr(top.get("replicas"), "value", []) or []:
            name = _scalar(entry, "name")
            if name:
                self._add_change(self.replicas, ("", name), (rel, entry.start_mark.line + 1),
                                 ways)
        for key, made in (("configMapGenerator", "ConfigMap"), ("secretGenerator", "Secret")):
            for entry in getattr(top.get(key), "value", []) or []:
                name = _scalar(entry, "name")
                if name:
                    self._add_source(self.generated, made, name,
                                     (rel, entry.start_mark.line + 1, None), ways)
        for entry in getattr(top.get("patches"), "value", []) or []:
            kind, name = _scalar(entry, "target", "kind"), _scalar(entry, "target", "name")
            patch = next((v for k, v in getattr(entry, "value", [])
                          if getattr(k, "value", None) == "patch"), None)
            if kind and name and isinstance(patch, ScalarNode):
                self._add_inline(rel, (kind, name), patch, ways)

    def _add_inline(self, rel: str, key: tuple[str, str], patch: Node, ways: Ways) -> None:
        """A patch in a block scalar: each line is the block's line plus its own."""
        offset = patch.start_mark.line + (1 if patch.style in ("|", ">") else 0)
        try:
            docs = compose_all(patch.value, rel)
        except GitopsError:
            return
        for doc in docs:
            if isinstance(doc, SequenceNode):
                for op in doc.value:
                    pointer = _scalar(op, "path")
                    if pointer:
                        self._add_change(self.ops, key, (rel, offset + op.start_mark.line + 1),
                                         ways, pointer=pointer)
            elif isinstance(doc, MappingNode):
                self._add_change(self.patches, key, (rel, 0), ways, doc, offset=offset)

    def _source(self, resource: Resource) -> tuple[_Source | None, str]:
        """What writes the object, and the name it renders as (a generated one's, unhashed)."""
        kind, name = resource.kind, resource.name
        found = self.objects.get((kind, name))
        own_file = self.root / resource.source
        if not found and resource.source.endswith((".yaml", ".yml", ".json")) and \
                own_file.is_file():  # an Argo CD manifest: read as it is written
            self.add_file(own_file)
            found = self.objects.get((kind, name))
        if not found and kind in ("ConfigMap", "Secret"):
            base = generated_base(name) or name
            found = self.objects.get((kind, base)) or self.generated.get((kind, base))
            name = base if found else name
        return (found[0] if found else None), name

    def _changes(self, table: dict[tuple[str, str], list[_Change]], kind: str, name: str,
                 source: _Source | None) -> list[_Change]:
        """What changes the object, overlay first: named by any name it had on its way, in a
        kustomization on that way (when its source is not found: by its name without any
        prefix and suffix of the tree, from anywhere)."""
        scopes = None if source is None else frozenset(step[0] for step in source.chain)
        affixes = () if kind in UNPREFIXED_KINDS else self.affixes if source is None else \
            [(prefix, suffix) for _, prefix, suffix in source.chain]
        names = {name, *(_strip(name, prefix, suffix) or name for prefix, suffix in affixes)}
        if source is not None:
            names.add(source.written)
        found = [change for each in names for change in table.get((kind, each), [])
                 if scopes is None or change.scopes & scopes]
        return sorted(found, key=lambda change: change.order)

    def locate(self, resource: Resource, path: FieldPath = ()) -> tuple[str, int] | None:
        """The file and line of the object, or of the field at `path` when it can be traced."""
        source, name = self._source(resource)
        kind = resource.kind
        pointer = _pointer(path) if path else ""
        for op in self._changes(self.ops, kind, name, source) if path else []:
            if pointer == op.pointer or pointer.startswith(op.pointer + "/"):
                return op.rel, op.line
        if path and path[-1] == "image":
            image = _image_at(resource.body, path)
            repo = re.split(r"[@:]", image.rsplit("/", 1)[-1])[0] if image else ""
            for image_name, where in self.images.items():
                if image and (image.startswith(image_name + ":") or
                              image.startswith(image_name + "@") or
                              image_name.rsplit("/", 1)[-1] == repo):
                    return where
        if path == ("spec", "replicas"):
            for entry in self._changes(self.replicas, "", name, source):
                return entry.rel, entry.line
        for patch in self._changes(self.patches, kind, name, source) if path else []:
            line, depth = _walk(patch.node, resource.body, path)
            if depth == len(path):
                return patch.rel, patch.offset + line
        if source is None:
            return None
        if source.node is None:
            return source.rel, source.line
        return source.rel, _walk(source.node, resource.body, path)[0]


def _image_at(body: Any, path: FieldPath) -> str:
    node = body
    for step in path:
        if isinstance(node, dict) and isinstance(step, str):
            node = node.get(step)
        elif isinstance(node, list) and isinstance(step, int) and step < len(node):
            node = node[step]
        else:
            return ""
    return node if isinstance(node, str) else ""
