"""Lists the API server merges by key (`x-kubernetes-list-map-keys`, the patch merge keys): an
entry whose key another entry of the same list has. Server-side apply, which Argo CD can use,
refuses the object; client-side apply keeps one of them and silently loses the other."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from ...kube.objects import WORKLOAD_KINDS
from .api_server import containers_at
from .context import ALL_CONTAINERS, EnvContext
from .model import FieldPath, Hit, Rule, Severity


def _twice(items: Any, key: tuple[str, ...], what: str, path: FieldPath,
           defaults: dict[str, Any] | None = None) -> Iterator[tuple[str, FieldPath]]:
    """(message, path) for each entry whose key an earlier entry has."""
    seen: dict[tuple[Any, ...], int] = {}
    for index, item in enumerate(items if isinstance(items, list) else []):
        if not isinstance(item, dict):
            continue
        value = tuple(item.get(k, (defaults or {}).get(k)) for k in key)
        if value[0] is None or not all(isinstance(v, str | int | None) for v in value):
            continue  # no key, or an odd one: the schema says so
        if value in seen:
            shown = "/".join(str(v) for v in value)
            yield (f"{what} {shown} is listed twice (entries {seen[value]} and {index})",
                   (*path, index))
        else:
            seen[value] = index


def check_list_keys(ctx: EnvContext) -> Iterator[Hit]:
    for workload in ctx.workloads():
        pod = (*WORKLOAD_KINDS.get(workload.kind, ()), "spec")
        spec = workload.pod_spec() or {}
        for message, path in _twice(spec.get("volumes"), ("name",), "volume", (*pod, "volumes")):
            yield workload, message, path
        for path, body in containers_at(workload, ALL_CONTAINERS):
            name = f"container {body.get('name')}"
            checks = (("env", ("name",), "env var", None),
                      ("volumeMounts", ("mountPath",), "mount path", None),
                      ("ports", ("containerPort", "protocol"), "port", {"protocol": "TCP"}))
            for field, key, what, defaults in checks:
                for message, where in _twice(body.get(field), key, what, (*path, field),
                                             defaults):
                    yield workload, f"{name}: {message}", where
    for svc in ctx.of_kind("Service"):
        ports = svc.spec.get("ports")
        yield from ((svc, m, p) for m, p in _twice(ports, ("name",), "port name",
                                                   ("spec", "ports")))
        yield from ((svc, m, p) for m, p in _twice(ports, ("port", "protocol"), "port",
                                                   ("spec", "ports"), {"protocol": "TCP"}))


LIST_KEYS = Rule(
    "list-keys", Severity.HIGH,
    summary="no two entries of a keyed list share a key: env names, volumes, mount paths, "
            "ports",
    why="Kubernetes merges these lists by key. Server-side apply refuses an object with two env "
        "vars of one name, two volumes or mounts of one name or path, or two ports of one "
        "number and protocol; client-side apply keeps one and silently drops the other, so what "
        "runs is not what git says.",
    fix="Keep one entry per key: usually a patch added an entry the base already has; change "
        "that entry in place instead (a strategic merge patch matches it by its key).",
    check=check_list_keys)
