"""Rendering with the real kustomize: standalone `kustomize`, or the one inside `kubectl`."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from collections.abc import Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from .errors import ToolMissingError

MIN_MAJOR = 5
INSTALL_HINT = "install kustomize v5 or newer, or kubectl v1.27 or newer (it bundles kustomize v5)"
ENV_OVERRIDE = "GITOPS_KUSTOMIZE"


@dataclass(frozen=True)
class Kustomize:
    """How to call kustomize on this machine, and which version it is."""

    command: tuple[str, ...]
    version: str

    def build_args(self, directory: Path) -> list[str]:
        return [*self.command, str(directory)]


@dataclass(frozen=True)
class Render:
    """The outcome of one `kustomize build`: the manifests, or why there are none."""

    directory: Path
    manifests: str
    warnings: tuple[str, ...]
    error: str | None


_VERSION = re.compile(r"v?(\d+)\.(\d+)\.(\d+)")


def _run(args: Sequence[str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, capture_output=True, text=True, check=False)


def _standalone(path: str) -> Kustomize | None:
    out = _run([path, "version"])
    match = _VERSION.search(out.stdout + out.stderr)
    if out.returncode != 0 or not match:
        return None
    return Kustomize((path, "build"), match.group(0).lstrip("v"))


def _kubectl(path: str) -> Kustomize | None:
    out = _run([path, "version", "--client"])
    match = re.search(r"Kustomize Version:\s*(\S+)", out.stdout)
    if not match:
        return None
    found = _VERSION.search(match.group(1))
    return Kustomize((path, "kustomize"), found.group(0).lstrip("v") if found else match.group(1))


@lru_cache(maxsize=8)
def _locate(path_env: str, override: str) -> Kustomize:
    candidates: list[Kustomize] = []
    if override:
        found = _standalone(override) if "kubectl" not in Path(override).name else None
        found = found or _kubectl(override)
        if found is None:
            raise ToolMissingError(f"{ENV_OVERRIDE}={override} is not a working kustomize")
        candidates.append(found)
    else:
        standalone = shutil.which("kustomize", path=path_env)
        kubectl = shutil.which("kubectl", path=path_env)
        for tool in (_standalone(standalone) if standalone else None,
                     _kubectl(kubectl) if kubectl else None):
            if tool is not None:
                candidates.append(tool)
    if not candidates:
        raise ToolMissingError(f"kustomize not found on PATH: {INSTALL_HINT}")
    for tool in candidates:
        major = _VERSION.search(tool.version)
        if major and int(major.group(1)) >= MIN_MAJOR:
            return tool
    raise ToolMissingError(f"kustomize {candidates[0].version} is too old: {INSTALL_HINT}")


def find_kustomize() -> Kustomize:
    """The first usable kustomize: $GITOPS_KUSTOMIZE, then `kustomize`, then `kubectl kustomize`."""
    return _locate(os.environ.get("PATH", ""), os.environ.get(ENV_OVERRIDE, ""))


def _first_error(stderr: str) -> str:
    lines = [line.strip() for line in stderr.splitlines() if line.strip()]
    for line in lines:
        if line.lower().startswith("error:"):
            return line[len("error:"):].strip()
    return lines[0] if lines else "kustomize failed without a message"


KUSTOMIZATION_FILES = ("kustomization.yaml", "kustomization.yml", "Kustomization")


def render(tool: Kustomize, directory: Path, label: str | None = None) -> Render:
    """Build one kustomization; kustomize's stderr on success is a list of warnings."""
    name = label or str(directory)
    if not directory.is_dir():
        return Render(directory, "", (), f"{name} does not exist")
    if not any((directory / f).is_file() for f in KUSTOMIZATION_FILES):
        return Render(directory, "", (), f"{name} has no kustomization.yaml")
    out = _run(tool.build_args(directory))
    if out.returncode != 0:
        return Render(directory, "", (), _first_error(out.stderr))
    warnings = tuple(
        line.lstrip("# ").strip() for line in out.stderr.splitlines() if line.strip()
    )
    return Render(directory, out.stdout, warnings, None)


def render_many(tool: Kustomize, targets: Iterable[tuple[Path, str]]) -> list[Render]:
    """Build several (directory, label) kustomizations at once, each in its own process."""
    jobs = list(targets)
    if not jobs:
        return []
    workers = min(len(jobs), max(2, (os.cpu_count() or 2) * 2))
    with ThreadPoolExecutor(max_workers=workers) as pool:
        return list(pool.map(lambda job: render(tool, *job), jobs))
