"""API server rules: what the strict schemas let through but the API server's own validation
refuses (selectors, quantities, names, ranges, label syntax), so a sync would fail on it.

The syntax rules follow the Kubernetes API conventions: label values and names are at most 63
characters of letters, digits, '-', '_' and '.', starting and ending with a letter or digit;
quantities are a decimal number with one binary (Ki..Ei), decimal (n, u, m, k..E) or exponent
suffix; Ingress hosts are DNS-1123 subdomains with an optional leading `*.`.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from ...kube.names import DNS_SUBDOMAIN, label_problem
from ...kube.objects import WORKLOAD_KINDS, Resource, selects
from ...kube.quantity import quantity
from .context import ALL_CONTAINERS, POD_CONTAINERS, EnvContext, dicts, mapping
from .model import FieldPath, Hit, Rule, Severity

SELECTOR_KINDS = ("Deployment", "StatefulSet", "DaemonSet", "ReplicaSet")
REPLICA_KINDS = ("Deployment", "StatefulSet", "ReplicaSet")
PROBES = ("readinessProbe", "livenessProbe", "startupProbe")
HANDLERS = ("exec", "httpGet", "tcpSocket", "grpc")
PROBE_INTS = ("initialDelaySeconds", "periodSeconds", "timeoutSeconds", "successThreshold",
              "failureThreshold")
INT32_MAX = 2**31 - 1


def _pod_path(workload: Resource) -> FieldPath:
    """Where a workload's pod spec is: spec.template.spec, or spec for a Pod."""
    return (*WORKLOAD_KINDS.get(workload.kind, ()), "spec")


def containers_at(workload: Resource, lists: tuple[str, ...] = POD_CONTAINERS
                ) -> Iterator[tuple[FieldPath, dict[str, Any]]]:
    spec = workload.pod_spec() or {}
    for list_name in lists:
        items = spec.get(list_name)
        if isinstance(items, list):
            for index, body in enumerate(items):
                if isinstance(body, dict):
                    yield (*_pod_path(workload), list_name, index), body


def _claims(ctx: EnvContext) -> Iterator[tuple[Resource, FieldPath, dict[str, Any]]]:
    """Every claim spec: PersistentVolumeClaims and StatefulSet volumeClaimTemplates."""
    for pvc in ctx.of_kind("PersistentVolumeClaim"):
        yield pvc, ("spec",), pvc.spec
    for sts in ctx.of_kind("StatefulSet"):
        templates = sts.spec.get("volumeClaimTemplates")
        for index, template in enumerate(templates if isinstance(templates, list) else []):
            if isinstance(template, dict):
                yield sts, ("spec", "volumeClaimTemplates", index, "spec"), mapping(
                    template.get("spec"))


def _quantities(ctx: EnvContext) -> Iterator[tuple[Resource, FieldPath, Any, str]]:
    """(object, field path, value, what) of every resource quantity."""
    for workload in ctx.workloads():
        for path, body in containers_at(workload):
            res = mapping(body.get("resources"))
            for part in ("requests", "limits"):
                for name, value in mapping(res.get(part)).items():
                    yield (workload, (*path, "resources", part, name), value,
                           f"container {body.get('name')}: {part}.{name}")
    for owner, path, spec in _claims(ctx):
        res = mapping(spec.get("resources"))
        for part in ("requests", "limits"):
            for name, value in mapping(res.get(part)).items():
                yield owner, (*path, "resources", part, name), value, f"claim {part}.{name}"


def check_quantity(ctx: EnvContext) -> Iterator[Hit]:
    for resource, path, value, what in _quantities(ctx):
        if value is not None and quantity(value) is None:
            yield resource, f"{what} {value!r} is not a quantity", path


def check_limits_requests(ctx: EnvContext) -> Iterator[Hit]:
    for workload in ctx.workloads():
        for path, body in containers_at(workload):
            res = mapping(body.get("resources"))
            requests, limits = mapping(res.get("requests")), mapping(res.get("limits"))
            for name, limit in limits.items():
                low, high = quantity(requests.get(name)), quantity(limit)
                if low is not None and high is not None and high < low:
                    yield workload, (f"container {body.get('name')}: limits.{name} {limit} is "
                                     f"below requests.{name} {requests[name]}"), (
                        *path, "resources", "limits", name)


def check_claim_size(ctx: EnvContext) -> Iterator[Hit]:
    for owner, path, spec in _claims(ctx):
        storage = mapping(mapping(spec.get("resources")).get("requests")).get("storage")
        size = quantity(storage) if storage is not None else None
        if storage is None:
            yield owner, "claim requests no storage", path
        elif size is not None and size <= 0:
            yield owner, f"claim requests storage {storage}: it must be above zero", (
                *path, "resources", "requests", "storage")


