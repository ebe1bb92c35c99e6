"""What the rules see of one rendered environment, and one shared walk over its pods.

Checks iterate workloads, pod templates and containers through `EnvContext.pods()` and
`EnvContext.containers()`, which skip malformed items (a schema finding already reports them), so
no check crashes on an odd shape or repeats the nested loops.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from typing import Any

from ...argocd.manifests import ArgocdManifests, app_sources, norm_path, same_repo
from ...config.clusters import Cluster
from ...config.gates import Freeze
from ...config.model import Config, ManagedImage
from ...config.tags import TagScheme
from ...kube.objects import WORKLOAD_KINDS, Resource, selects

# Labels the controllers add to pods; a Service may select on them although templates lack them.
STS_POD_NAME = "statefulset.kubernetes.io/pod-name"
CONTROLLER_LABELS = {
    "Deployment": {"pod-template-hash"},
    "StatefulSet": {STS_POD_NAME, "apps.kubernetes.io/pod-index", "controller-revision-hash"},
    "DaemonSet": {"controller-revision-hash", "pod-template-generation"},
}
POD_CONTAINERS = ("initContainers", "containers")
ALL_CONTAINERS = ("initContainers", "containers", "ephemeralContainers")


def mapping(value: Any) -> dict[str, Any]:
    """The value if it is a mapping, else an empty one."""
    return value if isinstance(value, dict) else {}


def dicts(value: Any) -> Iterator[dict[str, Any]]:
    """The mappings in a list; anything else (a scalar, a non-list) yields nothing."""
    if isinstance(value, list):
        yield from (item for item in value if isinstance(item, dict))


@dataclass(frozen=True)
class Pod:
    """A workload's pod template: the metadata and spec every one of its pods gets."""

    workload: Resource
    metadata: dict[str, Any]
    spec: dict[str, Any]


@dataclass(frozen=True)
class Container:
    """One container of a workload, with the list it is in (initContainers, containers...)."""

    workload: Resource
    list_name: str
    body: dict[str, Any]

    @property
    def name(self) -> str:
        return str(self.body.get("name"))

    @property
    def label(self) -> str:
        """How messages name it."""
        return f"container {self.name}"

    @property
    def path(self) -> tuple[str | int, ...]:
        """Where it is in the workload, for tracing a finding to its line."""
        items = (self.workload.pod_spec() or {}).get(self.list_name)
        index = next((i for i, b in enumerate(items) if b is self.body), 0) if isinstance(
            items, list) else 0
        return (*WORKLOAD_KINDS.get(self.workload.kind, ()), "spec", self.list_name, index)


@dataclass(frozen=True)
class EnvConfig:
    """What the rules of one environment know of gitops.yaml: this and no more, so that their
    findings may be remembered under it (validation.remembered). Clusters come without the
    environments they run: adding an environment elsewhere changes no other's findings."""

    env: str
    overlay: str  # the overlay folder, relative to the repository root
    repo_url: str
    project: str
    production: bool  # in the last promotion stage
    cluster: Cluster  # where it deploys
    clusters: tuple[Cluster, ...]  # every declared cluster
    app_images: tuple[ManagedImage, ...]
    tag_scheme: TagScheme  # which tags are the app images'
    recurring_freezes: tuple[Freeze, ...]
    app_elsewhere: bool = False  # its Application is made outside this repository's files

    @classmethod
    def of(cls, config: Config, env: str) -> EnvConfig:
        def bare(cluster: Cluster) -> Cluster:
            return replace(cluster, environments=())

        return cls(env, config.overlay_rel(env), config.repo_url, config.project_of(env),
                   config.is_production(env), bare(config.cluster_of(env)),
                   tuple(map(bare, config.clusters)), config.app_images,
                   config.tag_scheme,
                   tuple(f for f in config.gates.freezes_of(env) if f.recurring),
                   config.app_made_elsewhere(env))


@dataclass
class EnvContext:
    """What the rules see of one environment's render (not the Argo CD manifests: see
    AppContext), and of gitops.yaml (EnvConfig)."""

    config: EnvConfig
    env: str
    resources: list[Resource]
    _index: dict[str, list[Resource]] = field(default_factory=dict)
    _pods: list[Pod] | None = None

    @classmethod
    def of(cls, config: Config, env: str, resources: list[Resource]) -> EnvContext:
        return cls(EnvConfig.of(config, env), env, resources)

    def of_kind(self, *kinds: str) -> list[Resource]:
        key = ",".join(kinds)
        if key not in self._index:
            self._index[key] = [r for r in self.resources if r.kind in kinds]
        return self._index[key]

    def workloads(self) -> list[Resource]:
        """Every object that runs pods (Deployment, StatefulSet, Job, Pod...)."""
        return [pod.workload for pod in self._pod_list()]

    def pods(self) -> Iterator[Pod]:
        """The pod template of every workload."""
        yield from self._pod_list()

    def _pod_list(self) -> list[Pod]:
        """The pod templates, found once: most rules walk them."""
        if self._pods is None:
            self._pods = []
            for workload in self.resources:
                template = workload.pod_template()
                if template is not None:
                    self._pods.append(Pod(workload, mapping(template.get("metadata")),
                                          mapping(template.get("spec"))))
        return self._pods

    def containers(self, lists: tuple[str, ...] = ALL_CONTAINERS) -> Iterator[Container]:
        """Every container in the given lists of every workload, workload by workload."""
        for pod in self.pods():
            yield from pod_containers(pod.workload, pod.spec, lists)


