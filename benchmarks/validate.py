"""Wall time of `gitops validate` against bare kustomize renders, and of validate after one
environment changes against a cold validate. Prints ratios measured in one run (machines here
are noisy, so only ratios mean anything); each timing is the best of several repeats, the runs
taking turns.

- 3 environments, warm cache: validate / the three bare renders run in parallel (target <= 1.8).
- 300 environments: validate after one environment's change / a cold validate (target <= 0.25):
  the cache holds each environment's render and findings by content, so only the changed
  environment is rendered and checked again.
"""

from __future__ import annotations

import subprocess
import tempfile
from concurrent.futures import ThreadPoolExecutor
from itertools import count
from pathlib import Path

from shared import BIN, ROOT, TOOL_ENV, bare_render, best, best_of_each, generated_repo

GITOPS = str(BIN / "gitops")


def validate(repo: Path, cache: Path) -> None:
    subprocess.run([GITOPS, "--repo", str(repo), "validate"], check=True, capture_output=True,
                   env={**TOOL_ENV, "GITOPS_CACHE_DIR": str(cache)})


def small(scratch: Path) -> None:
    overlays = [ROOT / "overlays" / env for env in ("dev", "staging", "prod")]
    cache = scratch / "cache-small"
    validate(ROOT, cache)  # warm

    def parallel() -> None:
        with ThreadPoolExecutor(max_workers=4) as pool:
            list(pool.map(bare_render, overlays))

    times = best_of_each({"validate": lambda: validate(ROOT, cache), "parallel": parallel}, 15)
    print(f"3 environments    validate {times['validate']:5.2f}s (warm cache), bare renders in "
          f"parallel {times['parallel']:5.2f}s: ratio {times['validate'] / times['parallel']:4.2f}"
          f" (target <= 1.8)")


def large(scratch: Path) -> None:
    repo = scratch / "large"
    envs = generated_repo(repo, 297)
    values = count(1000)

    def cold() -> None:
        with tempfile.TemporaryDirectory(dir=scratch) as cache:
            validate(repo, Path(cache))

    warm_cache = scratch / "cache-large"
    validate(repo, warm_cache)
    overlay = repo / "overlays" / envs[5] / "kustomization.yaml"
    text = overlay.read_text()

    def one_change() -> None:
        overlay.write_text(text.replace("journalEntries=20", f"journalEntries={next(values)}"))
        validate(repo, warm_cache)

    one_change()  # the first run after the warm-up also fills the cache of the code paths
    cold_time, changed = best(cold, 2), best(one_change, 3)
    print(f"{len(envs)} environments validate after one environment's change {changed:5.2f}s, "
          f"cold {cold_time:5.2f}s: ratio {changed / cold_time:4.2f} (target <= 0.25)")


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        small(Path(tmp))
        large(Path(tmp))


if __name__ == "__main__":
    main()
