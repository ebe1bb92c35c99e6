"""What the benchmark scripts share: a copy of this repository's manifests in git, and timing.

The copy and git helpers are the tests' own (tests/support.py, a plain module), so that there is
one list of what makes up the repository."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from support import copy_repo, git, init_git  # noqa: E402  (tests/ is on the path only now)

BIN = Path(sys.executable).parent
REPEATS = 5
# The tool as a user runs it: Python writes and reuses the bytecode of its modules (some shells
# and sandboxes set PYTHONDONTWRITEBYTECODE, which makes every start compile them again).
TOOL_ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


def bare_render(directory: Path) -> None:
    """One `kustomize build` with the same kustomize the tool finds, and nothing else."""
    from journal_gitops.adapters.kustomize import find_kustomize

    subprocess.run(find_kustomize().build_args(directory), check=True, capture_output=True)

__all__ = ["BIN", "ROOT", "TOOL_ENV", "bare_render", "best", "committed_copy", "copy_repo", "git"]



def committed_copy(folder: Path) -> Path:
    """The manifests in a new git repository, one commit on main."""
    return init_git(copy_repo(folder), name="Bench", email="bench@example.com",
                    message="manifests")


def best(run: Callable[[], object], repeats: int = REPEATS) -> float:
    """The fastest of several runs: the least disturbed by the rest of the machine."""
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return min(times)
