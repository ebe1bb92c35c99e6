"""Surgical edits of human-owned YAML.

The composer (libyaml's, through yamlload) knows where every node starts and ends in the text;
edits replace exactly those characters, or add and remove whole lines laid out like their
neighbours. Everything not edited (comments, blank lines, key order, indentation, quoting) stays
byte for byte, so a diff shows only what changed. Nothing is ever dumped from data: a YAML
library's round trip would lose what it does not model.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass

from ..errors import GitopsError
from .yamlload import (
    MappingNode,
    Node,
    ScalarNode,
    SequenceNode,
    compose_all,
    compose_one,
    load,
)

# Plain scalars some YAML reader (YAML 1.1, YAML 1.2, Go's yaml) would not read as a string.
_GO_NUMBER = re.compile(
    r"^[-+]?(\.[0-9]+|[0-9][0-9_]*(\.[0-9]*)?)([eE][-+]?[0-9]+)?$|^0[xXoObB][0-9a-fA-F_]+$"
)
PROPERTIES = re.compile(r"(?:[!&]\S*\s+)*")  # a node's tag and anchor, before its value
BOM = "\ufeff"  # a byte-order mark some editors put at the start of UTF-8 files
_WORDS = {"y", "n", "yes", "no", "on", "off", "true", "false", "null", "~", ".inf", ".nan"}


def needs_quotes(value: str) -> bool:
    """Whether a plain `value` would be read as something other than this string."""
    if not value or _GO_NUMBER.match(value) or value.lower() in _WORDS:
        return True
    if re.search(r": |:$| #|[\[\]{},&*!|>'\"%@`]|^[-?:#]|\s", value):
        return True
    try:
        return bool(load(value, "value") != value)
    except GitopsError:  # YAML reads it as a date that is not one, or not at all
        return True


@dataclass(frozen=True)
class _Edit:
    start: int
    end: int
    text: str


class YamlText:
    """One YAML document's text, its node tree, and edits pending on it."""

    def __init__(self, text: str, source: str, many: bool = False) -> None:
        """`many`: the text may hold several documents (a manifest file); `root` is the first."""
        # Positions are computed on LF text without a byte-order mark (the composer counts
        # neither); result() gives each line its ending back, and the mark.
        self.original = text
        self._bom = BOM if text.startswith(BOM) else ""
        text = text.removeprefix(BOM).replace("\r\n", "\n")
        self.text = text
        self.source = source
        self.documents: list[Node] = compose_all(text, source) if many else []
        self.root: Node | None = (self.documents[0] if self.documents else None) if many \
            else compose_one(text, source)
        self._edits: list[_Edit] = []
        self._quote = "'" if text.count("'") > text.count('"') else '"'

    # -- reading -------------------------------------------------------------------------

    @staticmethod
    def get(mapping: Node | None, key: str) -> Node | None:
        if not isinstance(mapping, MappingNode):
            return None
        for k, v in mapping.value:
            if isinstance(k, ScalarNode) and k.value == key:
                return v  # type: ignore[no-any-return]
        return None

    @staticmethod
    def scalar(node: Node | None) -> str | None:
        return str(node.value) if isinstance(node, ScalarNode) else None

    @classmethod
    def item(cls, seq: Node | None, key: str, value: str) -> MappingNode | None:
        """The mapping in a sequence whose `key` is `value`."""
        if not isinstance(seq, SequenceNode):
            return None
        for node in seq.value:
            if isinstance(node, MappingNode) and cls.scalar(cls.get(node, key)) == value:
                return node
        return None

    # -- editing ---------------------------------------------------------------------------

    def format(self, value: str, like: ScalarNode | None = None) -> str:
        """A scalar as it should be written: in the style of `like`, quoted when it must be."""
        style = (like.style or None) if like is not None else None  # plain: "" or None
        if style == "'" or (style is None and needs_quotes(value) and self._quote == "'"):
            return "'" + value.replace("'", "''") + "'"
        if style == '"' or (style is None and needs_quotes(value)):
            return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
        return value

    def replace(self, node: Node, value: str, raw: bool = False) -> None:
        """Replace a scalar (or, `raw`, any node) by `value`; `raw` writes the text as is (a
        number meant as a number, a flow list)."""
        text = value if raw else self.format(value, node if isinstance(node, ScalarNode) else None)
        start = node.start_mark.index
        properties = PROPERTIES.match(self.text, start) if isinstance(node, ScalarNode) else None
        if properties:  # a scalar's tag and anchor (`!!str &pin `) stay
            start = properties.end()
        self._edits.append(_Edit(start, node.end_mark.index, text))

    def set(self, mapping: MappingNode, key: str, value: str, raw: bool = False) -> None:
        """Set a scalar value: in place when the key exists, as a new last key otherwise;
        `raw` writes the text as is (a flow list, a number)."""
        current = self.get(mapping, key)
        text = value if raw else self.format(value)
        if isinstance(current, ScalarNode) and current.start_mark.index == current.end_mark.index:
            # `key:` with nothing after it: the value goes right after the colon.
            key_node = next(k for k, v in mapping.value if v is current)
            colon = self.text.index(":", key_node.end_mark.index) + 1
            self._edits.append(_Edit(colon, colon, " " + text))
        elif isinstance(current, ScalarNode):
            self.replace(current, value, raw)
        else:
            self.insert_lines(mapping, [f"{key}: {text}"])

    def insert_lines(self, mapping: MappingNode, lines: list[str]) -> None:
        """Add `key: value` lines after a mapping's last key, at its keys' indentation."""
        if mapping.flow_style:
            close = mapping.end_mark.index - 1
            self._edits.append(_Edit(close, close, self._flow_sep(close) + ", ".join(lines)))
            return
        col = mapping.value[0][0].start_mark.column
        at = self._line_end(self._last_index(mapping))
        self._edits.append(_Edit(at, at, "".join("\n" + " " * col + ln for ln in lines)))

    def remove(self, mapping: MappingNode, key: str, with_comments: bool = True) -> None:
        """Remove a key and its value (and, in block style, comment lines just above it)."""
        index = next((i for i, (k, _) in enumerate(mapping.value) if k.value == key), None)
        if index is None:
            return
        key_node, value_node = mapping.value[index]
        if mapping.flow_style:
            start = self.text.rfind(",", 0, key_node.start_mark.index)
            if start < mapping.start_mark.index:
                start = key_node.start_mark.index
            self._edits.append(_Edit(start, value_node.end_mark.index, ""))
            return
        line_start = self.text.rfind("\n", 0, key_node.start_mark.index) + 1
        if self.text[line_start:key_node.start_mark.index].strip() and index + 1 < len(
                mapping.value):
            # `- key: value` opens a list item: the next key moves up to take its place.
            next_key = mapping.value[index + 1][0]
            self._edits.append(_Edit(key_node.start_mark.index, next_key.start_mark.index, ""))
            return
        start = line_start - 1
        if with_comments:
            start = self._comments_above(start, key_node.start_mark.column)
        end = self._value_end(value_node)
        if start < 0:  # the text's first line: its own line break goes with it
            start, end = 0, min(self._line_end(end) + 1, len(self.text))
        self._edits.append(_Edit(start, end, ""))

    def append(self, seq: SequenceNode, fields: dict[str, str | int] | str) -> None:
        """Add an item after a block sequence's last item, laid out like it (ints unquoted)."""
        if isinstance(fields, str):
            pairs = [self.format(fields)]
        else:
            pairs = [f"{k}: {v if isinstance(v, int) else self.format(v)}"
                     for k, v in fields.items()]
        if seq.flow_style:
            close = seq.end_mark.index - 1
            sep = self._flow_sep(close) if seq.value else ""
            body = pairs[0] if isinstance(fields, str) else "{" + ", ".join(pairs) + "}"
            self._edits.append(_Edit(close, close, sep + body))
            return
        if not seq.value:
            raise GitopsError(f"{self.source}: an empty list cannot be extended; add one item")
        self.insert_after(seq, len(seq.value) - 1, pairs)

    def insert_after(self, seq: SequenceNode, index: int, pairs: list[str]) -> None:
        """Insert an item (given as its lines) after item `index` of a sequence."""
        last = seq.value[index]
        if seq.flow_style:
            at = int(last.end_mark.index)
            body = pairs[0] if len(pairs) == 1 else "{" + ", ".join(pairs) + "}"
            self._edits.append(_Edit(at, at, ", " + body))
            return
        line_start = self.text.rfind("\n", 0, last.start_mark.index) + 1
        dash_col = self.text.index("-", line_start) - line_start
        item_col = (last.value[0][0].start_mark.column if isinstance(last, MappingNode)
                    else last.start_mark.column)
        lines = [" " * dash_col + "-" + " " * (item_col - dash_col - 1) + pairs[0]]
        lines += [" " * item_col + pair for pair in pairs[1:]]
        at = self._line_end(self._value_end(last) - 1)
        self._edits.append(_Edit(at, at, "".join("\n" + ln for ln in lines)))

    def remove_item(self, seq: SequenceNode, index: int) -> None:
        """Remove one item of a sequence (whole lines in block style)."""
        node = seq.value[index]
        if seq.flow_style:
            if index > 0:
                start = int(seq.value[index - 1].end_mark.index)
                self._edits.append(_Edit(start, int(node.end_mark.index), ""))
            else:
                end = (int(seq.value[1].start_mark.index) if len(seq.value) > 1
                       else int(node.end_mark.index))
                self._edits.append(_Edit(int(node.start_mark.index), end, ""))
            return
        line_start = self.text.rfind("\n", 0, node.start_mark.index)
        dash = self.text.rfind("-", line_start + 1, node.start_mark.index)
        if self.text[line_start + 1:dash].strip() and index + 1 < len(seq.value):
            # `- - item` also opens the outer list's item: the next item moves up in its place.
            after = seq.value[index + 1].start_mark.index
            self._edits.append(_Edit(dash, self.text.rfind("-", 0, after), ""))
            return
        self._edits.append(_Edit(line_start, self._value_end(node), ""))

    def empty_list(self, mapping: MappingNode, key: str) -> None:
        """Make the value of `key` an empty list on the key's own line (`key: []`): what is
        left when a block list's last item goes (a bare `key:` would be null)."""
        key_node, value = next((k, v) for k, v in mapping.value if k.value == key)
        colon = self.text.index(":", key_node.end_mark.index) + 1
        self._edits.append(_Edit(colon, self._value_end(value), " []"))

    def result(self) -> str:
        out = self.text
        # From the end backwards; of two edits at one place, the one made first ends up first.
        order = sorted(enumerate(self._edits), key=lambda p: (p[1].start, p[0]), reverse=True)
        for _, edit in order:
            out = out[: edit.start] + edit.text + out[edit.end:]
        return self._bom + (self._endings(out) if "\r\n" in self.original else out)

    def _endings(self, out: str) -> str:
        """`out` with the original's line endings: a line kept ends as it did, a new or changed
        one like the line it replaces or follows (a file of CRLF lines stays all CRLF, and one
        that mixes them changes no other line's ending)."""
        before = self.original.removeprefix(BOM).split("\n")
        crlf = [line.endswith("\r") for line in before[:-1]]
        after = out.split("\n")
        ends: list[bool] = []
        matcher = difflib.SequenceMatcher(None, [line.removesuffix("\r") for line in before],
                                          after, autojunk=False)
        for tag, i1, _, j1, j2 in matcher.get_opcodes():
            for k in range(j2 - j1):
                ref = i1 + k if tag == "equal" else min(i1, len(crlf) - 1)
                ends.append(crlf[ref] if 0 <= ref < len(crlf) else bool(crlf and crlf[-1]))
        return "".join(line + ("\r\n" if end else "\n")
                       for line, end in zip(after[:-1], ends, strict=False)) + after[-1]

    # -- positions ---------------------------------------------------------------------------

    def _flow_sep(self, close: int) -> str:
        """What goes before a new flow item: nothing after a trailing comma."""
        before = self.text[:close].rstrip()
        return " " if before.endswith(",") else ", "

    def _line_end(self, index: int) -> int:
        end = self.text.find("\n", index)
        return len(self.text) if end == -1 else end

    def _last_index(self, mapping: MappingNode) -> int:
        return self._value_end(mapping.value[-1][1])

    def _value_end(self, node: Node) -> int:
        """The end of a value's last line of content (block nodes end at the next token)."""
        end = int(node.end_mark.index)
        if isinstance(node, ScalarNode) and node.style not in ("|", ">"):
            return end
        while end > 0 and self.text[end - 1] in " \n":
            end -= 1
        # Skip back over comment lines that belong to what follows, and the blank lines
        # above them.
        while True:
            line_start = self.text.rfind("\n", 0, end) + 1
            if self.text[line_start:end].lstrip().startswith("#") and line_start > 0:
                end = line_start - 1
                while end > 0 and self.text[end - 1] in " \n":
                    end -= 1
                continue
            return end

    def _comments_above(self, newline: int, column: int) -> int:
        """Move `newline` (the one ending the line above a key) up over comment lines there."""
        while newline > 0:
            prev = self.text.rfind("\n", 0, newline)
            line = self.text[prev + 1:newline]
            if line.strip().startswith("#") and len(line) - len(line.lstrip()) == column:
                newline = prev
            else:
                break
        return newline
