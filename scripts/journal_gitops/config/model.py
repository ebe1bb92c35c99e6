"""gitops.yaml: what the tooling knows about this repository that the manifests do not say."""

from __future__ import annotations

import datetime
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from fnmatch import fnmatchcase
from pathlib import Path

from ..adapters.kustomize import KUSTOMIZATION_FILES
from ..errors import UsageError
from .clusters import Cluster, parse_clusters
from .gates import GateConfig
from .tags import TagScheme

K8S_VERSION = re.compile(r"^1\.\d+$")
RESERVED = frozenset({"argocd"})  # `gitops diff` reports the Argo CD manifests under this name


@dataclass(frozen=True)
class ManagedImage:
    """An image the overlays pin; `from_app` images are built from the app repo at one commit."""

    name: str
    new_name: str | None
    from_app: bool


@dataclass(frozen=True)
class Waiver:
    """A finding accepted on purpose: of one rule, on the resources a pattern names
    (Kind/namespace/name, or Kind/name for that kind and name in any namespace; `*`, `?` and
    `[...]` as in shell globs), or in the files a pattern names (for findings that name no
    resource, such as kustomize's warnings), or every finding of the rule; in one environment
    or all of them."""

    rule: str
    resource: str | None
    reason: str
    env: str | None = None  # None: every environment and the Argo CD manifests
    expires: datetime.date | None = None
    line: int = 0  # of its entry in gitops.yaml
    file: str | None = None

    @property
    def scope(self) -> str:
        """What it covers, for messages."""
        return self.resource or (f"file {self.file}" if self.file else "every finding")

    def matches(self, rule: str, resource: str | None, env: str | None,
                file: str | None = None) -> bool:
        if rule != self.rule or (self.env is not None and env != self.env):
            return False
        if self.file is not None and (file is None or not fnmatchcase(file, self.file)):
            return False
        if self.resource is None:
            return True
        if resource is None:
            return False
        if fnmatchcase(resource, self.resource):
            return True
        kind, _, rest = resource.partition("/")
        return self.resource.count("/") == 1 and fnmatchcase(
            f"{kind}/{rest.rpartition('/')[2]}", self.resource)


@dataclass(frozen=True)
class RuleChoice:
    """Which rules validate runs: a profile (strict: all; baseline: what the API server, Argo CD
    and security need, without house style) and rules switched off, each with its reason."""

    profile: str = "strict"
    off: tuple[tuple[str, str], ...] = ()  # (rule id, reason)


EXTERNAL = "external"  # an Application made outside git


@dataclass(frozen=True)
class EnvLayout:
    """Where one environment's files are, where they differ from the defaults: its overlay
    folder; its Application (a file, EXTERNAL, or made by the ApplicationSet named); the
    namespace it deploys to, when its overlay sets none; its AppProject."""

    overlay: str | None = None
    application: str | None = None
    application_set: str | None = None
    namespace: str | None = None
    project: str | None = None


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
    tag_scheme: TagScheme
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
    rules: RuleChoice = field(default_factory=RuleChoice)
    layouts: dict[str, EnvLayout] = field(default_factory=dict)  # where one differs
    root_app_external: bool = False  # the app of apps is made outside git

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

    def layout(self, env: str) -> EnvLayout:
        return self.layouts.get(env) or EnvLayout()

    def overlay_path(self, env: str) -> Path:
        return self.root / self.overlay_rel(env)

    def overlay_rel(self, env: str) -> str:
        return self.layout(env).overlay or f"{self.overlays_dir}/{env}"

    def overlay_parents(self) -> frozenset[str]:
        """The folders the environments' overlays are in."""
        return frozenset(self.overlay_rel(env).rpartition("/")[0] for env in self.environments)

    def project_of(self, env: str) -> str:
        return self.layout(env).project or self.project

    def application_folders(self) -> tuple[str, ...]:
        """Where the environments' Applications are: apps/, and the folders of the files
        gitops.yaml's layout names."""
        files = [self.layout(env).application for env in self.environments]
        return tuple(dict.fromkeys([self.apps_dir, *(f.rpartition("/")[0] or "." for f in files
                                                      if f is not None and f != EXTERNAL)]))

    def required_folders(self) -> tuple[str, ...]:
        """The Argo CD folders that must exist: apps/ while an environment's Application is
        looked for there, argocd/ while an environment's AppProject is not Argo CD's built-in
        one."""
        apps = any(self.layout(env).application is None and not self.app_made_elsewhere(env)
                   for env in self.environments)
        projects = any(self.project_of(env) != "default" for env in self.environments)
        return tuple([self.apps_dir] * apps + [self.argocd_dir] * projects)

    def app_made_elsewhere(self, env: str) -> bool:
        """Whether the environment's Application is not a file of this repository (made by
        hand, by Helm or by an ApplicationSet)."""
        layout = self.layout(env)
        return layout.application == EXTERNAL or layout.application_set is not None

    def overlay_file(self, env: str, tree: Path | None = None) -> str:
        """The overlay's kustomization file (any of the names kustomize accepts)."""
        folder = (tree or self.root) / self.overlay_rel(env)
        for name in KUSTOMIZATION_FILES:
            if (folder / name).is_file():
                return f"{self.overlay_rel(env)}/{name}"
        return f"{self.overlay_rel(env)}/{KUSTOMIZATION_FILES[0]}"

    @property
    def app_images(self) -> tuple[ManagedImage, ...]:
        return tuple(image for image in self.images if image.from_app)

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
