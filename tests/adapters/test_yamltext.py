"""Edits of YAML text keep each line's ending and a byte-order mark, whatever the edit does to
the lines around them: in memory."""

from __future__ import annotations

from journal_gitops.adapters.yamlload import MappingNode
from journal_gitops.adapters.yamltext import YamlText

MIXED = "\ufeffa: 1\r\nb:\n  - x\r\n  - y\nc: 3\r\n"


def _root(doc: YamlText) -> MappingNode:
    assert isinstance(doc.root, MappingNode)
    return doc.root


def test_a_new_line_ends_like_the_line_it_follows() -> None:
    doc = YamlText(MIXED, "f.yaml")
    doc.set(_root(doc), "d", "four")
    assert doc.result() == "\ufeffa: 1\r\nb:\n  - x\r\n  - y\nc: 3\r\nd: four\r\n"


def test_lines_removed_and_replaced_leave_the_others_as_they_were() -> None:
    doc = YamlText(MIXED, "f.yaml")
    doc.remove(_root(doc), "a")
    doc.replace(_root(doc).value[2][1], "30", raw=True)
    assert doc.result() == "\ufeffb:\n  - x\r\n  - y\nc: 30\r\n"
    doc = YamlText(MIXED, "f.yaml")
    doc.empty_list(_root(doc), "b")
    assert doc.result() == "\ufeffa: 1\r\nb: []\nc: 3\r\n"


def test_plain_text_is_left_alone() -> None:
    doc = YamlText("a: 1\nb: 2", "f.yaml")
    doc.set(_root(doc), "c", "three")
    assert doc.result() == "a: 1\nb: 2\nc: three"


def test_a_scalars_tag_and_anchor_stay_when_its_value_changes() -> None:
    doc = YamlText('a: !!str abc\nb: &pin def\nc: !!str &q "x"\n', "f.yaml")
    for _, value in _root(doc).value:
        doc.replace(value, "new")
    assert doc.result() == 'a: !!str new\nb: &pin new\nc: !!str &q "new"\n'
