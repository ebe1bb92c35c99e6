"""Rules on what breaks the app although every object is accepted: probes on ports the
container does not declare, image references the kubelet cannot pull, env vars naming Services
that do not exist, NetworkPolicies that select nothing, and secrets written as literals."""

from __future__ import annotations

import re
from collections.abc import Iterator
from itertools import pairwise
from typing import Any
from urllib.parse import urlsplit

from ...kube.images import image_problem
from ...kube.names import is_dns_label
from ...kube.objects import Resource, selects
from .api_server import PROBES, containers_at
from .context import ALL_CONTAINERS, EnvContext, mapping
from .model import FieldPath, Hit, Rule, Severity

# Env vars whose value is, by convention, the address of another service.
HOST_ENV = re.compile(r"_(HOST|HOSTNAME|ADDR|ADDRESS|URL|URI|ENDPOINT)$")
IN_CLUSTER = re.compile(r"^([a-z0-9]([-a-z0-9]*[a-z0-9])?)\.([a-z0-9]([-a-z0-9]*[a-z0-9])?)"
                        r"\.svc(\.cluster\.local)?\.?$")
NOT_SERVICES = {"localhost"}
# Words that make a name a secret's (split at _, -, . and camelCase), and last words that make
# it a reference to one instead (DB_PASSWORD_FILE is a path, SECRET_NAME a name).
SECRET_WORDS = {"password", "passwd", "pwd", "secret", "token", "apikey", "credential",
                "credentials", "passphrase"}
SECRET_PAIRS = {("api", "key"), ("private", "key"), ("access", "key"), ("secret", "key"),
                ("auth", "token"), ("client", "secret")}
REFERENCE_WORDS = {"file", "path", "dir", "name", "ref", "mount", "location", "env", "url",
                   "host", "length", "policy", "type", "kind", "id"}


def check_image_reference(ctx: EnvContext) -> Iterator[Hit]:
    for workload in ctx.workloads():
        for path, body in containers_at(workload, ALL_CONTAINERS):
            problem = image_problem(str(body.get("image") or ""))
            if problem:
                yield workload, f"container {body.get('name')}: {problem}", (*path, "image")


def _declared_ports(body: dict[str, Any]) -> tuple[set[str], set[int]]:
    ports = [p for p in body.get("ports") or [] if isinstance(p, dict)] if isinstance(
        body.get("ports"), list) else []
    return ({str(p["name"]) for p in ports if p.get("name")},
            {p["containerPort"] for p in ports if isinstance(p.get("containerPort"), int)})


def check_probe_port(ctx: EnvContext) -> Iterator[Hit]:
    """A named port must be declared; a number must be declared when the container declares
    any port (a container that declares none may listen anywhere, which nothing can check)."""
    for workload in ctx.workloads():
        for path, body in containers_at(workload):
            names, numbers = _declared_ports(body)
            for probe_name in PROBES:
                probe = mapping(body.get(probe_name))
                for handler in ("httpGet", "tcpSocket", "grpc"):
                    port = mapping(probe.get(handler)).get("port")
                    if not isinstance(port, str | int) or isinstance(port, bool):
                        continue
                    if isinstance(port, str) and not port.isdigit():
                        bad = port not in names
                    else:
                        bad = bool(numbers) and int(port) not in numbers
                    if bad:
                        yield workload, (f"container {body.get('name')}: {probe_name} port "
                                         f"{port} is not a port the container declares"), (
                            *path, probe_name, handler, "port")


def service_named(value: str, namespace: str | None) -> str | None:
    """The Service a host value names in this namespace: a bare DNS label or
    NAME.NAMESPACE.svc[.cluster.local], with an optional scheme and port; None otherwise
    (external names, IPs, other namespaces, `$(VAR)` references)."""
    if "$(" in value or "{{" in value:
        return None
    host = urlsplit(value).hostname if "://" in value else value.rsplit(":", 1)[0] if (
        value.count(":") == 1) else value
    if not host:
        return None
    if is_dns_label(host) and not host.isdigit():
        return None if host in NOT_SERVICES else host
    match = IN_CLUSTER.match(host)
    if match and match.group(3) == namespace:
        return match.group(1)
    return None


