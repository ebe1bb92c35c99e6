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

# support.py's asserts (assert_refused) explain a failure as a test's own asserts do.
pytest.register_assert_rewrite("support")

from support import (  # noqa: E402  (after the rewrite is registered)
    REPO_PARTS,
    ROOT,
    at,
    copy_repo,
    copy_template,
    copy_tree,
    git,
    init_git,
    state,
)

# The plain helpers live in support.py; these names stay importable from here too.
__all__ = ["REPO_PARTS", "ROOT", "SHARED_CRDS", "Runner", "copy_repo", "edit_yaml", "findings",
           "git", "init_git", "require", "state"]

SHARED_CRDS = ROOT.parent / "shared" / "crds"


@pytest.fixture(scope="session", autouse=True)
def isolated_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One cache (schema findings, tool versions) for the whole session, none of the user's:
    what a test sees never depends on an earlier run on this machine. Subprocesses inherit it."""
    folder = tmp_path_factory.mktemp("cache")
    os.environ["GITOPS_CACHE_DIR"] = str(folder)
    os.environ.pop("GITOPS_NO_CACHE", None)
    return folder


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    return copy_repo(tmp_path / "repo")


Runner = Callable[..., Result]


def run_gitops(*args: str, repo: Path | None = None, env: dict[str, str] | None = None) -> Result:
    """Run the real CLI in-process; `repo=` points it at a repository."""
    prefix = ["--repo", str(repo)] if repo is not None else []
    return CliRunner().invoke(cli, [*prefix, *args], env=env, catch_exceptions=False)


@pytest.fixture
def gitops() -> Runner:
    """Run the real CLI in-process; `repo=` points it at a repository."""
    return run_gitops


def edit_yaml(path: Path, change: Callable[[list[Any]], None]) -> None:
    """Load every document of a file, let `change` mutate them, write them back."""
    docs = list(yaml.safe_load_all(path.read_text()))
    change(docs)
    path.write_text(yaml.safe_dump_all(docs, sort_keys=False))


def findings(result: Result) -> list[tuple[Any, ...]]:
    data = json.loads(result.output)
    return [(f["env"], f["rule"], f["resource"], f["message"]) for f in data["findings"]]


@pytest.fixture(scope="session")
def repo_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """This repository's manifests committed on main, with a bare remote that has main: built
    once a session, copied for each test that wants a repository."""
    folder = tmp_path_factory.mktemp("template")
    repo = init_git(copy_repo(folder / "repo"))
    bare = folder / "remote.git"
    subprocess.run(["git", "init", "--quiet", "--bare", str(bare)], check=True)
    git(repo, "push", "--quiet", str(bare), "main")
    return folder


MakeRepo = Callable[..., Path]


@pytest.fixture
def make_repo(tmp_path: Path, repo_template: Path) -> MakeRepo:
    """A factory of real GitOps repositories: this one's manifests, committed on main; with
    `remote=True`, also a bare `origin` (tmp_path/NAME-remote.git) that has main."""

    def make(name: str = "repo", remote: bool = False) -> Path:
        return copy_template(repo_template, tmp_path, name, remote)

    return make


# The app commits of the history in `repo_with_history`.
A = "aaaaaaa1" + "0" * 32
B = "bbbbbbb2" + "0" * 32
HISTORY = (
    ("bump", "--commit", A),
    ("promote", "--from", "dev", "--to", "staging"),
    ("env", "set", "dev", "--set", "journalEntries=25"),
    ("bump", "--commit", B, "--env", "dev", "--env", "staging", "--skip-order", "both at once"),
)


@pytest.fixture(scope="session")
def history_template(tmp_path_factory: pytest.TempPathFactory, repo_template: Path) -> Path:
    """`repo_with_history`, built once a session."""
    folder = tmp_path_factory.mktemp("history")
    repo = copy_template(repo_template, folder)
    for day, step in enumerate(HISTORY, start=2):
        result = run_gitops(*step, "--in-place", repo=repo, env=at(day))
        assert result.exit_code == 0, result.output
    return folder


@pytest.fixture
def repo_with_history(tmp_path: Path, history_template: Path) -> Path:
    """A repository with a history (days 2 to 5 of March 2026): bump dev to A, promote to
    staging, a config change in dev, bump dev and staging to B in one commit."""
    return copy_template(history_template, tmp_path)


@pytest.fixture(scope="session")
def app_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A stand-in app repository with a line of five commits, built once a session."""
    repo = tmp_path_factory.mktemp("app-template") / "app"
    repo.mkdir()
    (repo / "server.js").write_text("// v0\n")
    init_git(repo)
    for n in range(1, 5):
        (repo / "server.js").write_text(f"// v{n}\n")
        git(repo, "commit", "--quiet", "-am", f"v{n}")
    return repo


@pytest.fixture
def app_repo(tmp_path: Path, app_template: Path) -> tuple[Path, list[str]]:
    """A stand-in app repository with a line of five commits (oldest first)."""
    repo = copy_tree(app_template, tmp_path / "app")
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
