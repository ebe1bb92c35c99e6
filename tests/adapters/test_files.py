"""Writing several files: all change or none does, and nothing is left beside them; resolving
an entry of a folder as realpath does."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from journal_gitops.adapters.files import FileEdit, resolved, write_files
from journal_gitops.errors import GitopsError


def test_a_folder_in_the_way_stops_every_write(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text("old\n")
    (tmp_path / "b.yaml").mkdir()
    with pytest.raises(GitopsError, match=r"^cannot write b\.yaml: it is a folder$"):
        write_files(tmp_path, (FileEdit("a.yaml", "old\n", "new\n"),
                               FileEdit("b.yaml", None, "text\n")))
    assert (tmp_path / "a.yaml").read_text() == "old\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.yaml", "b.yaml"]


def test_every_file_is_written(tmp_path: Path) -> None:
    (tmp_path / "gone.yaml").write_text("x\n")
    assert write_files(tmp_path, (FileEdit("new/one.yaml", None, "1\n"),
                                  FileEdit("gone.yaml", "x\n", None))) == [
        "new/one.yaml", "gone.yaml"]
    assert (tmp_path / "new/one.yaml").read_text() == "1\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["new"]


# --- resolving an entry inside a resolved folder -------------------------------------------------

NAMES = ("a", "b", "c", "..", ".", "")


@settings(max_examples=150, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(links=st.lists(st.tuples(st.sampled_from(["a", "b/l", "c"]),
                                st.lists(st.sampled_from(NAMES), min_size=1, max_size=4),
                                st.booleans()), max_size=3),
       start=st.sampled_from(["", "b", "b/x"]),
       rel=st.lists(st.sampled_from((*NAMES, "x", "l", "f")), min_size=1, max_size=6))
def test_resolved_is_realpath_for_a_folder_without_links(
        tmp_path_factory: pytest.TempPathFactory, links: list[tuple[str, list[str], bool]],
        start: str, rel: list[str]) -> None:
    top = tmp_path_factory.mktemp("tree").resolve()
    (top / "b/x").mkdir(parents=True)
    (top / "b/f").write_text("file\n")
    for where, target, absolute in links:
        path = top / where
        if not path.exists() and not path.is_symlink():
            text = "/".join(target) or "."
            path.symlink_to(f"{top}/{text}" if absolute else text)  # loops and dangling too
    folder = str(top / start) if start else str(top)
    entry = "/".join(rel)
    assert resolved(folder, entry) == os.path.realpath(os.path.join(folder, entry))  # noqa: PTH118
