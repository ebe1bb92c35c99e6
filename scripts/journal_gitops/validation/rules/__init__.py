"""Validation rules: each is one Rule object (id, severity, summary, why it matters, how to fix
it, and its check over one rendered environment, or over the Argo CD manifests of the
repository), defined in the module of its family and listed below in the order `gitops rules`
shows them. Rules without a check name findings that rendering, the schemas or the waivers make.

Checks yield (resource, message[, field path]) hits; the validation turns them into findings.
Every finding fails `gitops validate`, whatever its severity.
"""

from __future__ import annotations

from ...config import CONFIG_FILE
from ...config.model import Config
from ...errors import ConfigError
from . import (
    api_server,
    api_values,
    app_checks,
    argocd,
    argocd_repo,
    clusters,
    config_refs,
    containers,
    images,
    list_keys,
    networking,
    pipeline,
    references,
    sync_windows,
    synced_files,
    workloads,
)
from .model import Rule

RULES: tuple[Rule, ...] = (
    pipeline.RENDER,
    pipeline.YAML,
    pipeline.KUSTOMIZE_INPUT,
    pipeline.UNCHECKED_FILE,
    pipeline.KUSTOMIZE_WARNING,
    pipeline.SCHEMA,
    pipeline.CUSTOM_SCHEMA,
    pipeline.UNKNOWN_KIND,
    images.IMAGE_TAG,
    app_checks.IMAGE_REFERENCE,
    images.TAG_SCHEME,
    containers.RESOURCES,
    api_server.QUANTITY,
    api_server.LIMITS_REQUESTS,
    api_server.CLAIM_SIZE,
    api_server.INT_RANGE,
    api_values.KIND_VALUES,
    api_values.REQUIRED_LISTS,
    containers.PROBES,
    api_server.PROBE_HANDLER,
    app_checks.PROBE_PORT,
    api_server.CONTAINER_NAMES,
    api_server.VOLUME_MOUNTS,
    list_keys.LIST_KEYS,
    containers.POD_SECURITY,
    containers.LABELS,
    api_server.LABEL_SYNTAX,
    api_server.SELECTOR_MATCH,
    config_refs.PLAINTEXT_SECRET,
    app_checks.SECRET_LITERAL,
    app_checks.SECRET_VALUE,
    config_refs.CONFIG_REF,
    references.OBJECT_REFS,
    app_checks.SERVICE_HOST_ENV,
    networking.SERVICE_SELECTOR,
    networking.SERVICE_TARGET_PORT,
    app_checks.NETWORK_POLICY_SELECTOR,
    api_server.INGRESS_HOST,
    networking.INGRESS_PATH_ORDER,
    networking.INGRESS_BACKEND,
    workloads.STATEFULSET_SERVICE,
    workloads.PDB,
    argocd.APPLICATION,
    argocd_repo.APPLICATION_PATH,
    argocd_repo.TARGET_REVISION,
    argocd.PROJECT_PERMITS,
    argocd_repo.PROJECT_WILDCARD,
    clusters.PROJECT_DESTINATIONS,
    clusters.CLUSTER_DESTINATION,
    clusters.CLUSTER_NAMESPACE,
    argocd.SYNC_OPTIONS,
    config_refs.SYNC_WAVE_ORDER,
    argocd.SYNC_POLICY,
    synced_files.SYNCED_FILES,
    sync_windows.SYNC_WINDOWS,
    pipeline.WAIVER_EXPIRED,
    pipeline.WAIVER_UNUSED,
)
_BY_ID = {rule.id: rule for rule in RULES}
# House style: what this repository asks of itself beyond what the API server, Argo CD and
# security need. The baseline profile leaves these out.
HOUSE_STYLE = (containers.RESOURCES.id, containers.PROBES.id, containers.LABELS.id,
               images.TAG_SCHEME.id, workloads.PDB.id, argocd.SYNC_POLICY.id)


def all_rules() -> tuple[Rule, ...]:
    """Every rule, in a stable order: rendering and schemas first, then the checks by family."""
    return RULES


def rules_off(config: Config) -> dict[str, str]:
    """The rules gitops.yaml switches off (rule id -> why): by its profile, or one by one."""
    off = dict.fromkeys(HOUSE_STYLE, "baseline profile") if config.rules.profile == "baseline" \
        else {}
    for rule_id, reason in config.rules.off:
        if rule_id not in _BY_ID:
            raise ConfigError(f"{CONFIG_FILE}: rules.disabled names unknown rule {rule_id!r} (see "
                              f"gitops rules)")
        off[rule_id] = reason
    return off


def get_rule(rule_id: str) -> Rule:
    """The rule with this id (a KeyError names an unknown id)."""
    return _BY_ID[rule_id]
