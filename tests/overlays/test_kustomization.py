"""Property: a bump's edit of any hand-written kustomization changes the tag lines and nothing else."""

from __future__ import annotations

import yaml
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from journal_gitops.adapters.yamltext import needs_quotes
from journal_gitops.overlays.images import ImageTarget
from journal_gitops.overlays.kustomization import set_images

QUOTES = st.sampled_from(["plain", "single", "double"])
HEX = st.text("0123456789abcdef", min_size=7, max_size=40)
TAGS = st.one_of(HEX, st.sampled_from(["1234567", "553640e6", "1e10", "0x1f", "true", "007"]))


def _scalar(value: str, style: str) -> str:
    if style == "single" or (style == "plain" and needs_quotes(value)):
        return f"'{value}'"
    if style == "double":
        return f'"{value}"'
    return value


@st.composite
def kustomizations(draw: st.DrawFn) -> tuple[str, list[str]]:
    """A kustomization with odd indentation, comments, blank lines and mixed quoting."""
    indent = draw(st.sampled_from([2, 3, 4]))
    offset = draw(st.sampled_from([0, indent]))
    names = draw(st.lists(st.sampled_from(["journal-server", "journal-fileserver", "other"]),
                          min_size=1, max_size=3, unique=True))
    blank = st.sampled_from(["", "\n"])
    comment = st.sampled_from(["", "# why this is so\n", "#tight comment\n"])
    lines = [draw(comment), "apiVersion: kustomize.config.k8s.io/v1beta1\n", draw(blank),
             f"namespace: {_scalar('journal-dev', draw(QUOTES))}\n", draw(blank),
             "resources:\n", " " * offset + "- ../../base\n", draw(blank), draw(comment),
             "images:  # pinned per environment\n"]
    for name in names:
        digest = draw(st.booleans())
        keys = draw(st.permutations(["name", "newName", "newTag", *(["digest"] if digest else [])]))
        values = {"name": name, "newName": f"ghcr.io/journal-app/{name}",
                  "newTag": draw(TAGS), "digest": "sha256:" + "d" * 64}
        pad = " " * offset
        for i, key in enumerate(keys):
            trailing = draw(st.sampled_from(["", "  # note", " #x"]))
            prefix = pad + "-" + " " * (indent - 1) if i == 0 else pad + " " * indent
            lines.append(f"{prefix}{key}: {_scalar(values[key], draw(QUOTES))}{trailing}\n")
            if draw(st.booleans()) and i < len(keys) - 1:
                lines.append(pad + " " * indent + "# between keys\n")
        lines.append(draw(blank))
    lines.append(draw(comment))
    pad = " " * offset
    lines.append(f"replicas:\n{pad}-{' ' * (indent - 1)}name: frontend\n"
                 f"{pad}{' ' * indent}count: 2\n")
    text = "".join(lines)
    return (text.replace("\n", "\r\n") if draw(st.booleans()) else text), names


@settings(max_examples=150, deadline=None)
@given(kustomizations(), st.data())
def test_only_tag_lines_change(case: tuple[str, list[str]], data: st.DataObject) -> None:
    text, names = case
    moved = data.draw(st.lists(st.sampled_from(names), min_size=1, unique=True))
    tag = data.draw(TAGS)
    before = yaml.safe_load(text)
    digests = {e["name"]: e.get("digest") for e in before["images"]}
    targets = [ImageTarget(n, f"ghcr.io/journal-app/{n}", tag, digests[n]) for n in moved]
    after_text = set_images(text, "kustomization.yaml", targets)
    assert after_text.count("\r\n") == text.count("\r\n")
    old_lines, new_lines = text.splitlines(), after_text.splitlines()
    assert len(old_lines) == len(new_lines)
    for old, new in zip(old_lines, new_lines, strict=True):
        if old != new:
            assert "newTag:" in old
            assert old.split("newTag:")[0] == new.split("newTag:")[0]
            # A trailing comment stays where it was, and so does the quote style.
            assert old.partition(" #")[2] == new.partition(" #")[2]
            old_value, new_value = old.split("newTag:")[1].strip(), new.split("newTag:")[1].strip()
            if old_value[0] in "'\"":
                assert new_value[0] == old_value[0]
    after = yaml.safe_load(after_text)
    for entry in after["images"]:
        old_entry = next(e for e in before["images"] if e["name"] == entry["name"])
        wanted = tag if entry["name"] in moved else old_entry["newTag"]
        assert entry == {**old_entry, "newTag": wanted}
    assert {k: v for k, v in after.items() if k != "images"} == {
        k: v for k, v in before.items() if k != "images"}


@settings(max_examples=60, deadline=None)
@given(kustomizations(), st.sampled_from(["sha256:" + "ab" * 32, "sha256:" + "12" * 32]))
def test_adding_a_digest_adds_one_line(case: tuple[str, list[str]], digest: str) -> None:
    text, names = case
    entry = next(e for e in yaml.safe_load(text)["images"] if e["name"] == names[0])
    assume("digest" not in entry)
    targets = [ImageTarget(names[0], entry["newName"], entry["newTag"], digest)]
    after_text = set_images(text, "kustomization.yaml", targets)
    added = [line for line in after_text.splitlines() if line not in text.splitlines()]
    assert [line.strip() for line in added] == [f"digest: {digest}"]
    assert set_images(after_text, "k", [ImageTarget(names[0], entry["newName"], entry["newTag"],
                                                    None)]) == text


def test_values_other_readers_misread_are_quoted() -> None:
    for value in ("1234567", "553640e6", "1e10", "0x1f", "true", "no", "007", "12_34"):
        assert needs_quotes(value), value
    for value in ("805c8cf", "sha-1234567", "abcdef0", "v1.2.3"):
        assert not needs_quotes(value), value
