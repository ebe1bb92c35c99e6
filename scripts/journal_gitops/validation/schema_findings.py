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
def _file_digest(path: Path) -> str:
    """A schema file's content (installed with the tooling: read once a process)."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


def schema_digests(files: Sequence[Path]) -> list[tuple[str, str]] | None:
    """(path, sha256) of each schema file; None when one cannot be read."""
    try:
        return [(str(path), _file_digest(path)) for path in files]
    except OSError:
        return None


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

    def files(self, resources: Sequence[Resource]) -> list[Path]:
        """The schema files a check of these objects reads (besides the CRD folder and the
        project's own schemas, which are part of every key)."""
        return sorted({path for r in resources
                       for path in files_read(self.versions, r.api_version, r.kind,
                                              self._custom)})

    def context(self) -> bytes:
        """What decides every finding besides the objects and the schema files they need."""
        return key_of("schemas", source_digest(*CHECKER_LIBRARIES), *self.versions,
                      self._crds).encode()

    def key(self, text: str, resources: Sequence[Resource]) -> str | None:
        """What decides the findings of a render: None when a schema file cannot be read."""
        schemas = schema_digests(self.files(resources))
        if schemas is None:
            return None
        return key_of("schema-findings", self.context(), text,
                      *(f"{path}\0{digest}" for path, digest in schemas))

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
