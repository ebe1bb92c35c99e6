"""Reading gitops.yaml into a Config."""

from __future__ import annotations

import datetime
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ..adapters.yamlload import load
from ..errors import ConfigError, GitopsError
from . import CONFIG_FILE, invalid
from .clusters import CLUSTERS, parse_clusters, parse_stages
from .gates import parse_gates
from .model import K8S_VERSION, TAG_SCHEMES, Config, Intended, ManagedImage, Waiver

_fail = invalid


def _str(data: dict[str, Any], key: str, default: str | None = None) -> str:
    value = data.get(key, default)
    if not isinstance(value, str) or not value:
        raise _fail(f"'{key}' must be a non-empty string")
    return value


def _images(raw: Any) -> tuple[ManagedImage, ...]:
    if not isinstance(raw, list) or not raw:
        raise _fail("'images' must be a non-empty list")
    images: list[ManagedImage] = []
    for item in raw:
        if not isinstance(item, dict) or not isinstance(item.get("name"), str):
            raise _fail("each entry of 'images' needs a 'name'")
        source = item.get("source", "app")
        if source not in ("app", "third-party"):
            raise _fail(f"image {item['name']}: 'source' must be 'app' or 'third-party'")
        new_name = item.get("newName")
        if new_name is not None and not isinstance(new_name, str):
            raise _fail(f"image {item['name']}: 'newName' must be a string")
        if source == "app" and not new_name:
            raise _fail(f"image {item['name']}: an app image needs 'newName' (its registry path)")
        if any(image.name == item["name"] for image in images):
            raise _fail(f"image {item['name']} is listed twice")
        images.append(ManagedImage(item["name"], new_name, source == "app"))
    return tuple(images)


def _tag_scheme(raw: Any) -> str:
    scheme = raw if raw is not None else "full"
    if not isinstance(scheme, str):
        raise _fail("'tagScheme' must be a string")
    scheme = TAG_SCHEMES.get(scheme, scheme)
    if "{sha}" not in scheme and "{short}" not in scheme:
        raise _fail(
            f"'tagScheme' {raw!r} must be full, short, or a template with {{sha}} or {{short}}"
        )
    if not re.fullmatch(r"[A-Za-z0-9_.{}-]+", scheme):
        raise _fail(f"'tagScheme' {raw!r} would not make a valid image tag")
    return scheme


WAIVER_KEYS = {"rule", "resource", "env", "reason", "expires"}
RESOURCE_REF = re.compile(r"^[A-Za-z][A-Za-z0-9]*/([^/\s]+/)?[^/\s]+$")


def _expiry(raw: Any, where: str) -> datetime.date | None:
    if raw is None or (isinstance(raw, datetime.date) and not isinstance(raw, datetime.datetime)):
        return raw
    try:
        return datetime.date.fromisoformat(str(raw)) if re.fullmatch(
            r"\d{4}-\d{2}-\d{2}", str(raw)) else None
    except ValueError:
        return None


def _waivers(raw: Any, envs: Sequence[str], lines: Sequence[int]) -> tuple[Waiver, ...]:
    """The `waivers:` list; any doubt about an entry is a config error, never a silent skip."""
    if raw is None:
        return ()
    if not isinstance(raw, list):
        raise _fail("'waivers' must be a list")
    found = []
    for index, item in enumerate(raw):
        where = f"waiver {index + 1}"
        if not isinstance(item, dict):
            raise _fail(f"{where} must be a mapping with rule, resource and reason")
        unknown = sorted(set(map(str, item)) - WAIVER_KEYS)
        if unknown:
            known = ", ".join(sorted(WAIVER_KEYS))
            raise _fail(f"{where}: unknown key {unknown[0]} (known: {known})")
        for key in ("rule", "resource", "reason"):
            if not isinstance(item.get(key), str) or not item[key].strip():
                raise _fail(f"{where}: '{key}' must be a non-empty string")
        if not RESOURCE_REF.match(item["resource"]):
            raise _fail(f"{where}: resource {item['resource']!r} must be Kind/namespace/name or "
                        f"Kind/name")
        env = item.get("env")
        if env is not None and env not in envs:
            raise _fail(f"{where}: env {env!r} is not an environment")
        expires = _expiry(item.get("expires"), where)
        if item.get("expires") is not None and expires is None:
            raise _fail(f"{where}: expires {item['expires']!r} must be a date YYYY-MM-DD")
        found.append(Waiver(item["rule"], item["resource"], item["reason"].strip(), env, expires,
                            lines[index] if index < len(lines) else 0))
    return tuple(found)


