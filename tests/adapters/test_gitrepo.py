"""What two revisions differ in, temporary worktrees (in memory or on disk, and what a killed
process leaves of them), and a worktree holding only some of a revision's files: real
repositories."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

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


def _scratch(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A scratch folder of this test's own (the real one is shared by parallel tests)."""
    monkeypatch.setattr(gitrepo, "SCRATCH", tmp_path / "shm")
    (tmp_path / "shm").mkdir()
    return tmp_path / "shm" / f"gitops-{os.getuid()}"


def _entries(repo: Path) -> list[str]:
    return sorted(p.name for p in (repo / ".git/gitops/worktrees").iterdir())


def test_a_worktree_in_the_scratch_folder_goes_with_its_link(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    repo = _repo(tmp_path)
    scratch = _scratch(tmp_path, monkeypatch)
    with gitrepo.worktree(gitrepo.open_repo(repo), "HEAD") as tree:
        assert tree.parent == scratch and (tree / "real/two.yaml").read_text() == "two\n"
        assert scratch.stat().st_mode & 0o777 == 0o700
        link = repo / ".git/gitops/worktrees" / tree.name
        assert link.readlink() == tree
        assert _entries(repo) == [tree.name, f"{tree.name}.lock"]
    assert list(scratch.iterdir()) == [] and _entries(repo) == []
    assert git(repo, "worktree", "list", "--porcelain").count("worktree ") == 1


@pytest.mark.parametrize("why", ["open to others", "someone's link", "too big", "none"])
def test_a_scratch_folder_not_fit_for_use_leaves_the_worktree_on_disk(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, why: str) -> None:
    repo = _repo(tmp_path)
    scratch = _scratch(tmp_path, monkeypatch)
    if why == "open to others":
        scratch.mkdir(mode=0o700)
        scratch.chmod(0o777)
    elif why == "someone's link":
        (tmp_path / "theirs").mkdir(mode=0o700)
        scratch.symlink_to(tmp_path / "theirs")
    elif why == "too big":
        monkeypatch.setattr(gitrepo, "SCRATCH_LIMIT", 8)  # the files hold 21 bytes
    else:
        monkeypatch.setattr(gitrepo, "SCRATCH", tmp_path / "absent")
    with gitrepo.worktree(gitrepo.open_repo(repo), "HEAD") as tree:
        assert tree.parent == repo / ".git/gitops/worktrees" and not tree.is_symlink()
        assert (tree / "a/one.yaml").read_text() == "one\n"
    assert _entries(repo) == []
    assert not any(scratch.iterdir()) if scratch.is_dir() and not scratch.is_symlink() else True


def _killed_inside(repo: Path, shm: Path) -> Path:
    """The worktree a process that died inside worktree() left (its lock went with it)."""
    script = (f"import os, sys; sys.path[:0] = {sys.path!r}\n"
              "from pathlib import Path\n"
              "from journal_gitops.adapters import gitrepo\n"
              f"gitrepo.SCRATCH = Path({str(shm)!r})\n"
              f"with gitrepo.worktree(gitrepo.open_repo(Path({str(repo)!r})), 'HEAD') as t:\n"
              "    print(t, flush=True); os._exit(9)\n")
    return Path(subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                               check=False).stdout.strip())


