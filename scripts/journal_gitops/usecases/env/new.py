"""`gitops env new`: an environment made as a copy of another: its overlay, Application,
AppProject destination and place in the promotion order."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from ...adapters.files import FileEdit, read_file
from ...adapters.yamlload import ScalarNode
from ...argocd.edit import ProjectFile
from ...argocd.manifests import automated, environment_applications, protected
from ...argocd.templates import application
from ...changes.delivery import Delivery, DeliveryOptions, Proposal
from ...config import CONFIG_FILE
from ...config.edit import carry_intended, insert_env, place_env
from ...config.load import load_config
from ...config.model import Config
from ...errors import GitopsError, UsageError
from ...history.trailers import env_message
from ...kube.names import is_dns_label, is_dns_subdomain
from ...kube.objects import parse_render
from ...overlays.kustomization import Kustomization
from ...overlays.templates import namespace as namespace_file
from ...overlays.templates import overlay_header
from .common import (
    RESERVED,
    EnvChange,
    TreeRenders,
    components,
    deliver_env,
    edit_overlay,
    files_of,
    ingress_hosts,
    parse_assignments,
    parse_replicas,
    read_state,
)


@dataclass(frozen=True)
class NewEnv:
    """`env new`: the new environment and how it differs from the one it copies."""

    name: str
    source: str
    after: str | None = None  # a stage of its own after this environment's
    replicas: tuple[str, ...] = ()
    values: tuple[str, ...] = ()
    namespace: str | None = None
    host: str | None = None
    automated: bool | None = None  # None: like the source (manual in production)
    beside: str | None = None  # in this environment's stage, deployed in parallel with it
    cluster: str | None = None  # None: the source's cluster


def _token(word: str) -> re.Pattern[str]:
    return re.compile(rf"(?<![A-Za-z0-9_.-]){re.escape(word)}(?![A-Za-z0-9_.-])")


def _new_host(old: str | None, source: str, name: str, given: str | None) -> str | None:
    if given:
        return given
    if old is None:
        return None
    parts = re.split(r"([.-])", old)
    if source not in parts:
        raise UsageError(f"cannot derive a host for {name} from {old}: pass --host")
    return "".join(name if part == source else part for part in parts)


def _check_new_name(config: Config, tree: Path, name: str) -> None:
    if "/" in name or name in (".", "..") or not is_dns_label(name) or len(name) > 50:
        raise UsageError(f"environment name '{name}' is not a DNS-1123 label")
    if name in RESERVED:
        raise UsageError(f"environment name '{name}' is reserved")
    if name in config.environments or (tree / config.overlay_rel(name)).exists():
        raise UsageError(f"environment '{name}' already exists")


def _without_header(text: str) -> str:
    lines = text.splitlines(keepends=True)
    while lines and lines[0].startswith("#"):
        lines.pop(0)
    return "".join(lines)


def _new_overlay(text: str, rel: str, components: list[str], replicas: dict[str, int],
                 values: dict[str, str], namespace: str) -> str:
    kustomization = Kustomization(text, rel)
    edit_overlay(kustomization, components, replicas, values)
    node = kustomization.get(kustomization.mapping, "namespace")
    if isinstance(node, ScalarNode):
        kustomization.replace(node, namespace)
    return kustomization.result()


@dataclass(frozen=True)
class _NewEnvPlanner:
    """Plans `env new` on a tree: the copied overlay, Application, destination, order. The
    renders it makes serve the check of the change too."""

    request: NewEnv
    renders: TreeRenders = field(default_factory=TreeRenders)

    def __call__(self, tree: Path) -> Proposal[EnvChange]:
        cfg = load_config(tree)
        name, source = self.request.name, self.request.source
        _check_new_name(cfg, tree, name)
        cfg.require_env(source)
        after, beside = self._place(cfg)
        cluster = cfg.cluster(self.request.cluster) if self.request.cluster else \
            cfg.cluster_of(source)
        namespace = self.request.namespace or f"journal-{name}"
        if not is_dns_label(namespace):
            raise UsageError(f"namespace '{namespace}' is not a DNS-1123 label")
        apps = environment_applications(tree, cfg)
        for env in cluster.environments:
            if read_state(tree, cfg, env, apps).namespace == namespace:
                raise UsageError(f"namespace {namespace} is already {env}'s on cluster "
                                 f"{cluster.name}")
        replicas = parse_replicas(self.request.replicas)
        values = parse_assignments(self.request.values, "--set")
        state = read_state(tree, cfg, source, apps)
        app = apps.get(source)
        if app is None:
            raise GitopsError(f"no Application deploys {cfg.overlay_rel(source)}")
        production = beside is not None and cfg.is_production(beside)
        auto = self.request.automated
        if auto is None:  # production is synced by hand whatever the source does
            auto = automated(app) and not production
        rendered = self.renders.all(tree, cfg)
        old_host = next(iter(ingress_hosts(rendered[source], cfg.overlay_rel(source))), None)
        host = self._host(rendered, cfg, old_host)
        app_file = f"{cfg.apps_dir}/journal-{name}.yaml"
        edits = self._overlay(tree, cfg, state.namespace, namespace, old_host, host, replicas,
                              values, auto, app_file, state.replicas,
                              components(parse_render(rendered[source], cfg.overlay_rel(source))))
        edits.append(FileEdit(app_file, None, application(
            name, namespace, cfg.overlay_rel(name), cfg.repo_url, cfg.project,
            cluster.destination, auto, protected=protected(app) or production)))
        project = ProjectFile(tree, cfg)
        project.add_destination(cluster, namespace)
        edits.append(project.edit())
        config_text = read_file(tree, CONFIG_FILE)
        placed = place_env(insert_env(config_text, name, after, beside), cluster.name, name)
        placed = carry_intended(placed, cfg.overlay_rel(source), cfg.overlay_rel(name))
        edits.append(FileEdit(CONFIG_FILE, config_text, placed))
        where = (f"beside {beside} (same promotion stage)" if beside
                 else f"after {after} in promotion order")
        message = env_message(
            name, f"new environment from {source}",
            f"{name} starts as a copy of {source} (namespace {namespace} on cluster "
            f"{cluster.name}{', host ' + host if host else ''}, "
            f"{'automated' if auto else 'manual'} sync), {where}.")
        return Proposal(tuple(edits), message, EnvChange(name, "new", (), files_of(edits)))

    def _place(self, cfg: Config) -> tuple[str | None, str | None]:
        """(after, beside): where the new environment goes in the promotion stages. A copy of
        production goes in the stage before production unless told otherwise: a new
        environment does not take production's place by accident."""
        request = self.request
        if request.after and request.beside:
            raise UsageError("--after and --beside exclude each other")
        if request.beside:
            cfg.require_env(request.beside)
            return None, request.beside
        stages = cfg.stages
        after = request.after or (stages[-2][0] if cfg.is_production(request.source)
                                  and len(stages) > 1 else request.source)
        cfg.require_env(after)
        if cfg.is_production(after):
            raise UsageError(f"{request.name} would come after production "
                             f"({', '.join(cfg.production)}), which would stop being "
                             f"production; pass --beside {after} to add a production "
                             f"environment")
        return after, None

    def _host(self, rendered: dict[str, str], cfg: Config, old_host: str | None) -> str | None:
        """The new environment's host, which no environment has yet (only the renders that
        hold its text are read)."""
        host = _new_host(old_host, self.request.source, self.request.name, self.request.host)
        if host is not None:
            if not is_dns_subdomain(host):
                raise UsageError(f"host '{host}' is not a DNS name")
            for env, text in rendered.items():
                if host in text and next(iter(ingress_hosts(text, cfg.overlay_rel(env))),
                                         None) == host:
                    raise UsageError(f"host {host} is already {env}'s")
        return host

    def _overlay(self, tree: Path, cfg: Config, old_namespace: str | None, namespace: str,
                 old_host: str | None, host: str | None, replicas: dict[str, int],
                 values: dict[str, str], auto: bool, app_file: str,
                 source_replicas: dict[str, int], components: list[str]) -> list[FileEdit]:
        """The source overlay's files, each made about the new environment."""
        name, source = self.request.name, self.request.source
        overlay = cfg.overlay_rel(name)

        def carry(text: str) -> str:
            # Whole words only, so that a new name containing the old one (prod-us, from
            # prod) is not replaced twice.
            pairs = [(old_host, host), (old_namespace, namespace), (source, name)]
            for old, new in pairs:  # first the host: it may contain the namespace
                if old and new:
                    text = _token(old).sub(new.replace("\\", "\\\\"), text)
            return text

        edits: list[FileEdit] = []
        source_dir = tree / cfg.overlay_rel(source)
        kustomization_name = Path(cfg.overlay_file(source, tree)).name
        for path in sorted(p for p in source_dir.rglob("*") if p.is_file()):
            rel = path.relative_to(source_dir).as_posix()
            inner = path.relative_to(source_dir)
            if any((source_dir / part).is_symlink() for part in (inner, *inner.parents)):
                raise GitopsError(f"{cfg.overlay_rel(source)}/{rel} is a symbolic link: env new "
                                  f"copies regular files only (a link's target is not copied)")
            text = read_file(source_dir, rel)
            if rel == kustomization_name:
                text = _new_overlay(text, f"{overlay}/{rel}", components,
                                    replicas, values, namespace)
                header = overlay_header(
                    name, namespace, {**source_replicas, **replicas}, auto, app_file)
                text = header + _without_header(carry(text))
            elif rel == "namespace.yaml":
                text = namespace_file(namespace)
            else:
                text = carry(text)
            edits.append(FileEdit(f"{overlay}/{rel}", None, text))
        return edits


def new_env(config: Config, request: NewEnv, options: DeliveryOptions) -> Delivery[EnvChange]:
    """Add an environment: overlay, Application, project destination and promotion order."""
    name = request.name
    planner = _NewEnvPlanner(request)
    return deliver_env(config, planner, f"environment {name}", f"env/new-{name}", options,
                       planner.renders)
