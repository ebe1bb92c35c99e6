"""Minimal edits of a human-owned kustomization.yaml: the `images:` list.

The file is parsed with ruamel.yaml's round-trip composer, which knows where every scalar starts
and ends; edits replace exactly those characters (or add or remove whole lines), so comments,
blank lines, key order, indentation and quoting elsewhere stay byte for byte. After editing, the
new text is parsed again and checked to mean what was intended and nothing else.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import yaml
from ruamel.yaml import YAML
from ruamel.yaml.error import YAMLError
from ruamel.yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from .errors import GitopsError

# Plain scalars some YAML reader (YAML 1.1, YAML 1.2, Go's yaml) would not read as a string.
_GO_NUMBER = re.compile(
    r"^[-+]?(\.[0-9]+|[0-9][0-9_]*(\.[0-9]*)?)([eE][-+]?[0-9]+)?$|^0[xXoObB][0-9a-fA-F_]+$"
)
_WORDS = {"y", "n", "yes", "no", "on", "off", "true", "false", "null", "~", ".inf", ".nan"}


def needs_quotes(value: str) -> bool:
    """Whether a plain `value` would be read as something other than this string."""
    if not value or _GO_NUMBER.match(value) or value.lower() in _WORDS:
        return True
    if re.search(r": |:$| #|[\[\]{},&*!|>'\"%@`]|^[-?:#]|\s", value):
        return True
    try:
        return bool(yaml.safe_load(value) != value)
    except yaml.YAMLError:
        return True


@dataclass(frozen=True)
class ImageEntry:
    """One entry of `images:` as written in the file."""

    name: str
    new_name: str | None
    new_tag: str | None
    digest: str | None


@dataclass(frozen=True)
class _Edit:
    start: int
    end: int
    text: str


def _composer() -> YAML:
    return YAML(typ="rt")


class KustomizationImages:
    """The `images:` list of one kustomization, and pending edits to it."""

    def __init__(self, text: str, source: str) -> None:
        self.text = text
        self.source = source
        try:
            root = _composer().compose(text)
        except YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            where = f" at line {mark.line + 1}" if mark is not None else ""
            problem = getattr(exc, "problem", None) or "invalid YAML"
            raise GitopsError(f"{source}: YAML syntax error{where}: {problem}") from None
        if not isinstance(root, MappingNode):
            raise GitopsError(f"{source}: not a kustomization (expected a mapping)")
        images = _value(root, "images")
        if not isinstance(images, SequenceNode):
            raise GitopsError(f"{source}: has no images: list")
        self._seq = images
        self._entries: dict[str, MappingNode] = {}
        for item in images.value:
            name = _value(item, "name") if isinstance(item, MappingNode) else None
            if not isinstance(name, ScalarNode):
                raise GitopsError(f"{source}: an images: entry has no name")
            self._entries[str(name.value)] = item
        self._edits: list[_Edit] = []
        self._quote = _preferred_quote(text)

    def get(self, name: str) -> ImageEntry | None:
        node = self._entries.get(name)
        if node is None:
            return None

        def scalar(key: str) -> str | None:
            value = _value(node, key)
            return str(value.value) if isinstance(value, ScalarNode) else None

        return ImageEntry(name, scalar("newName"), scalar("newTag"), scalar("digest"))

    def set(self, name: str, key: str, value: str | None) -> None:
        """Set (or with None, remove) one key of an existing entry."""
        node = self._entries[name]
        current = _value(node, key)
        if value is None:
            if current is not None:
                self._edits.append(self._removal(node, key))
            return
        if isinstance(current, ScalarNode):
            self._edits.append(_Edit(current.start_mark.index, current.end_mark.index,
                                     self._scalar(value, current)))
        else:
            self._edits.append(self._insertion(node, f"{key}: {self._scalar(value, None)}"))

    def add(self, fields: dict[str, str]) -> None:
        """Append a new entry after the last one, laid out like it."""
        pairs = [f"{k}: {self._scalar(v, None)}" for k, v in fields.items()]
        if self._seq.flow_style or not self._seq.value:
            if not self._seq.flow_style:
                raise GitopsError(f"{self.source}: images: is empty; write one entry by hand")
            close = self._seq.end_mark.index - 1
            sep = ", " if self._seq.value else ""
            self._edits.append(_Edit(close, close, f"{sep}{{{', '.join(pairs)}}}"))
            return
        last = self._seq.value[-1]
        key_col = last.value[0][0].start_mark.column
        line_start = self.text.rfind("\n", 0, last.start_mark.index) + 1
        dash_col = self.text.index("-", line_start) - line_start
        at = _line_end(self.text, _last_index(last))
        lines = [" " * dash_col + "-" + " " * (key_col - dash_col - 1) + pairs[0]]
        lines += [" " * key_col + pair for pair in pairs[1:]]
        self._edits.append(_Edit(at, at, "\n" + "\n".join(lines)))

    def result(self) -> str:
        out = self.text
        # From the end backwards; of two edits at one place, the one made first ends up first.
        order = sorted(enumerate(self._edits), key=lambda p: (p[1].start, p[0]), reverse=True)
        for _, edit in order:
            out = out[: edit.start] + edit.text + out[edit.end:]
        return out

    # -- helpers ----------------------------------------------------------------------------

    def _scalar(self, value: str, current: ScalarNode | None) -> str:
        style = current.style if current is not None else None
        if style == "'" or (style is None and needs_quotes(value) and self._quote == "'"):
            return "'" + value.replace("'", "''") + "'"
        if style == '"' or (style is None and needs_quotes(value)):
            return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
        return value

    def _insertion(self, node: MappingNode, pair: str) -> _Edit:
        if node.flow_style:
            close = node.end_mark.index - 1
            return _Edit(close, close, f", {pair}")
        col = node.value[0][0].start_mark.column
        at = _line_end(self.text, _last_index(node))
        return _Edit(at, at, "\n" + " " * col + pair)

    def _removal(self, node: MappingNode, key: str) -> _Edit:
        pairs = node.value
        index = next(i for i, (k, _) in enumerate(pairs) if k.value == key)
        key_node, value_node = pairs[index]
        if node.flow_style:
            start = self.text.rfind(",", 0, key_node.start_mark.index)
            return _Edit(start, value_node.end_mark.index, "")
        start = self.text.rfind("\n", 0, key_node.start_mark.index)
        return _Edit(start, _line_end(self.text, value_node.end_mark.index), "")


def _value(mapping: Node, key: str) -> Node | None:
    if not isinstance(mapping, MappingNode):
        return None
    for k, v in mapping.value:
        if isinstance(k, ScalarNode) and k.value == key:
            return v  # type: ignore[no-any-return]
    return None


def _last_index(node: MappingNode) -> int:
    return int(node.value[-1][1].end_mark.index)


def _line_end(text: str, index: int) -> int:
    """End of the line holding `index`, before any trailing comment's newline."""
    end = text.find("\n", index)
    return len(text) if end == -1 else end