def test_what_a_killed_process_left_in_the_scratch_folder_is_removed(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    repo = _repo(tmp_path)
    scratch = _scratch(tmp_path, monkeypatch)
    left = _killed_inside(repo, tmp_path / "shm")
    assert left.parent == scratch and (left / "a/one.yaml").is_file()
    # Links planted among the entries that lead elsewhere (the scratch folder's parent,
    # another clone's live worktree, as a copied clone's links do): only the links go.
    (tmp_path / "precious").mkdir()
    (tmp_path / "precious/keep.txt").write_text("keep\n")
    (tmp_path / "other-clone").mkdir()
    (tmp_path / "other-clone/x.yaml").write_text("x\n")
    other = init_git(tmp_path / "other-clone")
    with gitrepo.worktree(gitrepo.open_repo(other), "HEAD") as theirs:
        entries = repo / ".git/gitops/worktrees"
        (entries / "tree-planted").symlink_to(tmp_path / "precious")
        (entries / "tree-up").symlink_to(scratch / "..")
        (entries / "tree-theirs").symlink_to(theirs)
        gitrepo.prune_worktrees(gitrepo.open_repo(repo))
        assert (theirs / ".git").is_file() and list(scratch.iterdir()) == [theirs]
    assert not left.exists() and list(scratch.iterdir()) == [] and _entries(repo) == []
    assert (tmp_path / "precious/keep.txt").read_text() == "keep\n"
    assert git(repo, "worktree", "list", "--porcelain").count("worktree ") == 1


def test_a_deleted_clones_scratch_worktree_goes_with_the_next_one_made(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    scratch = _scratch(tmp_path, monkeypatch)
    (tmp_path / "gone").mkdir()
    (tmp_path / "gone/x.yaml").write_text("x\n")
    gone = init_git(tmp_path / "gone")
    left = _killed_inside(gone, tmp_path / "shm")
    assert left.parent == scratch and (left / "x.yaml").is_file()
    shutil.rmtree(gone)
    repo = _repo(tmp_path)
    with gitrepo.worktree(gitrepo.open_repo(repo), "HEAD") as tree:
        assert list(scratch.iterdir()) == [tree]
    assert list(scratch.iterdir()) == []


@pytest.mark.skipif(os.geteuid() != 0, reason="mounts a file system")
def test_a_scratch_folder_where_programs_cannot_run_is_not_used(tmp_path: Path) -> None:
    """The repository's hooks run from the worktree: a noexec mount (as Docker gives
    /dev/shm) would silently skip them."""
    repo = _repo(tmp_path)
    shm = tmp_path / "shm"
    shm.mkdir()
    script = (f"import sys; sys.path[:0] = {sys.path!r}\n"
              "from pathlib import Path\n"
              "from journal_gitops.adapters import gitrepo\n"
              f"gitrepo.SCRATCH = Path({str(shm)!r})\n"
              f"with gitrepo.worktree(gitrepo.open_repo(Path({str(repo)!r})), 'HEAD') as t:\n"
              "    print(t.parent.name)\n")
    for options, where in (("noexec", "worktrees"), ("exec", f"gitops-{os.getuid()}")):
        done = subprocess.run(
            ["unshare", "--mount", "--propagation", "private", "sh", "-c",
             f'mount -t tmpfs -o {options} tmpfs "$1" && exec "$2" -c "$3"', "-", str(shm),
             sys.executable, script], capture_output=True, text=True, check=False)
        assert (done.returncode, done.stdout) == (0, f"{where}\n"), done.stderr


def test_worktrees_of_processes_running_at_once_in_one_clone(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Each process's worktree holds its files to the end, none fails and none is left: a
    prune never takes another's fresh lock, and git's prune never meets a half-made add."""
    repo = _repo(tmp_path)
    scratch = _scratch(tmp_path, monkeypatch)
    script = (f"import sys; sys.path[:0] = {sys.path!r}\n"
              "from pathlib import Path\n"
              "from journal_gitops.adapters import gitrepo\n"
              f"gitrepo.SCRATCH = Path({str(scratch.parent)!r})\n"
              f"repo = gitrepo.open_repo(Path({str(repo)!r}))\n"
              "for _ in range(40):\n"
              "    with gitrepo.worktree(repo, 'HEAD', checkout=_ % 2 == 0) as t:\n"
              "        gitrepo.check_out(t, 'HEAD', ['a'])\n"
              "        assert (t / 'a/one.yaml').read_text() == 'one\\n', t\n")
    runs = [subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True) for _ in range(8)]
    for run in runs:
        out, err = run.communicate(timeout=300)
        assert (run.returncode, out, err) == (0, "", "")
    assert list(scratch.iterdir()) == [] and _entries(repo) == []
    assert git(repo, "worktree", "list", "--porcelain").count("worktree ") == 1
