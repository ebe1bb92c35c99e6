"""Validation rules: each has an id, a one-line reason, and a check over one rendered environment.

Checks yield (resource, message) pairs; the validate use case turns them into findings. Findings
that come from rendering or schemas are listed here too, so that `gitops rules` shows every id.
"""

from __future__ import annotations

import fnmatch
import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from ..argocd import app_sources, automated, norm_path, same_repo
from ..config import Config
from ..images import split_image
from ..resources import CLUSTER_SCOPED, Resource, selects
from . import pod_security

Hit = tuple[Resource | None, str]
Check = Callable[["EnvContext"], Iterator[Hit]]

# Labels the controllers add to pods; a Service may select on them although templates lack them.
STS_POD_NAME = "statefulset.kubernetes.io/pod-name"
CONTROLLER_LABELS = {
    "Deployment": {"pod-template-hash"},
    "StatefulSet": {STS_POD_NAME, "apps.kubernetes.io/pod-index", "controller-revision-hash"},
    "DaemonSet": {"controller-revision-hash", "pod-template-generation"},
}
RECOMMENDED_LABELS = ("app.kubernetes.io/name", "app.kubernetes.io/component",
                      "app.kubernetes.io/part-of")
SCALED_KINDS = ("Deployment", "StatefulSet")


@dataclass
class EnvContext:
    """What the rules see of one environment."""

    config: Config
    env: str
    resources: list[Resource]
    applications: list[Resource]
    projects: dict[str, Resource]
    _index: dict[str, list[Resource]] = field(default_factory=dict)

    def of_kind(self, *kinds: str) -> list[Resource]:
        key = ",".join(kinds)
        if key not in self._index:
            self._index[key] = [r for r in self.resources if r.kind in kinds]
        return self._index[key]

    def workloads(self) -> list[Resource]:
        return [r for r in self.resources if r.pod_template() is not None]

    def environment_apps(self) -> list[Resource]:
        """Applications in git that deploy this environment's overlay from this repository."""
        wanted = self.config.overlay_rel(self.env)
        return [
            app for app in self.applications
            if any(norm_path(s.get("path")) == wanted and same_repo(
                s.get("repoURL"), self.config.repo_url) for s in app_sources(app))
        ]


@dataclass(frozen=True)
class Rule:
    id: str
    reason: str
    check: Check | None = None


RULES: dict[str, Rule] = {}


def _rule(rule_id: str, reason: str) -> Callable[[Check], Check]:
    def register(check: Check) -> Check:
        RULES[rule_id] = Rule(rule_id, reason, check)
        return check
    return register


for _id, _reason in (
    ("render", "an overlay kustomize cannot build is one Argo CD cannot sync"),
    ("yaml", "a file Argo CD cannot parse in apps/ or argocd/ stops the root app's sync"),
    ("kustomize-warning", "deprecated kustomize fields break on the next kustomize release"),
    ("schema", "the API server rejects what its strict schema rejects, in each configured version"),
    ("custom-schema", "custom resources must pass their schema (the project's and the CRD's)"),
    ("unknown-kind", "a kind without a schema cannot be checked, so it is refused"),
):
    RULES[_id] = Rule(_id, _reason)


# --- helpers -------------------------------------------------------------------------------


def _containers(workload: Resource, lists: tuple[str, ...] = ("initContainers", "containers")
                ) -> Iterator[dict[str, Any]]:
    return workload.containers(lists)


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
            if pod_name not in ordinals:
                continue
        found.append(workload)
    return found


def _fmt_selector(selector: dict[str, Any]) -> str:
    return ",".join(f"{k}={v}" for k, v in selector.items())


# --- images ----------------------------------------------------------------------------------


@_rule("image-tag", "an image without a tag, or with `latest`, changes under a running app")
def check_image_tag(ctx: EnvContext) -> Iterator[Hit]:
    for workload in ctx.workloads():
        for c in workload.containers():
            image = str(c.get("image", ""))
            _, tag, digest = split_image(image)
            if digest:
                continue
            if tag is None:
                yield workload, f"container {c.get('name')}: image {image} has no tag"
            elif tag == "latest":
                yield workload, f"container {c.get('name')}: image {image} uses the latest tag"


