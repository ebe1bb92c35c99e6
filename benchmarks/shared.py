"""What the benchmark scripts share: a copy of this repository's manifests in git, and timing.

The copy and git helpers are the tests' own (tests/support.py, a plain module), so that there is
one list of what makes up the repository."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from support import copy_repo, git, init_git  # noqa: E402  (tests/ is on the path only now)

BIN = Path(sys.executable).parent
REPEATS = 5
# The tool as a user runs it: Python writes and reuses the bytecode of its modules (some shells
# and sandboxes set PYTHONDONTWRITEBYTECODE, which makes every start compile them again).
TOOL_ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


def bare_render(directory: Path) -> None:
    """One `kustomize build` with the same kustomize the tool finds, and nothing else."""
    from journal_gitops.adapters.kustomize import find_kustomize

    subprocess.run([*find_kustomize().command, str(directory)], check=True, capture_output=True)

__all__ = ["BIN", "ROOT", "TOOL_ENV", "bare_render", "best", "best_of_each", "committed_copy",
           "copy_repo", "generated_repo", "git", "init_git"]


def committed_copy(folder: Path) -> Path:
    """The manifests in a new git repository, one commit on main."""
    return init_git(copy_repo(folder), name="Bench", email="bench@example.com",
                    message="manifests")


def progress(what: str, done: int, total: int) -> None:
    """How far a benchmark is, on one rewritten line of stderr when it is a terminal."""
    if sys.stderr.isatty():
        sys.stderr.write(f"\r\x1b[K{what}: {done} of {total}" if done < total else "\r\x1b[K")
        sys.stderr.flush()


def best(run: Callable[[], object], repeats: int = REPEATS) -> float:
    """The fastest of several runs: the least disturbed by the rest of the machine."""
    times = []
    for n in range(repeats):
        progress("runs", n, repeats)
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    progress("runs", repeats, repeats)
    return min(times)


def best_of_each(runs: dict[str, Callable[[], object]], repeats: int = REPEATS,
                 prepare: dict[str, Callable[[], object]] | None = None) -> dict[str, float]:
    """The fastest run of each, taking turns: a slow spell of the machine then falls on every
    one of them rather than on whichever ran during it. `prepare[name]` runs before each run
    of `name`, untimed."""
    times: dict[str, list[float]] = {name: [] for name in runs}
    total = repeats * len(runs)
    for n in range(repeats):
        for i, (name, run) in enumerate(runs.items()):
            progress(f"timing {name}", n * len(runs) + i, total)
            if prepare and name in prepare:
                prepare[name]()
            start = time.perf_counter()
            run()
            times[name].append(time.perf_counter() - start)
    progress("timing", total, total)
    return {name: min(found) for name, found in times.items()}


def generated_repo(folder: Path, count: int, clusters: int = 1) -> list[str]:
    """This repository with `count` environments cloned from dev, each with its Application
    and project destination. With several clusters, the new environments go round them (the
    first is Argo CD's own) and stand in parallel stages of one environment per cluster, as
    regions do."""
    import shutil

    copy_repo(folder)
    envs = [f"env{i:02d}" for i in range(count)]
    servers = ["https://kubernetes.default.svc",
               *(f"https://c{n}.k8s.example.com" for n in range(1, clusters))]
    dev_overlay = folder / "overlays/dev"
    dev_app = (folder / "apps/journal-dev.yaml").read_text()
    project = folder / "argocd/project.yaml"
    destinations = ""
    for index, env in enumerate(envs):
        server = servers[index % clusters]
        target = folder / "overlays" / env
        shutil.copytree(dev_overlay, target)
        for name in ("kustomization.yaml", "namespace.yaml"):
            path = target / name
            path.write_text(path.read_text().replace("journal-dev", f"journal-{env}"))
        (folder / f"apps/journal-{env}.yaml").write_text(
            dev_app.replace("journal-dev", f"journal-{env}")
            .replace("overlays/dev", f"overlays/{env}")
            .replace("server: https://kubernetes.default.svc", f"server: {server}"))
        destinations += f"    - server: {server}\n      namespace: journal-{env}\n"
    text = project.read_text()
    project.write_text(text.replace("  destinations:\n", "  destinations:\n" + destinations, 1))
    config = folder / "gitops.yaml"
    stages = "".join(f"  - [{', '.join(envs[i:i + clusters])}]\n"
                     for i in range(0, count, clusters))
    text = config.read_text().replace("environments:\n", "environments:\n" + stages, 1)
    placed = ["dev", "staging", "prod"] + [env for i, env in enumerate(envs) if i % clusters == 0]
    section = f"    environments: [{', '.join(placed)}]\n"
    for n in range(1, clusters):
        members = ", ".join(env for index, env in enumerate(envs) if index % clusters == n)
        section += f"  c{n}:\n    server: {servers[n]}\n    environments: [{members}]\n"
    config.write_text(text.replace("    environments: [dev, staging, prod]\n", section, 1))
    return ["dev", "staging", "prod", *envs]
