"""Writing several files: all change or none does, and nothing is left beside them."""

from __future__ import annotations

from pathlib import Path

import pytest

from journal_gitops.adapters.files import FileEdit, write_files
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