def check_service_host_env(ctx: EnvContext) -> Iterator[Hit]:
    services: dict[str | None, set[str]] = {}
    for svc in ctx.of_kind("Service"):
        services.setdefault(svc.namespace, set()).add(svc.name)
    for workload in ctx.workloads():
        for path, body in containers_at(workload):
            env = body.get("env")
            for index, var in enumerate(env if isinstance(env, list) else []):
                if not isinstance(var, dict) or not HOST_ENV.search(str(var.get("name", ""))):
                    continue
                value = var.get("value")
                name = service_named(value, workload.namespace) if isinstance(
                    value, str) else None
                if name is not None and name not in services.get(workload.namespace, set()):
                    yield workload, (f"container {body.get('name')}: {var.get('name')}={value} "
                                     f"names Service {name}, which is not in the environment"), (
                        *path, "env", index, "value")


def check_network_policy_selector(ctx: EnvContext) -> Iterator[Hit]:
    for policy in ctx.of_kind("NetworkPolicy"):
        selector = policy.spec.get("podSelector")
        if not isinstance(selector, dict) or not (
                selector.get("matchLabels") or selector.get("matchExpressions")):
            continue  # {} selects every pod of the namespace
        if not any(selects(selector, w.pod_labels()) for w in ctx.workloads()
                   if w.namespace == policy.namespace):
            yield policy, "podSelector matches no pod in the environment", ("spec", "podSelector")


def secret_like(name: Any) -> bool:
    """Whether a key or env var name says its value is a secret (and not a path to one)."""
    spaced = re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", str(name)).lower()
    words = [w for w in re.split(r"[^a-z0-9]+", spaced) if w]
    if not words or words[-1] in REFERENCE_WORDS:
        return False
    return bool(SECRET_WORDS & set(words)) or any(pair in SECRET_PAIRS
                                                  for pair in pairwise(words))


def _literal(value: Any) -> bool:
    return isinstance(value, str | int) and not isinstance(value, bool) and str(value).strip() \
        not in ("", "-") and "$(" not in str(value)


def _literals(ctx: EnvContext) -> Iterator[tuple[Resource, str, str, str, FieldPath]]:
    """Every literal value a secret could be written in: container env values, ConfigMap data,
    ExternalSecret template data (not its {{ }} references): (object, how a message names
    the place, the key, the value, its path)."""
    for workload in ctx.workloads():
        for path, body in containers_at(workload, ALL_CONTAINERS):
            env = body.get("env")
            for index, var in enumerate(env if isinstance(env, list) else []):
                if isinstance(var, dict) and _literal(var.get("value")):
                    yield (workload, f"container {body.get('name')}: env {var.get('name')}",
                           str(var.get("name")), str(var["value"]),
                           (*path, "env", index, "value"))
    for cm in ctx.of_kind("ConfigMap"):
        for key, value in mapping(cm.body.get("data")).items():
            if _literal(value):
                yield cm, f"key {key}", str(key), str(value), ("data", str(key))
    for es in ctx.of_kind("ExternalSecret"):
        template = mapping(mapping(es.spec.get("target")).get("template"))
        for key, value in mapping(template.get("data")).items():
            if _literal(value) and "{{" not in str(value):
                yield es, f"template key {key}", str(key), str(value), (
                    "spec", "target", "template", "data", str(key))


def check_secret_literal(ctx: EnvContext) -> Iterator[Hit]:
    for resource, place, key, _, path in _literals(ctx):
        if secret_like(key):
            what = "a literal, not read from the store" if resource.kind == "ExternalSecret" \
                else "a literal value"
            yield resource, f"{place} is {what}", path


# Secrets recognisable by their text, whatever the key is called: a private key block, and the
# formats of the big clouds' and common vendors' keys (AWS, Azure, Google Cloud, OCI's keys are
# PEM blocks, GitHub, Slack, Stripe).
SECRET_VALUES = (
    ("a PEM private key", re.compile(r"-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY( BLOCK)?-----")),
    ("an AWS access key id", re.compile(r"\b(?:AKIA|ASIA|AGPA|AIDA|AROA|ANPA)[0-9A-Z]{16}\b")),
    ("an Azure storage account key", re.compile(r"AccountKey=[A-Za-z0-9+/]{40,}={0,2}")),
    ("an Azure shared access signature", re.compile(r"[?&]sig=[A-Za-z0-9%+/]{20,}")),
    ("a Google API key", re.compile(r"\bAIza[0-9A-Za-z_\-]{35}\b")),
    ("a Google service account key", re.compile(r'"type"\s*:\s*"service_account"')),
    ("a GitHub token",
     re.compile(r"\b(?:gh[pousr]_[A-Za-z0-9]{36}|github_pat_[A-Za-z0-9_]{40,})\b")),
    ("a Slack token", re.compile(r"\bxox[abprs]-[0-9A-Za-z-]{10,}")),
    ("a Stripe live key", re.compile(r"\b[rs]k_live_[0-9A-Za-z]{20,}\b")),
)
# Well-known credential variable names that the words of secret_like miss.
VENDOR_NAMES = {"aws_secret_access_key", "aws_session_token", "azure_storage_key",
                "azure_storage_account_key", "azure_storage_connection_string",
                "azure_client_certificate", "oci_cli_key_content", "oci_private_key",
                "google_credentials", "gcp_service_account_key", "digitalocean_access_token"}


