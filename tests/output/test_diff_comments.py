"""gitops diff --split-dir: the pull request comments written as files, stale ones removed."""

from __future__ import annotations

from pathlib import Path

from conftest import MakeRepo, Runner


def test_split_dir_writes_the_comments(gitops: Runner, make_repo: MakeRepo,
                                       tmp_path: Path) -> None:
    repo = make_repo()
    path = repo / "overlays/dev/kustomization.yaml"
    path.write_text(path.read_text().replace("journalEntries=20", "journalEntries=21"))
    folder = tmp_path / "comments"
    folder.mkdir()
    (folder / "comment-3.md").write_text("from an earlier run\n")
    result = gitops("diff", "--base", "HEAD", "--env", "dev", "--output", "markdown",
                    "--split-dir", str(folder), repo=repo)
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in folder.iterdir()) == ["comment-1.md"]
    comment = (folder / "comment-1.md").read_text()
    assert comment.splitlines()[0] == "<!-- gitops-diff part 1 of 1 -->"
    assert comment.splitlines()[1:] == result.output.splitlines()[1:]


def test_split_dir_must_be_a_folder(gitops: Runner, make_repo: MakeRepo,
                                    tmp_path: Path) -> None:
    repo = make_repo()
    (tmp_path / "file").write_text("")
    result = gitops("diff", "--split-dir", str(tmp_path / "file"), repo=repo)
    assert (result.exit_code, result.output.splitlines()[-1]) == (
        2, f"Error: Invalid value for '--split-dir': Directory '{tmp_path / 'file'}' is a file.")


def test_split_dir_that_cannot_be_a_folder_is_one_line(gitops: Runner, make_repo: MakeRepo,
                                                       tmp_path: Path) -> None:
    """A path under a file: refused before any render, nothing made."""
    repo = make_repo()
    (tmp_path / "file").write_text("")
    result = gitops("diff", "--split-dir", str(tmp_path / "file/comments"), repo=repo)
    assert (result.exit_code, result.output) == (
        2, f"Error: --split-dir {tmp_path / 'file/comments'}: cannot be a folder (Not a "
           f"directory)\n")
    assert not list(tmp_path.rglob("comments"))
