"""Wall time of `gitops diff` between two revisions divided by the time of rendering both
revisions with bare kustomize, measured in one run (best of several repeats).

The bare baseline renders from checkouts made beforehand, one overlay after another, as a
shell loop would; `gitops diff` makes its own worktrees and renders both sides at once.
"""

from __future__ import annotations

import subprocess
import tempfile
from pathlib import Path

from shared import BIN, TOOL_ENV, bare_render, best, committed_copy, git

GITOPS = str(BIN / "gitops")
ENVS = ("dev", "staging", "prod")


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        repo = committed_copy(Path(tmp) / "repo")
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
                    bare_render(folder / "overlays" / env)

        def diff() -> None:
            subprocess.run([GITOPS, "--repo", str(repo), "diff", "--base", "HEAD^", "--head",
                            "HEAD"], check=True, capture_output=True, env=TOOL_ENV)

        bare_time, diff_time = best(bare), best(diff)
        print(f"gitops diff {diff_time:.2f}s; bare renders of both revisions {bare_time:.2f}s; "
              f"ratio {diff_time / bare_time:.2f}")


if __name__ == "__main__":
    main()
