"""The Kubernetes "restricted" Pod Security Standard, checked on a pod spec before admission does.

Controls and allowed values follow the Pod Security Standards page of the Kubernetes docs
(baseline controls first, then the restricted ones).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

ALLOWED_VOLUME_TYPES = {
    "configMap", "csi", "downwardAPI", "emptyDir", "ephemeral",
    "persistentVolumeClaim", "projected", "secret",
}
SAFE_SYSCTLS = {
    "kernel.shm_rmid_forced", "net.ipv4.ip_local_port_range", "net.ipv4.ip_unprivileged_port_start",
    "net.ipv4.tcp_syncookies", "net.ipv4.ping_group_range", "net.ipv4.ip_local_reserved_ports",
    "net.ipv4.tcp_keepalive_time", "net.ipv4.tcp_fin_timeout", "net.ipv4.tcp_keepalive_intvl",
    "net.ipv4.tcp_keepalive_probes",
}
SELINUX_TYPES = {"", "container_t", "container_init_t", "container_kvm_t", "container_engine_t"}
SECCOMP_OK = {"RuntimeDefault", "Localhost"}
CONTAINER_LISTS = ("initContainers", "containers", "ephemeralContainers")


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _pod_level(spec: dict[str, Any], pod_meta: dict[str, Any]) -> Iterator[str]:
    for field in ("hostNetwork", "hostPID", "hostIPC"):
        if spec.get(field) is True:
            yield f"{field} must not be true"
    ctx = _dict(spec.get("securityContext"))
    if _dict(ctx.get("windowsOptions")).get("hostProcess") is True:
        yield "windowsOptions.hostProcess must not be true"
    for volume in _list(spec.get("volumes")):
        kinds = [k for k in _dict(volume) if k != "name"]
        bad = [k for k in kinds if k not in ALLOWED_VOLUME_TYPES]
        if bad:
            yield f"volume {_dict(volume).get('name')}: type {bad[0]} is not allowed"
    for sysctl in _list(ctx.get("sysctls")):
        if str(_dict(sysctl).get("name")) not in SAFE_SYSCTLS:
            yield f"sysctl {_dict(sysctl).get('name')} is not in the safe set"
    if ctx.get("runAsUser") == 0:
        yield "securityContext.runAsUser must not be 0"
    if ctx.get("runAsNonRoot") is False:
        yield "securityContext.runAsNonRoot must not be false"
    seccomp = _dict(ctx.get("seccompProfile")).get("type")
    if seccomp is not None and str(seccomp) not in SECCOMP_OK:
        yield f"securityContext.seccompProfile.type {seccomp} is not allowed"
    yield from _selinux(ctx, "securityContext")
    apparmor = _dict(ctx.get("appArmorProfile")).get("type")
    if apparmor == "Unconfined":
        yield "securityContext.appArmorProfile.type must not be Unconfined"
    for key, value in _dict(pod_meta.get("annotations")).items():
        if str(key).startswith("container.apparmor.security.beta.kubernetes.io/") and not (
            value == "runtime/default" or str(value).startswith("localhost/")
        ):
            yield f"AppArmor annotation {key}={value} is not allowed"


def _selinux(ctx: dict[str, Any], where: str) -> Iterator[str]:
    selinux = _dict(ctx.get("seLinuxOptions"))
    if str(selinux.get("type", "")) not in SELINUX_TYPES:
        yield f"{where}.seLinuxOptions.type {selinux.get('type')} is not allowed"
    for field in ("user", "role"):
        if selinux.get(field):
            yield f"{where}.seLinuxOptions.{field} must not be set"


def _container(c: dict[str, Any], pod_ctx: dict[str, Any]) -> Iterator[str]:
    ctx = _dict(c.get("securityContext"))
    if ctx.get("privileged") is True:
        yield "privileged must not be true"
    if ctx.get("allowPrivilegeEscalation") is not False:
        yield "allowPrivilegeEscalation must be false"
    caps = _dict(ctx.get("capabilities"))
    if "ALL" not in _list(caps.get("drop")):
        yield "capabilities.drop must include ALL"
    added = [cap for cap in _list(caps.get("add")) if cap != "NET_BIND_SERVICE"]
    if added:
        yield f"capability {added[0]} may not be added (only NET_BIND_SERVICE)"
    non_root = ctx.get("runAsNonRoot", pod_ctx.get("runAsNonRoot"))
    if non_root is not True:
        yield "runAsNonRoot must be true (pod or container)"
    if ctx.get("runAsUser") == 0:
        yield "runAsUser must not be 0"
    seccomp = _dict(ctx.get("seccompProfile")).get("type") or _dict(
        pod_ctx.get("seccompProfile")
    ).get("type")
    if str(seccomp) not in SECCOMP_OK:
        yield "seccompProfile.type must be RuntimeDefault or Localhost (pod or container)"
    if ctx.get("procMount", "Default") != "Default":
        yield "procMount must be Default"
    if _dict(ctx.get("windowsOptions")).get("hostProcess") is True:
        yield "windowsOptions.hostProcess must not be true"
    if _dict(ctx.get("appArmorProfile")).get("type") == "Unconfined":
        yield "appArmorProfile.type must not be Unconfined"
    yield from _selinux(ctx, "securityContext")
    for port in _list(c.get("ports")):
        if _dict(port).get("hostPort"):
            yield f"hostPort {port['hostPort']} is not allowed"


def violations(pod_spec: dict[str, Any], pod_meta: dict[str, Any] | None = None) -> list[str]:
    """Every restricted-profile violation of one pod, each naming its container if it has one."""
    found = list(_pod_level(pod_spec, pod_meta or {}))
    pod_ctx = _dict(pod_spec.get("securityContext"))
    for key in CONTAINER_LISTS:
        for container in _list(pod_spec.get(key)):
            if not isinstance(container, dict):
                continue
            name = container.get("name", "?")
            found.extend(f"container {name}: {v}" for v in _container(container, pod_ctx))
    return found
