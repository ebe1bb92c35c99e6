"""Environments as the tooling sees them (overlay + Application + project destination + place in
the promotion order), and the `gitops env` use cases that list, add, change and delete them.

Every change goes through change.deliver, like a bump: planned on a tree, validated, committed.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from ruamel.yaml.nodes import MappingNode, ScalarNode, SequenceNode

from . import kustomize, templates
from .change import FileEdit, GitOptions, Outcome, Proposal, deliver, read_file
from .config import CONFIG_FILE, DNS_LABEL, Config, load_config
from .errors import GitopsError, UsageError
from .kustomization import Kustomization
from .manifests import (
    Resource,
    app_sources,
    automated,
    norm_path,
    parse_documents,
    read_manifest_dir,
)
from .yamltext import YamlText

DEFAULT_SERVER = "https://kubernetes.default.svc"


@dataclass(frozen=True)
class EnvState:
    name: str
    namespace: str | None
    replicas: dict[str, int]
    config: dict[str, str]
    images: dict[str, tuple[str | None, str | None]]  # name -> (tag, digest)
    automated: bool | None  # None: no Application found
    app_file: str | None


@dataclass(frozen=True)
class EnvRow:
    state: EnvState
    differs: tuple[str, ...] | None  # what a promotion from the previous env would carry


def find_application(tree: Path, config: Config, env: str) -> Resource | None:
    wanted = config.overlay_rel(env)
    for app in read_manifest_dir(tree, config.apps_dir):
        if app.kind != "Application":
            continue
        if any(norm_path(s.get("path")) == wanted
               for s in app_sources(app)):
            return app
    return None


def read_state(tree: Path, config: Config, env: str) -> EnvState:
    rel = config.overlay_file(env, tree)
    kustomization = Kustomization(read_file(tree, rel), rel)
    app = find_application(tree, config, env)
    images = {e.name: (e.new_tag, e.digest) for e in kustomization.images()
              if any(i.name == e.name for i in config.app_images)}
    return EnvState(env, kustomization.namespace(), kustomization.replicas(),
                    kustomization.config(), images, automated(app) if app else None,
                    app.source if app else None)


def list_envs(config: Config) -> list[EnvRow]:
    rows: list[EnvRow] = []
    previous: EnvState | None = None
    for env in config.environments:
        state = read_state(config.root, config, env)
        differs = None
        if previous is not None:
            differs = tuple(part for part, a, b in (
                ("images", state.images, previous.images),
                ("config", state.config, previous.config)) if a != b)
        rows.append(EnvRow(state, differs))
        previous = state
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
        if not value.isdigit():
            raise UsageError(f"--replicas {key}={value}: the count must be a whole number")
        out[key] = int(value)
    return out


def _components(tree: Path, config: Config, env: str) -> list[str]:
    """Workloads the overlay renders (what --replicas may name)."""
    render = kustomize.render(kustomize.find_kustomize(), tree / config.overlay_rel(env))
    if render.error is not None:
        raise GitopsError(f"{config.overlay_rel(env)}: {render.error}")
    resources = parse_documents(render.manifests, config.overlay_rel(env))
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


# --- validation of the result ------------------------------------------------------------------


def validate_tree(tree: Path, what: str) -> None:
    """The changed repository must validate clean, or nothing is written."""
    from .validate import validate

    report = validate(load_config(tree))
    if report.findings:
        first = report.findings[0]
        more = f" (and {len(report.findings) - 1} more)" if len(report.findings) > 1 else ""
        where = f"{first.env}: " if first.env else ""
        raise GitopsError(f"{what} would not validate: {where}{first.rule}: {first.message}{more}")


# --- env new -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class NewEnv:
    name: str
    source: str
    after: str | None = None
    replicas: tuple[str, ...] = ()
    values: tuple[str, ...] = ()
    namespace: str | None = None
    host: str | None = None
    automated: bool | None = None  # None: like the source


def _token(word: str) -> re.Pattern[str]:
    return re.compile(rf"(?<![A-Za-z0-9_.-]){re.escape(word)}(?![A-Za-z0-9_.-])")


def _host_of(tree: Path, config: Config, env: str) -> str | None:
    render = kustomize.render(kustomize.find_kustomize(), tree / config.overlay_rel(env))
    for resource in parse_documents(render.manifests or "", env):
        if resource.kind == "Ingress":
            for rule in resource.spec.get("rules") or []:
                if rule.get("host"):
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


RESERVED = {"argocd"}  # `gitops diff` reports the Argo CD manifests under this name
HOST = re.compile(r"^(?=.{1,253}$)[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")


def _check_new_name(config: Config, tree: Path, name: str) -> None:
    if "/" in name or name in (".", "..") or not DNS_LABEL.match(name) or len(name) > 50:
        raise UsageError(f"environment name '{name}' is not a DNS-1123 label")
    if name in RESERVED:
        raise UsageError(f"environment name '{name}' is reserved")
    if name in config.environments or (tree / config.overlay_rel(name)).exists():
        raise UsageError(f"environment '{name}' already exists")


def _insert_env(text: str, name: str, after: str) -> str:
    doc = YamlText(text, CONFIG_FILE)
    envs = doc.get(doc.root, "environments")
    assert isinstance(envs, SequenceNode)
    index = [doc.scalar(n) for n in envs.value].index(after)
    doc.insert_after(envs, index, [doc.format(name)])
    return doc.result()


def _remove_env(text: str, name: str) -> str:
    doc = YamlText(text, CONFIG_FILE)
    envs = doc.get(doc.root, "environments")
    assert isinstance(envs, SequenceNode)
    doc.remove_item(envs, [doc.scalar(n) for n in envs.value].index(name))
    return doc.result()


def _project(tree: Path, config: Config) -> tuple[str, YamlText, MappingNode]:
    """The file holding the environments' AppProject, and its spec node."""
    folder = tree / config.argocd_dir
    for path in sorted(folder.glob("*.y*ml")):
        rel = f"{config.argocd_dir}/{path.name}"
        text = read_file(tree, rel)
        if "kind: AppProject" not in text:
            continue
        doc = YamlText(text, rel)
        meta = doc.get(doc.root, "metadata")
        if doc.scalar(doc.get(meta, "name")) == config.project:
            spec = doc.get(doc.root, "spec")
            if isinstance(spec, MappingNode):
                return rel, doc, spec
    raise GitopsError(f"AppProject {config.project} is not in {config.argocd_dir}/")


