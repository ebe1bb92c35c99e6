"""`gitops env new`: an environment made as a copy of another: its overlay, Application,
AppProject destination and place in the promotion order."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ...adapters.files import FileEdit, read_file
from ...adapters.yamlload import MappingNode, ScalarNode, SequenceNode
from ...adapters.yamltext import YamlText
from ...argocd.edit import ProjectFile, set_destination, set_sync
from ...argocd.generators import generated
from ...argocd.manifests import automated, environment_applications, read_manifests
from ...changes.delivery import Delivery, DeliveryOptions, Proposal
from ...config import CONFIG_FILE
from ...config.clusters import Cluster
from ...config.edit import add_layout, carry_intended, insert_env, place_env
from ...config.load import load_config
from ...config.model import EXTERNAL, RESERVED, Config
from ...errors import GitopsError, UsageError
from ...history.trailers import env_message
from ...kube.names import is_dns_label, is_dns_subdomain
from ...kube.objects import Resource, parse_documents, parse_render
from ...overlays.kustomization import Kustomization
from ...overlays.render import render_or_raise
from .common import (
    EnvChange,
    components,
    deliver_env,
    edit_overlay,
    files_of,
    ingress_hosts,
    name_part,
    parse_assignments,
    parse_replicas,
    read_state,
    token,
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


def _check_new_name(config: Config, tree: Path, name: str) -> None:
    if "/" in name or name in (".", "..") or not is_dns_label(name) or len(name) > 50:
        raise UsageError(f"environment name '{name}' is not a DNS-1123 label")
    if name in RESERVED:
        raise UsageError(f"environment name '{name}' is reserved")
    if name in config.environments or (tree / config.overlay_rel(name)).exists():
        raise UsageError(f"environment '{name}' already exists")


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
    """Plans `env new` on a tree: the copied overlay and Application, the destination, the
    order. Only the source is rendered: what another environment has is read from its files."""

    request: NewEnv

    def __call__(self, tree: Path) -> Proposal[EnvChange]:
        cfg = load_config(tree)
        name, source = self.request.name, self.request.source
        _check_new_name(cfg, tree, name)
        cfg.require_env(source)
        overlay = _overlay_for(cfg, source, name)
        if (tree / overlay).exists():
            raise UsageError(f"{overlay} exists already: the new environment's overlay would go "
                             f"there")
        after, beside = self._place(cfg)
        cluster = cfg.cluster(self.request.cluster) if self.request.cluster else \
            cfg.cluster_of(source)
        apps = environment_applications(tree, cfg)
        state = read_state(tree, cfg, source, apps)
        app = apps.get(source)
        if app is None and not cfg.app_made_elsewhere(source):
            raise GitopsError(f"no Application deploys {cfg.overlay_rel(source)}")
        namespace = self.request.namespace or _derived(state.namespace, source, name,
                                                       "namespace")
        if not is_dns_label(namespace):
            raise UsageError(f"namespace '{namespace}' is not a DNS-1123 label")
        self._namespace_free(tree, cfg, cluster, namespace, apps)
        replicas = parse_replicas(self.request.replicas)
        values = parse_assignments(self.request.values, "--set")
        production = beside is not None and cfg.is_production(beside)
        auto = self.request.automated
        if auto is None and app is not None:  # production is synced by hand whatever
            auto = automated(app) and not production  # the source does
        rendered = render_or_raise(tree, cfg.overlay_rel(source))
        old_host = next(iter(ingress_hosts(rendered, cfg.overlay_rel(source))), None)
        host = self._host(tree, cfg, old_host)
        app_file = _app_file(tree, app.source, source, name) if app is not None else None
        words = [(old_host, host), (app.source if app else None, app_file),
                 (cfg.overlay_rel(source), overlay), (state.namespace, namespace),
                 (source, name)]
        edits = self._overlay(tree, cfg, overlay, words, namespace, replicas, values,
                              components(parse_render(rendered, cfg.overlay_rel(source))))
        if app is not None and app_file is not None:
            edits.append(FileEdit(app_file, None, _application(
                read_file(tree, app.source), app.source, words, cfg.overlay_rel(source),
                overlay, cluster, auto if auto != automated(app) else None, (source, name))))
        project = ProjectFile.of(tree, cfg, cfg.project_of(source))
        if project is not None:  # Argo CD's built-in project allows every destination
            project.add_destination(cluster, namespace)
            edits.append(project.edit())
        if cfg.layout(source).application_set is not None:  # after the project: one file
            made = _application_set(tree, cfg, str(cfg.layout(source).application_set), source,
                                    overlay, edits, words)  # may hold both
            if made is not None:
                same = next((e for e in edits if e.path == made.path), None)
                edits = [e for e in edits if e is not same]
                edits.append(FileEdit(made.path, same.before if same else made.before,
                                      made.after))
        config_text = read_file(tree, CONFIG_FILE)
        placed = place_env(insert_env(config_text, name, after, beside), cluster.name, name)
        placed = carry_intended(placed, cfg.overlay_rel(source), overlay)
        layout = _layout_of(cfg, source, overlay, app_file, namespace)
        if layout:
            placed = add_layout(placed, name, layout)
        edits.append(FileEdit(CONFIG_FILE, config_text, placed))
        where = (f"beside {beside} (same promotion stage)" if beside
                 else f"after {after} in promotion order")
        sync = "" if auto is None else f", {'automated' if auto else 'manual'} sync"
        message = env_message(
            name, f"new environment from {source}",
            f"{name} starts as a copy of {source} (namespace {namespace} on cluster "
            f"{cluster.name}{', host ' + host if host else ''}{sync}), {where}.")
        return Proposal(tuple(edits), message,
                        EnvChange(name, "new", (), files_of(edits), copy_of=source))

    @staticmethod
    def _namespace_free(tree: Path, cfg: Config, cluster: Cluster, namespace: str,
                        apps: dict[str, Resource]) -> None:
        """No environment on the cluster has the namespace yet (only the overlays whose text
        names it are read)."""
        wanted = namespace.encode()
        for env in cluster.environments:
            if (wanted in (tree / cfg.overlay_file(env, tree)).read_bytes() or
                    cfg.layout(env).namespace == namespace) and \
                    read_state(tree, cfg, env, apps).namespace == namespace:
                raise UsageError(f"namespace {namespace} is already {env}'s on cluster "
                                 f"{cluster.name}")

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

    def _host(self, tree: Path, cfg: Config, old_host: str | None) -> str | None:
        """The new environment's host, which no environment has yet (only the environments
        whose overlay files name it are rendered)."""
        host = self.request.host or (None if old_host is None else _derived(
            old_host, self.request.source, self.request.name, "host"))
        if host is None:
            return None
        if not is_dns_subdomain(host):
            raise UsageError(f"host '{host}' is not a DNS name")
        wanted = host.encode()
        for env in cfg.environments:
            folder = tree / cfg.overlay_rel(env)
            if any(wanted in p.read_bytes() for p in folder.rglob("*")
                   if p.is_file() and not p.is_symlink()):
                rel = cfg.overlay_rel(env)
                if next(iter(ingress_hosts(render_or_raise(tree, rel), rel)), None) == host:
                    raise UsageError(f"host {host} is already {env}'s")
        return host

    def _overlay(self, tree: Path, cfg: Config, overlay: str,
                 words: list[tuple[str | None, str | None]], namespace: str,
                 replicas: dict[str, int], values: dict[str, str],
                 components: list[str]) -> list[FileEdit]:
        """The source overlay's files, each made about the new environment."""
        source = self.request.source
        edits: list[FileEdit] = []
        source_dir = tree / cfg.overlay_rel(source)
        kustomization_name = Path(cfg.overlay_file(source, tree)).name
        for path in sorted(p for p in source_dir.rglob("*") if p.is_file()):
            rel = path.relative_to(source_dir).as_posix()
            inner = path.relative_to(source_dir)
            if any((source_dir / part).is_symlink() for part in (inner, *inner.parents)):
                raise GitopsError(f"{cfg.overlay_rel(source)}/{rel} is a symbolic link: env new "
                                  f"copies regular files only (a link's target is not copied)")
            text = _carry(read_file(source_dir, rel), words)
            if rel == kustomization_name:
                text = _new_overlay(text, f"{overlay}/{rel}", components,
                                    replicas, values, namespace)
            edits.append(FileEdit(f"{overlay}/{rel}", None, text))
        return edits


