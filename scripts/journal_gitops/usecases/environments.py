"""The `gitops env` use cases: list, add, change and delete environments. An environment is an
overlay, an Application, a destination of the AppProject and a place in the promotion order.

Every change goes through delivery.deliver, like a bump: planned on a tree, validated, committed.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from ruamel.yaml.nodes import ScalarNode

from .. import templates
from ..adapters import kustomize
from ..app_yaml import (
    ProjectFile,
    application_names,
    set_destination,
    set_sync,
    wanted_windows,
)
from ..argocd import automated, find_application, protected
from ..clock import parse_duration
from ..clusters import DNS_LABEL
from ..commit_message import env_message
from ..config import Config, load_config
from ..config_yaml import (
    carry_intended,
    drop_intended,
    insert_env,
    move_env,
    place_env,
    remove_env,
)
from ..delivery import (
    Delivery,
    DeliveryOptions,
    FileEdit,
    Planner,
    Proposal,
    Verifier,
    deliver,
    read_file,
)
from ..errors import CONFIG_FILE, GitopsError, UsageError
from ..gate_config import Freeze
from ..gate_yaml import remove_freezes, set_soak
from ..gates import ActiveGate, Overrides, check_not_frozen
from ..images import Pin
from ..kustomization import Kustomization
from ..resources import Resource, parse_documents
from ..snapshot import ValueChange
from ..validation import validate

MAX_REPLICAS = 2**31 - 1  # replicas is an int32
MOVE_NOTE = ("Argo CD deploys {env} to cluster {new} from scratch: new volumes (redis starts "
             "empty) and a new ingress. What runs on {old} is no longer managed by this "
             "Application: remove it there once {new} serves.")
RESERVED = {"argocd"}  # `gitops diff` reports the Argo CD manifests under this name
HOST = re.compile(r"^(?=.{1,253}$)[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")


@dataclass(frozen=True)
class EnvState:
    name: str
    namespace: str | None
    replicas: dict[str, int]
    config: dict[str, str]
    images: dict[str, Pin]
    automated: bool | None  # None: no Application found
    app_file: str | None


@dataclass(frozen=True)
class EnvRow:
    state: EnvState
    differs: tuple[str, ...] | None  # what a promotion from the previous stage would carry
    gate: ActiveGate | None = None  # freezes and soak; None where gates were not asked
    stage: int = 1  # its promotion stage, counted from 1
    cluster: str = "in-cluster"


@dataclass(frozen=True)
class EnvChange:
    """What `env new`, `env set` or `env delete` changes."""

    env: str
    action: str  # new, set or delete
    changes: tuple[ValueChange, ...]  # for set: each setting from, to
    files: tuple[str, ...]  # every file the commit adds, changes or removes


def read_state(tree: Path, config: Config, env: str) -> EnvState:
    rel = config.overlay_file(env, tree)
    kustomization = Kustomization(read_file(tree, rel), rel)
    app = find_application(tree, config, env)
    images = {e.name: Pin(e.new_tag, e.digest) for e in kustomization.images()
              if any(i.name == e.name for i in config.app_images)}
    return EnvState(env, kustomization.namespace(), kustomization.replicas(),
                    kustomization.config(), images, automated(app) if app else None,
                    app.source if app else None)


def list_envs(config: Config) -> list[EnvRow]:
    """Every environment in promotion order, with what it lacks of the stage before it."""
    states = {env: read_state(config.root, config, env) for env in config.environments}
    rows: list[EnvRow] = []
    for env, state in states.items():
        source = config.previous_env(env)
        differs = None
        if source is not None:
            previous = states[source]
            differs = tuple(part for part, a, b in (
                ("images", state.images, previous.images),
                ("config", state.config, previous.config)) if a != b)
        rows.append(EnvRow(state, differs, ActiveGate.of(config, env), config.stage_of(env) + 1,
                           config.cluster_of(env).name))
    return rows


# --- parsing of --replicas and --set ---------------------------------------------------------


def parse_assignments(pairs: Sequence[str], option: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key or not value:
            raise UsageError(f"{option} takes KEY=VALUE, not '{pair}'")
        out[key] = value
    return out


def parse_replicas(pairs: Sequence[str]) -> dict[str, int]:
    out: dict[str, int] = {}
    for key, value in parse_assignments(pairs, "--replicas").items():
        if not re.fullmatch(r"[0-9]+", value) or int(value) > MAX_REPLICAS:
            raise UsageError(f"--replicas {key}={value}: the count must be a whole number from "
                             f"0 to {MAX_REPLICAS}")
        out[key] = int(value)
    return out


def _rendered(tree: Path, config: Config, env: str) -> list[Resource]:
    overlay = config.overlay_rel(env)
    return parse_documents(kustomize.render_or_raise(kustomize.find_kustomize(), tree, overlay),
                           overlay)


def _render_all(tree: Path, config: Config) -> dict[str, list[Resource]]:
    """Every environment rendered at once (the first failure, in order, is the error)."""
    overlays = {env: config.overlay_rel(env) for env in config.environments}
    with kustomize.render_many(tree, overlays) as started:
        done = {env: job.result() for env, job in started.items()}
    out = {}
    for env, render in done.items():
        if render.error is not None:
            raise GitopsError(f"{overlays[env]}: {kustomize.error_text(render.error, tree)}")
        out[env] = parse_documents(render.manifests, overlays[env])
    return out


def _components(resources: Sequence[Resource]) -> list[str]:
    """Workloads the overlay renders (what --replicas may name)."""
    return sorted(r.name for r in resources if r.kind in ("Deployment", "StatefulSet"))


def _edit_overlay(kustomization: Kustomization, components: list[str],
                  replicas: dict[str, int], values: dict[str, str]) -> None:
    for component, count in replicas.items():
        if component not in components:
            raise UsageError(f"unknown component '{component}' (components: "
                             f"{', '.join(components)})")
        kustomization.set_replicas(component, count)
    known = kustomization.config()
    for key, value in values.items():
        if key not in known:
            raise UsageError(f"unknown config key '{key}' (keys: {', '.join(sorted(known))})")
        kustomization.set_config(key, value)


def validate_tree(tree: Path, what: str) -> None:
    """The changed repository must validate clean, or nothing is written."""
    report = validate(load_config(tree))
    if report.findings:
        first = report.findings[0]
        more = f" (and {len(report.findings) - 1} more)" if len(report.findings) > 1 else ""
        where = f"{first.env}: " if first.env else ""
        raise GitopsError(f"{what} would not validate: {where}{first.rule}: {first.message}{more}")


def _verifier(what: str) -> Verifier[EnvChange]:
    def verify(tree: Path, proposal: Proposal[EnvChange]) -> None:
        validate_tree(tree, what)
    return verify


def _files(edits: Sequence[FileEdit]) -> tuple[str, ...]:
    return tuple(edit.path for edit in edits)


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


def _host_of(resources: Sequence[Resource]) -> str | None:
    for resource in resources:
        if resource.kind == "Ingress":
            for rule in resource.spec.get("rules") or []:
                if isinstance(rule, dict) and rule.get("host"):
                    return str(rule["host"])
    return None


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
    if "/" in name or name in (".", "..") or not DNS_LABEL.match(name) or len(name) > 50:
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
    _edit_overlay(kustomization, components, replicas, values)
    node = kustomization.get(kustomization.mapping, "namespace")
    if isinstance(node, ScalarNode):
        kustomization.replace(node, namespace)
    return kustomization.result()


@dataclass(frozen=True)
class _NewEnvPlanner:
    """Plans `env new` on a tree: the copied overlay, Application, destination, order."""

    request: NewEnv

    def __call__(self, tree: Path) -> Proposal[EnvChange]:
        cfg = load_config(tree)
        name, source = self.request.name, self.request.source
        _check_new_name(cfg, tree, name)
        cfg.require_env(source)
        after, beside = self._place(cfg)
        cluster = cfg.cluster(self.request.cluster) if self.request.cluster else \
            cfg.cluster_of(source)
        namespace = self.request.namespace or f"journal-{name}"
        if not DNS_LABEL.match(namespace):
            raise UsageError(f"namespace '{namespace}' is not a DNS-1123 label")
        for env in cluster.environments:
            if read_state(tree, cfg, env).namespace == namespace:
                raise UsageError(f"namespace {namespace} is already {env}'s on cluster "
                                 f"{cluster.name}")
        replicas = parse_replicas(self.request.replicas)
        values = parse_assignments(self.request.values, "--set")
        state = read_state(tree, cfg, source)
        app = find_application(tree, cfg, source)
        if app is None:
            raise GitopsError(f"no Application deploys {cfg.overlay_rel(source)}")
        production = beside is not None and cfg.is_production(beside)
        auto = self.request.automated
        if auto is None:  # production is synced by hand whatever the source does
            auto = automated(app) and not production
        rendered = _render_all(tree, cfg)
        old_host = _host_of(rendered[source])
        host = self._host(rendered, old_host)
        app_file = f"{cfg.apps_dir}/journal-{name}.yaml"
        edits = self._overlay(tree, cfg, state.namespace, namespace, old_host, host, replicas,
                              values, auto, app_file, state.replicas,
                              _components(rendered[source]))
        edits.append(FileEdit(app_file, None, templates.application(
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
        return Proposal(tuple(edits), message, EnvChange(name, "new", (), _files(edits)))

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

    def _host(self, rendered: dict[str, list[Resource]], old_host: str | None) -> str | None:
        host = _new_host(old_host, self.request.source, self.request.name, self.request.host)
        if host is not None:
            if not HOST.match(host):
                raise UsageError(f"host '{host}' is not a DNS name")
            for env, resources in rendered.items():
                if _host_of(resources) == host:
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
                header = templates.overlay_header(
                    name, namespace, {**source_replicas, **replicas}, auto, app_file)
                text = header + _without_header(carry(text))
            elif rel == "namespace.yaml":
                text = templates.namespace(namespace)
            else:
                text = carry(text)
            edits.append(FileEdit(f"{overlay}/{rel}", None, text))
        return edits


def _deliver(config: Config, planner: Planner[EnvChange], checked: str, branch: str,
             options: DeliveryOptions) -> Delivery[EnvChange]:
    """Every env change: validated as a whole repository before it is committed."""
    return deliver(config.root, planner, _verifier(checked), options, lambda p: branch)


def new_env(config: Config, request: NewEnv, options: DeliveryOptions) -> Delivery[EnvChange]:
    """Add an environment: overlay, Application, project destination and promotion order."""
    name = request.name
    return _deliver(config, _NewEnvPlanner(request), f"environment {name}", f"env/new-{name}",
                    options)


@dataclass(frozen=True)
class SetEnv:
    """`env set`: the values to change, as the command line gave them (parsed when planned)."""

    name: str
    replicas: tuple[str, ...] = ()  # COMPONENT=N
    values: tuple[str, ...] = ()  # KEY=VALUE
    automated: bool | None = None  # None: the sync policy stays
    min_soak: str | None = None  # "0" removes it
    break_glass: str | None = None
    cluster: str | None = None  # move it to this cluster


@dataclass(frozen=True)
class _SetEnvPlanner:
    """Plans `env set` on a tree: only the lines of the values that change."""

    request: SetEnv

    def __call__(self, tree: Path) -> Proposal[EnvChange] | None:
        name = self.request.name
        cfg = load_config(tree)
        cfg.require_env(name)
        replicas = parse_replicas(self.request.replicas)
        values = parse_assignments(self.request.values, "--set")
        state = read_state(tree, cfg, name)
        rel = cfg.overlay_file(name, tree)
        edits: list[FileEdit] = []
        changes: list[ValueChange] = []
        replicas = {k: v for k, v in replicas.items() if state.replicas.get(k) != v}
        values = {k: v for k, v in values.items() if state.config.get(k) != v}
        if replicas or values or self.request.replicas or self.request.values:
            text = read_file(tree, rel)
            kustomization = Kustomization(text, rel)
            components = _components(_rendered(tree, cfg, name)) if replicas else []
            _edit_overlay(kustomization, components, replicas, values)
            if replicas or values:
                edits.append(FileEdit(rel, text, kustomization.result()))
            changes += [ValueChange(f"{k} replicas", str(state.replicas.get(k, "(none)")), str(v))
                        for k, v in replicas.items()]
            changes += [ValueChange(k, state.config[k], v) for k, v in values.items()]
        if self.request.automated is not None and self.request.automated != state.automated:
            if state.app_file is None:
                raise GitopsError(f"no Application deploys {cfg.overlay_rel(name)}")
            text = read_file(tree, state.app_file)
            edits.append(FileEdit(state.app_file, text,
                                  set_sync(text, state.app_file, self.request.automated)))
            old, new = ("auto", "manual") if state.automated else ("manual", "auto")
            changes.append(ValueChange("sync", old, new))
        moved = self._move(tree, cfg, state)
        if moved is not None:
            edits += moved[0]
            changes.append(moved[1])
        overrides = Overrides(break_glass=self.request.break_glass)
        if edits:  # the environment itself changes: a freeze holds it
            check_not_frozen(cfg, [name], overrides)
        soak = self._soak(tree, cfg)
        if soak is not None:
            edits.append(soak[0])
            changes.append(soak[1])
        if not edits:
            return None
        said = ", ".join(f"{c.what} {c.old} -> {c.new}" for c in changes)
        paragraph = "" if moved is None else MOVE_NOTE.format(
            env=name, old=moved[1].old, new=moved[1].new)
        return Proposal(tuple(edits), env_message(name, said, paragraph, overrides.trailers()),
                        EnvChange(name, "set", tuple(changes), _files(edits)))

    def _move(self, tree: Path, cfg: Config, state: EnvState
              ) -> tuple[list[FileEdit], ValueChange] | None:
        """The edits that move the environment to another cluster: its Application's
        destination, the AppProject's destination and gitops.yaml."""
        name, wanted = self.request.name, self.request.cluster
        old = cfg.cluster_of(name)
        if wanted is None or wanted == old.name:
            return None
        new = cfg.cluster(wanted)
        if state.app_file is None or state.namespace is None:
            raise GitopsError(f"no Application deploys {cfg.overlay_rel(name)}")
        for env in new.environments:
            if read_state(tree, cfg, env).namespace == state.namespace:
                raise UsageError(f"namespace {state.namespace} is already {env}'s on cluster "
                                 f"{new.name}")
        app_text = read_file(tree, state.app_file)
        project = ProjectFile(tree, cfg)
        project.remove_destination(old, state.namespace)
        project.add_destination(new, state.namespace)
        config_text = read_file(tree, CONFIG_FILE)
        return ([FileEdit(state.app_file, app_text,
                          set_destination(app_text, state.app_file, new)), project.edit(),
                 FileEdit(CONFIG_FILE, config_text, move_env(config_text, name, new.name))],
                ValueChange("cluster", old.name, new.name))

    def _soak(self, tree: Path, cfg: Config) -> tuple[FileEdit, ValueChange] | None:
        """gitops.yaml's edit for --min-soak, when it changes the value."""
        wanted = self.request.min_soak
        if wanted is None:
            return None
        span = parse_duration(wanted, "--min-soak")
        new = wanted.strip() if span.total_seconds() > 0 else None
        old = cfg.gates.soak_of(self.request.name)
        if old == new:
            return None
        text = read_file(tree, CONFIG_FILE)
        return (FileEdit(CONFIG_FILE, text, set_soak(text, self.request.name, new)),
                ValueChange("min soak", old or "(none)", new or "(none)"))


