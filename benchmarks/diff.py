"""Wall time of `gitops diff` between two revisions divided by the time of rendering both
revisions with bare kustomize, measured in one run (best of several repeats).

The bare baseline renders from checkouts made beforehand, one overlay after another, as a
shell loop would; `gitops diff` makes its own worktrees and renders both sides at once. It
runs on the repository's own environments, then on a copy with 60 environments spread over 4
clusters in parallel stages.
"""

from __future__ import annotations

import subprocess
import tempfile
from pathlib import Path

from shared import BIN, TOOL_ENV, bare_render, best, generated_repo, git, init_git

GITOPS = str(BIN / "gitops")


def measure(label: str, repo: Path, envs: list[str], scratch: Path) -> None:
    subprocess.run([GITOPS, "--repo", str(repo), "env", "set", "staging", "--set",
                    "journalEntries=60", "--replicas", "frontend=3", "--in-place"],
                   check=True, capture_output=True)
    checkouts = []
    for rev in ("HEAD^", "HEAD"):
        folder = scratch / rev.replace("^", "-parent")
        git(repo, "worktree", "add", "--quiet", "--detach", str(folder), rev)
        checkouts.append(folder)

    def bare() -> None:
        for folder in checkouts:
            for env in envs:
                bare_render(folder / "overlays" / env)

    def diff() -> None:
        subprocess.run([GITOPS, "--repo", str(repo), "diff", "--base", "HEAD^", "--head",
                        "HEAD"], check=True, capture_output=True, env=TOOL_ENV)

    repeats = 5 if len(envs) < 10 else 2
    bare_time, diff_time = best(bare, repeats), best(diff, repeats)
    print(f"{label:<32} gitops diff {diff_time:6.2f}s; bare renders of both revisions "
          f"{bare_time:6.2f}s; ratio {diff_time / bare_time:.2f}")


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        repo = generated_repo(Path(tmp) / "small", 0)
        init_git(Path(tmp) / "small", name="Bench", email="bench@example.com",
                 message="manifests")
        measure("3 environments", Path(tmp) / "small", repo, Path(tmp))
    with tempfile.TemporaryDirectory() as tmp:
        envs = generated_repo(Path(tmp) / "big", 57, 4)
        init_git(Path(tmp) / "big", name="Bench", email="bench@example.com", message="manifests")
        measure(f"{len(envs)} environments on 4 clusters", Path(tmp) / "big", envs, Path(tmp))


if __name__ == "__main__":
    main()
