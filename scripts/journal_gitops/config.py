"""gitops.yaml: what the tooling knows about this repository that the manifests do not say."""

from __future__ import annotations

import datetime
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .clusters import CLUSTERS, Cluster, parse_clusters, parse_stages
from .errors import CONFIG_FILE, ConfigError, GitopsError, UsageError
from .gate_config import GateConfig, parse_gates
from .repo_root import find

KUSTOMIZATION_FILES = ("kustomization.yaml", "kustomization.yml", "Kustomization")
TAG_SCHEMES = {"full": "{sha}", "short": "{short}"}
K8S_VERSION = re.compile(r"^1\.\d+$")


@dataclass(frozen=True)
class ManagedImage:
    """An image the overlays pin; `from_app` images are built from the app repo at one commit."""

    name: str
    new_name: str | None
    from_app: bool


@dataclass(frozen=True)
class Waiver:
    """A finding accepted on purpose: one rule on one resource (Kind/namespace/name, or
    Kind/name for that kind and name in any namespace), in one environment or all of them."""

    rule: str
    resource: str
    reason: str
    env: str | None = None  # None: every environment and the Argo CD manifests
    expires: datetime.date | None = None
    line: int = 0  # of its entry in gitops.yaml

    def matches(self, rule: str, resource: str | None, env: str | None) -> bool:
        if rule != self.rule or resource is None or (self.env is not None and env != self.env):
            return False
        if resource == self.resource:
            return True
        kind, _, rest = resource.partition("/")
        return self.resource.count("/") == 1 and f"{kind}/{rest.rpartition('/')[2]}" == \
            self.resource


@dataclass(frozen=True)
class Intended:
    """A difference between environments declared intended (`gitops compare`): caused by an
    overlay file and/or in an object (Kind/name), optionally one field and what is under it."""

    file: str | None
    object: str | None
    field: str | None
    reason: str


@dataclass(frozen=True)
class Config:
    root: Path
    repo_url: str
    project: str
    environments: tuple[str, ...]
    images: tuple[ManagedImage, ...]
    tag_scheme: str
    short_length: int
    kubernetes_versions: tuple[str, ...]
    app_repo_url: str | None = None
    crds: Path | None = None
    overlays_dir: str = "overlays"
    apps_dir: str = "apps"
    argocd_dir: str = "argocd"
    gates: GateConfig = field(default_factory=GateConfig)  # freezes, minimum soak
    deploy_branch: str = "main"
    waivers: tuple[Waiver, ...] = field(default=())
    stages: tuple[tuple[str, ...], ...] = ()  # default: one stage per environment
    clusters: tuple[Cluster, ...] = ()  # default: every environment on in-cluster
    intended: tuple[Intended, ...] = ()

    def __post_init__(self) -> None:
        if not self.stages:
            object.__setattr__(self, "stages", tuple((env,) for env in self.environments))
        if not self.clusters:
            object.__setattr__(self, "clusters", parse_clusters(None, self.environments))

    @property
    def production(self) -> tuple[str, ...]:
        """The environments of the last stage: each one is production (manual sync)."""
        return self.stages[-1]

    def is_production(self, env: str) -> bool:
        return env in self.stages[-1]

    def stage_of(self, env: str) -> int:
        """The index of the stage `env` is in (0: where bumps land)."""
        return next(i for i, stage in enumerate(self.stages) if env in stage)

    def previous_stage(self, env: str) -> tuple[str, ...]:
        """The environments `env` may get its tags from (none in the first stage, nor for a
        name that is not an environment here)."""
        if env not in self.environments:
            return ()
        index = self.stage_of(env)
        return self.stages[index - 1] if index > 0 else ()

    def previous_env(self, env: str) -> str | None:
        """Where `env` gets its tags from by default: the stage before (its first environment
        when it runs several in parallel); None in the first stage."""
        return next(iter(self.previous_stage(env)), None)

    def next_stage(self, env: str) -> tuple[str, ...]:
        """The environments `env` promotes to (none from production)."""
        index = self.stage_of(env)
        return self.stages[index + 1] if index + 1 < len(self.stages) else ()

    def cluster_of(self, env: str) -> Cluster:
        return next(c for c in self.clusters if env in c.environments)

    def cluster(self, name: str) -> Cluster:
        """A declared cluster by name, or a usage error naming the known ones."""
        for cluster in self.clusters:
            if cluster.name == name:
                return cluster
        known = ", ".join(c.name for c in self.clusters)
        raise UsageError(f"unknown cluster '{name}' (known: {known})")

    def overlay_path(self, env: str) -> Path:
        return self.root / self.overlays_dir / env

    def overlay_rel(self, env: str) -> str:
        return f"{self.overlays_dir}/{env}"

    def overlay_file(self, env: str, tree: Path | None = None) -> str:
        """The overlay's kustomization file (any of the names kustomize accepts)."""
        folder = (tree or self.root) / self.overlay_rel(env)
        for name in KUSTOMIZATION_FILES:
            if (folder / name).is_file():
                return f"{self.overlay_rel(env)}/{name}"
        return f"{self.overlay_rel(env)}/{KUSTOMIZATION_FILES[0]}"

    @property
    def tag_scheme_label(self) -> str:
        """The scheme as gitops.yaml names it (full, short, or the template)."""
        names = {template: name for name, template in TAG_SCHEMES.items()}
        return names.get(self.tag_scheme, self.tag_scheme)

    @property
    def app_images(self) -> tuple[ManagedImage, ...]:
        return tuple(image for image in self.images if image.from_app)

    def tag_pattern(self) -> re.Pattern[str]:
        """A regex that a tag made by the tag scheme from any commit matches."""
        parts = re.split(r"(\{sha\}|\{short\})", self.tag_scheme)
        out = []
        for part in parts:
            if part == "{sha}":
                out.append("[0-9a-f]{40}")
            elif part == "{short}":
                out.append(f"[0-9a-f]{{{self.short_length}}}")
            else:
                out.append(re.escape(part))
        return re.compile("^" + "".join(out) + "$")

    def select(self, envs: Sequence[str] | None) -> list[str]:
        """The environments named (default: all), each once, each one known."""
        selected = list(dict.fromkeys(envs)) if envs else list(self.environments)
        for env in selected:
            self.require_env(env)
        return selected

    def require_env(self, env: str) -> None:
        if env not in self.environments:
            known = ", ".join(self.environments)
            raise UsageError(f"unknown environment '{env}' (known: {known})")


_fail = ConfigError.in_config


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
    found = find(start)
    if found is not None:
        return found
    raise ConfigError(f"no {CONFIG_FILE} in {start} or any folder above it")


def load_config(root: Path) -> Config:
    """Read gitops.yaml at the repository root."""
    from .adapters.parse_cache import cached_document  # YAML is loaded only on a miss

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
        data = cached_document(text, CONFIG_FILE)
    except GitopsError as exc:
        raise ConfigError(str(exc)) from None
    return parse_config(root, data, text)