@_rule("tag-scheme", "app images come from their registry, tagged by the configured scheme")
def check_tag_scheme(ctx: EnvContext) -> Iterator[Hit]:
    pattern = ctx.config.tag_pattern()
    for workload in ctx.workloads():
        for c in workload.containers():
            repo, tag, _ = split_image(str(c.get("image", "")))
            for image in ctx.config.app_images:
                basename = (image.new_name or image.name).rsplit("/", 1)[-1]
                if repo == image.name:
                    yield workload, (f"container {c.get('name')}: image {image.name} is not set "
                                     f"by the overlay's images: list")
                elif repo.rsplit("/", 1)[-1] == basename and repo != image.new_name:
                    yield workload, (f"container {c.get('name')}: image {repo} is not "
                                     f"{image.new_name}, where gitops.yaml says it is built")
                elif repo == image.new_name and (tag is None or not pattern.match(tag)):
                    yield workload, (f"container {c.get('name')}: tag {tag} of {repo} does not "
                                     f"follow the tag scheme {ctx.config.tag_scheme_label}")


# --- containers ------------------------------------------------------------------------------


@_rule("resources", "without cpu/memory requests and a memory limit, scheduling is a guess")
def check_resources(ctx: EnvContext) -> Iterator[Hit]:
    for workload in ctx.workloads():
        for c in _containers(workload):
            res = c.get("resources") or {}
            missing = [f"{part}.{what}" for part, what in
                       (("requests", "cpu"), ("requests", "memory"), ("limits", "memory"))
                       if (res.get(part) or {}).get(what) in (None, "")]
            if missing:
                yield workload, f"container {c.get('name')}: no {', '.join(missing)}"


@_rule("probes", "without probes, traffic reaches pods that are not ready and hung pods live on")
def check_probes(ctx: EnvContext) -> Iterator[Hit]:
    for workload in ctx.workloads():
        for c in _containers(workload, ("containers",)):
            missing = [p for p in ("readinessProbe", "livenessProbe") if not c.get(p)]
            if missing:
                yield workload, f"container {c.get('name')}: no {' or '.join(missing)}"


@_rule("pod-security", "the namespaces enforce the restricted standard: other pods are refused")
def check_pod_security(ctx: EnvContext) -> Iterator[Hit]:
    for workload in ctx.workloads():
        template = workload.pod_template() or {}
        for message in pod_security.violations(workload.pod_spec() or {},
                                               template.get("metadata") or {}):
            yield workload, message


@_rule("labels", "recommended app.kubernetes.io labels make every object traceable to its app")
def check_labels(ctx: EnvContext) -> Iterator[Hit]:
    for resource in ctx.workloads() + ctx.of_kind("Service"):
        labels = resource.metadata.get("labels") or {}
        missing = [label for label in RECOMMENDED_LABELS if label not in labels]
        if missing:
            yield resource, f"missing label {', '.join(missing)}"
        if resource.pod_template() is not None:
            pod_missing = [label for label in RECOMMENDED_LABELS
                           if label not in resource.pod_labels()]
            if pod_missing:
                yield resource, f"pod template missing label {', '.join(pod_missing)}"


# --- secrets and config ---------------------------------------------------------------------


PLAINTEXT_SECRET = "Secret rendered from git: its values are in the repository"


@_rule("plaintext-secret", "a Secret in git is a leaked secret: use an ExternalSecret")
def check_plaintext_secret(ctx: EnvContext) -> Iterator[Hit]:
    for secret in ctx.of_kind("Secret"):
        yield secret, PLAINTEXT_SECRET


def _known_keys(ctx: EnvContext) -> tuple[dict[str, set[str] | None], dict[str, set[str] | None]]:
    """ConfigMap and Secret names with their keys; None means the keys cannot be known."""
    configmaps: dict[str, set[str] | None] = {}
    for cm in ctx.of_kind("ConfigMap"):
        configmaps[cm.name] = set(cm.body.get("data") or {}) | set(cm.body.get("binaryData") or {})
    secrets: dict[str, set[str] | None] = {}
    for secret in ctx.of_kind("Secret"):
        secrets[secret.name] = set(secret.body.get("data") or {}) | set(
            secret.body.get("stringData") or {})
    for es in ctx.of_kind("ExternalSecret"):
        target = (es.spec.get("target") or {}).get("name") or es.name
        template_keys = ((es.spec.get("target") or {}).get("template") or {}).get("data")
        if es.spec.get("dataFrom") or template_keys:
            secrets[target] = None
        else:
            secrets[target] = {str(d.get("secretKey")) for d in es.spec.get("data") or []}
    return configmaps, secrets


