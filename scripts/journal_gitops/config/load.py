"""Reading gitops.yaml into a Config, in one place.

The text is read strictly (a key written twice is an error), then held to schema.json: an
unknown key, a value of the wrong type or a missing key is one line naming the key, its line and,
for a misspelt key, the nearest known one. The checks across keys (a cluster's environments
are environments, a waiver's env exists, ...) follow in code. Passing the schema is remembered
under a hash of the text, the schema and this code, so that most runs need no JSON-schema
library.
"""

from __future__ import annotations

import datetime
import difflib
import json
import re
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..adapters.yamlload import MappingNode, Node, SequenceNode, compose_all, load
from ..cache.store import Namespace, key_of, source_digest
from ..errors import ConfigError, GitopsError
from . import CONFIG_FILE, invalid
from .clusters import CLUSTERS, parse_clusters, parse_stages
from .gates import parse_gates
from .model import (
    EXTERNAL,
    K8S_VERSION,
    RESERVED,
    Config,
    EnvLayout,
    Intended,
    ManagedImage,
    RuleChoice,
    Waiver,
)
from .tags import parse_tag_scheme

if TYPE_CHECKING:  # loaded only when a text is checked for the first time
    from jsonschema import ValidationError

SCHEMA = Path(__file__).with_name("schema.json")
CHECKED = Namespace("config-checked", keep=64)
_fail = invalid


@lru_cache(maxsize=1)
def schema() -> dict[str, Any]:
    """The JSON Schema of gitops.yaml, as shipped with the tooling."""
    loaded: dict[str, Any] = json.loads(SCHEMA.read_text(encoding="utf-8"))
    return loaded


def _where(path: Sequence[str | int]) -> str:
    """A key path as messages write it: clusters.in-cluster.server, images[1].source."""
    out = ""
    for part in path:
        out += f"[{part + 1}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def _node_at(text: str, path: Sequence[str | int]) -> tuple[Node | None, Node | None]:
    """The node at a key path of the text, and the key node naming it (None where not found)."""
    try:
        documents = compose_all(text, CONFIG_FILE)
    except GitopsError:
        return None, None
    node: Node | None = documents[0] if documents else None
    key: Node | None = None
    for part in path:
        if isinstance(node, MappingNode):
            found = next(((k, v) for k, v in node.value if k.value == str(part)), None)
            key, node = found if found else (None, None)
        elif isinstance(node, SequenceNode) and isinstance(part, int) and part < len(node.value):
            key, node = None, node.value[part]
        else:
            return None, None
    return node, key


def _line(text: str, path: Sequence[str | int], key: str | None = None) -> int | None:
    """The line of the value at `path`, or of its key `key` (a mapping's entry)."""
    node, key_node = _node_at(text, path)
    if key is not None and isinstance(node, MappingNode):
        key_node = next((k for k, _ in node.value if k.value == key), None)
        return key_node.start_mark.line + 1 if key_node is not None else None
    found = key_node or node
    return found.start_mark.line + 1 if found is not None else None


TYPE_NAMES = {"object": "a mapping", "array": "a list", "string": "text",
              "integer": "a whole number", "null": "empty", "boolean": "true or false"}


def _known(schema_node: Any) -> list[str]:
    return sorted(schema_node.get("properties", {})) if isinstance(schema_node, dict) else []


