"""Fixtures that build real repositories from this one's manifests, and run the real CLI."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner, Result

from journal_gitops.cli import cli

ROOT = Path(__file__).resolve().parent.parent
SHARED_CRDS = ROOT.parent / "shared" / "crds"
REPO_PARTS = ("base", "overlays", "apps", "argocd", "gitops.yaml")


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


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    return copy_repo(tmp_path / "repo")


Runner = Callable[..., Result]


@pytest.fixture
def gitops() -> Runner:
    """Run the real CLI in-process; `repo=` points it at a repository."""

    def run(*args: str, repo: Path | None = None, env: dict[str, str] | None = None) -> Result:
        prefix = ["--repo", str(repo)] if repo is not None else []
        return CliRunner().invoke(cli, [*prefix, *args], env=env, catch_exceptions=False)

    return run


def edit_yaml(path: Path, change: Callable[[list[Any]], None]) -> None:
    """Load every document of a file, let `change` mutate them, write them back."""
    docs = list(yaml.safe_load_all(path.read_text()))
    change(docs)
    path.write_text(yaml.safe_dump_all(docs, sort_keys=False))


def findings(result: Result) -> list[tuple[Any, ...]]:
    data = json.loads(result.output)
    return [(f["env"], f["rule"], f["resource"], f["message"]) for f in data["findings"]]


def git(repo: Path, *args: str) -> str:
    """Run git in a repository and return its output (stripped)."""
    done = subprocess.run(["git", "-C", str(repo), *args], capture_output=True, text=True,
                          check=True)
    return done.stdout.strip()


def init_git(repo: Path, branch: str = "main") -> Path:
    git(repo, "init", "--quiet", "--initial-branch", branch)
    git(repo, "config", "user.name", "Test Engineer")
    git(repo, "config", "user.email", "engineer@example.com")
    git(repo, "config", "commit.gpgsign", "false")
    git(repo, "add", "-A")
    git(repo, "commit", "--quiet", "-m", "initial")
    return repo


@pytest.fixture
def make_repo(tmp_path: Path) -> Callable[..., Path]:
    """A factory of real GitOps repositories: this one's manifests, committed on main."""

    def make(name: str = "repo", remote: bool = False) -> Path:
        repo = init_git(copy_repo(tmp_path / name))
        if remote:
            bare = tmp_path / f"{name}-remote.git"
            subprocess.run(["git", "init", "--quiet", "--bare", str(bare)], check=True)
            git(repo, "remote", "add", "origin", str(bare))
            git(repo, "push", "--quiet", "origin", "main")
        return repo

    return make


@pytest.fixture
def app_repo(tmp_path: Path) -> tuple[Path, list[str]]:
    """A stand-in app repository with a line of five commits (oldest first)."""
    repo = tmp_path / "app"
    repo.mkdir()
    (repo / "server.js").write_text("// v0\n")
    init_git(repo)
    for n in range(1, 5):
        (repo / "server.js").write_text(f"// v{n}\n")
        git(repo, "commit", "--quiet", "-am", f"v{n}")
    shas = git(repo, "rev-list", "--reverse", "HEAD").split()
    return repo, shas


def require(*tools: str) -> None:
    """Skip when a Debian tool is absent on a developer's machine; CI installs them all."""
    missing = [tool for tool in tools if shutil.which(tool) is None]
    if missing:
        message = f"needs {', '.join(missing)} (apt-get install them)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)


def state(repo: Path) -> tuple[str, str, str, str]:
    """Everything a refused change must leave as it was: refs, HEAD, status, worktrees."""
    return (git(repo, "for-each-ref", "--format=%(refname) %(objectname)"),
            git(repo, "rev-parse", "HEAD"), git(repo, "status", "--porcelain"),
            git(repo, "worktree", "list", "--porcelain"))
