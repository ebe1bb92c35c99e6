"""Schema checks: built-in kinds against Kubernetes' strict schemas, custom resources against ours
and, when given, the upstream CRDs.

kubernetes-validate ships the strict JSON schemas per Kubernetes version; its own `validate()` stops
at the first error and loads the schema files on every call, so the files are read here directly
and each validator is built once.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path
from typing import Any

import jsonschema
import yaml
from referencing import Registry
from referencing import Resource as SchemaResource

from ..errors import ConfigError
from ..resources import Resource
from ..rules.model import RuleId
from .schema_cache import OWN_SCHEMAS, SchemaFinding, builtin_folder


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
            return _describe(jsonschema.exceptions.best_match(error.context))
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

    def _filename(self, group: str, version: str, kind: str) -> str:
        prefix = f"{group.split('.')[0]}-" if group else ""
        return f"{kind.lower()}-{prefix}{version}.json"

    def validator(self, api_version: str, kind: str) -> Any | None:
        group, _, version = api_version.rpartition("/")
        name = self._filename(group, version, kind)
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


@lru_cache(maxsize=4)
def _load_crds(folder: Path) -> dict[tuple[str, str], Any]:
    """apiVersion/kind -> validator for every served version of every CRD in a folder."""
    if not folder.is_dir():
        raise ConfigError(f"CRD folder {folder} does not exist")
    found: dict[tuple[str, str], Any] = {}
    for path in sorted([*folder.glob("*.yaml"), *folder.glob("*.yml")]):
        try:
            docs = list(yaml.load_all(path.read_text(encoding="utf-8"), Loader=yaml.CSafeLoader))
        except (yaml.YAMLError, ValueError):  # ValueError: a value YAML reads as a date, and is not
            raise ConfigError(f"{path}: not valid YAML") from None
        for doc in docs:
            if not isinstance(doc, dict) or doc.get("kind") != "CustomResourceDefinition":
                continue
            spec = doc.get("spec") or {}
            kind = (spec.get("names") or {}).get("kind")
            for version in spec.get("versions") or []:
                schema = ((version.get("schema") or {}).get("openAPIV3Schema"))
                if not version.get("served", True) or not schema or not kind:
                    continue
                key = (f"{spec.get('group')}/{version.get('name')}", kind)
                found[key] = jsonschema.Draft4Validator(_strict(schema))
    if not found:
        raise ConfigError(f"CRD folder {folder} holds no CustomResourceDefinition")
    return found


@lru_cache(maxsize=1)
def _own_schemas() -> dict[tuple[str, str], Any]:
    found: dict[tuple[str, str], Any] = {}
    for path in sorted(OWN_SCHEMAS.glob("*.json")):
        group, version, kind = path.stem.split("_")
        schema = json.loads(path.read_text(encoding="utf-8"))
        found[(f"{group}/{version}", kind)] = jsonschema.Draft202012Validator(schema)
    return found


class SchemaChecker:
    """Checks objects against every configured Kubernetes version and custom resource schema."""

    def __init__(self, versions: Iterable[str], crd_dir: Path | None = None) -> None:
        self.versions = tuple(versions)
        self._builtin = [_BuiltinSchemas(v) for v in self.versions]
        self._crds = _load_crds(crd_dir.resolve()) if crd_dir else {}

    def check(self, resource: Resource) -> list[SchemaFinding]:
        api_version, kind = resource.api_version, resource.kind
        key = (api_version, kind)
        custom = key in self._crds or key in _own_schemas()
        if is_builtin_group(resource.group) and not custom:
            return self._check_builtin(resource)
        own, crd = _own_schemas().get(key), self._crds.get(key)
        if own is None and crd is None:
            where = "the project's schemas or the CRD folder" if self._crds else (
                "the project's schemas (pass --crds to use upstream CRDs)"
            )
            message = f"no schema for {api_version} {kind} in {where}"
            return [SchemaFinding(RuleId.UNKNOWN_KIND, message)]
        findings: list[SchemaFinding] = []
        for label, validator in (("schema", own), ("CRD", crd)):
            if validator is not None:
                findings.extend(
                    SchemaFinding(RuleId.CUSTOM_SCHEMA, f"{m} ({label})")
                    for m in _messages(validator, resource.body)
                )
        return findings

    def _check_builtin(self, resource: Resource) -> list[SchemaFinding]:
        by_message: dict[str, list[str]] = {}
        missing: list[str] = []
        for schemas in self._builtin:
            validator = schemas.validator(resource.api_version, resource.kind)
            if validator is None:
                missing.append(schemas.version)
                continue
            for message in _messages(validator, resource.body):
                by_message.setdefault(message, []).append(schemas.version)
        findings = []
        if missing:
            findings.append(SchemaFinding(
                RuleId.SCHEMA,
                f"{resource.api_version} {resource.kind} is not served by Kubernetes "
                f"{', '.join(missing)}",
            ))
        for message, versions in by_message.items():
            some = len(versions) != len(self.versions)
            suffix = f" (Kubernetes {', '.join(versions)})" if some else ""
            findings.append(SchemaFinding(RuleId.SCHEMA, message + suffix))
        return findings