def _message(error: ValidationError, text: str) -> str:
    """One line for the schema's complaint: the key, its line, and what is wrong."""
    path = list(error.absolute_path)
    where = _where(path)
    inside = f" in {where}" if where else ""
    if error.validator == "additionalProperties" and isinstance(error.instance, dict):
        known = _known(error.schema)
        unknown = sorted((str(k) for k in error.instance if str(k) not in known),
                         key=lambda k: _line(text, path, k) or 0)
        name = unknown[0] if unknown else "?"
        near = difflib.get_close_matches(name, known, n=1, cutoff=0.6)
        hint = f"did you mean '{near[0]}'?" if near else f"known: {', '.join(known)}"
        line = _line(text, path, name)
        return f"{_at(line)}unknown key '{name}'{inside} ({hint})"
    line = _line(text, path)
    if error.validator == "required":
        missing = str(error.message).split("'")[1] if "'" in error.message else "?"
        described = error.schema.get("properties", {}).get(missing, {}).get("description") \
            if isinstance(error.schema, dict) else None
        what = f": {described[0].lower()}{described[1:].rstrip('.')}" if described else ""
        return f"{_at(line) if path else ''}'{missing}' is missing{inside}{what}"
    for level in (error, *_parents(error)):  # the schema's own words, where it has them
        custom = level.schema.get("errorMessage") if isinstance(level.schema, dict) else None
        if isinstance(custom, str):
            return f"{_at(line)}{custom}"
    if error.validator == "type":
        wanted = error.validator_value
        kinds = " or ".join(TYPE_NAMES.get(str(kind), str(kind)) for kind in (
            wanted if isinstance(wanted, list) else [wanted]))
        return f"{_at(line)}'{where}' must be {kinds}"
    if error.validator == "enum":
        allowed = ", ".join(map(str, error.validator_value or ()))  # type: ignore[arg-type]
        return f"{_at(line)}'{where}' must be one of {allowed}"
    return f"{_at(line)}'{where}': {error.message}"


def _parents(error: ValidationError) -> list[Any]:
    found: list[Any] = []
    parent = error.parent
    while parent is not None:
        found.append(parent)
        parent = parent.parent
    return found


def _at(line: int | None) -> str:
    return f"line {line}: " if line else ""


def check_schema(data: Any, text: str = "") -> None:
    """Hold gitops.yaml's data to the schema; the first problem is a ConfigError."""
    import jsonschema
    from jsonschema.exceptions import best_match

    def strings(checker: Any, instance: Any) -> bool:  # YAML timestamps are text to JSON
        return isinstance(instance, str | datetime.date)

    checker = jsonschema.Draft202012Validator.TYPE_CHECKER.redefine("string", strings)
    validator = jsonschema.validators.extend(  # type: ignore[no-untyped-call]
        jsonschema.Draft202012Validator, type_checker=checker)(schema())
    error = best_match(validator.iter_errors(data))
    if error is not None:
        raise _fail(_message(error, text))


def _checked(data: Any, text: str) -> None:
    """check_schema, remembered for a text that passed it before."""
    key = key_of("config-checked", source_digest(), SCHEMA.read_bytes(), text)
    if CHECKED.get(key) is not None:
        return
    check_schema(data, text)
    CHECKED.put(key, b"ok")


def _images(raw: list[dict[str, Any]]) -> tuple[ManagedImage, ...]:
    images: list[ManagedImage] = []
    for item in raw:
        name, new_name = item["name"], item.get("newName")
        source = item.get("source", "app")
        if source == "app" and not new_name:
            raise _fail(f"image {name}: an app image needs 'newName' (its registry path)")
        if any(image.name == name for image in images):
            raise _fail(f"image {name} is listed twice")
        images.append(ManagedImage(name, new_name, source == "app"))
    return tuple(images)


RESOURCE_REF = re.compile(r"^[A-Za-z*?\[][A-Za-z0-9*?\[\]]*/([^/\s]+/)?[^/\s]+$")


def _expiry(raw: Any) -> datetime.date | None:
    """A waiver's expiry: a YAML date, or text that is one (None: not a date)."""
    if isinstance(raw, datetime.date) and not isinstance(raw, datetime.datetime):
        return raw
    try:
        return datetime.date.fromisoformat(str(raw)) if re.fullmatch(
            r"\d{4}-\d{2}-\d{2}", str(raw)) else None
    except ValueError:
        return None


