"""Fault injection: every changing command killed (SIGKILL) at named checkpoints and at random
moments, on a branch and in place. After each kill the clone must be as it was, or the next
gitops command must finish or undo the change and say so; a rerun then makes the change once,
and nothing is left behind (worktrees, locks, journal).

The many-kill runs are marked `crash`; they run with the rest of the suite.
"""

from __future__ import annotations

import os
import random
import shutil
import signal
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from conftest import copy_repo, git, init_git
from journal_gitops.adapters import gitrepo

GITOPS = str(Path(sys.executable).parent / "gitops")
NEW = "1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d"
LATER = "2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e"
HELD = "0badc0de00000000000000000000000000000000"
SHARED_CHANGE = "redis: probe more often"
KILLS = int(os.environ.get("GITOPS_CRASH_KILLS", "50"))
BRANCH_POINTS = ("locked", "before-commit", "committed", "branch-created")
IN_PLACE_POINTS = ("locked", "before-commit", "committed", "journal-written", "branch-moved",
                   "files-checked-out")


@dataclass(frozen=True)
class Case:
    name: str
    args: tuple[str, ...]
    subject: str  # of the commit the command makes
    branch: str  # the branch it makes in branch mode


CASES = [
    Case("bump", ("bump", "--commit", LATER),
         "deploy(dev): journal-server, journal-fileserver -> 2b3c4d5", "deploy/dev/2b3c4d5"),
    Case("promote", ("promote", "--from", "dev", "--to", "staging"),
         "promote(staging): journal-server, journal-fileserver -> 1a2b3c4",
         "promote/dev-to-staging/1a2b3c4"),
    Case("rollback", ("rollback", "dev", "--to", "start"),
         "rollback(dev): journal-server, journal-fileserver -> 805c8cf", "rollback/dev/"),
    Case("rollback-last", ("rollback", "dev"),
         "rollback(dev): journal-server, journal-fileserver -> 805c8cf", "rollback/dev/"),
    Case("promote-two", ("promote", "--from", "dev", "--to", "prod", "--to", "prod-b",
                         "--skip-order", "both regions at once"),
         "promote(prod,prod-b): journal-server, journal-fileserver -> 1a2b3c4",
         "promote/dev-to-prod+prod-b/1a2b3c4"),
    Case("env-new", ("env", "new", "qa", "--from", "dev"), "env(qa): new environment from dev",
         "env/new-qa"),
    Case("env-set", ("env", "set", "dev", "--replicas", "frontend=2"),
         "env(dev): frontend replicas 1 -> 2", "env/set-dev"),
    Case("env-delete", ("env", "delete", "staging"), "env(staging): delete the environment",
         "env/delete-staging"),
    Case("hold", ("hold", "staging", "--tag", NEW, "--reason", "bad migration"),
         "hold(staging): app images 1a2b3c4: bad migration", "hold/staging/1a2b3c4"),
    Case("release", ("release", "prod", "--tag", HELD, "--reason", "fixed"),
         "release(prod): app images 0badc0d: fixed", "release/prod/0badc0d"),
    Case("revert", ("rollback", "staging", "--revert"), f"revert: {SHARED_CHANGE}", "revert/"),
]


@pytest.fixture(scope="session")
def lived_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """This repository committed, then a change to a base every environment loads, dev
    bumped to NEW in place, a second production region prod-b beside prod and a hold in prod:
    every case has work to do."""
    repo = init_git(copy_repo(tmp_path_factory.mktemp("crash") / "repo"))
    git(repo, "tag", "start")
    probe = repo / "base/redis/statefulset.yaml"
    probe.write_text(probe.read_text().replace("periodSeconds: 10", "periodSeconds: 5", 1))
    git(repo, "commit", "--quiet", "-am", SHARED_CHANGE)
    for args in (("bump", "--commit", NEW), ("env", "new", "prod-b", "--from", "prod", "--beside",
                                              "prod", "--host", "journal-b.example.com"),
                 ("hold", "prod", "--tag", HELD, "--reason", "kept out")):
        done = subprocess.run([GITOPS, "--repo", str(repo), *args, "--in-place"],
                              capture_output=True, text=True, check=False)
        assert done.returncode == 0, done.stderr
    return repo


def _copy(template: Path, dest: Path) -> Path:
    shutil.copytree(template, dest, symlinks=True)
    return dest


def _run(repo: Path, args: tuple[str, ...], env: dict[str, str] | None = None
         ) -> subprocess.CompletedProcess[str]:
    return subprocess.run([GITOPS, "--repo", str(repo), *args], capture_output=True, text=True,
                          check=False, env={**os.environ, **(env or {})}, timeout=120)


def _kill_at(repo: Path, args: tuple[str, ...], point: str | None, delay: float) -> None:
    """Start the command and SIGKILL it at a checkpoint, or after `delay` seconds."""
    env = {**os.environ, **({"GITOPS_PAUSE_AT": point} if point else {})}
    process = subprocess.Popen([GITOPS, "--repo", str(repo), *args], stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True, env=env)
    if point is None:
        time.sleep(delay)
    else:
        assert process.stderr is not None
        deadline = time.monotonic() + 60
        line = ""
        while time.monotonic() < deadline and process.poll() is None:
            line = process.stderr.readline()
            if line.startswith("paused at"):
                break
    process.send_signal(signal.SIGKILL)
    process.communicate()