def _application_set(tree: Path, cfg: Config, set_name: str, source: str, overlay: str,
                     edits: list[FileEdit], words: list[tuple[str | None, str | None]]
                     ) -> FileEdit | None:
    """The edit that makes the ApplicationSet deploy the copy: none when its generators find
    the copied files already (a git generator), else its list element for the source copied
    about the copy; refused when neither makes an Application for the copy's overlay."""
    found = next((r for r in read_manifests(tree, cfg).resources
                  if r.kind == "ApplicationSet" and r.name == set_name), None)
    if found is None:
        raise GitopsError(f"the ApplicationSet {set_name} that deploys {source} is not in the "
                          f"folders Argo CD's files are read from")
    new = {edit.path: edit.after for edit in edits if edit.after is not None}
    files = sorted({p.relative_to(tree).as_posix() for p in tree.rglob("*")
                    if p.is_file() and ".git" not in p.relative_to(tree).parts} | set(new))

    def read(rel: str) -> str | None:
        return new[rel] if rel in new else (tree / rel).read_text(encoding="utf-8",
                                                                  errors="replace")

    def deploys(appset: Resource) -> bool:
        return any(g.deploys(overlay) for g in generated(appset, files, read))

    if deploys(found):
        return None
    text = new.get(found.source) or read_file(tree, found.source)
    edited = _list_element(text, found.source, set_name, cfg.overlay_rel(source), source, words)
    after = next((r for r in parse_documents(edited, found.source)
                  if r.kind == "ApplicationSet" and r.name == set_name), None) if edited else None
    if edited is None or after is None or not deploys(after):
        raise UsageError(f"the ApplicationSet {set_name} ({found.source}) would make no "
                         f"Application for {overlay}: give it a generator that does, then run "
                         f"env new again")
    return FileEdit(found.source, text, edited)