def _refs(pod: dict[str, Any]) -> Iterator[tuple[str, str, str | None, str]]:
    """(ConfigMap|Secret, name, key or None, where) for every reference a pod makes."""
    for key in ("initContainers", "containers"):
        for c in pod.get(key) or []:
            where = f"container {c.get('name')}"
            for env in c.get("env") or []:
                source = env.get("valueFrom") or {}
                for ref_key, kind in (("configMapKeyRef", "ConfigMap"), ("secretKeyRef", "Secret")):
                    ref = source.get(ref_key)
                    if ref and not ref.get("optional"):
                        yield kind, str(ref.get("name")), str(ref.get("key")), where
            for env_from in c.get("envFrom") or []:
                for ref_key, kind in (("configMapRef", "ConfigMap"), ("secretRef", "Secret")):
                    ref = env_from.get(ref_key)
                    if ref and not ref.get("optional"):
                        yield kind, str(ref.get("name")), None, where
    for volume in pod.get("volumes") or []:
        where = f"volume {volume.get('name')}"
        sources = [volume, *((volume.get("projected") or {}).get("sources") or [])]
        for source in sources:
            for vol_key, kind, name_key in (("configMap", "ConfigMap", "name"),
                                            ("secret", "Secret", "secretName")):
                ref = source.get(vol_key)
                if not ref or ref.get("optional"):
                    continue
                name = ref.get(name_key) or ref.get("name")
                items = ref.get("items") or []
                if not items:
                    yield kind, str(name), None, where
                for item in items:
                    yield kind, str(name), str(item.get("key")), where


@_rule("config-ref", "a missing ConfigMap or Secret key keeps pods from starting")
def check_config_ref(ctx: EnvContext) -> Iterator[Hit]:
    configmaps, secrets = _known_keys(ctx)
    for workload in ctx.workloads():
        for kind, name, key, where in _refs(workload.pod_spec() or {}):
            known = configmaps if kind == "ConfigMap" else secrets
            if name not in known:
                yield workload, f"{where}: {kind} {name} is not in the environment"
            elif key is not None and known[name] is not None and key not in (known[name] or ()):
                yield workload, f"{where}: {kind} {name} has no key {key}"


# --- services and networking ----------------------------------------------------------------


def _port_names_numbers(workload: Resource) -> tuple[set[str], set[int]]:
    names: set[str] = set()
    numbers: set[int] = set()
    for c in workload.containers(("initContainers", "containers")):
        for port in c.get("ports") or []:
            if port.get("name"):
                names.add(str(port["name"]))
            if isinstance(port.get("containerPort"), int):
                numbers.add(port["containerPort"])
    return names, numbers


@_rule("service-selector", "a Service that selects no pod has no endpoints")
def check_service_selector(ctx: EnvContext) -> Iterator[Hit]:
    for svc in ctx.of_kind("Service"):
        selector = svc.spec.get("selector")
        if selector and not pods_selected(ctx, selector):
            yield svc, f"selector {_fmt_selector(selector)} matches no pod in the environment"


@_rule("service-target-port", "a targetPort the pods do not expose drops every connection")
def check_service_target_port(ctx: EnvContext) -> Iterator[Hit]:
    for svc in ctx.of_kind("Service"):
        selector = svc.spec.get("selector")
        if not selector:
            continue
        for workload in pods_selected(ctx, selector):
            names, numbers = _port_names_numbers(workload)
            for port in svc.spec.get("ports") or []:
                target = port.get("targetPort", port.get("port"))
                ok = target in names if isinstance(target, str) else target in numbers
                if not ok:
                    yield svc, (f"port {port.get('port')}: targetPort {target} is not a container "
                                f"port of {workload.kind} {workload.name}")


def _path_prefixes(first: str, later: str) -> bool:
    if first == later:
        return False
    if first.rstrip("/") == "":
        return True
    return later == first or later.startswith(first.rstrip("/") + "/")


