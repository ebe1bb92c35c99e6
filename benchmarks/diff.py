"""Wall time of `gitops diff` between two revisions divided by the time of rendering both
revisions with bare `kubectl kustomize`, measured in one run (best of several repeats).

The bare baseline renders from checkouts made beforehand, one overlay after another, as a
shell loop would; `gitops diff` makes its own worktrees and renders both sides at once.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
GITOPS = str(Path(sys.executable).parent / "gitops")
REPEATS = 5
ENVS = ("dev", "staging", "prod")


def git(repo: Path, *args: str) -> str:
    return subprocess.run(["git", "-C", str(repo), *args], capture_output=True, text=True,
                          check=True).stdout.strip()


def best(run: Callable[[], None]) -> float:
    times = []
    for _ in range(REPEATS):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        repo = Path(tmp) / "repo"
        repo.mkdir()
        for part in ("base", "overlays", "apps", "argocd", "gitops.yaml"):
            source = ROOT / part
            (shutil.copytree if source.is_dir() else shutil.copy2)(source, repo / part)
        git(repo, "init", "--quiet", "--initial-branch", "main")
        git(repo, "config", "user.name", "Bench")
        git(repo, "config", "user.email", "bench@example.com")
        git(repo, "add", "-A")
        git(repo, "commit", "--quiet", "-m", "base")
        subprocess.run([GITOPS, "--repo", str(repo), "env", "set", "staging", "--set",
                        "journalEntries=60", "--replicas", "frontend=3", "--in-place"],
                       check=True, capture_output=True)
        checkouts = []
        for rev in ("HEAD^", "HEAD"):
            folder = Path(tmp) / rev.replace("^", "-parent")
            git(repo, "worktree", "add", "--quiet", "--detach", str(folder), rev)
            checkouts.append(folder)

        def bare() -> None:
            for folder in checkouts:
                for env in ENVS:
                    subprocess.run(["kubectl", "kustomize", str(folder / "overlays" / env)],
                                   check=True, capture_output=True)

        def diff() -> None:
            subprocess.run([GITOPS, "--repo", str(repo), "diff", "--base", "HEAD^", "--head",
                            "HEAD"], check=True, capture_output=True)

        bare_time, diff_time = best(bare), best(diff)
        print(f"gitops diff {diff_time:.2f}s; bare renders of both revisions {bare_time:.2f}s; "
              f"ratio {diff_time / bare_time:.2f}")


if __name__ == "__main__":
    main()
