"""Wall time of a bump on a repository with 10,000 commits divided by one with 10 commits.

A bump works in a temporary worktree and commits there; none of that should grow with history.
Both repositories are built here (history made with git fast-import) and measured in one run;
each figure is the best of several bumps.
"""

from __future__ import annotations

import subprocess
import tempfile
from itertools import count
from pathlib import Path

from shared import BIN, TOOL_ENV, best, committed_copy, git

BUMP = str(BIN / "bump-image")


def build(folder: Path, commits: int) -> Path:
    """This repository's manifests, then `commits - 1` more commits of unrelated history."""
    committed_copy(folder)
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
    """Each bump moves dev to another commit, so every run does the whole job."""
    shas = (f"{n:x}" * 40 for n in count(1))

    def bump() -> None:
        subprocess.run([BUMP, "--commit", next(shas)[:40], "--env", "dev"], cwd=repo,
                       check=True, capture_output=True, env=TOOL_ENV)

    return best(bump)


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
