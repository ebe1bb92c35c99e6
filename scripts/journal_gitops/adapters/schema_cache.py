"""Schema findings remembered across runs, keyed by everything that decides them: the object,
the Kubernetes versions, the installed schemas, the project's schemas and the CRD folder.

Checking an object against the strict schemas is most of what `gitops validate` spends apart
from kustomize; most objects do not change between two runs. A hit needs neither jsonschema nor
the schema files, so they are imported only on a miss. The cache lives in
$GITOPS_CACHE_DIR, else $XDG_CACHE_HOME/journal-gitops, else ~/.cache/journal-gitops;
GITOPS_NO_CACHE=1 turns it off. A cache that cannot be written is not used.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import ConfigError, ToolMissingError
from ..resources import Resource

if TYPE_CHECKING:
    from .schemas import SchemaChecker

OWN_SCHEMAS = Path(__file__).parent.parent / "schemas"
FORMAT = "1"  # bump when the cached findings change meaning


@dataclass(frozen=True)
class SchemaFinding:
    rule: str  # RuleId.SCHEMA, CUSTOM_SCHEMA or UNKNOWN_KIND
    message: str


def schema_root() -> Path:
    """The strict JSON schemas kubernetes-validate ships, one folder per version."""
    try:
        root = resources.files("kubernetes_validate").joinpath("kubernetes-json-schema")
    except ModuleNotFoundError:
        raise ToolMissingError("kubernetes-validate is not installed: pip install it") from None
    return Path(str(root))


def builtin_folder(version: str) -> Path:
    """The schemas of one Kubernetes minor version; a version they lack is a missing tool."""
    folder = schema_root() / f"v{version}.0-local-strict"
    if not folder.is_dir():
        known = sorted(
            (p.name[1:].split(".0-")[0] for p in schema_root().glob("v*-local-strict")),
            key=lambda v: tuple(int(x) for x in v.split(".")),
        )
        raise ToolMissingError(
            f"Kubernetes {version} has no schemas in the installed kubernetes-validate "
            f"(it has {known[0]} to {known[-1]}): upgrade it or change kubernetesVersions")
    return folder


def _cache_dir() -> Path | None:
    if os.environ.get("GITOPS_NO_CACHE"):
        return None
    given = os.environ.get("GITOPS_CACHE_DIR")
    base = Path(given) if given else Path(
        os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "journal-gitops"
    folder = base / "schema-findings"
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError:
        return None
    return folder if os.access(folder, os.W_OK) else None


def _digest_files(paths: Iterable[Path], digest: hashlib._Hash) -> None:
    for path in sorted(paths):
        digest.update(path.name.encode() + b"\0")
        digest.update(path.read_bytes())


def _fingerprint(versions: tuple[str, ...], crd_dir: Path | None) -> str:
    """What besides the object decides its findings."""
    from importlib.metadata import PackageNotFoundError, version

    digest = hashlib.sha256(FORMAT.encode())
    for package in ("journal-gitops", "kubernetes-validate", "jsonschema"):
        try:
            digest.update(f"{package}={version(package)}\0".encode())
        except PackageNotFoundError:  # not installed as a distribution: no entry is reused
            digest.update(os.urandom(16))
    for v in versions:
        digest.update(f"k8s={v}\0".encode())
        builtin_folder(v)
    _digest_files(OWN_SCHEMAS.glob("*.json"), digest)
    if crd_dir is not None:
        if not crd_dir.is_dir():
            raise ConfigError(f"CRD folder {crd_dir} does not exist")
        _digest_files([*crd_dir.glob("*.yaml"), *crd_dir.glob("*.yml")], digest)
    return digest.hexdigest()


class CachedSchemaChecker:
    """SchemaChecker's findings, from the cache when the same object was checked before."""

    def __init__(self, versions: Iterable[str], crd_dir: Path | None = None) -> None:
        self.versions = tuple(versions)
        self.crd_dir = crd_dir.resolve() if crd_dir else None
        self._fingerprint = _fingerprint(self.versions, self.crd_dir)
        self._folder = _cache_dir()
        self._checker: SchemaChecker | None = None

    def _real(self) -> SchemaChecker:
        if self._checker is None:
            from .schemas import SchemaChecker

            self._checker = SchemaChecker(self.versions, self.crd_dir)
        return self._checker

    def check(self, resource: Resource) -> list[SchemaFinding]:
        if self._folder is None:
            return self._real().check(resource)
        body = json.dumps(resource.body, sort_keys=True, separators=(",", ":"), default=str)
        key = hashlib.sha256(f"{self._fingerprint}\0{body}".encode()).hexdigest()
        path = self._folder / key[:2] / key
        try:
            cached = json.loads(path.read_text(encoding="utf-8"))
            return [SchemaFinding(str(rule), str(message)) for rule, message in cached]
        except (OSError, ValueError, TypeError):
            pass
        findings = self._real().check(resource)
        self._store(path, [[f.rule, f.message] for f in findings])
        return findings

    @staticmethod
    def _store(path: Path, data: list[list[str]]) -> None:
        try:
            path.parent.mkdir(exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                json.dump(data, handle)
            Path(tmp).replace(path)
        except OSError:
            pass  # a cache that cannot be written is only slower
