"""Networking rules: every Service reaches pods on a port they expose, and every Ingress path
reaches the Service port it names."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from ...kube.objects import Resource
from .context import POD_CONTAINERS, EnvContext, dicts, mapping, pod_containers, pods_selected
from .model import Hit, Rule, Severity


def _fmt_selector(selector: dict[str, Any]) -> str:
    return ",".join(f"{k}={v}" for k, v in selector.items())


def _port_names_numbers(workload: Resource) -> tuple[set[str], set[int]]:
    names: set[str] = set()
    numbers: set[int] = set()
    for c in pod_containers(workload, workload.pod_spec() or {}, POD_CONTAINERS):
        for port in dicts(c.body.get("ports")):
            if port.get("name"):
                names.add(str(port["name"]))
            if isinstance(port.get("containerPort"), int):
                numbers.add(port["containerPort"])
    return names, numbers


def check_service_selector(ctx: EnvContext) -> Iterator[Hit]:
    for svc in ctx.of_kind("Service"):
        selector = mapping(svc.spec.get("selector"))
        if selector and not pods_selected(ctx, selector):
            yield svc, f"selector {_fmt_selector(selector)} matches no pod in the environment"


def check_service_target_port(ctx: EnvContext) -> Iterator[Hit]:
    for svc in ctx.of_kind("Service"):
        selector = mapping(svc.spec.get("selector"))
        if not selector:
            continue
        for workload in pods_selected(ctx, selector):
            names, numbers = _port_names_numbers(workload)
            for port in dicts(svc.spec.get("ports")):
                target = port.get("targetPort", port.get("port"))
                ok = target in names if isinstance(target, str) else (
                    isinstance(target, int) and target in numbers)
                if not ok:
                    yield svc, (f"port {port.get('port')}: targetPort {target} is not a container "
                                f"port of {workload.kind} {workload.name}")


def _path_prefixes(first: str, later: str) -> bool:
    if first == later:
        return False
    if first.rstrip("/") == "":
        return True
    return later.startswith(first.rstrip("/") + "/")


def check_ingress_path_order(ctx: EnvContext) -> Iterator[Hit]:
    for ing in ctx.of_kind("Ingress"):
        for rule in dicts(ing.spec.get("rules")):
            paths = list(dicts(mapping(rule.get("http")).get("paths")))
            for i, earlier in enumerate(paths):
                if earlier.get("pathType") == "Exact":
                    continue
                for later in paths[i + 1:]:
                    a, b = str(earlier.get("path", "/")), str(later.get("path", "/"))
                    if _path_prefixes(a, b):
                        host = rule.get("host") or "*"
                        yield ing, f"host {host}: path {a} is listed before {b}, which it prefixes"


def _backends(ing: Resource) -> Iterator[dict[str, Any]]:
    default = mapping(mapping(ing.spec.get("defaultBackend")).get("service"))
    if default:
        yield default
    for rule in dicts(ing.spec.get("rules")):
        for path in dicts(mapping(rule.get("http")).get("paths")):
            service = mapping(mapping(path.get("backend")).get("service"))
            if service:
                yield service


def check_ingress_backend(ctx: EnvContext) -> Iterator[Hit]:
    services = {svc.name: svc for svc in ctx.of_kind("Service")}
    for ing in ctx.of_kind("Ingress"):
        for backend in _backends(ing):
            name, port = backend.get("name"), mapping(backend.get("port"))
            svc = services.get(str(name))
            if svc is None:
                yield ing, f"backend Service {name} is not in the environment"
                continue
            ports = list(dicts(svc.spec.get("ports")))
            if "number" in port and not any(p.get("port") == port["number"] for p in ports):
                yield ing, f"backend Service {name} has no port {port['number']}"
            if "name" in port and not any(p.get("name") == port["name"] for p in ports):
                yield ing, f"backend Service {name} has no port named {port['name']}"


# --- the rules ---------------------------------------------------------------------------------

SERVICE_SELECTOR = Rule(
    "service-selector", Severity.HIGH,
    summary="every Service selector matches pods (including statefulset pod-name)",
    why="A Service whose selector matches no pod has no endpoints: clients get connection refused "
        "or time out, and nothing in Argo CD turns red.",
    fix="Make the selector a subset of the pod template's labels; a pod-name selector must name "
        "an ordinal below the StatefulSet's replicas.",
    check=check_service_selector)


SERVICE_TARGET_PORT = Rule(
    "service-target-port", Severity.HIGH,
    summary="every Service targetPort is a port of the selected pods",
    why="Endpoints point at the targetPort: a name the pods do not declare, or a number they do "
        "not listen on, drops or refuses every connection.",
    fix="Use the name or number of a containerPort of the selected pods (prefer names, so the "
        "container's port can change without touching the Service).",
    check=check_service_target_port)


INGRESS_PATH_ORDER = Rule(
    "ingress-path-order", Severity.HIGH,
    summary="no Ingress path is listed before a longer path it prefixes",
    why="Controllers that match paths in order send every request for the longer path to the "
        "shorter one's backend, so that route is dead.",
    fix="List the more specific path first (e.g. /api before /), or make the shorter one "
        "pathType: Exact.",
    check=check_ingress_path_order)


INGRESS_BACKEND = Rule(
    "ingress-backend", Severity.HIGH,
    summary="every Ingress backend is a Service port of the environment",
    why="A backend naming a missing Service or port gives the controller no upstream: every "
        "request on that path answers 503.",
    fix="Name a Service of the same overlay and one of its ports, by number or by the port's "
        "name.",
    check=check_ingress_backend)
