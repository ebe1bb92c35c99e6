"""Wall time of `gitops diff` for a change to one environment, on a repository of 300
environments, divided by the time of rendering that one environment at both revisions with bare
kustomize (target <= 5). Measured in one run, best of several repeats, the runs taking turns;
twice: with the change committed (`--head HEAD`, a worktree of the head revision to make) and
with the change in the working tree (the default head, as the pull-request check runs it).

`gitops diff` renders only the environments whose inputs the change touches, at both revisions;
it still reads every environment's kustomizations (to know which it touches) and every
Application.
"""

from __future__ import annotations

import subprocess
import tempfile
from collections.abc import Callable
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

        def diff(*revisions: str) -> Callable[[], object]:
            return lambda: subprocess.run([GITOPS, "--repo", str(repo), "diff", *revisions],
                                          check=True, capture_output=True, env=env)

        def bare() -> None:
            for folder in checkouts:
                bare_render(folder / "overlays" / changed)

        base, head = (git(repo, "rev-parse", rev) for rev in ("HEAD^", "HEAD"))
        # The working tree holds the change too: against the base, it is the same change.
        committed, working = diff("--base", base, "--head", head), diff("--base", base)
        committed()  # the cache holds both revisions from now on, as after a validate of each
        times = best_of_each({"committed": committed, "working": working, "bare": bare}, 5)
        for name, what in (("committed", "committed"), ("working", "in the working tree")):
            print(f"{len(envs)} environments, one changed ({what}): gitops diff "
                  f"{times[name]:5.2f}s; bare renders of that environment at both revisions "
                  f"{times['bare']:5.2f}s; ratio {times[name] / times['bare']:4.2f} (target <= 5)")


if __name__ == "__main__":
    main()
