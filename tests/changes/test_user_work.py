"""A user's work is never touched: an in-place change stops when a file it writes changes while
it runs, and the recovery of a killed one acts only in the worktree and on the branch it was
made in, writes only files that are exactly what the move left, stages nothing of the user's,
and removes the locks a killed git left (only those nobody holds)."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from conftest import copy_repo, git, init_git

GITOPS = str(Path(sys.executable).parent / "gitops")
NEW = "1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d"
DEV = "overlays/dev/kustomization.yaml"
BUMP = ("bump", "--commit", NEW, "--in-place")
SUBJECT = "deploy(dev): journal-server, journal-fileserver -> 1a2b3c4"


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return init_git(copy_repo(tmp_path_factory.mktemp("work") / "repo"))


@pytest.fixture
def repo(template: Path, tmp_path: Path) -> Path:
    copy = tmp_path / "repo"
    subprocess.run(["cp", "-a", str(template), str(copy)], check=True)
    return copy


def _run(repo: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([GITOPS, "--repo", str(repo), *args], capture_output=True, text=True,
                          check=False, timeout=120)


@contextmanager
def _paused(repo: Path, args: tuple[str, ...], point: str, marker: Path
            ) -> Iterator[subprocess.Popen[str]]:
    """The command, stopped at `point` until `marker` is removed (or it is killed)."""
    marker.write_text("")
    env = {**os.environ, "GITOPS_PAUSE_AT": point, "GITOPS_PAUSE_FILE": str(marker)}
    process = subprocess.Popen([GITOPS, "--repo", str(repo), *args], stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True, env=env)
    assert process.stderr is not None
    assert process.stderr.readline() == f"paused at {point}\n"
    try:
        yield process
    finally:
        if process.poll() is None and marker.exists():
            process.send_signal(signal.SIGKILL)
        process.wait(timeout=60)


def _killed_at(repo: Path, args: tuple[str, ...], point: str, tmp_path: Path) -> None:
    with _paused(repo, args, point, tmp_path / "marker") as process:
        process.send_signal(signal.SIGKILL)


def _status(repo: Path) -> str:
    """`git status --porcelain` as git prints it (the first column: staged)."""
    return subprocess.run(["git", "-C", str(repo), "status", "--porcelain"], check=True,
                          capture_output=True, text=True).stdout


def _edit(path: Path) -> str:
    text = path.read_text() + "# the user's own line\n"
    path.write_text(text)
    return text


def test_a_file_edited_while_the_change_runs_stops_it(repo: Path, tmp_path: Path) -> None:
    head = git(repo, "rev-parse", "HEAD")
    marker = tmp_path / "marker"
    with _paused(repo, BUMP, "committed", marker) as process:
        mine = _edit(repo / DEV)  # after the dirty check, before the branch moves
        marker.unlink()
        out, err = process.communicate(timeout=60)
    assert (process.returncode, out, err) == (
        1, "", f"Error: {DEV} changed while gitops ran: nothing was written (run the command "
               f"again)\n")
    assert (repo / DEV).read_text() == mine
    assert git(repo, "rev-parse", "HEAD") == head
    assert _status(repo) == f" M {DEV}\n"


@pytest.mark.parametrize(("point", "finished"), [("files-checked-out", False),
                                                 ("branch-moved", True)])
def test_recovery_leaves_a_file_edited_after_the_crash(repo: Path, tmp_path: Path, point: str,
                                                       finished: bool) -> None:
    head = git(repo, "rev-parse", "HEAD")
    _killed_at(repo, BUMP, point, tmp_path)
    mine = _edit(repo / DEV)
    listing = _run(repo, "env", "list")
    assert listing.returncode == 0
    what = (f"finished an interrupted change: {SUBJECT} (committed "
            f"{git(repo, 'rev-parse', '--short=7', 'HEAD')} on main)" if finished else
            f"undid an interrupted change: {SUBJECT} (nothing was committed)")
    assert listing.stderr == f"gitops: {what}; left {DEV} as changed since\n"
    assert (repo / DEV).read_text() == mine
    assert git(repo, "rev-parse", "HEAD^" if finished else "HEAD") == head
    # Nothing staged: a plain `git commit` now commits nothing, reverts nothing.
    assert _status(repo) == f" M {DEV}\n"


def test_a_crash_before_the_branch_moves_is_never_staged_in_reverse(repo: Path,
                                                                     tmp_path: Path) -> None:
    head = git(repo, "rev-parse", "HEAD")
    _killed_at(repo, BUMP, "files-checked-out", tmp_path)
    assert git(repo, "rev-parse", "HEAD") == head
    assert git(repo, "diff", "--cached", "--name-only") == DEV  # the change itself, staged
    git(repo, "commit", "--quiet", "-m", "the user commits what is staged")
    assert git(repo, "log", "-1", "--format=", "-p").count(f"+    newTag: {NEW}") == 2


def test_recovery_does_not_follow_a_switch_to_another_branch(repo: Path,
                                                              tmp_path: Path) -> None:
    git(repo, "branch", "other")
    _killed_at(repo, BUMP, "branch-moved", tmp_path)
    git(repo, "switch", "--quiet", "--discard-changes", "other")
    other = (repo / "gitops.yaml").read_text()
    listing = _run(repo, "env", "list")
    assert listing.stderr == (f"gitops: dropped the record of an interrupted change ({SUBJECT}):"
                              f" main is no longer checked out in {repo}\n")
    assert (repo / "gitops.yaml").read_text() == other
    assert git(repo, "status", "--porcelain") == ""


def test_recovery_happens_in_the_linked_worktree_the_change_was_made_in(
        repo: Path, tmp_path: Path) -> None:
    linked = tmp_path / "linked"
    git(repo, "worktree", "add", "--quiet", "-b", "work", str(linked))
    head = git(linked, "rev-parse", "HEAD")
    _killed_at(linked, BUMP, "branch-moved", tmp_path)
    listing = _run(repo, "env", "list")  # from the main worktree
    assert listing.stderr.startswith(f"gitops: finished an interrupted change: {SUBJECT}")
    assert git(linked, "rev-parse", "HEAD^") == head
    assert git(linked, "status", "--porcelain") == ""
    assert git(repo, "status", "--porcelain") == ""


def test_a_lock_a_killed_git_left_is_removed_and_said(repo: Path, tmp_path: Path) -> None:
    _killed_at(repo, BUMP, "files-checked-out", tmp_path)
    lock = repo / ".git/refs/heads/main.lock"
    lock.write_text("")  # as a killed `git update-ref` leaves it
    index_lock = repo / ".git/index.lock"
    index_lock.write_text("")
    again = _run(repo, *BUMP)
    assert again.returncode == 0, again.stderr
    assert again.stderr == (
        f"gitops: undid an interrupted change: {SUBJECT} (nothing was committed); removed "
        f"{index_lock}, left by a killed git; removed {lock}, left by a killed git\n")
    assert not lock.exists() and not index_lock.exists()
    assert git(repo, "log", "-1", "--format=%s") == SUBJECT
    assert git(repo, "status", "--porcelain") == ""


def test_a_lock_a_live_process_holds_stays(repo: Path, tmp_path: Path) -> None:
    _killed_at(repo, BUMP, "branch-moved", tmp_path)
    index_lock = repo / ".git/index.lock"
    with index_lock.open("w"):  # held open, as a running git holds it
        again = _run(repo, *BUMP)
        assert again.returncode == 1
        assert again.stderr.startswith("Error: cannot finish an interrupted change")
        assert index_lock.exists()
    index_lock.unlink()
    assert _run(repo, *BUMP).returncode == 0
    assert git(repo, "status", "--porcelain") == ""


IN_PLACE_POINTS = ("locked", "before-commit", "committed", "journal-written",
                   "files-checked-out", "branch-moved")


@pytest.mark.crash
@pytest.mark.parametrize("point", IN_PLACE_POINTS)
@pytest.mark.parametrize("where", ["main worktree", "linked worktree"])
def test_killed_anywhere_then_the_user_edits(repo: Path, tmp_path: Path, point: str,
                                             where: str) -> None:
    """Whatever the moment of the kill, the user's later edits are byte for byte theirs, and
    the change is either wholly there or not at all, with nothing staged."""
    tree = repo
    if where == "linked worktree":
        tree = tmp_path / "linked"
        git(repo, "worktree", "add", "--quiet", "-b", "work", str(tree))
    head = git(tree, "rev-parse", "HEAD")
    _killed_at(tree, BUMP, point, tmp_path)
    notes = tree / "NOTES.md"
    notes.write_text("the user's notes\n")
    mine = _edit(tree / DEV)
    again = _run(repo, *BUMP)  # from the main worktree: the recovery finds its own
    assert again.returncode in (0, 1), again.stderr
    assert "Traceback" not in again.stderr
    assert ((tree / DEV).read_text(), notes.read_text()) == (mine, "the user's notes\n")
    tip = git(tree, "rev-parse", "HEAD")
    assert tip == head or (git(tree, "rev-parse", "HEAD^") == head and
                           git(tree, "log", "-1", "--format=%s") == SUBJECT)
    assert _status(tree) == f" M {DEV}\n?? NOTES.md\n"


@pytest.mark.crash
@pytest.mark.parametrize("delay", [0.05 * step for step in range(1, 25)])
def test_a_process_group_killed_anywhere_blocks_nothing(repo: Path, delay: float) -> None:
    """SIGKILL to the whole group, git children included, while one may hold a lock: the next
    change runs, and so does a plain `git commit`."""
    head = git(repo, "rev-parse", "HEAD")
    process = subprocess.Popen([GITOPS, "--repo", str(repo), *BUMP], stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, start_new_session=True)
    time.sleep(delay)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    process.communicate()
    again = _run(repo, *BUMP)
    assert again.returncode == 0, again.stderr
    assert git(repo, "rev-parse", "HEAD^") == head
    assert git(repo, "log", "-1", "--format=%s") == SUBJECT
    assert _status(repo) == ""
    git(repo, "commit", "--quiet", "--allow-empty", "-m", "the user's own commit")