def _int_fields(resource: Resource) -> Iterator[tuple[FieldPath, Any, int, int]]:
    """(path, value, lowest, highest) of the int32 fields that are often typed by hand."""
    if resource.kind in REPLICA_KINDS and "replicas" in resource.spec:
        yield ("spec", "replicas"), resource.spec["replicas"], 0, INT32_MAX
    for path, body in containers_at(resource, ALL_CONTAINERS):
        ports: list[Any] = body["ports"] if isinstance(body.get("ports"), list) else []
        for index, port in enumerate(ports):
            for key in ("containerPort", "hostPort"):
                if isinstance(port, dict) and key in port:
                    yield (*path, "ports", index, key), port[key], 1, 65535
        for probe_name in PROBES:
            probe = mapping(body.get(probe_name))
            for key in PROBE_INTS:
                if key in probe:
                    yield (*path, probe_name, key), probe[key], 0, INT32_MAX
    if resource.kind == "Service":
        service_ports = resource.spec.get("ports")
        for index, port in enumerate(service_ports if isinstance(service_ports, list) else []):
            for key in ("port", "nodePort", "targetPort"):
                if isinstance(port, dict) and isinstance(port.get(key), int):
                    yield ("spec", "ports", index, key), port[key], 1, 65535


def check_int_range(ctx: EnvContext) -> Iterator[Hit]:
    for resource in ctx.resources:
        for path, value, low, high in _int_fields(resource):
            if isinstance(value, int) and not isinstance(value, bool) and not (
                    low <= value <= high):
                yield resource, f"{'.'.join(map(str, path))} {value} is not in {low}..{high}", path


def check_probe_handler(ctx: EnvContext) -> Iterator[Hit]:
    for workload in ctx.workloads():
        for path, body in containers_at(workload, ALL_CONTAINERS):
            for probe_name in PROBES:
                probe = body.get(probe_name)
                if not isinstance(probe, dict):
                    continue
                handlers = [h for h in HANDLERS if h in probe]
                if len(handlers) != 1:
                    found = " and ".join(handlers) if handlers else "no handler"
                    yield workload, (f"container {body.get('name')}: {probe_name} has {found}; "
                                     f"it needs exactly one"), (*path, probe_name)


def check_container_names(ctx: EnvContext) -> Iterator[Hit]:
    for workload in ctx.workloads():
        seen: set[str] = set()
        for path, body in containers_at(workload, ALL_CONTAINERS):
            name = str(body.get("name"))
            if name in seen:
                yield workload, f"two containers are named {name}", (*path, "name")
            seen.add(name)


def check_volume_mounts(ctx: EnvContext) -> Iterator[Hit]:
    for workload in ctx.workloads():
        spec = workload.pod_spec() or {}
        volumes = {str(v.get("name")) for v in dicts(spec.get("volumes"))}
        volumes |= {str(mapping(t.get("metadata")).get("name"))
                    for t in dicts(workload.spec.get("volumeClaimTemplates"))}
        for path, body in containers_at(workload, ALL_CONTAINERS):
            for field in ("volumeMounts", "volumeDevices"):
                mounts = body.get(field)
                for index, mount in enumerate(mounts if isinstance(mounts, list) else []):
                    name = mount.get("name") if isinstance(mount, dict) else None
                    if name is not None and str(name) not in volumes:
                        yield workload, (f"container {body.get('name')}: {field} {name} is not "
                                         f"a volume of the pod"), (*path, field, index, "name")


def _label_maps(resource: Resource) -> Iterator[tuple[FieldPath, dict[str, Any]]]:
    yield ("metadata", "labels"), mapping(resource.metadata.get("labels"))
    template = resource.pod_template()
    if template is not None and resource.kind != "Pod":
        path = _pod_path(resource)[:-1]
        yield (*path, "metadata", "labels"), mapping(mapping(template.get("metadata")).get(
            "labels"))
    selector = resource.spec.get("selector")
    if resource.kind == "Service":
        yield ("spec", "selector"), mapping(selector)
    elif isinstance(selector, dict):
        yield ("spec", "selector", "matchLabels"), mapping(selector.get("matchLabels"))
    if resource.kind == "NetworkPolicy":
        yield ("spec", "podSelector", "matchLabels"), mapping(
            mapping(resource.spec.get("podSelector")).get("matchLabels"))


def check_label_syntax(ctx: EnvContext) -> Iterator[Hit]:
    for resource in ctx.resources:
        for path, labels in _label_maps(resource):
            for key, value in labels.items():
                problem = label_problem(key, value)
                if problem:
                    yield resource, problem, (*path, str(key))


def check_selector_match(ctx: EnvContext) -> Iterator[Hit]:
    for workload in ctx.of_kind(*SELECTOR_KINDS):
        selector = workload.spec.get("selector")
        if not isinstance(selector, dict) or not (
                selector.get("matchLabels") or selector.get("matchExpressions")):
            yield workload, "no selector", ("spec", "selector")
        elif not selects(selector, workload.pod_labels()):
            yield workload, "selector does not match the pod template's labels", (
                "spec", "selector")