def _waivers(raw: list[dict[str, Any]] | None, envs: Sequence[str], text: str
             ) -> tuple[Waiver, ...]:
    """The `waivers:` list; any doubt about an entry is a config error, never a silent skip."""
    found = []
    for index, item in enumerate(raw or []):
        where = f"waiver {index + 1}"
        for key in ("rule", "resource", "reason", "file"):
            if key in item and not item[key].strip():
                raise _fail(f"{where}: '{key}' must be a non-empty string")
        resource = item.get("resource")
        if resource is not None and not RESOURCE_REF.match(resource):
            raise _fail(f"{where}: resource {resource!r} must be Kind/namespace/name or "
                        f"Kind/name")
        env = item.get("env")
        if env is not None and env not in envs:
            raise _fail(f"{where}: env {env!r} is not an environment")
        expires = _expiry(item["expires"]) if item.get("expires") is not None else None
        if item.get("expires") is not None and expires is None:
            raise _fail(f"{where}: expires {item['expires']!r} must be a date YYYY-MM-DD")
        found.append(Waiver(item["rule"], resource, item["reason"].strip(), env, expires,
                            _line(text, ["waivers", index]) or 0 if text else 0,
                            item.get("file")))
    return tuple(found)


PROFILES = ("strict", "baseline")


def _rules(raw: dict[str, Any] | None) -> RuleChoice:
    """`rules:` the profile, and rules switched off with a reason (which rule ids exist is
    validation's to check: gitops.yaml is read before any rule is loaded)."""
    raw = raw or {}
    profile = raw.get("profile", "strict")
    if profile not in PROFILES:
        raise _fail(f"rules.profile {profile!r} is not one of {', '.join(PROFILES)}")
    off = []
    for n, item in enumerate(raw.get("disabled") or [], start=1):
        if not item["rule"].strip() or not item["reason"].strip():
            raise _fail(f"rules.disabled entry {n}: 'rule' and 'reason' must be non-empty strings")
        off.append((item["rule"].strip(), " ".join(item["reason"].split())))
    return RuleChoice(profile, tuple(off))


INTENDED_KEY = "intendedDifferences"
INTENDED_FIELDS = ("file", "object", "field", "reason")


def _intended(raw: list[dict[str, Any]] | None) -> tuple[Intended, ...]:
    """`intendedDifferences`: each with a file and/or an object, an optional field, and a
    reason (mandatory: a difference nobody can explain is drift)."""
    out = []
    for n, item in enumerate(raw or [], start=1):
        where = f"{INTENDED_KEY} entry {n}"
        values = {key: item.get(key) for key in INTENDED_FIELDS}
        if any(v is not None and not v.strip() for v in values.values()):
            raise _fail(f"{where}: every value must be a non-empty string")
        if values["file"] is None and values["object"] is None:
            raise _fail(f"{where} needs a 'file' or an 'object'")
        out.append(Intended(values["file"], values["object"], values["field"],
                            str(values["reason"]).strip()))
    return tuple(out)


FOLDER = re.compile(r"^(?!/)(?!.*(^|/)\.\.?(/|$))[^\0]+$")  # relative, no . or .. parts


def _folder(value: str, where: str) -> str:
    """A folder of the repository as gitops.yaml names it, written one way."""
    folder = value.strip().strip("/")
    if not folder or not FOLDER.match(folder):
        raise _fail(f"{where} {value!r} must be a folder inside the repository, written "
                    f"relative to its root")
    return folder