@_rule("ingress-path-order", "a path that prefixes another must come after it")
def check_ingress_path_order(ctx: EnvContext) -> Iterator[Hit]:
    for ing in ctx.of_kind("Ingress"):
        for rule in ing.spec.get("rules") or []:
            paths = list((rule.get("http") or {}).get("paths") or [])
            for i, earlier in enumerate(paths):
                if earlier.get("pathType") == "Exact":
                    continue
                for later in paths[i + 1:]:
                    a, b = str(earlier.get("path", "/")), str(later.get("path", "/"))
                    if _path_prefixes(a, b):
                        host = rule.get("host") or "*"
                        yield ing, f"host {host}: path {a} is listed before {b}, which it prefixes"


def _backends(ing: Resource) -> Iterator[dict[str, Any]]:
    default = (ing.spec.get("defaultBackend") or {}).get("service")
    if default:
        yield default
    for rule in ing.spec.get("rules") or []:
        for path in (rule.get("http") or {}).get("paths") or []:
            service = (path.get("backend") or {}).get("service")
            if service:
                yield service


@_rule("ingress-backend", "a backend that is not a Service port answers every request with 503")
def check_ingress_backend(ctx: EnvContext) -> Iterator[Hit]:
    services = {svc.name: svc for svc in ctx.of_kind("Service")}
    for ing in ctx.of_kind("Ingress"):
        for backend in _backends(ing):
            name, port = backend.get("name"), backend.get("port") or {}
            svc = services.get(str(name))
            if svc is None:
                yield ing, f"backend Service {name} is not in the environment"
                continue
            ports = svc.spec.get("ports") or []
            if "number" in port and not any(p.get("port") == port["number"] for p in ports):
                yield ing, f"backend Service {name} has no port {port['number']}"
            if "name" in port and not any(p.get("name") == port["name"] for p in ports):
                yield ing, f"backend Service {name} has no port named {port['name']}"


# --- workloads ---------------------------------------------------------------------------------


@_rule("statefulset-service", "a StatefulSet's serviceName gives pods stable DNS: headless only")
def check_statefulset_service(ctx: EnvContext) -> Iterator[Hit]:
    services = {svc.name: svc for svc in ctx.of_kind("Service")}
    for sts in ctx.of_kind("StatefulSet"):
        name = sts.spec.get("serviceName")
        svc = services.get(str(name)) if name else None
        if not name:
            yield sts, "no serviceName"
        elif svc is None:
            yield sts, f"serviceName {name} is not a Service in the environment"
        elif svc.spec.get("clusterIP") != "None":
            yield sts, f"serviceName {name} is not a headless Service (clusterIP: None)"
        elif not selects(svc.spec.get("selector"), sts.pod_labels()):
            yield sts, f"Service {name} does not select the StatefulSet's pods"


def _count(value: object, replicas: int) -> int | None:
    """A PDB's int-or-percent as a pod count (percentages round up, as the controller does)."""
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.endswith("%") and value[:-1].isdigit():
        return math.ceil(replicas * int(value[:-1]) / 100)
    return None


def _blocks_eviction(pdb: Resource, replicas: int) -> str | None:
    min_available = _count(pdb.spec.get("minAvailable"), replicas)
    max_unavailable = _count(pdb.spec.get("maxUnavailable"), replicas)
    if min_available is not None and min_available >= replicas:
        return f"minAvailable {pdb.spec.get('minAvailable')} with {replicas} replicas"
    if max_unavailable == 0:
        return f"maxUnavailable {pdb.spec.get('maxUnavailable')}"
    return None


@_rule("pdb", "replicated workloads need a PodDisruptionBudget that still lets nodes drain")
def check_pdb(ctx: EnvContext) -> Iterator[Hit]:
    pdbs = ctx.of_kind("PodDisruptionBudget")
    for pdb in pdbs:
        matched = [w for w in ctx.workloads() if selects(pdb.spec.get("selector"), w.pod_labels())]
        if not matched:
            yield pdb, "selector matches no pod in the environment"
        for workload in matched:
            blocked = _blocks_eviction(pdb, workload.replicas())
            if blocked:
                yield pdb, (f"{blocked} of {workload.kind} {workload.name}: no pod can ever be "
                            f"evicted, node drains hang")
    for workload in ctx.of_kind(*SCALED_KINDS):
        covered = any(selects(p.spec.get("selector"), workload.pod_labels()) for p in pdbs)
        if workload.replicas() > 1 and not covered:
            yield workload, f"{workload.replicas()} replicas but no PodDisruptionBudget"


