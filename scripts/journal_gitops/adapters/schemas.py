"""Schema checks: built-in kinds against Kubernetes' strict schemas, custom resources against ours
and, when given, the upstream CRDs.

kubernetes-validate ships the strict JSON schemas per Kubernetes version; its own `validate()` stops
at the first error and loads the schema files on every call, so the files are read here directly
and each validator is built once.
"""

from __future__ import annotations

import importlib.util
import json
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from enum import Enum
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import ConfigError, GitopsError, ToolMissingError
from .yamlload import load_all

if TYPE_CHECKING:  # jsonschema is loaded only when an object is checked
    import jsonschema
    from referencing import Registry

OWN_SCHEMAS = Path(__file__).parent.parent / "schemas"


class Problem(str, Enum):
    """What kind of schema finding: a built-in kind's, a custom resource's, or a kind with no
    schema at all."""

    BUILTIN = "builtin"
    CUSTOM = "custom"
    UNKNOWN_KIND = "unknown-kind"


@dataclass(frozen=True)
class SchemaFinding:
    problem: Problem
    message: str


@lru_cache(maxsize=1)
def schema_root() -> Path:
    """The strict JSON schemas kubernetes-validate ships, one folder per version (found without
    importing the package, which would import jsonschema)."""
    spec = importlib.util.find_spec("kubernetes_validate")
    if spec is None or not spec.submodule_search_locations:
        raise ToolMissingError("kubernetes-validate is not installed: pip install it")
    return Path(next(iter(spec.submodule_search_locations))) / "kubernetes-json-schema"


@lru_cache(maxsize=16)
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


def schema_filename(api_version: str, kind: str) -> str:
    """The file of a built-in kind in a version's folder."""
    group, _, version = api_version.rpartition("/")
    prefix = f"{group.split('.')[0]}-" if group else ""
    return f"{kind.lower()}-{prefix}{version}.json"


def is_builtin_group(group: str) -> bool:
    """Core and k8s.io groups (apps, policy, networking.k8s.io ...) are served by every cluster."""
    return "." not in group or group.endswith(".k8s.io")


def _error_path(error: jsonschema.ValidationError) -> str:
    out = ""
    for part in error.absolute_path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "(object)"


MAX_MESSAGE = 200


def _describe(error: jsonschema.ValidationError) -> str:
    """One line per error; alternatives (oneOf/anyOf) are reduced to their most relevant branch."""
    if error.validator in ("oneOf", "anyOf"):
        if error.context:
            from jsonschema.exceptions import best_match

            return _describe(best_match(error.context))
        return f"{_error_path(error)}: must match exactly one of the allowed forms"
    message = error.message
    if len(message) > MAX_MESSAGE:
        message = message[: MAX_MESSAGE - 3] + "..."
    return f"{_error_path(error)}: {message}"


def _messages(validator: Any, body: dict[str, Any]) -> list[str]:
    errors = sorted(validator.iter_errors(body), key=lambda e: list(map(str, e.absolute_path)))
    return list(dict.fromkeys(_describe(e) for e in errors))


def _inline(node: Any, defs: dict[str, Any], stack: tuple[str, ...]) -> Any:
    """Replace $refs into the definitions by their targets (recursive ones stay references):
    resolving references is a third of jsonschema's time on these schemas."""
    if isinstance(node, list):
        return [_inline(item, defs, stack) for item in node]
    if not isinstance(node, dict):
        return node
    ref = node.get("$ref")
    if isinstance(ref, str) and "#/$defs/" in ref:
        name = ref.split("#/$defs/", 1)[1]
        if name not in stack and name in defs:
            target = _inline(defs[name], defs, (*stack, name))
            rest = {k: _inline(v, defs, stack) for k, v in node.items()
                    if k not in ("$ref", "description")}
            return {"allOf": [target], **rest} if rest else target
    return {key: _inline(value, defs, stack) for key, value in node.items()}