def _list_element(text: str, file: str, set_name: str, old_overlay: str, source: str,
                  words: list[tuple[str | None, str | None]]) -> str | None:
    """The ApplicationSet's text with its list element for the source copied after it, each
    value carried over (None: no flat element names the source)."""
    doc = YamlText(text, file, many=True)
    for root in doc.documents:
        if doc.scalar(doc.get(root, "kind")) != "ApplicationSet" or doc.scalar(
                doc.get(doc.get(root, "metadata"), "name")) != set_name:
            continue
        pending = list(getattr(doc.get(doc.get(root, "spec"), "generators"), "value", []))
        while pending:
            generator = pending.pop(0)
            for nesting in ("matrix", "merge"):
                pending += list(getattr(doc.get(doc.get(generator, nesting), "generators"),
                                        "value", []))
            elements = doc.get(doc.get(generator, "list"), "elements")
            if not isinstance(elements, SequenceNode) or elements.flow_style:
                continue
            for element in elements.value:
                if not isinstance(element, MappingNode) or not all(
                        isinstance(v, ScalarNode) for _, v in element.value):
                    continue
                values = [str(v.value) for _, v in element.value]
                if not any(v.strip("/") == old_overlay or token(source).search(v)
                           for v in values):
                    continue
                written = [doc.text[v.start_mark.index:v.end_mark.index] for _, v in element.value]
                pairs = [f"{k.value}: {_carry(value, words)}"
                         for (k, _), value in zip(element.value, written, strict=True)]
                doc.insert_after(elements, len(elements.value) - 1, pairs)
                return doc.result()
    return None


def _overlay_for(cfg: Config, source: str, name: str) -> str:
    """Where the copy's overlay goes: beside the source's, named like it."""
    own = cfg.layout(source).overlay
    if own is None:
        return f"{cfg.overlays_dir}/{name}"
    parent, _, folder = own.rpartition("/")
    renamed = _renamed(folder, source, name) or name
    return f"{parent}/{renamed}" if parent else renamed