def new_env(config: Config, request: NewEnv, options: GitOptions) -> Outcome:
    def plan(tree: Path) -> Proposal | None:
        cfg = load_config(tree)
        name, source = request.name, request.source
        _check_new_name(cfg, tree, name)
        cfg.require_env(source)
        # A copy of production goes before it unless --after says otherwise: a new
        # environment does not take production's place by accident.
        order = cfg.environments
        after = request.after or (order[-2] if source == cfg.production and len(order) > 1
                                  else source)
        cfg.require_env(after)
        namespace = request.namespace or f"journal-{name}"
        if not DNS_LABEL.match(namespace):
            raise UsageError(f"namespace '{namespace}' is not a DNS-1123 label")
        for env in order:
            if read_state(tree, cfg, env).namespace == namespace:
                raise UsageError(f"namespace {namespace} is already {env}'s")
        replicas = parse_replicas(request.replicas)
        values = parse_assignments(request.values, "--set")
        state = read_state(tree, cfg, source)
        app = find_application(tree, cfg, source)
        if app is None:
            raise GitopsError(f"no Application deploys {cfg.overlay_rel(source)}")
        auto = automated(app) if request.automated is None else request.automated
        old_host = _host_of(tree, cfg, source)
        host = _new_host(old_host, source, name, request.host)
        if host is not None:
            if not HOST.match(host):
                raise UsageError(f"host '{host}' is not a DNS name")
            for env in order:
                if _host_of(tree, cfg, env) == host:
                    raise UsageError(f"host {host} is already {env}'s")
        overlay, app_file = cfg.overlay_rel(name), f"{cfg.apps_dir}/journal-{name}.yaml"

        def carry(text: str) -> str:
            """A file of the source overlay, made about the new environment."""
            if old_host and host:  # first: the host may contain the namespace
                text = text.replace(old_host, host)
            if state.namespace:
                text = text.replace(state.namespace, namespace)
            return _token(source).sub(name, text)

        edits: list[FileEdit] = []
        source_dir = tree / cfg.overlay_rel(source)
        for path in sorted(p for p in source_dir.rglob("*") if p.is_file()):
            rel = path.relative_to(source_dir).as_posix()
            text = read_file(source_dir, rel)
            if rel == Path(cfg.overlay_file(source, tree)).name:
                text = _new_overlay(text, f"{overlay}/{rel}", _components(tree, cfg, source),
                                    replicas, values, namespace)
                header = templates.overlay_header(
                    name, namespace, {**state.replicas, **replicas}, auto, app_file)
                text = header + _without_header(carry(text))
            elif rel == "namespace.yaml":
                text = templates.namespace(namespace)
            else:
                text = carry(text)
            edits.append(FileEdit(f"{overlay}/{rel}", None, text))
        server = str((app.spec.get("destination") or {}).get("server") or DEFAULT_SERVER)
        edits.append(FileEdit(app_file, None, templates.application(
            name, namespace, overlay, cfg.repo_url, cfg.project, server, auto)))
        project_rel, project, spec = _project(tree, cfg)
        destinations = project.get(spec, "destinations")
        if not isinstance(destinations, SequenceNode):
            raise GitopsError(f"{project_rel}: AppProject {cfg.project} has no destinations")
        project.append(destinations, {"server": server, "namespace": namespace})
        edits.append(FileEdit(project_rel, project.original, project.result()))
        config_text = read_file(tree, CONFIG_FILE)
        edits.append(FileEdit(CONFIG_FILE, config_text, _insert_env(config_text, name, after)))
        message = (f"env({name}): new environment from {source}\n\n"
                   f"{name} starts as a copy of {source} (namespace {namespace}"
                   f"{', host ' + host if host else ''}, "
                   f"{'automated' if auto else 'manual'} sync), after {after} in promotion "
                   f"order.\n\nEnvironment: {name}\nChange-Kind: env\n")
        return Proposal(tuple(edits), message)

    def verify(tree: Path, proposal: Proposal) -> None:
        validate_tree(tree, f"environment {request.name}")

    return deliver(config.root, plan, verify, options, lambda p: f"env/new-{request.name}")


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


