"""What the benchmark scripts share: a copy of this repository's manifests in git, and timing."""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
REPEATS = 5


def git(repo: Path, *args: str, stdin: str | None = None) -> str:
    return subprocess.run(["git", "-C", str(repo), *args], input=stdin, capture_output=True,
                          text=True, check=True).stdout.strip()


def copy_manifests(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for part in ("base", "overlays", "apps", "argocd", "gitops.yaml"):
        source = ROOT / part
        if source.is_dir():
            shutil.copytree(source, folder / part)
        else:
            shutil.copy2(source, folder / part)
    return folder


def committed_copy(folder: Path) -> Path:
    """The manifests in a new git repository, one commit on main."""
    copy_manifests(folder)
    git(folder, "init", "--quiet", "--initial-branch", "main")
    git(folder, "config", "user.name", "Bench")
    git(folder, "config", "user.email", "bench@example.com")
    git(folder, "add", "-A")
    git(folder, "commit", "--quiet", "-m", "manifests")
    return folder


def best(run: Callable[[], object], repeats: int = REPEATS) -> float:
    """The fastest of several runs: the least disturbed by the rest of the machine."""
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return min(times)
