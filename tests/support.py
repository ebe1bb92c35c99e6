"""Plain helpers (no pytest fixtures) shared by the tests and the benchmarks: a copy of this
repository's manifests in git, and the checks that a refused change left a repository alone."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Protocol, TypeVar

ROOT = Path(__file__).resolve().parent.parent
REPO_PARTS = ("base", "overlays", "apps", "argocd", "gitops.yaml")
# The app commit every environment of this repository runs.
START = "805c8cf2d536af9137692c914ecddbe83a103304"


def copy_repo(dest: Path) -> Path:
    """A copy of this repository's manifests and config, to break and validate."""
    dest.mkdir(parents=True, exist_ok=True)
    for part in REPO_PARTS:
        source = ROOT / part
        if source.is_dir():
            shutil.copytree(source, dest / part)
        else:
            shutil.copy2(source, dest / part)
    return dest


def copy_tree(source: Path, dest: Path) -> Path:
    """A copy of a whole folder (a repository with its .git), links kept as links."""
    shutil.copytree(source, dest, symlinks=True)
    return dest


def copy_template(template: Path, dest: Path, name: str = "repo", remote: bool = False) -> Path:
    """A copy of a template folder's repository `repo` (and with `remote`, of its bare
    `remote.git` as NAME-remote.git, the copy's origin) as dest/NAME."""
    repo = copy_tree(template / "repo", dest / name)
    if remote:
        bare = copy_tree(template / "remote.git", dest / f"{name}-remote.git")
        git(repo, "remote", "add", "origin", str(bare))
        git(repo, "update-ref", "refs/remotes/origin/main", "main")
    return repo


def git(repo: Path, *args: str, stdin: str | None = None) -> str:
    """Run git in a repository and return its output (stripped)."""
    done = subprocess.run(["git", "-C", str(repo), *args], input=stdin, capture_output=True,
                          text=True, check=True)
    return done.stdout.strip()


def init_git(repo: Path, branch: str = "main", name: str = "Test Engineer",
             email: str = "engineer@example.com", message: str = "initial") -> Path:
    """Make a folder a git repository with everything in it committed on `branch`."""
    git(repo, "init", "--quiet", "--initial-branch", branch)
    git(repo, "config", "user.name", name)
    git(repo, "config", "user.email", email)
    git(repo, "config", "commit.gpgsign", "false")
    git(repo, "add", "-A")
    git(repo, "commit", "--quiet", "-m", message)
    return repo


def at(day: int) -> dict[str, str]:
    """The environment that dates a commit 10:00 UTC on that day of March 2026."""
    when = f"2026-03-{day:02d}T10:00:00Z"
    return {"GIT_AUTHOR_DATE": when, "GIT_COMMITTER_DATE": when}


def start_at(repo: Path, sha: str) -> None:
    """Commit every environment of a copy of this repository at app commit `sha`."""
    for env in ("dev", "staging", "prod"):
        path = repo / f"overlays/{env}/kustomization.yaml"
        path.write_text(path.read_text().replace(START, sha))
    git(repo, "commit", "--quiet", "-am", f"start at {sha[:7]}")


def changed_files(repo: Path, rev: str = "HEAD") -> list[str]:
    return git(repo, "show", "--format=", "--name-only", rev).splitlines()


def state(repo: Path) -> tuple[str, str, str, str]:
    """Everything a refused change must leave as it was: refs, HEAD, status, worktrees."""
    return (git(repo, "for-each-ref", "--format=%(refname) %(objectname)"),
            git(repo, "rev-parse", "HEAD"), git(repo, "status", "--porcelain"),
            git(repo, "worktree", "list", "--porcelain"))


class Outcome(Protocol):
    """What a CLI run gives back (click's Result has both)."""

    @property
    def exit_code(self) -> int: ...

    @property
    def output(self) -> str: ...


R = TypeVar("R", bound=Outcome)


def assert_refused(run: Callable[[], R], code: int, output: str, repo: Path) -> R:
    """Run a command that must change nothing: it exits with `code` and prints exactly
    `output`, and the repository's refs, HEAD, status and worktrees are as they were."""
    before = state(repo)
    result = run()
    assert (result.exit_code, result.output) == (code, output)
    assert state(repo) == before
    return result


def commit_elsewhere(repo: Path, branch: str, message: str) -> str:
    """A commit of a new file on a new `branch`, then back on main; returns its sha."""
    git(repo, "checkout", "--quiet", "-b", branch)
    (repo / "NOTES").write_text(f"{message}\n")
    git(repo, "add", "NOTES")
    git(repo, "commit", "--quiet", "-m", message)
    sha = git(repo, "rev-parse", "HEAD")
    git(repo, "checkout", "--quiet", "main")
    return sha


def bin_with(folder: Path, **scripts: str) -> str:
    """A PATH holding only git and the given stand-in shell scripts (no kustomize, no kubectl)."""
    folder.mkdir()
    found = shutil.which("git")
    if found is None:
        raise AssertionError("git is not on the PATH")
    (folder / "git").symlink_to(found)
    for name, body in scripts.items():
        path = folder / name
        path.write_text(f"#!/bin/sh\n{body}\n")
        path.chmod(0o755)
    return str(folder)