# --- Argo CD ----------------------------------------------------------------------------------


def _rendered_namespaces(ctx: EnvContext) -> set[str]:
    return {r.namespace for r in ctx.resources if r.namespace}


@_rule("application", "an overlay no Application deploys, or two do, drifts or fights")
def check_application(ctx: EnvContext) -> Iterator[Hit]:
    overlay = ctx.config.overlay_rel(ctx.env)
    apps = ctx.environment_apps()
    if not apps:
        yield None, f"no Application deploys {overlay} from {ctx.config.repo_url}"
        return
    if len(apps) > 1:
        names = ", ".join(sorted(app.name for app in apps))
        yield None, f"{len(apps)} Applications deploy {overlay}: {names}"
    namespaces = _rendered_namespaces(ctx)
    for app in apps:
        dest = (app.spec.get("destination") or {}).get("namespace")
        if namespaces and {dest} != namespaces:
            yield app, (f"destination namespace {dest} but {overlay} renders into "
                        f"{', '.join(sorted(namespaces))}")
        if app.spec.get("project") != ctx.config.project:
            yield app, (f"project {app.spec.get('project')} is not {ctx.config.project} "
                        f"(gitops.yaml)")


def _glob(pattern: Any, value: str) -> bool:
    return fnmatch.fnmatchcase(value, str(pattern))


def _kind_listed(entries: Any, group: str, kind: str) -> bool:
    return any(_glob(e.get("group", ""), group) and _glob(e.get("kind", ""), kind)
               for e in entries or [] if isinstance(e, dict))


def _destination_allowed(project: Resource, server: str | None, name: str | None,
                         namespace: str) -> bool:
    allowed = False
    for dest in project.spec.get("destinations") or []:
        ns_pattern = str(dest.get("namespace", ""))
        negated = ns_pattern.startswith("!")
        cluster_ok = (server is not None and _glob(dest.get("server", ""), server)) or (
            name is not None and _glob(dest.get("name", ""), name))
        if not cluster_ok:
            continue
        if negated and _glob(ns_pattern[1:], namespace):
            return False
        if not negated and _glob(ns_pattern, namespace):
            allowed = True
    return allowed


def project_problems(app: Resource, projects: dict[str, Resource],
                     resources: list[Resource]) -> Iterator[str]:
    """What the Application's AppProject forbids: its repo, destination, or a kind it deploys."""
    project = projects.get(str(app.spec.get("project")))
    if project is None:
        yield f"AppProject {app.spec.get('project')} is not defined in git"
        return
    pname = f"AppProject {project.name}"
    for source in app_sources(app):
        repo = str(source.get("repoURL", ""))
        if not any(_glob(p, repo) for p in project.spec.get("sourceRepos") or []):
            yield f"{pname} does not allow source repo {repo}"
    dest = app.spec.get("destination") or {}
    namespace = str(dest.get("namespace", ""))
    if not _destination_allowed(project, dest.get("server"), dest.get("name"), namespace):
        yield f"{pname} does not allow destination namespace {namespace}"
    seen: set[tuple[str, str]] = set()
    for resource in resources:
        key = (resource.group, resource.kind)
        if key in seen:
            continue
        seen.add(key)
        label = f"{resource.kind} ({resource.group or 'core'})"
        if key in CLUSTER_SCOPED:
            if not _kind_listed(project.spec.get("clusterResourceWhitelist"), *key) or \
                    _kind_listed(project.spec.get("clusterResourceBlacklist"), *key):
                yield f"{pname} does not allow cluster-scoped {label}"
            continue
        whitelist = project.spec.get("namespaceResourceWhitelist")
        if (whitelist is not None and not _kind_listed(whitelist, *key)) or _kind_listed(
                project.spec.get("namespaceResourceBlacklist"), *key):
            yield f"{pname} does not allow {label}"


