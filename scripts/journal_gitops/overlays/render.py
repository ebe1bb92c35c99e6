"""Rendering overlays with the real kustomize: never fetching, and never twice for the same
inputs.

An overlay is refused before any build when one of its inputs is not a file of this repository
(see inputs.py): renders never fetch. kustomize, with its default load restrictions, reads
only files inside the folder of each kustomization it loads, so what a build can read is the
content of those folders. A successful build is remembered under a hash of exactly that (every
file of every folder the kustomization tree reaches, with their paths in the repository) and
of the kustomize binary's sha256: a build of the same inputs by the same kustomize gives the
same output, wherever the repository is. An output that names the repository's own path is
not kept, nor is a failure.
"""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

from ..adapters import processes, progress
from ..adapters.kustomize import (
    KUSTOMIZATION_FILES,
    Kustomize,
    Render,
    error_text,
    find_kustomize,
    outcome,
)
from ..cache import binaries
from ..cache.store import Namespace, key_of
from ..errors import GitopsError
from . import inputs

RENDERS = Namespace("renders", keep=2000)
NO_INPUTS = inputs.Inputs((), ())
K = TypeVar("K")


def kustomize_tool() -> Kustomize:
    """The kustomize every render uses (what is learnt about its binary is remembered)."""
    return find_kustomize(binaries.remember)


def refusal(directory: Path, found: inputs.Inputs) -> str | None:
    """Why this folder is not handed to kustomize, if it is not: renders never fetch, so an
    overlay with a remote (or missing, host-like, or unreadable) input is refused before any
    build."""
    if not directory.is_dir():
        return "overlay folder does not exist"
    if not any((directory / f).is_file() for f in KUSTOMIZATION_FILES):
        return "no kustomization.yaml in the overlay folder"
    if found.problems:
        first = found.problems[0]
        return f"not rendered: {first.file}: {first.message}"
    return None


def _subtree(folder: str, prefix: str, digest: list[bytes]) -> None:
    """Every entry under `folder` (links not followed: a link's target is its text, and what
    it leads to inside a loaded folder is hashed there), in a stable order."""
    with os.scandir(folder) as found:
        entries = sorted(found, key=lambda e: e.name)
    for entry in entries:
        rel = f"{prefix}{entry.name}".encode()
        if entry.is_symlink():
            digest.append(b"L" + rel + b"\0" + str(Path(entry.path).readlink()).encode())
        elif entry.is_file(follow_symlinks=False):
            with open(entry.path, "rb") as handle:  # noqa: PTH123 (thousands a run)
                digest.append(b"F" + rel + b"\0" + handle.read())
        elif entry.is_dir(follow_symlinks=False):
            digest.append(b"D" + rel)
            _subtree(entry.path, f"{prefix}{entry.name}/", digest)
        else:
            raise OSError(f"{entry.path} is not a file or folder")


@dataclass
class Batch:
    """What renders started together share, each worked out once for all of them (nothing is
    written while they start): the kustomizations read, and the digests of the folders they
    load (an environment's bases are every environment's)."""

    inputs: inputs.Batch = field(default_factory=inputs.Batch)
    folders: dict[Path, bytes] = field(default_factory=dict)
    binaries: dict[str, str | None] = field(default_factory=dict)

    def binary(self, tool: Kustomize) -> str | None:
        """The sha256 of the kustomize binary (binaries.sha256, asked once)."""
        path = tool.command[0]
        if path not in self.binaries:
            self.binaries[path] = binaries.sha256(path)
        return self.binaries[path]

    def folder_digest(self, folder: Path) -> bytes:
        if folder not in self.folders:
            parts: list[bytes] = []
            _subtree(str(folder), "", parts)
            self.folders[folder] = key_of(*parts).encode()
        return self.folders[folder]


