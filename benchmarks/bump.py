"""Wall time of a bump on a repository with 10,000 commits divided by one with 10 commits.

A bump works in a temporary worktree and commits there; none of that should grow with history.
Both repositories are built here (history made with git fast-import) and measured in one run;
each figure is the best of several bumps.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BUMP = str(Path(sys.executable).parent / "bump-image")
REPEATS = 5


def git(repo: Path, *args: str, stdin: str | None = None) -> str:
    return subprocess.run(["git", "-C", str(repo), *args], input=stdin, capture_output=True,
                          text=True, check=True).stdout.strip()


def build(folder: Path, commits: int) -> Path:
    """This repository's manifests, then `commits - 1` more commits of unrelated history."""
    folder.mkdir()
    for part in ("base", "overlays", "apps", "argocd", "gitops.yaml"):
        source = ROOT / part
        (shutil.copytree if source.is_dir() else shutil.copy2)(source, folder / part)
    git(folder, "init", "--quiet", "--initial-branch", "main")
    git(folder, "config", "user.name", "Bench")
    git(folder, "config", "user.email", "bench@example.com")
    git(folder, "add", "-A")
    git(folder, "commit", "--quiet", "-m", "manifests")
    stream = []
    for n in range(1, commits):
        body = f"change {n}\n"
        message = f"history {n}\n"
        stream.append(
            f"commit refs/heads/main\n"
            f"committer Bench <bench@example.com> {1_600_000_000 + n} +0000\n"
            f"data {len(message)}\n{message}"
            + ("from main^0\n" if n == 1 else "")
            + f"M 644 inline HISTORY\ndata {len(body)}\n{body}\n")
    git(folder, "fast-import", "--quiet", stdin="".join(stream))
    git(folder, "reset", "--quiet", "--hard", "main")
    return folder


def time_bumps(repo: Path) -> float:
    best = float("inf")
    for n in range(REPEATS):
        sha = f"{n + 1:x}" * 40
        start = time.perf_counter()
        subprocess.run([BUMP, "--commit", sha[:40], "--env", "dev"], cwd=repo, check=True,
                       capture_output=True)
        best = min(best, time.perf_counter() - start)
    return best


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        small = build(Path(tmp) / "small", 10)
        large = build(Path(tmp) / "large", 10_000)
        counts = [git(repo, "rev-list", "--count", "HEAD") for repo in (small, large)]
        small_time, large_time = time_bumps(small), time_bumps(large)
        print(f"bump on {counts[0]} commits: {small_time:.3f}s; on {counts[1]} commits: "
              f"{large_time:.3f}s; ratio {large_time / small_time:.2f}")


if __name__ == "__main__":
    main()