def _subjects(repo: Path, rev: str, count: int) -> list[str]:
    out = git(repo, "log", f"-{count}", "--format=%s", rev)
    return out.splitlines()


def _worktrees(repo: Path) -> int:
    return git(repo, "worktree", "list", "--porcelain").count("worktree ")


def _in_scratch(repo: Path) -> list[Path]:
    """This repository's temporary worktrees left in the scratch folder (other tests' may be
    there too)."""
    folder = gitrepo.SCRATCH / f"gitops-{os.getuid()}"
    gitdir = f"gitdir: {(repo / '.git').resolve()}/"

    def pointer(tree: Path) -> str:
        try:
            return (tree / ".git").read_text()
        except OSError:  # not a worktree, or another test's, removed as we look
            return ""

    return [tree for tree in (folder.iterdir() if folder.is_dir() else [])
            if pointer(tree).startswith(gitdir)]


def _check_once(template: Path, tmp: Path, case: Case, in_place: bool, point: str | None,
                delay: float) -> None:
    repo = _copy(template, tmp)
    before = git(repo, "rev-parse", "HEAD")
    args = (*case.args, "--in-place") if in_place else case.args
    _kill_at(repo, args, point, delay)
    where = f"{case.name} {'in place' if in_place else 'branch'} killed at {point or delay}"
    journal = repo / ".git/gitops/journal.json"
    # The working tree is untouched, unless a move was under way: then its journal is there
    # for the next command (the rerun below) to finish or drop.
    if not journal.exists():
        assert git(repo, "status", "--porcelain") == "", f"{where}: {git(repo, 'status')}"
    head = git(repo, "rev-parse", "HEAD")
    if in_place:
        assert head == before or (git(repo, "rev-parse", "HEAD^") == before
                                  and _subjects(repo, "HEAD", 1) == [case.subject]), where
    else:
        assert head == before, where
        made = [b for b in git(repo, "branch", "--format=%(refname:short)").splitlines()
                if b.startswith(case.branch)]
        for branch in made:
            assert _subjects(repo, branch, 1) == [case.subject], where
            assert git(repo, "rev-parse", f"{branch}^") == before, where
    # A rerun makes the change exactly once and leaves nothing behind. A change the recovery
    # already completed may be refused as done (env new finds its environment, env delete
    # does not).
    done_before = (head != before) if in_place else bool(made)
    again = _run(repo, args)
    lines = again.stderr.splitlines()
    assert sorted(line.split(": ", 1)[0] for line in lines) in (
        [], ["gitops"], ["Error"], ["Error", "gitops"]), f"{where}: {again.stderr}"
    refused_as_done = done_before and again.returncode == 2 and (
        "already exists" in again.stderr or "unknown environment" in again.stderr)
    assert again.returncode == 0 or refused_as_done, (
        f"{where}: rerun: {again.stdout}{again.stderr}")
    tip = "HEAD" if in_place else next(
        b for b in git(repo, "branch", "--format=%(refname:short)").splitlines()
        if b.startswith(case.branch))
    assert git(repo, "rev-parse", f"{tip}^") == before, where
    assert _subjects(repo, tip, 1) == [case.subject], where
    assert git(repo, "status", "--porcelain") == "", where
    assert _worktrees(repo) == 1, f"{where}: {git(repo, 'worktree', 'list')}"
    assert _in_scratch(repo) == [], where
    state = repo / ".git/gitops"
    assert not (state / "journal.json").exists(), where
    assert not list((state / "worktrees").glob("*")) if (state / "worktrees").exists() else True
    assert not (repo / ".git/index.lock").exists(), where


def _plan(in_place: bool, kills: int, seed: int) -> list[tuple[str | None, float]]:
    """Each checkpoint in turn, then random moments over a typical run."""
    points = IN_PLACE_POINTS if in_place else BRANCH_POINTS
    rng = random.Random(seed)
    plan: list[tuple[str | None, float]] = [(p, 0.0) for p in points]
    while len(plan) < kills:
        plan.append((None, rng.uniform(0.05, 1.2)))
    return plan


@pytest.mark.crash
@pytest.mark.parametrize("in_place", [False, True], ids=["branch", "in-place"])
@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_kill_anywhere(lived_template: Path, tmp_path: Path, case: Case, in_place: bool) -> None:
    plan = _plan(in_place, KILLS, seed=hash((case.name, in_place)) & 0xFFFF)
    with ThreadPoolExecutor(max_workers=3) as pool:
        jobs = [pool.submit(_check_once, lived_template, tmp_path / f"run{i}", case, in_place,
                            point, delay) for i, (point, delay) in enumerate(plan)]
        for job in jobs:
            job.result()


