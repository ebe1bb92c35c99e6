"""What two revisions differ in, and a worktree holding only some of a revision's files: real
repositories."""

from __future__ import annotations

from pathlib import Path

from journal_gitops.adapters import gitrepo
from support import git, init_git


def _repo(tmp_path: Path) -> Path:
    repo = tmp_path / "repo"
    (repo / "a").mkdir(parents=True)
    (repo / "a/one.yaml").write_text("one\n")
    (repo / "real").mkdir()
    (repo / "real/two.yaml").write_text("two\n")
    (repo / ".gitignore").write_text("*.secret\n")
    (repo / "link").symlink_to("real")
    return init_git(repo)


def test_changes_between_commits_and_with_the_working_tree(tmp_path: Path) -> None:
    repo = _repo(tmp_path)
    base = git(repo, "rev-parse", "HEAD")
    git(repo, "mv", "a/one.yaml", "a/renamed.yaml")
    git(repo, "commit", "--quiet", "-m", "rename")
    opened = gitrepo.open_repo(repo)
    assert gitrepo.changes(opened, base, "HEAD") == gitrepo.Changes(
        ("a/one.yaml", "a/renamed.yaml"), links=False,
        one_sided=frozenset({"a/one.yaml", "a/renamed.yaml"}))
    (repo / "real/two.yaml").write_text("changed\n")
    (repo / "a/new.yaml").write_text("new\n")
    (repo / "a/key.secret").write_text("ignored, and still read by a build\n")
    found = gitrepo.changes(opened, "HEAD", None)
    assert sorted(found.paths) == ["a/key.secret", "a/new.yaml", "real/two.yaml"]
    assert (found.links, found.one_sided) == (False, frozenset({"a/key.secret", "a/new.yaml"}))


def test_a_link_among_the_changes(tmp_path: Path) -> None:
    repo = _repo(tmp_path)
    opened = gitrepo.open_repo(repo)
    (repo / "link").unlink()
    (repo / "link").symlink_to("a")
    assert gitrepo.changes(opened, "HEAD", None) == gitrepo.Changes(("link",), links=True)
    git(repo, "commit", "--quiet", "-am", "repoint")
    assert gitrepo.changes(opened, "HEAD^", "HEAD").links
    (repo / "link").unlink()
    (repo / "link").write_text("a file now\n")
    assert gitrepo.changes(opened, "HEAD", None).links  # the link side is the base's
    (repo / "link").unlink()
    (repo / "other").symlink_to("real")
    found = gitrepo.changes(opened, "HEAD", None)
    assert (sorted(found.paths), found.links) == (["link", "other"], True)


def test_a_worktree_of_some_files(tmp_path: Path) -> None:
    repo = _repo(tmp_path)
    opened = gitrepo.open_repo(repo)
    sha = git(repo, "rev-parse", "HEAD")
    with gitrepo.worktree(opened, sha, checkout=False) as tree:
        assert sorted(p.name for p in tree.iterdir()) == [".git"]
        gitrepo.check_out(tree, sha, ["a", "absent"])
        assert sorted(str(p.relative_to(tree)) for p in tree.rglob("*")
                      if p.name != ".git") == ["a", "a/one.yaml"]
        gitrepo.check_out(tree, sha, ["link/two.yaml"])  # the link on the way comes too
        assert (tree / "link").is_symlink() and not (tree / "real").exists()
        gitrepo.check_out(tree, sha, [""])
        assert (tree / "link/two.yaml").read_text() == "two\n"


def test_blobs_read_in_rounds_by_one_process(tmp_path: Path) -> None:
    repo = _repo(tmp_path)
    (repo / "big.yaml").write_text("x" * 200_000 + "\n")
    (repo / "bytes.bin").write_bytes(b"\xff\xfe")
    git(repo, "add", "-A")
    git(repo, "commit", "--quiet", "-m", "more")
    with gitrepo.BlobReader(gitrepo.open_repo(repo)) as reader:
        assert reader.read(["HEAD:a/one.yaml", "HEAD:absent", "HEAD:a", "HEAD:bytes.bin",
                            "HEAD^:big.yaml", "HEAD:real/two.yaml"]) == [
            "one\n", None, None, None, None, "two\n"]
        first = reader._process
        # A round larger than the pipes hold both ways.
        assert reader.read(["HEAD:big.yaml", "HEAD:a/one.yaml"] * 300) == [
            "x" * 200_000 + "\n", "one\n"] * 300
        assert reader.read([]) == []
        assert reader._process is first
    assert reader._process is None