class _BuiltinSchemas:
    """The strict schemas of one Kubernetes minor version."""

    def __init__(self, version: str) -> None:
        self.folder = builtin_folder(version)
        self.version = version
        self._registry: Registry[Any] | None = None
        self._definitions: dict[str, Any] = {}
        self._validators: dict[str, Any] = {}
        self._lock = threading.Lock()

    def validator(self, api_version: str, kind: str) -> Any | None:
        import jsonschema
        from referencing import Registry
        from referencing import Resource as SchemaResource

        name = schema_filename(api_version, kind)
        with self._lock:
            if name in self._validators:
                return self._validators[name]
            path = self.folder / name
            if not path.is_file():
                self._validators[name] = None
                return None
            if self._registry is None:
                self._definitions = json.loads((self.folder / "_definitions.json").read_text())
                self._registry = SchemaResource.from_contents(self._definitions) @ Registry()
            schema = _inline(json.loads(path.read_text()), self._definitions["$defs"], ())
            validator = jsonschema.Draft202012Validator(schema, registry=self._registry)
            self._validators[name] = validator
            return validator


def _strict(node: Any) -> Any:
    """Make an OpenAPI v3 CRD schema reject unknown fields, as the API server's strict mode does."""
    if isinstance(node, list):
        return [_strict(item) for item in node]
    if not isinstance(node, dict):
        return node
    out = {key: _strict(value) for key, value in node.items()}
    if (
        "properties" in out
        and "additionalProperties" not in out
        and not out.get("x-kubernetes-preserve-unknown-fields")
    ):
        out["additionalProperties"] = False
    if out.get("nullable") and isinstance(out.get("type"), str):
        out["type"] = [out["type"], "null"]
    return out


def crd_files(folder: Path) -> list[Path]:
    """The YAML files of a CRD folder, in a stable order (a folder named like one is not one);
    a link is followed only to a file inside the folder."""
    if not folder.is_dir():
        raise ConfigError(f"CRD folder {folder} does not exist")
    top = folder.resolve()
    found = []
    for path in sorted({*folder.glob("*.yaml"), *folder.glob("*.yml")}):
        if path.is_symlink():
            try:
                target = path.resolve(strict=True)
            except (OSError, RuntimeError):
                raise ConfigError(f"{path}: a link that leads to no file") from None
            if not target.is_relative_to(top):
                raise ConfigError(f"{path}: a link to {target}, outside the CRD folder")
        if path.is_file():
            found.append(path)
    return found


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _crd_schemas(folder: Path) -> dict[tuple[str, str], Any]:
    """apiVersion/kind -> the openAPIV3Schema of every served version of every CRD (documents
    of another shape are not CRDs and are passed over)."""
    found: dict[tuple[str, str], Any] = {}
    for path in crd_files(folder):
        try:
            docs = load_all(path.read_text(encoding="utf-8"), str(path))
        except (OSError, UnicodeDecodeError):
            raise ConfigError(f"{path}: cannot be read as UTF-8 text") from None
        except GitopsError as exc:
            raise ConfigError(str(exc)) from None
        for doc in docs:
            if _dict(doc).get("kind") != "CustomResourceDefinition":
                continue
            spec = _dict(doc.get("spec"))
            kind = _dict(spec.get("names")).get("kind")
            versions = spec.get("versions")
            for version in map(_dict, versions if isinstance(versions, list) else []):
                schema = _dict(version.get("schema")).get("openAPIV3Schema")
                if not version.get("served", True) or not isinstance(schema, dict) or \
                        not isinstance(kind, str):
                    continue
                found[(f"{spec.get('group')}/{version.get('name')}", kind)] = schema
    if not found:
        raise ConfigError(f"CRD folder {folder} holds no CustomResourceDefinition")
    return found


@lru_cache(maxsize=4)
def _load_crds(folder: Path) -> dict[tuple[str, str], Any]:
    """apiVersion/kind -> validator for every served version of every CRD in a folder."""
    import jsonschema

    return {key: jsonschema.Draft4Validator(_strict(schema))
            for key, schema in _crd_schemas(folder).items()}


