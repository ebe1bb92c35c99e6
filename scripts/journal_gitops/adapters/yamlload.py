"""The one way the tooling reads YAML as data: PyYAML's C loader (libyaml).

gitops.yaml, kustomizations, manifests and kustomize's output are all read here, so that every
reader agrees on what a text means and a syntax error reads the same everywhere: one line with
where and what. Human-owned files are edited through `yamltext`, on the positions of the nodes
`compose_one` finds, which keeps their layout.

Files people write are read strictly (`load`, `load_all`): a key written twice in one mapping
is an error naming both lines, as kustomize's own reader refuses it, rather than the last one
silently winning; and a text that is too large, or whose aliases expand beyond a budget (an
"alias bomb" of a few kilobytes can stand for gigabytes), is refused before anything walks it.
kustomize's output, which has neither, is read fast (`load_output`).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import yaml
from yaml import MappingNode, Node, ScalarNode, SequenceNode
from yaml.resolver import Resolver

from ..errors import GitopsError

__all__ = ["MappingNode", "Node", "Resolver", "ScalarNode", "SequenceNode", "compose_all", "dump",
           "flow", "load", "load_all", "load_output", "load_text", "yaml_error"]

# What a reader may be handed beyond a syntax error: a scalar YAML reads as a date or number
# that is not one raises ValueError from the constructor.
READ_ERRORS = (yaml.YAMLError, ValueError)


def yaml_error(exc: Exception) -> str:
    """A YAML parser's complaint in one line: where and what."""
    mark = getattr(exc, "problem_mark", None)
    where = f" at line {mark.line + 1}" if mark is not None else ""
    problem = getattr(exc, "problem", None) or "invalid YAML"
    return f"YAML syntax error{where}: {problem}"


def _failure(exc: Exception, source: str) -> GitopsError:
    if isinstance(exc, yaml.YAMLError):
        return GitopsError(f"{source}: {yaml_error(exc)}")
    return GitopsError(f"{source}: invalid YAML value: {exc}")


MAX_TEXT = 4 << 20  # characters of one file
MAX_NODES = 200_000  # nodes of one document, every alias counted as what it stands for


def _check(node: Node, source: str) -> None:
    """Refuse a key written twice in one mapping, an alias to a node that contains it (a
    cycle), and a document too large once its aliases are expanded (MAX_NODES)."""
    seen = 0
    inside: set[int] = set()  # the nodes on the path from the root to the current one
    stack: list[tuple[Node, bool]] = [(node, False)]
    while stack:
        current, leaving = stack.pop()
        if leaving:
            inside.discard(id(current))
            continue
        if id(current) in inside:
            raise GitopsError(f"{source}: line {current.start_mark.line + 1}: an alias refers to "
                              f"a node that contains it")
        seen += 1
        if seen > MAX_NODES:
            raise GitopsError(f"{source}: refused: more than {MAX_NODES} YAML nodes once its "
                              f"aliases are expanded")
        children: list[Node] = []
        if isinstance(current, MappingNode):
            keys: dict[tuple[str, str], int] = {}
            for key, value in current.value:
                if isinstance(key, ScalarNode):
                    line = key.start_mark.line + 1
                    if (key.tag, key.value) in keys:
                        first = keys[(key.tag, key.value)]
                        raise GitopsError(f"{source}: key {key.value!r} is written twice, at "
                                          f"lines {first} and {line}")
                    keys[(key.tag, key.value)] = line
                children += (key, value)
        elif isinstance(current, SequenceNode):
            children = list(current.value)
        if children:
            inside.add(id(current))
            stack.append((current, True))
            stack += [(child, False) for child in reversed(children)]


def _strict(text: str, source: str, loader_class: Any = yaml.CSafeLoader) -> list[Any]:
    if len(text) > MAX_TEXT:
        raise GitopsError(f"{source}: refused: larger than {MAX_TEXT >> 20} MiB")
    loader = loader_class(text)
    try:
        documents = []
        while loader.check_node():
            node = loader.get_node()
            if node is not None:
                _check(node, source)
            documents.append(loader.construct_document(node))
        return documents
    except READ_ERRORS as exc:
        raise _failure(exc, source) from None
    finally:
        loader.dispose()


def load(text: str, source: str) -> Any:
    """The one document of a YAML text people write (gitops.yaml, a kustomization), as plain
    data; an empty text is None, and a second document is an error."""
    documents = _strict(text, source)
    if len(documents) > 1:
        raise GitopsError(f"{source}: holds more than one YAML document")
    return documents[0] if documents else None


def load_text(text: str, source: str) -> Any:
    """The one document of a YAML text people write with every scalar as it is written (the
    text of `1.10` is "1.10", not the number 1.1): what a value reads as in the file."""
    documents = _strict(text, source, yaml.CBaseLoader)
    if len(documents) > 1:
        raise GitopsError(f"{source}: holds more than one YAML document")
    return documents[0] if documents else None


def load_all(text: str, source: str) -> list[Any]:
    """The documents of a YAML stream people write (a manifest file), as plain data."""
    return _strict(text, source)


def load_output(text: str, source: str) -> list[Any]:
    """The documents of a program's YAML output (kustomize's), as plain data."""
    try:
        return list(yaml.load_all(text, Loader=yaml.CSafeLoader))
    except READ_ERRORS as exc:
        raise _failure(exc, source) from None


def compose_all(text: str, source: str) -> list[Node]:
    """The node trees of a YAML stream (with their lines), empty documents left out."""
    try:
        return [doc for doc in yaml.compose_all(text, Loader=yaml.CSafeLoader)
                if doc is not None]
    except READ_ERRORS as exc:
        raise _failure(exc, source) from None


def each_node(*roots: Node) -> Iterator[Node]:
    """Every node of the trees, each once (an alias is the node it names, a key is a node)."""
    seen: set[int] = set()
    stack = list(roots)
    while stack:
        current = stack.pop()
        if id(current) in seen:
            continue
        seen.add(id(current))
        yield current
        if isinstance(current, MappingNode):
            stack += [part for pair in current.value for part in pair]
        elif isinstance(current, SequenceNode):
            stack += current.value


def compose_one(text: str, source: str) -> Node | None:
    """The node tree of a YAML text of one document (None when empty), with the position of
    every node: what edits that keep the rest of the text need."""
    documents = compose_all(text, source)
    if len(documents) > 1:
        raise GitopsError(f"{source}: holds more than one YAML document")
    return documents[0] if documents else None


def dump(data: Any) -> str:
    """Block YAML with sorted keys and long lines kept whole: one way to write an object, so
    that two versions compare line by line."""
    return yaml.safe_dump(data, sort_keys=True, default_flow_style=False, width=1000)


def flow(value: Any) -> str:
    """A value on one line, as YAML writes it (`[a, b]`, `{k: v}`, `3`, `true`)."""
    return yaml.safe_dump(value, default_flow_style=True).strip().removesuffix("...").strip()