def _layouts(raw: dict[str, Any] | None, envs: Sequence[str]) -> tuple[dict[str, str],
                                                                        dict[str, EnvLayout]]:
    """`layout:` the default folders, and each environment's own places."""
    raw = raw or {}
    folders = {key: _folder(raw[key], f"layout.{key}") if key in raw else key
               for key in ("overlays", "apps", "argocd")}
    layouts = {}
    for env, item in (raw.get("environments") or {}).items():
        where = f"layout.environments.{env}"
        if env not in envs:
            raise _fail(f"{where}: {env!r} is not an environment")
        given = item.get("application")
        application, application_set = None, None
        if isinstance(given, dict):
            application_set = str(given["applicationSet"]).strip()
        elif given is not None and given != EXTERNAL:
            application = _folder(given, f"{where}.application")
            if "/" not in application or not application.endswith((".yaml", ".yml", ".json")):
                raise _fail(f"{where}.application {given!r} must be external, "
                            f"{{applicationSet: NAME}}, or a YAML file in a folder of the "
                            f"repository (Argo CD reads Applications from folders)")
        elif given is not None:
            application = given
        layouts[str(env)] = EnvLayout(
            _folder(item["overlay"], f"{where}.overlay") if "overlay" in item else None,
            application, application_set, item.get("namespace"), item.get("project"))
    overlays = [layouts[e].overlay if e in layouts and layouts[e].overlay
                else f"{folders['overlays']}/{e}" for e in envs]
    twice = next((o for o in overlays if overlays.count(o) > 1), None)
    if twice is not None:
        raise _fail(f"layout: two environments have the overlay {twice}")
    return folders, layouts


def parse_config(root: Path, data: Any, text: str = "") -> Config:
    """The Config of gitops.yaml's data (and text, for the lines messages name)."""
    if text:
        _checked(data, text)
    else:
        check_schema(data)
    stages = parse_stages(data["environments"])
    envs = [env for stage in stages for env in stage]
    for env in RESERVED.intersection(envs):
        raise _fail(f"environment name '{env}' is reserved: gitops diff reports the Argo CD "
                    f"manifests under it")
    versions = data.get("kubernetesVersions", ["1.29", "1.35"])
    for version in versions:
        if not K8S_VERSION.match(version):
            raise _fail(f"Kubernetes version '{version}' must look like 1.29")
    app = data.get("app") or {}
    branch = data.get("deployBranch", "main")
    if not re.fullmatch(r"[A-Za-z0-9._/-]+", branch):
        raise _fail("'deployBranch' must be a branch name such as main")
    folders, layouts = _layouts(data.get("layout"), envs)
    crds = data.get("crds")
    if crds and not (root / crds).resolve().is_relative_to(root.resolve()):
        raise _fail(f"{_at(_line(text, ['crds']))}'crds' must be a folder inside the "
                    f"repository")
    return Config(
        root=root,
        repo_url=data["repoURL"],
        project=data["project"],
        environments=tuple(envs),
        images=_images(data["images"]),
        tag_scheme=parse_tag_scheme(data.get("tagScheme"), data.get("shortLength", 7)),
        short_length=data.get("shortLength", 7),
        kubernetes_versions=tuple(versions),
        app_repo_url=app.get("repoURL"),
        crds=(root / crds) if crds else None,
        gates=parse_gates(data, envs),
        deploy_branch=branch,
        waivers=_waivers(data.get("waivers"), envs, text),
        stages=stages,
        clusters=parse_clusters(data.get(CLUSTERS), envs),
        intended=_intended(data.get(INTENDED_KEY)),
        rules=_rules(data.get("rules")),
        layouts=layouts,
        overlays_dir=folders["overlays"],
        apps_dir=folders["apps"],
        argocd_dir=folders["argocd"],
        root_app_external=(data.get("layout") or {}).get("rootApp") == EXTERNAL,
    )


def find_root(start: Path) -> Path:
    """The nearest folder at or above `start` that holds gitops.yaml."""
    found = next((folder for folder in [start, *start.parents]
                  if (folder / CONFIG_FILE).is_file()), None)
    if found is not None:
        return found
    raise ConfigError(f"no {CONFIG_FILE} in {start} or any folder above it")


def load_config(root: Path) -> Config:
    """Read gitops.yaml at the repository root."""
    path = root / CONFIG_FILE
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(f"{CONFIG_FILE} not found in {root}") from None
    except IsADirectoryError:
        raise ConfigError(f"{CONFIG_FILE} in {root} is a folder") from None
    except UnicodeDecodeError:
        raise _fail("not UTF-8 text") from None
    try:
        data = load(text, CONFIG_FILE)
    except GitopsError as exc:
        raise ConfigError(str(exc)) from None
    return parse_config(root, data, text)