@dataclass(frozen=True)
class RenderSummary:
    """What the Argo CD rules of an environment know of its render: the namespaces it renders
    into and the kinds it deploys (group, kind), each once, in render order."""

    namespaces: tuple[str, ...]
    kinds: tuple[tuple[str, str], ...]

    @classmethod
    def of(cls, resources: list[Resource]) -> RenderSummary:
        return cls(tuple(dict.fromkeys(r.namespace for r in resources if r.namespace)),
                   tuple(dict.fromkeys((r.group, r.kind) for r in resources)))


@dataclass(frozen=True)
class AppContext:
    """What the Argo CD rules see of one environment: the Applications in git that deploy its
    overlay from this repository, the AppProjects, and a summary of its render."""

    config: EnvConfig
    env: str
    applications: tuple[Resource, ...]
    projects: dict[str, Resource]
    render: RenderSummary

    @classmethod
    def of(cls, config: Config | EnvConfig, env: str, applications: list[Resource],
           projects: dict[str, Resource], render: RenderSummary) -> AppContext:
        view = config if isinstance(config, EnvConfig) else EnvConfig.of(config, env)
        own = deployers(applications, view.repo_url).get(view.overlay, ())
        return cls(view, env, own, projects, render)


def deployers(applications: list[Resource], repo_url: str) -> dict[str, tuple[Resource, ...]]:
    """The Applications that deploy each folder of this repository (by its path), each once."""
    found: dict[str, list[Resource]] = {}
    for app in applications:
        for path in dict.fromkeys(norm_path(s.get("path")) for s in app_sources(app)
                                  if same_repo(s.get("repoURL"), repo_url)):
            found.setdefault(path, []).append(app)
    return {path: tuple(apps) for path, apps in found.items()}


def pod_containers(workload: Resource, spec: dict[str, Any],
                   lists: tuple[str, ...] = ALL_CONTAINERS) -> Iterator[Container]:
    """The containers of one pod spec, in the given lists."""
    for list_name in lists:
        for body in dicts(spec.get(list_name)):
            yield Container(workload, list_name, body)


def pods_selected(ctx: EnvContext, selector: dict[str, Any]) -> list[Resource]:
    """Workloads whose pods a Service-style selector matches, allowing controller-added labels."""
    found = []
    for workload in ctx.workloads():
        own = {k: v for k, v in selector.items()
               if k not in CONTROLLER_LABELS.get(workload.kind, set())}
        if not own or not selects(own, workload.pod_labels()):
            continue
        pod_name = selector.get(STS_POD_NAME)
        if workload.kind == "StatefulSet" and pod_name is not None:
            ordinals = {f"{workload.name}-{i}" for i in range(workload.replicas())}
            if str(pod_name) not in ordinals:
                continue
        found.append(workload)
    return found


@dataclass
class RepoContext:
    """What the repository-wide rules see: the Argo CD manifests, read as Argo CD reads them.

    `complete` is False when only some environments are validated: rules that need every
    environment (an Application for an overlay that is not configured) then stay quiet.
    """

    config: Config
    manifests: ArgocdManifests
    complete: bool = True

    @property
    def applications(self) -> list[Resource]:
        return self.manifests.applications

    @property
    def projects(self) -> list[Resource]:
        return [r for r in self.manifests.resources if r.kind == "AppProject"]

    def own_sources(self) -> Iterator[tuple[Resource, int, dict[str, Any]]]:
        """(Application, index, source) for every source on this repository."""
        for app in self.applications:
            for index, source in enumerate(app_sources(app)):
                if same_repo(source.get("repoURL"), self.config.repo_url):
                    yield app, index, source

    def environment_apps(self) -> Iterator[tuple[str, Resource]]:
        """(environment, Application) for every Application that deploys an environment's
        overlay from this repository (each Application once)."""
        overlays = {self.config.overlay_rel(env): env for env in self.config.environments}
        seen: set[int] = set()
        for app, _, source in self.own_sources():
            env = overlays.get(norm_path(source.get("path")))
            if env and id(app) not in seen:
                seen.add(id(app))
                yield env, app


def source_path(app: Resource, index: int, *field: str | int) -> tuple[str | int, ...]:
    """The field path of one of an Application's sources (`source` or `sources[i]`)."""
    if isinstance(app.spec.get("sources"), list) and app.spec.get("sources"):
        return ("spec", "sources", index, *field)
    return ("spec", "source", *field)
