"""Where a rendered object, or one field of it, is written: the file and line in base/ or the
overlay, for `--output github` annotations and the JSON `line`.

kustomize's output says nothing about where an object came from unless the build adds
`buildMetadata: [originAnnotations]`, which would need a second build in a patched copy of
every kustomization (and its annotations name only the object's file, never a field's line, nor
a patch). Instead the kustomization tree the render read is walked again here, and every
document of its resource and patch files is indexed by kind and name; the object is found by
kind and name (a generated ConfigMap or Secret by its name without kustomize's hash suffix),
and a field by walking the same path through the YAML nodes (list items matched by `name` when
they have one, else by index). A field an overlay sets wins over the base: an inline JSON6902
op on that path, a strategic-merge patch that has the field, the overlay's `images:` entry for
an image and its `replicas:` entry for a replica count. When nothing more precise is found the
object's first line is used. Built only when an environment has findings.
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


@dataclass
class SourceIndex:
    """The documents of one kustomization tree, by (kind, name), overlay first."""

    root: Path
    objects: dict[tuple[str, str], list[tuple[str, Node]]] = field(default_factory=dict)
    patches: dict[tuple[str, str], list[tuple[str, Node]]] = field(default_factory=dict)
    ops: dict[tuple[str, str], list[tuple[str, str, int]]] = field(default_factory=dict)
    images: dict[str, tuple[str, int]] = field(default_factory=dict)
    replicas: dict[str, tuple[str, int]] = field(default_factory=dict)
    generated: dict[str, tuple[str, int]] = field(default_factory=dict)

    @classmethod
    def of(cls, root: Path, folders: list[Path]) -> SourceIndex:
        index = cls(root.resolve())
        for folder in folders:
            index._add_tree(folder.resolve())
        return index

    def _rel(self, path: Path) -> str:
        return path.relative_to(self.root).as_posix() if path.is_relative_to(self.root) else \
            str(path)

    def _documents(self, path: Path) -> Iterator[Node]:
        try:
            yield from compose_all(path.read_text(encoding="utf-8"), str(path))
        except (OSError, UnicodeDecodeError, GitopsError):
            return

    def add_file(self, path: Path, patch: bool = False) -> None:
        table = self.patches if patch else self.objects
        for doc in self._documents(path):
            kind, name = _scalar(doc, "kind"), _scalar(doc, "metadata", "name")
            if kind and name:
                table.setdefault((kind, name), []).append((self._rel(path), doc))

    def _add_tree(self, start: Path) -> None:
        for folder, file, data, _ in walk(start, self.root):
            self._add_kustomization(file)
            for fieldname, entry, _fetchable in entries(data):
                target = (folder / entry).resolve()
                if not target.is_relative_to(self.root):
                    continue
                if target.is_file() and fieldname == "resources":
                    self.add_file(target)
                elif target.is_file() and fieldname in ("patches", "patchesStrategicMerge"):
                    self.add_file(target, patch=True)

    def _add_kustomization(self, file: Path) -> None:
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
                self.replicas.setdefault(name, (rel, entry.start_mark.line + 1))
        for key in ("configMapGenerator", "secretGenerator"):
            for entry in getattr(top.get(key), "value", []) or []:
                name = _scalar(entry, "name")
                if name:
                    self.generated.setdefault(name, (rel, entry.start_mark.line + 1))
        for entry in getattr(top.get("patches"), "value", []) or []:
            kind, name = _scalar(entry, "target", "kind"), _scalar(entry, "target", "name")
            patch = next((v for k, v in getattr(entry, "value", [])
                          if getattr(k, "value", None) == "patch"), None)
            if kind and name and isinstance(patch, ScalarNode):
                self._add_inline(rel, kind, name, patch)

    def _add_inline(self, rel: str, kind: str, name: str, patch: Node) -> None:
        """JSON6902 ops in a block scalar: each op's line is the block's line plus its own."""
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
                        self.ops.setdefault((kind, name), []).append(
                            (pointer, rel, offset + op.start_mark.line + 1))
            elif isinstance(doc, MappingNode):
                self.patches.setdefault((kind, name), []).append((rel, doc))

    def locate(self, resource: Resource, path: FieldPath = ()) -> tuple[str, int] | None:
        """The file and line of the object, or of the field at `path` when it can be traced."""
        key = (resource.kind, resource.name)
        pointer = _pointer(path) if path else ""
        for op_path, rel, line in self.ops.get(key, []):
            if path and (pointer == op_path or pointer.startswith(op_path + "/")):
                return rel, line
        if path and path[-1] == "image":
            image = _image_at(resource.body, path)
            repo = re.split(r"[@:]", image.rsplit("/", 1)[-1])[0] if image else ""
            for name, where in self.images.items():
                if image and (image.startswith(name + ":") or image.startswith(name + "@")
                              or name.rsplit("/", 1)[-1] == repo):
                    return where
        if path == ("spec", "replicas") and resource.name in self.replicas:
            return self.replicas[resource.name]
        if path:
            for rel, doc in self.patches.get(key, []):
                line, depth = _walk(doc, resource.body, path)
                if depth == len(path):
                    return rel, line
        found = self.objects.get(key)
        own_file = self.root / resource.source
        if not found and resource.source.endswith((".yaml", ".yml", ".json")) and \
                own_file.is_file():  # an Argo CD manifest: read as it is written
            self.add_file(own_file)
            found = self.objects.get(key)
        if not found and resource.kind in ("ConfigMap", "Secret"):
            name = generated_base(resource.name) or resource.name
            found = self.objects.get((resource.kind, name))
            if not found and name in self.generated:
                return self.generated[name]
        if not found:
            return None
        rel, doc = found[0]
        return rel, _walk(doc, resource.body, path)[0]


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
