"""Mapping keys kustomize cannot build: a plain key such as `1:`, `true:` or `null:` is, in the
YAML 1.2 kustomize reads, a number, a boolean or null, and kustomize stops with "json:
unsupported type: map[interface {}]interface {}" on the object that holds it. Found here with
their file and line, so that the failure is reported as what it is, with its fix: the key
quoted. (`yes:` and `on:`, booleans to YAML 1.1 readers, are strings to kustomize.)"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from ..adapters.yamlload import (
    MappingNode,
    Node,
    Resolver,
    ScalarNode,
    compose_all,
    each_node,
)
from ..errors import GitopsError

# What kustomize's failure says when an object holds such a key.
SYMPTOM = "json: unsupported type: map[interface {}]interface {}"

# The YAML 1.2 core schema's plain scalars that are not strings.
_NOT_TEXT = (
    ("null", re.compile(r"^(~|null|Null|NULL|)$")),
    ("a boolean", re.compile(r"^(true|True|TRUE|false|False|FALSE)$")),
    ("a number", re.compile(r"^([-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+"
                            r"|[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?"
                            r"|[-+]?\.(inf|Inf|INF)|\.(nan|NaN|NAN))$")),
)


@dataclass(frozen=True)
class BadKey:
    file: Path
    line: int
    key: str
    reads_as: str  # "a number", "a boolean", "null"

    def message(self) -> str:
        return (f"key {self.key or '(empty)'!s} reads as {self.reads_as} in YAML, and kustomize "
                f"cannot build an object with such a key: write it quoted, \"{self.key}\"")


_IMPLICIT = Resolver()


def _reads_as(key: ScalarNode) -> str | None:
    implicit = _IMPLICIT.resolve(ScalarNode, key.value, (True, False))  # type: ignore[no-untyped-call]
    if key.style or key.tag != implicit:
        return None  # quoted, a block scalar, or tagged (`!!str 1`): not a plain scalar
    return next((what for what, pattern in _NOT_TEXT if pattern.match(key.value)), None)


def _walk(node: Node) -> Iterator[ScalarNode]:
    """Every mapping key under `node`, each node once (an alias is the node it names)."""
    for current in each_node(node):
        if isinstance(current, MappingNode):
            yield from (key for key, _ in current.value if isinstance(key, ScalarNode))


def bad_keys(folders: Iterable[Path], root: Path) -> list[BadKey]:
    """The keys kustomize reads as something other than a string, in the YAML files of the
    folders (not their subfolders' kustomizations, which are folders of their own)."""
    found: list[BadKey] = []
    for folder in folders:
        for path in sorted(p for p in folder.iterdir() if p.suffix in (".yaml", ".yml")
                           and p.is_file()):
            try:
                documents = compose_all(path.read_text(encoding="utf-8"), path.name)
            except (GitopsError, OSError, UnicodeDecodeError):
                continue
            for document in documents:
                for key in _walk(document):
                    reads_as = _reads_as(key)
                    if reads_as is not None:
                        rel = path.resolve().relative_to(root.resolve()) \
                            if path.resolve().is_relative_to(root.resolve()) else path
                        found.append(BadKey(rel, key.start_mark.line + 1, key.value,
                                            reads_as))
    return sorted(found, key=lambda k: (k.file, k.line))
