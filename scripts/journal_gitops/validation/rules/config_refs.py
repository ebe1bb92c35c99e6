"""Secret and config rules: no secret values in git, and every ConfigMap or Secret a pod uses
exists, holds the keys asked for and is synced before the pod."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from ...kube.objects import Resource
from .context import EnvContext, dicts, mapping, pod_containers
from .model import Hit, Rule, Severity

PLAINTEXT_SECRET_MESSAGE = "Secret rendered from git: its values are in the repository"
SYNC_WAVE = "argocd.argoproj.io/sync-wave"
Keys = dict[str, set[str] | None]  # name -> its keys; None: the keys cannot be known
ENV_REFS = (("configMapKeyRef", "ConfigMap"), ("secretKeyRef", "Secret"))
ENV_FROM_REFS = (("configMapRef", "ConfigMap"), ("secretRef", "Secret"))
VOLUME_REFS = (("configMap", "ConfigMap", "name"), ("secret", "Secret", "secretName"))


def check_plaintext_secret(ctx: EnvContext) -> Iterator[Hit]:
    for secret in ctx.of_kind("Secret"):
        yield secret, PLAINTEXT_SECRET_MESSAGE


def _target(es: Resource) -> str:
    """The Secret an ExternalSecret creates."""
    return str(mapping(es.spec.get("target")).get("name") or es.name)


def _keys(resource: Resource, *fields: str) -> set[str]:
    return {str(key) for f in fields for key in mapping(resource.body.get(f))}


def _known_keys(ctx: EnvContext) -> tuple[Keys, Keys]:
    """ConfigMap and Secret names with their keys (ExternalSecret targets count as Secrets)."""
    configmaps: Keys = {cm.name: _keys(cm, "data", "binaryData") for cm in ctx.of_kind("ConfigMap")}
    secrets: Keys = {s.name: _keys(s, "data", "stringData") for s in ctx.of_kind("Secret")}
    for es in ctx.of_kind("ExternalSecret"):
        templated = mapping(mapping(es.spec.get("target")).get("template")).get("data")
        if es.spec.get("dataFrom") or templated:
            secrets[_target(es)] = None
        else:
            secrets[_target(es)] = {str(d.get("secretKey")) for d in dicts(es.spec.get("data"))}
    return configmaps, secrets


def refs(workload: Resource, pod: dict[str, Any]) -> Iterator[tuple[str, str, str | None, str]]:
    """(ConfigMap|Secret, name, key or None, where) for every required reference of a pod."""
    for c in pod_containers(workload, pod, ("initContainers", "containers")):
        for env in dicts(c.body.get("env")):
            for ref_key, kind in ENV_REFS:
                ref = mapping(mapping(env.get("valueFrom")).get(ref_key))
                if ref and not ref.get("optional"):
                    yield kind, str(ref.get("name")), str(ref.get("key")), c.label
        for env_from in dicts(c.body.get("envFrom")):
            for ref_key, kind in ENV_FROM_REFS:
                ref = mapping(env_from.get(ref_key))
                if ref and not ref.get("optional"):
                    yield kind, str(ref.get("name")), None, c.label
    for volume in dicts(pod.get("volumes")):
        where = f"volume {volume.get('name')}"
        for source in [volume, *dicts(mapping(volume.get("projected")).get("sources"))]:
            for vol_key, kind, name_key in VOLUME_REFS:
                ref = mapping(source.get(vol_key))
                if not ref or ref.get("optional"):
                    continue
                name = str(ref.get(name_key) or ref.get("name"))
                items = list(dicts(ref.get("items")))
                if not items:
                    yield kind, name, None, where
                for item in items:
                    yield kind, name, str(item.get("key")), where


def check_config_ref(ctx: EnvContext) -> Iterator[Hit]:
    configmaps, secrets = _known_keys(ctx)
    for pod in ctx.pods():
        for kind, name, key, where in refs(pod.workload, pod.spec):
            known = configmaps if kind == "ConfigMap" else secrets
            if name not in known:
                yield pod.workload, f"{where}: {kind} {name} is not in the environment"
            elif key is not None and known[name] is not None and key not in (known[name] or ()):
                yield pod.workload, f"{where}: {kind} {name} has no key {key}"


def wave(resource: Resource) -> int:
    """The Argo CD sync wave of an object (0 when unset or unreadable)."""
    value = str(mapping(resource.metadata.get("annotations")).get(SYNC_WAVE, "0"))
    return int(value) if value.lstrip("-").isdigit() else 0


def check_sync_wave_order(ctx: EnvContext) -> Iterator[Hit]:
    providers: dict[tuple[str, str], Resource] = {}
    for kind in ("ConfigMap", "Secret"):
        providers.update(((kind, r.name), r) for r in ctx.of_kind(kind))
    providers.update((("Secret", _target(es)), es) for es in ctx.of_kind("ExternalSecret"))
    for pod in ctx.pods():
        seen: set[tuple[str, str]] = set()
        for kind, name, _, _ in refs(pod.workload, pod.spec):
            provider = providers.get((kind, name))
            if provider is None or (kind, name) in seen:
                continue
            seen.add((kind, name))
            if wave(provider) > wave(pod.workload):
                yield pod.workload, (f"{provider.kind} {provider.name} is in sync wave "
                                     f"{wave(provider)}, after this workload's wave "
                                     f"{wave(pod.workload)}")


# --- the rules ---------------------------------------------------------------------------------

PLAINTEXT_SECRET = Rule(
    "plaintext-secret", Severity.CRITICAL,
    summary="no Secret is rendered from git",
    why="A Secret manifest carries its values base64-encoded, not encrypted: committing it leaks "
        "them to everyone who can read the repository and its history.",
    fix="Store the value in the secret store and render an ExternalSecret that creates the "
        "Secret; rotate any value that was committed.",
    check=check_plaintext_secret)


CONFIG_REF = Rule(
    "config-ref", Severity.HIGH,
    summary="every ConfigMap/Secret a pod references exists, with the keys it asks for",
    why="A pod whose env or volume references a missing ConfigMap, Secret or key stays in "
        "CreateContainerConfigError or ContainerCreating, and the rollout never finishes.",
    fix="Fix the name or key (configMapGenerator names get a hash suffix that kustomize "
        "rewrites), add the key, or mark the reference optional: true if it really is.",
    check=check_config_ref)


SYNC_WAVE_ORDER = Rule(
    "sync-wave-order", Severity.HIGH,
    summary="no pod is in an earlier sync wave than a ConfigMap or Secret it uses",
    why="Argo CD waits for a wave to be healthy before the next; a pod that needs an object of a "
        "later wave never becomes healthy, so the sync waits forever.",
    fix="Put the ConfigMap, Secret or ExternalSecret in the same or an earlier "
        "argocd.argoproj.io/sync-wave than the workloads that use it.",
    check=check_sync_wave_order)