@_rule("project-permits", "the AppProject must allow the repo, namespace and every rendered kind")
def check_project_permits(ctx: EnvContext) -> Iterator[Hit]:
    for app in ctx.environment_apps():
        for problem in project_problems(app, ctx.projects, ctx.resources):
            yield app, problem


SYNC_WAVE = "argocd.argoproj.io/sync-wave"
SYNC_OPTIONS_ANNOTATION = "argocd.argoproj.io/sync-options"
BOOL = frozenset({"true", "false"})
# Argo CD's sync options and the values each takes (Argo CD docs, "Sync Options").
SYNC_OPTIONS: dict[str, frozenset[str]] = {
    "Validate": BOOL, "CreateNamespace": BOOL, "PruneLast": BOOL, "ApplyOutOfSyncOnly": BOOL,
    "PrunePropagationPolicy": frozenset({"foreground", "background", "orphan"}),
    "Replace": BOOL, "ServerSideApply": BOOL, "FailOnSharedResource": BOOL,
    "RespectIgnoreDifferences": BOOL, "SkipDryRunOnMissingResource": BOOL, "Force": BOOL,
    "ClientSideApplyMigration": BOOL,
    "Prune": frozenset({"true", "false", "confirm"}),
    "Delete": frozenset({"true", "false", "confirm"}),
}


def _bad_sync_option(option: str) -> str | None:
    key, sep, value = option.strip().partition("=")
    if not sep:
        return f"sync option {option!r} is not KEY=VALUE"
    if key not in SYNC_OPTIONS:
        return f"unknown sync option {key}"
    if value not in SYNC_OPTIONS[key]:
        return f"sync option {key}={value}: expected one of {', '.join(sorted(SYNC_OPTIONS[key]))}"
    return None


@_rule("sync-options", "Argo CD ignores a sync option or wave it cannot read, silently")
def check_sync_options(ctx: EnvContext) -> Iterator[Hit]:
    for app in ctx.environment_apps():
        for option in (app.spec.get("syncPolicy") or {}).get("syncOptions") or []:
            problem = _bad_sync_option(str(option))
            if problem:
                yield app, problem
    for resource in ctx.resources:
        annotations = resource.metadata.get("annotations") or {}
        for option in str(annotations.get(SYNC_OPTIONS_ANNOTATION) or "").split(","):
            problem = _bad_sync_option(option) if option.strip() else None
            if problem:
                yield resource, problem
        wave = annotations.get(SYNC_WAVE)
        if wave is not None and not str(wave).lstrip("-").isdigit():
            yield resource, f"{SYNC_WAVE} {wave!r} is not a whole number"


def wave(resource: Resource) -> int:
    value = str((resource.metadata.get("annotations") or {}).get(SYNC_WAVE, "0"))
    return int(value) if value.lstrip("-").isdigit() else 0


@_rule("sync-wave-order", "a pod synced before what it mounts never starts: the sync waits forever")
def check_sync_wave_order(ctx: EnvContext) -> Iterator[Hit]:
    providers: dict[tuple[str, str], Resource] = {}
    for cm in ctx.of_kind("ConfigMap"):
        providers[("ConfigMap", cm.name)] = cm
    for secret in ctx.of_kind("Secret"):
        providers[("Secret", secret.name)] = secret
    for es in ctx.of_kind("ExternalSecret"):
        providers[("Secret", (es.spec.get("target") or {}).get("name") or es.name)] = es
    for workload in ctx.workloads():
        seen: set[tuple[str, str]] = set()
        for kind, name, _, _ in _refs(workload.pod_spec() or {}):
            provider = providers.get((kind, name))
            if provider is None or (kind, name) in seen:
                continue
            seen.add((kind, name))
            if wave(provider) > wave(workload):
                yield workload, (f"{provider.kind} {provider.name} is in sync wave "
                                 f"{wave(provider)}, after this workload's wave {wave(workload)}")


@_rule("sync-policy", "the last environment syncs by hand: no rollback under auto-sync")
def check_sync_policy(ctx: EnvContext) -> Iterator[Hit]:
    if ctx.env != ctx.config.production:
        return
    for app in ctx.environment_apps():
        if automated(app):
            yield app, (f"automated sync on {ctx.env}, the last environment: "
                        f"the Argo CD UI cannot roll it back")


def rule_table() -> list[Rule]:
    return list(RULES.values())