@lru_cache(maxsize=1)
def _own_schemas() -> dict[tuple[str, str], Any]:
    import jsonschema

    found: dict[tuple[str, str], Any] = {}
    for path in sorted(OWN_SCHEMAS.glob("*.json")):
        group, version, kind = path.stem.split("_")
        schema = json.loads(path.read_text(encoding="utf-8"))
        found[(f"{group}/{version}", kind)] = jsonschema.Draft202012Validator(schema)
    return found


def own_kinds() -> set[tuple[str, str]]:
    """apiVersion/kind of every custom resource the project ships a schema for."""
    found = set()
    for path in OWN_SCHEMAS.glob("*.json"):
        group, version, kind = path.stem.split("_")
        found.add((f"{group}/{version}", kind))
    return found


class SchemaChecker:
    """Checks objects against every configured Kubernetes version and custom resource schema."""

    def __init__(self, versions: Iterable[str], crd_dir: Path | None = None) -> None:
        self.versions = tuple(versions)
        self._builtin = [_BuiltinSchemas(v) for v in self.versions]
        self._crds = _load_crds(crd_dir.resolve()) if crd_dir else {}

    def check(self, api_version: str, kind: str, body: dict[str, Any]) -> list[SchemaFinding]:
        """The findings of one object (its apiVersion, kind and body)."""
        key = (api_version, kind)
        custom = key in self._crds or key in _own_schemas()
        if is_builtin_group(api_version.rpartition("/")[0]) and not custom:
            return self._check_builtin(api_version, kind, body)
        own, crd = _own_schemas().get(key), self._crds.get(key)
        if own is None and crd is None:
            where = "the project's schemas or the CRD folder" if self._crds else (
                "the project's schemas (pass --crds to use upstream CRDs)"
            )
            message = f"no schema for {api_version} {kind} in {where}"
            return [SchemaFinding(Problem.UNKNOWN_KIND, message)]
        findings: list[SchemaFinding] = []
        for label, validator in (("schema", own), ("CRD", crd)):
            if validator is not None:
                findings.extend(SchemaFinding(Problem.CUSTOM, f"{m} ({label})")
                                for m in _messages(validator, body))
        return findings

    def _check_builtin(self, api_version: str, kind: str, body: dict[str, Any]
                       ) -> list[SchemaFinding]:
        by_message: dict[str, list[str]] = {}
        missing: list[str] = []
        for schemas in self._builtin:
            validator = schemas.validator(api_version, kind)
            if validator is None:
                missing.append(schemas.version)
                continue
            for message in _messages(validator, body):
                by_message.setdefault(message, []).append(schemas.version)
        findings = []
        if missing:
            findings.append(SchemaFinding(
                Problem.BUILTIN,
                f"{api_version} {kind} is not served by Kubernetes {', '.join(missing)}"))
        for message, versions in by_message.items():
            some = len(versions) != len(self.versions)
            suffix = f" (Kubernetes {', '.join(versions)})" if some else ""
            findings.append(SchemaFinding(Problem.BUILTIN, message + suffix))
        return findings


def files_read(versions: Iterable[str], api_version: str, kind: str,
               custom: set[tuple[str, str]]) -> list[Path]:
    """The schema files a check of one object reads, besides the CRD folder and the project's
    own schemas (`custom`: the kinds those hold): a built-in kind's file, and the shared
    definitions, in each version's folder."""
    if (api_version, kind) in custom or not is_builtin_group(api_version.rpartition("/")[0]):
        return []
    name = schema_filename(api_version, kind)
    return [folder / file for folder in map(builtin_folder, versions)
            for file in ("_definitions.json", name)]


def crd_kinds(folder: Path) -> set[tuple[str, str]]:
    """apiVersion/kind of every served version of every CRD in a folder (no jsonschema)."""
    return set(_crd_schemas(folder))