# --- env set ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class SetEnv:
    name: str
    replicas: tuple[str, ...] = ()
    values: tuple[str, ...] = ()
    automated: bool | None = None


def set_sync(text: str, source: str, auto: bool) -> str:
    """Switch an Application between automated and manual sync, comments included."""
    doc = YamlText(text, source)
    spec = doc.get(doc.root, "spec")
    policy = doc.get(spec, "syncPolicy")
    if not isinstance(policy, MappingNode) or policy.flow_style:
        raise GitopsError(f"{source}: has no syncPolicy block to change")
    first_key = policy.value[0][0]
    key_line = text.rfind("\n", 0, first_key.start_mark.index) + 1
    policy_line = text.rfind("\n", 0, key_line - 1) + 1
    # The comment lines between `syncPolicy:` and its first key explain the policy.
    while policy_line > 0 and text[policy_line:key_line].lstrip().startswith("#"):
        policy_line = text.rfind("\n", 0, policy_line - 1) + 1
    start = text.index("\n", policy_line) + 1
    if auto:
        block = templates.AUTO_SYNC
        end = key_line
    else:
        block = templates.MANUAL_SYNC
        automated_node = doc.get(policy, "automated")
        end = key_line
        if automated_node is not None:
            rest = [k for k, _ in policy.value if k.value != "automated"]
            end = (text.rfind("\n", 0, rest[0].start_mark.index) + 1) if rest else len(text)
            end = _comment_start(text, end)
    return text[:start] + block + text[end:]


def _comment_start(text: str, line: int) -> int:
    """Step back from the start of a line over the comment lines just above it."""
    while line > 0:
        prev = text.rfind("\n", 0, line - 1) + 1
        if text[prev:line].lstrip().startswith("#"):
            line = prev
        else:
            break
    return line