def check_secret_value(ctx: EnvContext) -> Iterator[Hit]:
    for resource, place, key, value, path in _literals(ctx):
        if secret_like(key):
            continue  # secret-literal says so already
        found = next((what for what, pattern in SECRET_VALUES if pattern.search(value)), None)
        if found is None and key.lower().replace("-", "_") in VENDOR_NAMES:
            found = f"a credential ({key} is a well-known credential variable)"
        if found is not None:
            yield resource, f"{place} holds {found}", path


# --- the rules ---------------------------------------------------------------------------------

IMAGE_REFERENCE = Rule(
    "image-reference", Severity.CRITICAL,
    summary="every image reference parses: lowercase repository, valid tag, sha256 digest of 64 "
            "hex",
    why="The kubelet cannot pull an image whose repository has capitals or whose digest is not "
        "sha256 and 64 lowercase hex digits: the pod stays in InvalidImageName.",
    fix="Write the repository in lowercase and pin a digest as @sha256: followed by the 64 "
        "lowercase hex digits the registry reports.",
    check=check_image_reference)


PROBE_PORT = Rule(
    "probe-port", Severity.HIGH,
    summary="every probe's port is a port its container declares",
    why="A readiness probe on a port the container does not open never succeeds: the pod stays "
        "unready, the Service has no endpoints and the rollout hangs.",
    fix="Point the probe at a containerPort of the same container, by name (preferred) or by "
        "number.",
    check=check_probe_port)


SECRET_LITERAL = Rule(
    "secret-literal", Severity.CRITICAL,
    summary="no password, token or key is a literal in env, a ConfigMap or an ExternalSecret "
            "template",
    why="A password written as a container env value, a ConfigMap literal or a fixed "
        "ExternalSecret template line is in git in plain text, readable by everyone with the "
        "repository.",
    fix="Keep the value in the secret store and reference it: secretKeyRef in env, an "
        "ExternalSecret data entry, or {{ .key }} in the template.",
    check=check_secret_literal)


SECRET_VALUE = Rule(
    "secret-value", Severity.CRITICAL,
    summary="no literal is a private key or a cloud or vendor credential, by its text or a "
            "well-known name",
    why="A key is a secret whatever its variable is called: a PEM private key block, an AWS "
        "access key id (AKIA...), an Azure AccountKey= or SAS signature, a Google API or service "
        "account key, a GitHub, Slack or Stripe token, or a value under a well-known credential "
        "name (AWS_SECRET_ACCESS_KEY, AZURE_STORAGE_CONNECTION_STRING, OCI_CLI_KEY_CONTENT) is "
        "in git in plain text.",
    fix="Revoke the key (it is in the history now), keep the new one in the secret store and "
        "reference it: secretKeyRef in env, an ExternalSecret data entry, or {{ .key }} in the "
        "template.",
    check=check_secret_value)


SERVICE_HOST_ENV = Rule(
    "service-host-env", Severity.HIGH,
    summary="an env var *_HOST, *_ADDR, *_URL... naming an in-cluster host names a Service of the "
            "environment",
    why="An app told to reach a Service that does not exist fails its DNS lookup at every "
        "request, although every object syncs and looks healthy.",
    fix="Name a Service rendered in the same overlay (its name, or "
        "name.namespace.svc[.cluster.local]), or add the Service.",
    check=check_service_host_env)


NETWORK_POLICY_SELECTOR = Rule(
    "network-policy-selector", Severity.HIGH,
    summary="every NetworkPolicy's podSelector matches pods in the environment",
    why="A NetworkPolicy that selects no pod protects nothing and opens nothing: the traffic it "
        "was written for stays blocked or unguarded.",
    fix="Make spec.podSelector match a workload's pod labels, or use {} for every pod of the "
        "namespace.",
    check=check_network_policy_selector)