def check_ingress_host(ctx: EnvContext) -> Iterator[Hit]:
    for ing in ctx.of_kind("Ingress"):
        rules = ing.spec.get("rules")
        for index, rule in enumerate(rules if isinstance(rules, list) else []):
            host = rule.get("host") if isinstance(rule, dict) else None
            if host is None:
                continue
            name = str(host).removeprefix("*.")
            if len(str(host)) > 253 or not DNS_SUBDOMAIN.match(name):
                yield ing, (f"host {host!r} is not a lowercase DNS name (letters, digits, '-' "
                            f"and '.')"), ("spec", "rules", index, "host")


# --- the rules ---------------------------------------------------------------------------------

QUANTITY = Rule(
    "quantity", Severity.CRITICAL,
    summary="every resource quantity (cpu, memory, storage) is a Kubernetes quantity",
    why="The API server refuses an object with a quantity it cannot parse, such as 100mm or 1.5 "
        "GB, so the whole sync fails on it.",
    fix="Write a number with one optional suffix: m for millicores, Ki/Mi/Gi or k/M/G for bytes "
        "(e.g. 100m, 256Mi, 1Gi).",
    check=check_quantity)


LIMITS_REQUESTS = Rule(
    "limits-requests", Severity.CRITICAL,
    summary="no container's limit is below its request",
    why="The API server refuses a pod whose request exceeds its limit for any resource, so the "
        "workload never gets a pod.",
    fix="Raise the limit to at least the request, or lower the request; set both in the same "
        "overlay so they change together.",
    check=check_limits_requests)


CLAIM_SIZE = Rule(
    "claim-size", Severity.CRITICAL,
    summary="every PersistentVolumeClaim and volume claim template requests a storage size above "
            "zero",
    why="The API server refuses a claim without a positive storage request, and a StatefulSet "
        "with such a template never creates its pods.",
    fix="Set resources.requests.storage to a positive quantity such as 1Gi on the claim or the "
        "volumeClaimTemplate.",
    check=check_claim_size)


INT_RANGE = Rule(
    "int-range", Severity.CRITICAL,
    summary="replicas, ports and probe timings are whole numbers in their range",
    why="These fields are 32-bit integers and ports are 1-65535: the API server refuses an object "
        "with replicas: 99999999999 or port 70000.",
    fix="Use a whole number from 0 to 2147483647 for counts and seconds, and from 1 to 65535 for "
        "ports.",
    check=check_int_range)


PROBE_HANDLER = Rule(
    "probe-handler", Severity.CRITICAL,
    summary="every probe has exactly one handler (exec, httpGet, tcpSocket or grpc)",
    why="The API server refuses a probe with two handlers or none, so the pod template is invalid "
        "and nothing rolls out.",
    fix="Keep exactly one of exec, httpGet, tcpSocket and grpc in each probe.",
    check=check_probe_handler)


CONTAINER_NAMES = Rule(
    "container-names", Severity.CRITICAL,
    summary="container names in a pod are unique across init, regular and ephemeral containers",
    why="The API server refuses a pod template with two containers of one name, so the workload "
        "cannot be created or updated.",
    fix="Give every container and init container of the pod its own name.",
    check=check_container_names)


VOLUME_MOUNTS = Rule(
    "volume-mounts", Severity.CRITICAL,
    summary="every volumeMount names a volume of the pod (or a claim template)",
    why="The API server refuses a pod that mounts a volume it does not define, so the workload "
        "never gets a pod.",
    fix="Add the volume to spec.volumes (or a volumeClaimTemplate for a StatefulSet), or fix the "
        "mount's name.",
    check=check_volume_mounts)


LABEL_SYNTAX = Rule(
    "label-syntax", Severity.CRITICAL,
    summary="every label key and value, and every selector value, is valid Kubernetes label "
            "syntax",
    why="The API server refuses an object whose label value is longer than 63 characters or has "
        "characters other than letters, digits, -, _ and ., so it never lands.",
    fix="Shorten the value to 63 characters and use only letters, digits, '-', '_' and '.', "
        "starting and ending with a letter or digit.",
    check=check_label_syntax)


SELECTOR_MATCH = Rule(
    "selector-match", Severity.CRITICAL,
    summary="every workload's selector matches its pod template's labels",
    why="The API server refuses a Deployment, StatefulSet, DaemonSet or ReplicaSet whose selector "
        "does not select its own template, and selectors cannot change later.",
    fix="Make spec.selector.matchLabels a subset of spec.template.metadata.labels (kustomize "
        "labels with includeSelectors: false keep them apart).",
    check=check_selector_match)


INGRESS_HOST = Rule(
    "ingress-host", Severity.CRITICAL,
    summary="every Ingress host is a lowercase DNS name (an optional leading *.)",
    why="The API server refuses an Ingress whose host has capitals, an underscore or other "
        "characters a DNS-1123 subdomain cannot hold.",
    fix="Write the host in lowercase letters, digits, '-' and '.', for example "
        "app-dev.example.com.",
    check=check_ingress_host)