def input_key(tool: Kustomize, directory: Path, found: inputs.Inputs, batch: Batch
              ) -> str | None:
    """The key of a build of `directory` whose inputs are `found`: None when it cannot be known
    for sure (a file that cannot be read, a binary that is gone)."""
    base = batch.inputs.root_of(directory)
    binary = batch.binary(tool)
    if binary is None:
        return None
    parts: list[bytes] = []
    try:
        for folder in sorted(found.folders):
            parts += [b"R" + folder.relative_to(base).as_posix().encode(),
                      batch.folder_digest(folder)]
    except (OSError, ValueError):
        return None
    start = directory.resolve().relative_to(base).as_posix()
    return key_of("render", binary, *tool.command[1:], start, *parts)


def _remembered(key: str | None) -> Render | None:
    found = RENDERS.get(key) if key is not None else None
    if found is None:
        return None
    try:
        data = json.loads(found)
        return Render(str(data["manifests"]), tuple(map(str, data["warnings"])), None)
    except (ValueError, KeyError, TypeError):
        return None


def _remember(key: str | None, render: Render, root: Path) -> None:
    text = render.manifests + "\n".join(render.warnings)
    if key is None or render.error is not None or str(root.resolve()) in text or \
            str(root) in text:
        return
    RENDERS.put(key, json.dumps({"manifests": render.manifests,
                                 "warnings": list(render.warnings)}).encode())


@dataclass
class RenderJob:
    """One overlay's render: remembered, refused, or a build under way; result() waits.
    `found`: its inputs, and why they refuse it (no problems when it was handed to
    kustomize)."""

    directory: Path
    build: processes.Build | None = None
    known: Render | None = None
    key: str | None = None
    found: inputs.Inputs = NO_INPUTS
    tally: _Tally | None = None  # the builds of its batch, for progress

    def result(self) -> Render:
        if self.known is not None:
            return self.known
        if self.build is None:
            return Render("", (), "not rendered")
        self.known = outcome(self.build.outcome())
        _remember(self.key, self.known, inputs.repository_root(self.directory))
        if self.tally is not None:
            self.tally.done += 1
            progress.report("rendering environments", self.tally.done, self.tally.total)
        return self.known


@dataclass
class _Tally:
    total: int
    done: int = 0


def _job(tool: Kustomize, directory: Path, batch: Batch) -> RenderJob:
    """A job that needs no build (refused, or remembered), or one whose build is to start."""
    found = inputs.inspect(directory, batch=batch.inputs) if directory.is_dir() else \
        NO_INPUTS
    refused = refusal(directory, found)
    if refused is not None:
        return RenderJob(directory, known=Render("", (), refused), found=found)
    key = input_key(tool, directory, found, batch)
    return RenderJob(directory, known=_remembered(key), key=key, found=found)


def render(directory: Path) -> Render:
    """Build one overlay, unless it is refused."""
    with rendering({"": directory}) as jobs:
        return jobs[""].result()


@contextlib.contextmanager
def rendering(directories: Mapping[K, Path]) -> Iterator[dict[K, RenderJob]]:
    """Start rendering every overlay folder at once; the caller does other work meanwhile and
    takes each result when it needs it. On the way out, builds not started yet are dropped and
    running ones waited for."""
    tool = kustomize_tool()
    batch = Batch()
    jobs = {name: _job(tool, directory, batch) for name, directory in directories.items()}
    waiting = [job for job in jobs.values() if job.known is None]
    builds = processes.run_all([tool.build_args(job.directory) for job in waiting])
    tally = _Tally(len(builds))
    for job, build in zip(waiting, builds, strict=True):
        job.build, job.tally = build, tally
    try:
        yield jobs
    finally:
        for build in builds:
            build.cancel()
        for build in builds:
            build.outcome()


def render_many(root: Path, overlays: Mapping[str, str]
                ) -> contextlib.AbstractContextManager[dict[str, RenderJob]]:
    """`rendering` of overlays named by their folders relative to `root` (name -> folder)."""
    return rendering({name: root / rel for name, rel in overlays.items()})


def render_or_raise(root: Path, overlay: str, what: str | None = None) -> str:
    """The manifests of `root/overlay`, or one error naming the overlay (or `what`)."""
    result = render(root / overlay)
    if result.error is not None:
        raise GitopsError(f"{what or overlay}: {error_text(result.error, root)}")
    return result.manifests
