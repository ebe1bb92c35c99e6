"""Wall time of `gitops diff` for a change to one environment, on a repository of 300
environments, divided by the time of rendering that one environment at both revisions with bare
kustomize (target <= 5). Measured in one run, best of several repeats, the runs taking turns.

`gitops diff` makes its own worktrees and renders every environment of both revisions; with the
cache warm, only the changed environment's inputs are new, so it builds that one and reads the
others from the cache; renders whose text is the same on both sides are not compared further.
"""

from __future__ import annotations

import subprocess
import tempfile
from pathlib import Path

from shared import BIN, TOOL_ENV, bare_render, best_of_each, generated_repo, git, init_git

GITOPS = str(BIN / "gitops")


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        scratch = Path(tmp)
        repo = scratch / "repo"
        envs = generated_repo(repo, 297)
        init_git(repo, name="Bench", email="bench@example.com", message="manifests")
        changed = envs[5]
        overlay = repo / "overlays" / changed / "kustomization.yaml"
        overlay.write_text(overlay.read_text().replace("journalEntries=20", "journalEntries=60"))
        git(repo, "commit", "--quiet", "-am", f"{changed}: more entries")
        checkouts = []
        for rev in ("HEAD^", "HEAD"):
            folder = scratch / rev.replace("^", "-parent")
            git(repo, "worktree", "add", "--quiet", "--detach", str(folder), rev)
            checkouts.append(folder)
        env = {**TOOL_ENV, "GITOPS_CACHE_DIR": str(scratch / "cache")}

        def diff() -> None:
            subprocess.run([GITOPS, "--repo", str(repo), "diff", "--base", "HEAD^", "--head",
                            "HEAD"], check=True, capture_output=True, env=env)

        def bare() -> None:
            for folder in checkouts:
                bare_render(folder / "overlays" / changed)

        diff()  # the cache holds both revisions from now on, as after the last validate of each
        times = best_of_each({"diff": diff, "bare": bare}, 5)
        print(f"{len(envs)} environments, one changed: gitops diff {times['diff']:5.2f}s; bare "
              f"renders of that environment at both revisions {times['bare']:5.2f}s; ratio "
              f"{times['diff'] / times['bare']:4.2f} (target <= 5)")


if __name__ == "__main__":
    main()