def _layout_of(cfg: Config, source: str, overlay: str, app_file: str | None,
               namespace: str) -> list[tuple[str, str]]:
    """The copy's `layout.environments` entry: what the source's says, about the copy."""
    layout = cfg.layout(source)
    fields = []
    if layout.overlay is not None:
        fields.append(("overlay", overlay))
    if layout.application_set is not None:
        fields.append(("application", f"{{applicationSet: {layout.application_set}}}"))
    elif layout.application == EXTERNAL:
        fields.append(("application", EXTERNAL))
    elif layout.application is not None and app_file is not None:
        fields.append(("application", app_file))
    if layout.namespace is not None:
        fields.append(("namespace", namespace))
    if layout.project is not None:
        fields.append(("project", layout.project))
    return fields


def _carry(text: str, words: list[tuple[str | None, str | None]]) -> str:
    """A source file's text about the new environment: its host, namespace and name replaced
    as whole words (a new name containing the old one, prod-us from prod, is not replaced
    twice), the host first: it may contain the namespace."""
    for old, new in words:
        if old and new:
            text = token(old).sub(new.replace("\\", "\\\\"), text)
    return text


def _renamed(old: str, source: str, name: str) -> str | None:
    """A name of the source environment's (its host, namespace, file) made about the new one:
    the source's name replaced where dots, dashes or the ends delimit it (None: nowhere)."""
    renamed = name_part(source).sub(name.replace("\\", "\\\\"), old)
    return renamed if renamed != old else None


def _derived(old: str | None, source: str, name: str, what: str) -> str:
    """_renamed, or an error asking for the option that gives it."""
    found = _renamed(old, source, name) if old else None
    if found is None:
        shown = f" from {old}" if old else ""
        raise UsageError(f"cannot derive a {what} for {name}{shown}: pass --{what}")
    return found


def _app_file(tree: Path, source_file: str, source: str, name: str) -> str:
    """Where the copied Application goes: beside the source's, named like it."""
    folder, _, file = source_file.rpartition("/")
    renamed = _renamed(file, source, name) or f"{name}{Path(file).suffix or '.yaml'}"
    rel = f"{folder}/{renamed}" if folder else renamed
    if (tree / rel).exists():
        raise UsageError(f"{rel} exists already: the new environment's Application would go "
                         f"there")
    return rel


def _name(text: str, file: str) -> str | None:
    doc = YamlText(text, file)
    return doc.scalar(doc.get(doc.get(doc.root, "metadata"), "name"))


def _application(text: str, file: str, words: list[tuple[str | None, str | None]],
                 old_overlay: str, overlay: str, cluster: Cluster, auto: bool | None,
                 env: tuple[str, str]) -> str:
    """The source's Application about the new environment: names carried over, its source
    path the new overlay, its destination the cluster, its sync policy switched when `auto`
    says so. `env`: the source's name and the new one's."""
    copied = _carry(text, words)
    doc = YamlText(copied, file)
    spec = doc.get(doc.root, "spec")
    sources = doc.get(spec, "sources")
    for item in [doc.get(spec, "source"), *(sources.value if isinstance(
            sources, SequenceNode) else [])]:
        path = doc.get(item, "path")
        if isinstance(path, ScalarNode) and path.value.strip("/") in (old_overlay, overlay):
            doc.replace(path, overlay)
    name = doc.get(doc.get(doc.root, "metadata"), "name")
    if isinstance(name, ScalarNode) and name.value == _name(text, file):
        doc.replace(name, _renamed(name.value, *env) or f"{name.value}-{env[1]}")
    copied = set_destination(doc.result(), file, cluster)
    return set_sync(copied, file, auto) if auto is not None else copied


def new_env(config: Config, request: NewEnv, options: DeliveryOptions) -> Delivery[EnvChange]:
    """Add an environment: overlay, Application, project destination and promotion order."""
    name = request.name
    return deliver_env(config, _NewEnvPlanner(request), f"environment {name}",
                       f"env/new-{name}", options)
