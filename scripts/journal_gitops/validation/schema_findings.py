"""Schema findings of a render, remembered under a hash of everything that decides them.

Checking objects against the strict schemas is most of what `gitops validate` spends besides
kustomize, and an environment rarely changes between two runs. The findings of one render
are kept under: its text; the source of the checker (this package, and the jsonschema and
referencing packages it runs); the Kubernetes versions and each schema file the check of its
objects reads; and the content of the CRD folder. A hit needs neither jsonschema nor the schema
files loaded.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any

from ..adapters.schemas import (
    Problem,
    SchemaChecker,
    SchemaFinding,
    builtin_folder,
    crd_files,
    crd_kinds,
    files_read,
    own_kinds,
)
from ..cache.store import Namespace, digest_files, key_of, source_digest
from ..kube.objects import Resource

FINDINGS = Namespace("schema-findings", keep=2000)
CHECKER_LIBRARIES = ("jsonschema", "referencing", "jsonschema_specifications")


@lru_cache(maxsize=4096)
def _file_digest(path: Path) -> bytes:
    """A schema file's content (installed with the tooling: read once a process)."""
    return hashlib.sha256(path.read_bytes()).digest()


class SchemaFindings:
    """A SchemaChecker's findings for whole renders, from the cache when the same render was
    checked by the same checker against the same schemas before."""

    def __init__(self, versions: Iterable[str], crd_dir: Path | None = None) -> None:
        self.versions = tuple(versions)
        for version in self.versions:
            builtin_folder(version)  # a version without schemas is refused at once
        self.crd_dir = crd_dir.resolve() if crd_dir else None
        self._custom = own_kinds() | (crd_kinds(self.crd_dir) if self.crd_dir else set())
        self._crds = digest_files(crd_files(self.crd_dir)) if self.crd_dir else b""
        self._checker: SchemaChecker | None = None

    def _real(self) -> SchemaChecker:
        if self._checker is None:
            self._checker = SchemaChecker(self.versions, self.crd_dir)
        return self._checker

    def check(self, resource: Resource) -> list[SchemaFinding]:
        """The findings of one object (not remembered)."""
        return self._real().check(resource.api_version, resource.kind, resource.body)

    def key(self, text: str, resources: Sequence[Resource]) -> str | None:
        """What decides the findings of a render: None when a schema file cannot be read."""
        files = sorted({path for r in resources
                        for path in files_read(self.versions, r.api_version, r.kind,
                                               self._custom)})
        try:
            schemas = [str(path).encode() + _file_digest(path) for path in files]
        except OSError:
            return None
        return key_of("schema-findings", source_digest(*CHECKER_LIBRARIES), *self.versions,
                      self._crds, text, *schemas)

    def check_render(self, text: str, resources: Sequence[Resource]
                     ) -> list[list[SchemaFinding]]:
        """The findings of each object parsed from a render's `text`."""
        key = self.key(text, resources)
        stored = FINDINGS.get(key) if key is not None else None
        found = _read(stored, len(resources)) if stored is not None else None
        if found is not None:
            return found
        findings = [self.check(resource) for resource in resources]
        if key is not None:
            FINDINGS.put(key, json.dumps([[[f.problem.value, f.message] for f in each]
                                          for each in findings]).encode())
        return findings


def _read(stored: bytes, count: int) -> list[list[SchemaFinding]] | None:
    """Stored findings, if they are one list of [problem, message] pairs per object."""
    try:
        data: Any = json.loads(stored)
        if not isinstance(data, list) or len(data) != count:
            return None
        return [[SchemaFinding(Problem(problem), str(message)) for problem, message in each]
                for each in data]
    except (ValueError, TypeError):
        return None
