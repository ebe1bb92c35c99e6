"""What `gitops init` finds: each value with how it was come by, each environment as found,
and the repository's files as git sees them."""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ...adapters.gitrepo import git_in
from ...argocd.manifests import norm_path
from ...errors import GitopsError
from ...kube.objects import Resource

FOUND, GUESSED, GIVEN, DEFAULT = "found", "guessed", "given", "default"
EXTERNAL = "external"


@dataclass(frozen=True)
class Fact:
    """One value init wrote: the key, the value as shown, how it was come by (found, guessed,
    given or default) and from where, or why."""

    key: str
    value: str
    how: str
    source: str


@dataclass
class Env:
    """One environment as found: its overlay, and its Application's place and spec."""

    name: str
    overlay: str
    base: str | None
    namespace: str | None  # the overlay's own namespace:
    file: str | None = None  # its Application's file
    application_set: Resource | None = None
    spec: dict[str, Any] = field(default_factory=dict)  # its Application's spec

    @property
    def sources(self) -> list[dict[str, Any]]:
        """The Application's sources that deploy the overlay."""
        listed = self.spec.get("sources")
        listed = listed if isinstance(listed, list) else [self.spec.get("source")]
        return [s for s in listed if isinstance(s, dict)
                and norm_path(s.get("path")) == self.overlay]

    def value(self, *path: str) -> str | None:
        """A filled-in text of the Application's spec (None: absent or still a template)."""
        node: Any = self.spec
        for key in path:
            node = node.get(key) if isinstance(node, dict) else None
        return node if isinstance(node, str) and node and "{{" not in node else None

    @property
    def placement(self) -> str:
        if self.file is not None:
            return self.file
        if self.application_set is not None:
            return f"ApplicationSet {self.application_set.name}"
        return EXTERNAL


def repo_files(root: Path) -> list[str]:
    """The repository's files, relative to its root: what git tracks or would (a folder that
    is not a git repository: every file outside hidden folders)."""
    try:
        listed = git_in(root, ["ls-files", "-z", "--cached", "--others", "--exclude-standard"])
        return sorted({p for p in listed.split("\0") if p and (root / p).is_file()})
    except GitopsError:
        found = []
        for folder, dirs, names in os.walk(root):
            dirs[:] = sorted(d for d in dirs if not d.startswith("."))
            found += [(Path(folder) / n).relative_to(root).as_posix() for n in names]
        return sorted(found)


def read_text(root: Path, rel: str) -> str | None:
    """A file's text (None: it cannot be read as UTF-8 text, which no reader here needs)."""
    try:
        return (root / rel).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None


def git_output(root: Path, *args: str) -> str | None:
    """What git answers (None: nothing, or an error: a question git cannot answer here)."""
    try:
        return git_in(root, args).strip() or None
    except GitopsError:
        return None


def most(values: Iterable[str]) -> str | None:
    """The value most often seen (the first seen of those tied)."""
    counted = Counter(values)
    return max(counted, key=lambda v: counted[v]) if counted else None


def folder_of(rel: str) -> str:
    return rel.rpartition("/")[0]