def set_env(config: Config, request: SetEnv, options: GitOptions) -> Outcome:
    def plan(tree: Path) -> Proposal | None:
        cfg = load_config(tree)
        cfg.require_env(request.name)
        replicas = parse_replicas(request.replicas)
        values = parse_assignments(request.values, "--set")
        state = read_state(tree, cfg, request.name)
        rel = cfg.overlay_file(request.name, tree)
        edits: list[FileEdit] = []
        changes: list[tuple[str, str, str]] = []  # what, old, new
        replicas = {k: v for k, v in replicas.items() if state.replicas.get(k) != v}
        values = {k: v for k, v in values.items() if state.config.get(k) != v}
        if replicas or values or request.replicas or request.values:
            text = read_file(tree, rel)
            kustomization = Kustomization(text, rel)
            components = _components(tree, cfg, request.name) if replicas else []
            _edit_overlay(kustomization, components, replicas, values)
            if replicas or values:
                edits.append(FileEdit(rel, text, kustomization.result()))
            changes += [(f"{k} replicas", str(state.replicas.get(k, "(none)")), str(v))
                        for k, v in replicas.items()]
            changes += [(k, state.config[k], v) for k, v in values.items()]
        if request.automated is not None and request.automated != state.automated:
            if state.app_file is None:
                raise GitopsError(f"no Application deploys {cfg.overlay_rel(request.name)}")
            text = read_file(tree, state.app_file)
            edits.append(FileEdit(state.app_file, text,
                                  set_sync(text, state.app_file, request.automated)))
            old, new = ("auto", "manual") if state.automated else ("manual", "auto")
            changes.append(("sync", old, new))
        if not edits:
            return None
        said = ", ".join(f"{what} {old} -> {new}" for what, old, new in changes)
        message = (f"env({request.name}): {said}\n\n"
                   f"Environment: {request.name}\nChange-Kind: env\n")
        return Proposal(tuple(edits), message, changes)

    def verify(tree: Path, proposal: Proposal) -> None:
        validate_tree(tree, f"environment {request.name}")

    return deliver(config.root, plan, verify, options, lambda p: f"env/set-{request.name}")


# --- env delete ----------------------------------------------------------------------------------


def delete_env(config: Config, name: str, options: GitOptions) -> Outcome:
    def plan(tree: Path) -> Proposal | None:
        cfg = load_config(tree)
        cfg.require_env(name)
        if name == cfg.production:
            raise GitopsError(f"{name} is the production environment (last in promotion "
                              f"order); it is not deleted")
        state = read_state(tree, cfg, name)
        edits: list[FileEdit] = []
        overlay_dir = tree / cfg.overlay_rel(name)
        for path in sorted(p for p in overlay_dir.rglob("*") if p.is_file()):
            rel = path.relative_to(tree).as_posix()
            edits.append(FileEdit(rel, read_file(tree, rel), None))
        if state.app_file:
            edits.append(FileEdit(state.app_file, read_file(tree, state.app_file), None))
        project_rel, project, spec = _project(tree, cfg)
        destinations = project.get(spec, "destinations")
        if isinstance(destinations, SequenceNode) and state.namespace:
            for index, node in enumerate(destinations.value):
                if project.scalar(project.get(node, "namespace")) == state.namespace:
                    project.remove_item(destinations, index)
                    edits.append(FileEdit(project_rel, project.original, project.result()))
                    break
        config_text = read_file(tree, CONFIG_FILE)
        edits.append(FileEdit(CONFIG_FILE, config_text, _remove_env(config_text, name)))
        message = (f"env({name}): delete the environment\n\n"
                   f"Removes {cfg.overlay_rel(name)}, "
                   f"{state.app_file or 'its Application'}, its project destination and its "
                   f"place in the promotion order. The namespace {state.namespace} and its "
                   f"volumes stay in the cluster (Delete=false).\n\n"
                   f"Environment: {name}\nChange-Kind: env\n")
        return Proposal(tuple(edits), message)

    def verify(tree: Path, proposal: Proposal) -> None:
        validate_tree(tree, "the repository without it")

    return deliver(config.root, plan, verify, options, lambda p: f"env/delete-{name}")