def _signal_at(repo: Path, args: tuple[str, ...], point: str, sig: int,
               sigint: Any = signal.SIG_DFL) -> subprocess.CompletedProcess[str]:
    """Run the command, send `sig` when it reaches `point`. The command starts with SIGINT as
    `sigint` says (default: as a terminal would, whatever the suite was started with, say
    in the background where SIGINT is ignored)."""
    env = {**os.environ, "GITOPS_PAUSE_AT": point}
    process = subprocess.Popen([GITOPS, "--repo", str(repo), *args], stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True, env=env,
                               preexec_fn=lambda: signal.signal(signal.SIGINT, sigint))
    assert process.stderr is not None
    assert process.stderr.readline() == f"paused at {point}\n"
    process.send_signal(sig)
    if sig == signal.SIGINT and sigint is signal.SIG_IGN:
        time.sleep(0.5)  # ignored: it runs on; a SIGTERM still ends it
        assert process.poll() is None
        process.send_signal(signal.SIGTERM)
    out, err = process.communicate(timeout=60)
    return subprocess.CompletedProcess(process.args, process.returncode, out, err)


@pytest.mark.parametrize(("sig", "code", "message"), [
    (signal.SIGINT, 130, "Error: interrupted\n"),
    (signal.SIGTERM, 143, "Error: terminated\n"),
])
@pytest.mark.parametrize("in_place", [False, True], ids=["branch", "in-place"])
def test_interrupt_cleans_up_and_says_one_line(lived_template: Path, tmp_path: Path, sig: int,
                                               code: int, message: str, in_place: bool) -> None:
    repo = _copy(lived_template, tmp_path / "repo")
    before = (git(repo, "rev-parse", "HEAD"), git(repo, "branch", "--list"))
    args = ("bump", "--commit", LATER, *(("--in-place",) if in_place else ()))
    done = _signal_at(repo, args, "committed", sig)
    assert (done.returncode, done.stdout, done.stderr) == (code, "", message)
    assert (git(repo, "rev-parse", "HEAD"), git(repo, "branch", "--list")) == before
    assert git(repo, "status", "--porcelain") == ""
    assert _worktrees(repo) == 1  # removed on the way out, not left for the next run


@pytest.mark.parametrize(("sig", "code", "message"), [
    (signal.SIGINT, 130, "Error: interrupted\n"),
    (signal.SIGTERM, 143, "Error: terminated\n"),
])
@pytest.mark.parametrize("point", ["first-instruction", "start"])
def test_interrupt_during_start_up_is_one_line(tmp_path: Path, sig: int, code: int,
                                               message: str, point: str) -> None:
    """At the package's first instruction, and before the command line is even imported (the
    slowest part of start-up)."""
    done = _signal_at(tmp_path, ("validate",), point, sig)
    assert (done.returncode, done.stdout, done.stderr) == (code, "", message)


@pytest.mark.parametrize("point", ["first-instruction", "start", "committed"])
def test_an_ignored_sigint_stays_ignored(lived_template: Path, tmp_path: Path,
                                         point: str) -> None:
    """Started with SIGINT ignored (a background job, nohup), the command is not interrupted
    by it, from its first instruction to its end."""
    repo = _copy(lived_template, tmp_path / "repo")
    done = _signal_at(repo, ("bump", "--commit", LATER), point, signal.SIGINT, signal.SIG_IGN)
    assert (done.returncode, done.stdout, done.stderr) == (143, "", "Error: terminated\n")
    assert _worktrees(repo) == 1


def test_next_command_finishes_a_move_and_says_so(lived_template: Path, tmp_path: Path) -> None:
    repo = _copy(lived_template, tmp_path / "repo")
    before = git(repo, "rev-parse", "HEAD")
    _kill_at(repo, ("bump", "--commit", LATER, "--in-place"), "branch-moved", 0)
    head = git(repo, "rev-parse", "HEAD")
    assert git(repo, "rev-parse", "HEAD^") == before
    listing = _run(repo, ("history", "dev", "--limit", "1"))
    assert listing.returncode == 0
    assert listing.stderr == (
        f"gitops: finished an interrupted change: deploy(dev): journal-server, "
        f"journal-fileserver -> 2b3c4d5 (committed {head[:7]} on main)\n")
    assert git(repo, "status", "--porcelain") == ""
    again = _run(repo, ("bump", "--commit", LATER, "--in-place"))
    assert (again.returncode, again.stdout) == (0, f"already at {LATER}\n")


def test_next_command_drops_a_move_that_had_not_started(lived_template: Path,
                                                         tmp_path: Path) -> None:
    repo = _copy(lived_template, tmp_path / "repo")
    before = git(repo, "rev-parse", "HEAD")
    _kill_at(repo, ("bump", "--commit", LATER, "--in-place"), "journal-written", 0)
    listing = _run(repo, ("env", "list"))
    assert listing.stderr == (
        "gitops: undid an interrupted change: deploy(dev): journal-server, journal-fileserver "
        "-> 2b3c4d5 (nothing was committed)\n")
    assert (git(repo, "rev-parse", "HEAD"), git(repo, "status", "--porcelain")) == (before, "")
