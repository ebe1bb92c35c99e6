"""Rendering with the real kustomize: standalone `kustomize`, or the one inside `kubectl`."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from ..config import KUSTOMIZATION_FILES
from ..errors import GitopsError, ToolMissingError

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

    manifests: str
    warnings: tuple[str, ...]
    error: str | None


_VERSION = re.compile(r"v?(\d+)\.(\d+)\.(\d+)")


def _run(args: Sequence[str]) -> subprocess.CompletedProcess[str]:
    try:
        return subprocess.run(args, capture_output=True, text=True, check=False)
    except OSError as exc:  # not there, or not executable
        return subprocess.CompletedProcess(args, 127, "", str(exc))


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


_KLOG_ERROR = re.compile(r'"command failed" err="(.*)"\s*$')


def _first_error(stderr: str) -> str:
    """kustomize says `Error: ...`; kubectl logs `... "command failed" err="..."` instead."""
    lines = [line.strip() for line in stderr.splitlines() if line.strip()]
    for line in lines:
        klog = _KLOG_ERROR.search(line)
        if klog:
            return klog.group(1).replace('\\"', '"')
        if line.lower().startswith("error:"):
            return line[len("error:"):].strip()
    return lines[0] if lines else "kustomize failed without a message"


def render(tool: Kustomize, directory: Path) -> Render:
    """Build one kustomization; kustomize's stderr on success is a list of warnings."""
    if not directory.is_dir():
        return Render("", (), "overlay folder does not exist")
    if not any((directory / f).is_file() for f in KUSTOMIZATION_FILES):
        return Render("", (), "no kustomization.yaml in the overlay folder")
    out = _run(tool.build_args(directory))
    if out.returncode != 0:
        return Render("", (), _first_error(out.stderr))
    warnings = tuple(
        line.lstrip("# ").strip().removeprefix("Warning: ")
        for line in out.stderr.splitlines() if line.strip()
    )
    return Render(out.stdout, warnings, None)


def error_text(error: str, root: Path) -> str:
    """kustomize's message with the repository's absolute path taken out."""
    return error.replace(f"{root}/", "")


def render_or_raise(tool: Kustomize, root: Path, overlay: str, what: str | None = None) -> str:
    """The manifests of `root/overlay`, or one error naming the overlay (or `what`)."""
    result = render(tool, root / overlay)
    if result.error is not None:
        raise GitopsError(f"{what or overlay}: {error_text(result.error, root)}")
    return result.manifests


def render_workers(jobs: int) -> int:
    """kustomize is mostly CPU: a couple of processes per core keeps the cores busy."""
    return max(1, min(jobs, (os.cpu_count() or 2) * 2))