def _waiver_lines(text: str) -> list[int]:
    """The line of each `waivers:` entry (a top-level list of mappings), for annotations."""
    lines, inside = [], False
    for number, line in enumerate(text.splitlines(), 1):
        if line.startswith("waivers:"):
            inside = True
        elif inside and line[:1] not in ("", " ", "#", "-"):
            inside = False
        elif inside and line.lstrip().startswith("- ") and len(line) - len(line.lstrip()) <= 2:
            lines.append(number)
    return lines


INTENDED_KEY = "intendedDifferences"
INTENDED_FIELDS = ("file", "object", "field", "reason")


def _intended(raw: Any) -> tuple[Intended, ...]:
    """`intendedDifferences`: each with a file and/or an object, an optional field, and a
    reason (mandatory: a difference nobody can explain is drift)."""
    if raw is None:
        return ()
    if not isinstance(raw, list):
        raise _fail(f"'{INTENDED_KEY}' must be a list")
    out = []
    for n, item in enumerate(raw, start=1):
        where = f"{INTENDED_KEY} entry {n}"
        if not isinstance(item, dict):
            raise _fail(f"{where} must be a mapping")
        unknown = sorted(set(map(str, item)) - set(INTENDED_FIELDS))
        if unknown:
            raise _fail(f"{where}: unknown key '{unknown[0]}' (file, object, field, reason)")
        values = {key: item.get(key) for key in INTENDED_FIELDS}
        if any(v is not None and (not isinstance(v, str) or not v.strip())
               for v in values.values()):
            raise _fail(f"{where}: every value must be a non-empty string")
        if values["reason"] is None:
            raise _fail(f"{where} needs a 'reason'")
        if values["file"] is None and values["object"] is None:
            raise _fail(f"{where} needs a 'file' or an 'object'")
        out.append(Intended(values["file"], values["object"], values["field"],
                            str(values["reason"]).strip()))
    return tuple(out)


def parse_config(root: Path, data: Any, text: str = "") -> Config:
    if not isinstance(data, dict):
        raise _fail("must be a mapping")
    stages = parse_stages(data.get("environments"))
    envs = [env for stage in stages for env in stage]
    versions = data.get("kubernetesVersions", ["1.29", "1.35"])
    if not isinstance(versions, list) or not versions:
        raise _fail("'kubernetesVersions' must be a non-empty list like [\"1.29\", \"1.35\"]")
    if any(not isinstance(v, str) for v in versions):
        raise _fail('write each Kubernetes version in quotes ("1.30"): unquoted, 1.30 reads '
                    'as the number 1.3')
    versions = list(versions)
    for version in versions:
        if not K8S_VERSION.match(version):
            raise _fail(f"Kubernetes version '{version}' must look like 1.29")
    short_length = data.get("shortLength", 7)
    if not isinstance(short_length, int) or not 7 <= short_length <= 40:
        raise _fail("'shortLength' must be a whole number from 7 to 40")
    crds = data.get("crds")
    if crds is not None and not isinstance(crds, str):
        raise _fail("'crds' must be a folder path")
    app = data.get("app") or {}
    if not isinstance(app, dict):
        raise _fail("'app' must be a mapping")
    app_url = app.get("repoURL")
    if app_url is not None and not isinstance(app_url, str):
        raise _fail("'app.repoURL' must be a string")
    branch = data.get("deployBranch", "main")
    if not isinstance(branch, str) or not re.fullmatch(r"[A-Za-z0-9._/-]+", branch):
        raise _fail("'deployBranch' must be a branch name such as main")
    return Config(
        root=root,
        repo_url=_str(data, "repoURL"),
        project=_str(data, "project", "journal"),
        environments=tuple(envs),
        images=_images(data.get("images")),
        tag_scheme=_tag_scheme(data.get("tagScheme")),
        short_length=short_length,
        kubernetes_versions=tuple(versions),
        app_repo_url=app_url,
        crds=(root / crds) if crds else None,
        gates=parse_gates(data, envs),
        deploy_branch=branch,
        waivers=_waivers(data.get("waivers"), envs, _waiver_lines(text)),
        stages=stages,
        clusters=parse_clusters(data.get(CLUSTERS), envs),
        intended=_intended(data.get(INTENDED_KEY)),
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