def _preferred_quote(text: str) -> str:
    return "'" if text.count("'") > text.count('"') else '"'


@dataclass(frozen=True)
class ImageTarget:
    """Where one image should point after an edit."""

    name: str
    new_name: str
    new_tag: str
    digest: str | None


def set_images(text: str, source: str, targets: list[ImageTarget]) -> str:
    """The kustomization text with each target's entry pointing where it says.

    A missing entry is added; a digest is removed when the target has none (a stale digest
    would keep the old image running whatever the tag says).
    """
    images = KustomizationImages(text, source)
    for target in targets:
        entry = images.get(target.name)
        if entry is None:
            fields = {"name": target.name, "newName": target.new_name, "newTag": target.new_tag}
            if target.digest:
                fields["digest"] = target.digest
            images.add(fields)
            continue
        if entry.new_tag != target.new_tag:
            images.set(target.name, "newTag", target.new_tag)
        if entry.digest != target.digest:
            images.set(target.name, "digest", target.digest)
        if entry.new_name is None:
            images.set(target.name, "newName", target.new_name)
    result = images.result()
    _check_edit(text, result, source, targets)
    return result


def _check_edit(before: str, after: str, source: str, targets: list[ImageTarget]) -> None:
    """Re-read the edited text: the targets must read back exactly, everything else unchanged."""
    old = yaml.load(before, Loader=yaml.CSafeLoader)
    try:
        new = yaml.load(after, Loader=yaml.CSafeLoader)
    except yaml.YAMLError:
        raise GitopsError(f"{source}: the edit would not parse; nothing was written") from None
    wanted = {t.name: t for t in targets}
    new_images = {e.get("name"): e for e in new.get("images") or []}
    for name, target in wanted.items():
        entry = new_images.get(name) or {}
        if (entry.get("newTag"), entry.get("digest"), entry.get("newName")) != (
                target.new_tag, target.digest, target.new_name):
            raise GitopsError(f"{source}: the edit of {name} did not read back as intended; "
                              f"nothing was written")
    rest_old = {k: v for k, v in old.items() if k != "images"}
    rest_new = {k: v for k, v in new.items() if k != "images"}
    untouched_old = [e for e in old.get("images") or [] if e.get("name") not in wanted]
    untouched_new = [e for e in new.get("images") or [] if e.get("name") not in wanted]
    if rest_old != rest_new or untouched_old != untouched_new:
        raise GitopsError(f"{source}: the edit changed more than the images; nothing was written")
