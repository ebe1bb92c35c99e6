"""Schema findings remembered across runs, keyed by everything that decides them: the object,
the Kubernetes versions, the installed schemas, the project's schemas and the CRD folder.

Checking an object against the strict schemas is most of what `gitops validate` spends apart
from kustomize; most objects do not change between two runs. A hit needs neither jsonschema nor
the schema files, so they are imported only on a miss. Where the cache lives: adapters/cache.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import ConfigError, ToolMissingError
from ..resources import Resource
from .cache import cache_dir, installed, read_json, write_json

if TYPE_CHECKING:
    from .schemas import SchemaChecker

OWN_SCHEMAS = Path(__file__).parent.parent / "schemas"
FORMAT = "1"  # bump when the cached findings change meaning


@dataclass(frozen=True)
class SchemaFinding:
    rule: str  # RuleId.SCHEMA, CUSTOM_SCHEMA or UNKNOWN_KIND
    message: str


def schema_root() -> Path:
    """The strict JSON schemas kubernetes-validate ships, one folder per version (found without
    importing the package, which would import jsonschema)."""
    spec = importlib.util.find_spec("kubernetes_validate")
    if spec is None or not spec.submodule_search_locations:
        raise ToolMissingError("kubernetes-validate is not installed: pip install it")
    return Path(next(iter(spec.submodule_search_locations))) / "kubernetes-json-schema"


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


def _digest_files(paths: Iterable[Path], digest: hashlib._Hash) -> None:
    for path in sorted(paths):
        digest.update(path.name.encode() + b"\0")
        digest.update(path.read_bytes())


def _fingerprint(versions: tuple[str, ...], crd_dir: Path | None) -> str:
    """What besides the object decides its findings."""
    digest = hashlib.sha256(FORMAT.encode())
    digest.update(installed("journal-gitops", "kubernetes-validate", "jsonschema"))
    for v in versions:
        digest.update(f"k8s={v}\0".encode())
        builtin_folder(v)
    _digest_files(OWN_SCHEMAS.glob("*.json"), digest)
    if crd_dir is not None:
        if not crd_dir.is_dir():
            raise ConfigError(f"CRD folder {crd_dir} does not exist")
        files = [*crd_dir.glob("*.yaml"), *crd_dir.glob("*.yml")]
        if not files:
            raise ConfigError(f"CRD folder {crd_dir} holds no CustomResourceDefinition")
        digest.update(b"crds\0")
        _digest_files(files, digest)
    return digest.hexdigest()


class CachedSchemaChecker:
    """SchemaChecker's findings, from the cache when the same object was checked before."""

    def __init__(self, versions: Iterable[str], crd_dir: Path | None = None) -> None:
        self.versions = tuple(versions)
        self.crd_dir = crd_dir.resolve() if crd_dir else None
        self._fingerprint = _fingerprint(self.versions, self.crd_dir)
        self._folder = cache_dir("schema-findings")
        self._checker: SchemaChecker | None = None

    def _real(self) -> SchemaChecker:
        if self._checker is None:
            from .schemas import SchemaChecker

            self._checker = SchemaChecker(self.versions, self.crd_dir)
        return self._checker

    def check_render(self, text: str, resources: list[Resource]) -> list[list[SchemaFinding]]:
        """The findings of each object parsed from a render's `text`, from one cache entry for
        the whole text when it was checked before (an environment rarely changes between two
        runs, and most of a large repository's environments do not)."""
        if self._folder is None:
            return [self.check(resource) for resource in resources]
        key = hashlib.sha256(f"{self._fingerprint}\0render\0{text}".encode()).hexdigest()
        path = self._folder / key[:2] / key
        cached = read_json(path)
        if isinstance(cached, list) and len(cached) == len(resources) and all(
                _entry(item) for item in cached):
            return [[SchemaFinding(str(rule), str(message)) for rule, message in item]
                    for item in cached]
        findings = [self.check(resource) for resource in resources]
        write_json(path, [[[f.rule, f.message] for f in found] for found in findings])
        return findings

    def check(self, resource: Resource) -> list[SchemaFinding]:
        if self._folder is None:
            return self._real().check(resource)
        body = json.dumps(resource.body, sort_keys=True, separators=(",", ":"), default=str)
        key = hashlib.sha256(f"{self._fingerprint}\0{body}".encode()).hexdigest()
        path = self._folder / key[:2] / key
        cached = read_json(path)
        if _entry(cached):
            return [SchemaFinding(str(rule), str(message)) for rule, message in cached]
        findings = self._real().check(resource)
        write_json(path, [[f.rule, f.message] for f in findings])
        return findings


def _entry(cached: object) -> bool:
    """Whether a cached value is one object's findings: a list of [rule, message]."""
    return isinstance(cached, list) and all(
        isinstance(item, list) and len(item) == 2 for item in cached)
