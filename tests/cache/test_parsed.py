"""Remembered YAML data answers as a fresh read does, on every input: what JSON cannot give back
type for type is read anew, and a text that fails is never remembered."""

from __future__ import annotations

import datetime
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from journal_gitops.adapters.yamlload import load, load_all
from journal_gitops.cache.parsed import PARSED, parsed
from journal_gitops.errors import GitopsError


def _entries(folder: Path) -> int:
    return sum(1 for _ in (folder / PARSED.name).glob("*")) if (folder / PARSED.name).is_dir() \
        else 0


def test_plain_data_is_remembered_and_given_back(cache: Path) -> None:
    text = "resources:\n  - ../base\nreplicas:\n  - name: web\n    count: 2\nflag: true\n"
    first = parsed("kustomization", text, lambda t: load(t, "k.yaml"))
    assert _entries(cache) == 1
    again = parsed("kustomization", text, lambda t: pytest.fail("read again"))
    assert again == first == load(text, "k.yaml")
    assert type(again["flag"]) is bool and type(again["replicas"][0]["count"]) is int


@pytest.mark.parametrize("text", [
    "when: 2024-01-01\n",  # a date: JSON would give back text
    "8080: http\n",  # a number key: JSON would give back "8080"
    "ratio: .inf\n",  # not JSON at all
    "both: [1, 1.0]\n",
])
def test_what_json_cannot_give_back_is_read_anew(cache: Path, text: str) -> None:
    reads = []

    def read(t: str) -> Any:
        reads.append(t)
        return load(t, "k.yaml")

    assert parsed("kustomization", text, read) == load(text, "k.yaml")
    second = parsed("kustomization", text, read)
    assert second == load(text, "k.yaml")
    assert [type(v) for v in second.values()] == [type(v) for v in load(text, "k.yaml").values()]
    if text != "both: [1, 1.0]\n":
        assert len(reads) == 2
    assert isinstance(parsed("kustomization", "when: 2024-01-01\n", read)["when"], datetime.date)


def test_a_text_that_fails_is_never_remembered(cache: Path) -> None:
    text = "a: 1\na: 2\n"
    for _ in range(2):
        with pytest.raises(GitopsError, match="written twice"):
            parsed("kustomization", text, lambda t: load(t, "k.yaml"))
    assert _entries(cache) == 0


def test_kinds_do_not_share_entries(cache: Path) -> None:
    text = "kind: ConfigMap\n"
    assert parsed("kustomization", text, lambda t: load(t, "k.yaml")) == {"kind": "ConfigMap"}
    assert parsed("manifests", text, lambda t: load_all(t, "m.yaml")) == [{"kind": "ConfigMap"}]


SCALARS = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=True),
                    st.text(max_size=8), st.dates())
DATA = st.recursive(SCALARS, lambda inner: st.one_of(
    st.lists(inner, max_size=3),
    st.dictionaries(st.one_of(st.text(max_size=5), st.integers(), st.booleans()), inner,
                    max_size=3)), max_leaves=12)


@settings(max_examples=150, deadline=None)
@given(DATA)
def test_a_remembered_answer_is_a_fresh_one(data: Any) -> None:
    text = yaml.safe_dump(data)
    fresh = yaml.safe_load(text)
    for _ in range(2):
        got = parsed("hypothesis", text, yaml.safe_load)
        assert repr(got) == repr(fresh)
