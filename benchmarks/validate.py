"""Wall time of `gitops validate` against bare kustomize renders of the same overlays.

Prints ratios measured in one run (machines here are noisy, so only ratios mean anything):
the repository's own environments, then a copy with 60 generated environments on one cluster,
then 60 spread over 4 clusters in parallel stages. Each timing is the
best of several repeats, the runs taking turns (more repeats where a run is short). The
baseline renders the overlays one after another, as a shell loop would, and also all at once,
as a parallel loop would.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from shared import BIN, ROOT, TOOL_ENV, bare_render, best, best_of_each, generated_repo

GITOPS = str(BIN / "gitops")


def render(overlay: Path) -> None:
    bare_render(overlay)


def measure(repo: Path, envs: list[str], repeats: int) -> tuple[float, float, float, float]:
    """validate with its cache warm, with it cold, and the two bare baselines."""
    overlays = [repo / "overlays" / env for env in envs]

    def sequential() -> None:
        for overlay in overlays:
            render(overlay)

    def parallel() -> None:
        with ThreadPoolExecutor(max_workers=4) as pool:
            list(pool.map(render, overlays))

    def validate() -> None:
        subprocess.run([GITOPS, "--repo", str(repo), "validate"], check=True,
                       capture_output=True, env=TOOL_ENV)

    def validate_cold() -> None:
        """Nothing learnt from earlier runs: an empty cache (schema findings, tool versions)."""
        with tempfile.TemporaryDirectory() as cache:
            subprocess.run([GITOPS, "--repo", str(repo), "validate"], check=True,
                           capture_output=True, env={**TOOL_ENV, "GITOPS_CACHE_DIR": cache})

    times = best_of_each({"validate": validate, "sequential": sequential, "parallel": parallel},
                         repeats)
    return times["validate"], best(validate_cold, 3), times["sequential"], times["parallel"]


def report(label: str, timings: tuple[float, float, float, float]) -> None:
    validate, cold, sequential, parallel = timings
    print(f"{label:<16} validate {validate:5.2f}s (cold cache {cold:5.2f}s)  bare renders "
          f"{sequential:5.2f}s one by one, {parallel:5.2f}s in parallel  ratio "
          f"{validate / sequential:4.2f} (vs parallel {validate / parallel:4.2f}; cold cache "
          f"{cold / parallel:4.2f})")


def main() -> None:
    report("3 environments", measure(ROOT, ["dev", "staging", "prod"], 15))
    for clusters in (1, 4):
        with tempfile.TemporaryDirectory() as tmp:
            envs = generated_repo(Path(tmp), 57, clusters)
            check = subprocess.run([GITOPS, "--repo", tmp, "validate"], capture_output=True,
                                   text=True, check=False)
            if check.returncode != 0:
                sys.exit(f"the generated repository does not validate:\n{check.stdout}")
            label = f"{len(envs)} environments" + (f" on {clusters} clusters" if clusters > 1
                                                    else "")
            report(label, measure(Path(tmp), envs, 5))


if __name__ == "__main__":
    main()