def set_env(config: Config, request: SetEnv, options: DeliveryOptions) -> Delivery[EnvChange]:
    """Change replicas, config values or the sync policy; only those lines move."""
    Overrides(break_glass=request.break_glass).trailers()  # a reason is one line
    if request.min_soak is not None:
        parse_duration(request.min_soak, "--min-soak")
    return _deliver(config, _SetEnvPlanner(request), f"environment {request.name}",
                    f"env/set-{request.name}", options)


@dataclass(frozen=True)
class _DeletePlanner:
    """Plans `env delete` on a tree: overlay, Application, destination and order go together."""

    name: str
    break_glass: str | None = None

    def __call__(self, tree: Path) -> Proposal[EnvChange]:
        name = self.name
        cfg = load_config(tree)
        cfg.require_env(name)
        if cfg.is_production(name):
            raise UsageError(f"{name} is a production environment (in the last promotion "
                             f"stage); it is not deleted")
        overrides = Overrides(break_glass=self.break_glass)
        check_not_frozen(cfg, [name], overrides)
        state = read_state(tree, cfg, name)
        edits: list[FileEdit] = []
        overlay_dir = tree / cfg.overlay_rel(name)
        for path in sorted(p for p in overlay_dir.rglob("*") if p.is_file() or p.is_symlink()):
            rel = path.relative_to(tree).as_posix()
            # A link goes with the overlay; what it points to stays where it is.
            edits.append(FileEdit(rel, "" if path.is_symlink() else read_file(tree, rel), None))
        if state.app_file:
            edits.append(FileEdit(state.app_file, read_file(tree, state.app_file), None))
        project = ProjectFile(tree, cfg)
        removed = bool(state.namespace and project.remove_destination(cfg.cluster_of(name),
                                                                      state.namespace))
        if _drop_windows(tree, cfg, name, project) or removed:
            edits.append(project.edit())
        config_text = read_file(tree, CONFIG_FILE)
        edits.append(FileEdit(CONFIG_FILE, config_text, _without_gates(drop_intended(
            remove_env(config_text, name), cfg.overlay_rel(name)), cfg.gates.freezes, name)))
        message = env_message(
            name, "delete the environment",
            f"Removes {cfg.overlay_rel(name)}, {state.app_file or 'its Application'}, its "
            f"project destination and its place in the promotion order. The namespace "
            f"{state.namespace} and its volumes stay in the cluster (Delete=false).",
            overrides.trailers())
        return Proposal(tuple(edits), message, EnvChange(name, "delete", (), _files(edits)))


def _drop_windows(tree: Path, cfg: Config, name: str, project: ProjectFile) -> bool:
    """The deleted environment's recurring freezes leave the AppProject's windows too."""
    if not any(f.env == name and f.recurring for f in cfg.gates.freezes):
        return False
    names = application_names(tree, cfg)
    kept = replace(cfg, gates=replace(cfg.gates, freezes=tuple(
        f for f in cfg.gates.freezes if f.env != name)))
    return project.set_deny_windows(wanted_windows(kept, names), set(names.values()))


def _without_gates(text: str, freezes: Sequence[Freeze], name: str) -> str:
    """gitops.yaml without the deleted environment's freezes and minimum soak."""
    text = remove_freezes(text, [i for i, f in enumerate(freezes) if f.env == name])
    return set_soak(text, name, None)


def delete_env(config: Config, name: str, options: DeliveryOptions,
               break_glass: str | None = None) -> Delivery[EnvChange]:
    """Remove an environment from git; its namespace and volumes stay in the cluster."""
    Overrides(break_glass=break_glass).trailers()  # a reason is one line
    return _deliver(config, _DeletePlanner(name, break_glass), "the repository without it",
                    f"env/delete-{name}", options)
