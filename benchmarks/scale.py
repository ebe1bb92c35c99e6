"""Wall time of `gitops env new`, `env list`, `status` and `metrics` on a repository of 300
environments divided by the same on 3 (target <= 3 each: beyond reading the environments, they
must not grow with their number). Measured in one run, best of several repeats, the runs taking
turns. Each repository has the history of a bump, a promotion and a config change; the cache is
warm, as after the validate that checked the last change. `env new` runs on a fresh copy each
time, made before the clock starts.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from collections.abc import Callable
from pathlib import Path

from shared import BIN, TOOL_ENV, best_of_each, generated_repo, init_git

GITOPS = str(BIN / "gitops")
COMMANDS = (("env", "list"), ("status",), ("metrics",))


def repository(folder: Path, environments: int) -> Path:
    generated_repo(folder, environments - 3)
    init_git(folder, name="Bench", email="bench@example.com", message="manifests")
    for args in (("bump", "--commit", "a" * 40), ("promote", "--from", "dev", "--to", "staging"),
                 ("env", "set", "dev", "--set", "journalEntries=25")):
        subprocess.run([GITOPS, "--repo", str(folder), *args, "--in-place"], check=True,
                       capture_output=True, env=TOOL_ENV)
    return folder


Runs = dict[str, Callable[[], object]]


def runs(repo: Path, scratch: Path, cache: Path) -> tuple[Runs, Runs]:
    """Each command's run, and what prepares it (untimed)."""
    env = {**TOOL_ENV, "GITOPS_CACHE_DIR": str(cache)}
    subprocess.run([GITOPS, "--repo", str(repo), "validate"], check=True, capture_output=True,
                   env=env)
    copy = scratch / f"copy-of-{repo.name}"

    def fresh_copy() -> None:
        shutil.rmtree(copy, ignore_errors=True)
        shutil.copytree(repo, copy, symlinks=True)

    def env_new() -> None:
        """A new environment beside the others, verified and committed."""
        subprocess.run([GITOPS, "--repo", str(copy), "env", "new", "qa", "--from", "dev"],
                       check=True, capture_output=True, env=env)

    found: Runs = {"env new": env_new}
    for args in COMMANDS:
        found[" ".join(args)] = lambda args=args: subprocess.run(  # type: ignore[misc]
            [GITOPS, "--repo", str(repo), *args], check=True, capture_output=True, env=env)
    return found, {"env new": fresh_copy}


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        scratch = Path(tmp)
        small, small_prepare = runs(repository(scratch / "small", 3), scratch,
                                    scratch / "cache-small")
        large, large_prepare = runs(repository(scratch / "large", 300), scratch,
                                    scratch / "cache-large")
        times = best_of_each({**{f"3 {k}": v for k, v in small.items()},
                              **{f"300 {k}": v for k, v in large.items()}}, 3,
                             {**{f"3 {k}": v for k, v in small_prepare.items()},
                              **{f"300 {k}": v for k, v in large_prepare.items()}})
        for name in small:
            ratio = times[f"300 {name}"] / times[f"3 {name}"]
            print(f"{name:<10} 300 environments {times[f'300 {name}']:5.2f}s, 3 environments "
                  f"{times[f'3 {name}']:5.2f}s: ratio {ratio:4.2f} (target <= 3)")


if __name__ == "__main__":
    main()
