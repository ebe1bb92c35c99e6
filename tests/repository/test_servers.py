"""The rendered manifests against the real servers (Debian redis-server and nginx), each pod
emulated with its own namespaces (see pods.py): commands, environment, config, volumes, users
and probes are taken from `kubectl kustomize overlays/dev`, never copied by hand."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from journal_gitops.kube.objects import Resource
from pods import PATH, Pod, container_env, find, link, missing_tools, quantity, rendered, wait_until

pytestmark = pytest.mark.skipif(missing_tools() is not None, reason=str(missing_tools()))

# Every character that broke the old config: quotes, a backslash, $, spaces.
HOSTILE = 'a "quoted" pa$$ \\word\\n with \'single\' quotes '
ADDRESSES = ("10.88.0.10", "10.88.0.11")


def shell(command: list[str]) -> list[str]:
    """`sh` is dash, as in the Debian-based redis image."""
    return ["dash", *command[1:]] if command[:1] == ["sh"] else command


def pod_spec(workload: Resource) -> dict[str, Any]:
    spec: dict[str, Any] = workload.body["spec"]["template"]["spec"]
    return spec


def secret_value(resources: list[Resource], stored: str) -> str:
    """What External Secrets writes into the Secret for a value in the store: the rendered
    template, which this test knows only in the one form the manifests use."""
    template = find(resources, "ExternalSecret", "redis-password").spec["target"]["template"]
    assert template["data"] == {"password": '{{ .password | trimSuffix "\\n" }}'}
    return stored.removesuffix("\n")


def write_secret(folder: Path, value: str, group: int) -> None:
    """The kubelet's update of a Secret volume: a new file swapped in whole."""
    new = folder / ".password.new"
    new.write_text(value)
    os.chown(new, 0, group)
    new.chmod(0o440)
    new.replace(folder / "password")


class RedisPod:
    """One pod of the rendered redis StatefulSet: init container, then redis-server."""

    def __init__(self, resources: list[Resource], ordinal: int, workdir: Path,
                 password: str) -> None:
        sts = find(resources, "StatefulSet", "redis")
        self.spec = spec = pod_spec(sts)
        security = spec["securityContext"]
        self.pod = Pod(f"redis-{ordinal}", workdir, security["runAsUser"],
                       security["runAsGroup"], security.get("fsGroup"))
        self.init, = spec["initContainers"]
        self.main, = spec["containers"]
        group = security["fsGroup"]
        self.folders: dict[str, Path] = {}
        for volume in spec["volumes"]:
            folder = workdir / "volumes" / volume["name"]
            folder.mkdir(parents=True)
            if "configMap" in volume:
                data = find(resources, "ConfigMap", volume["configMap"]["name"]).body["data"]
                for key, text in data.items():
                    (folder / key).write_text(text)
            elif "secret" in volume:
                assert volume["secret"]["defaultMode"] == 0o440
                write_secret(folder, password, group)
            else:
                assert "emptyDir" in volume
                folder.chmod(0o777)
            self.folders[volume["name"]] = folder
        claim, = sts.spec["volumeClaimTemplates"]
        data = workdir / "volumes" / claim["metadata"]["name"]
        data.mkdir()
        os.chown(data, 0, group)
        data.chmod(0o2775)
        self.folders[claim["metadata"]["name"]] = data

    def mounts(self) -> list[tuple[Path, str, bool]]:
        """Every container's mounts (the emulation shares one mount namespace per pod)."""
        found: dict[str, tuple[Path, str, bool]] = {}
        for container in (self.init, self.main):
            for mount in container["volumeMounts"]:
                entry = (self.folders[mount["name"]], mount["mountPath"],
                         bool(mount.get("readOnly")))
                assert found.setdefault(mount["mountPath"], entry) == entry
        return list(found.values())

    def start(self, hosts: str) -> None:
        self.pod.start({}, self.mounts(), hosts)

    def run_init(self) -> None:
        result = self.pod.run(shell(self.init["command"]), container_env(self.spec, self.init))
        assert (result.returncode, result.stderr) == (0, "")

    def serve(self) -> None:
        log = self.pod.workdir / "redis.log"
        self.pod.spawn(self.main["command"], container_env(self.spec, self.main), log)
        wait_until(lambda: "Ready to accept connections" in log.read_text(), "redis to start")

    def ready(self) -> bool:
        """The rendered readiness probe, as the kubelet runs it in the container."""
        command = shell(self.main["readinessProbe"]["exec"]["command"])
        return self.pod.run(command, container_env(self.spec, self.main)).returncode == 0

    def exec(self, *args: str, stdin: str | None = None) -> str:
        """`kubectl exec -i` into the redis container."""
        result = self.pod.run(list(args), container_env(self.spec, self.main), stdin=stdin)
        return result.stdout + result.stderr

    def cli(self, password: str, *args: str) -> str:
        """A client on the pod's loopback that authenticates with `password`."""
        env = {"PATH": PATH, "REDISCLI_AUTH": password}
        result = self.pod.run(["redis-cli", "--no-auth-warning", *args], env)
        return result.stdout.strip()

    def rotate_secret(self, resources: list[Resource], stored: str) -> None:
        write_secret(self.folders["redis-password"], secret_value(resources, stored),
                     self.spec["securityContext"]["fsGroup"])


@pytest.fixture
def dev() -> list[Resource]:
    return rendered("dev")


@pytest.fixture
def redis_pair(tmp_path: Path, dev: list[Resource]) -> Iterator[tuple[RedisPod, RedisPod]]:
    """redis-0 and redis-1, started with a hostile password stored with a trailing newline."""
    password = secret_value(dev, HOSTILE + "\n")
    pods = (RedisPod(dev, 0, tmp_path / "redis-0", password),
            RedisPod(dev, 1, tmp_path / "redis-1", password))
    hosts = "127.0.0.1 localhost\n" + "".join(
        f"{address} redis-{i}.redis.journal-dev.svc.cluster.local redis-{i}.redis redis-{i}\n"
        for i, address in enumerate(ADDRESSES))
    try:
        for pod in pods:
            pod.start(hosts)
        link([pod.pod for pod in pods], ADDRESSES)
        for pod in pods:
            pod.run_init()
            pod.serve()
        wait_until(lambda: "master_link_status:up" in pods[1].cli(
            password, "info", "replication"), "redis-1 to replicate redis-0")
        yield pods
    finally:
        for pod in pods:
            pod.pod.stop()


def behind_redis_write(dev: list[Resource], pods: tuple[RedisPod, ...]) -> list[RedisPod]:
    """The pods the redis-write Service selects (the StatefulSet controller adds pod-name)."""
    selector = find(dev, "Service", "redis-write").spec["selector"]
    chosen = []
    for pod in pods:
        labels = {**pod.spec.get("labels", {}),
                  **find(dev, "StatefulSet", "redis").spec["template"]["metadata"]["labels"],
                  "statefulset.kubernetes.io/pod-name": pod.pod.name}
        if all(labels.get(k) == v for k, v in selector.items()):
            chosen.append(pod)
    return chosen


def test_redis_starts_with_any_password_and_replicates(
        dev: list[Resource], redis_pair: tuple[RedisPod, RedisPod]) -> None:
    primary, replica = redis_pair
    assert primary.ready() and replica.ready()
    assert primary.cli(HOSTILE, "ping") == "PONG"
    assert primary.cli(HOSTILE + "\n", "ping") != "PONG"
    assert primary.cli("", "ping") != "PONG"
    limit = find(dev, "StatefulSet", "redis").body["spec"]["template"]["spec"]["containers"][0][
        "resources"]["limits"]["memory"]
    assert primary.cli(HOSTILE, "config", "get", "maxmemory").split("\n") == [
        "maxmemory", str(quantity(limit) // 2)]
    assert primary.cli(HOSTILE, "config", "get", "maxmemory-policy").split("\n") == [
        "maxmemory-policy", "noeviction"]
    assert primary.cli(HOSTILE, "set", "entry:1", "first") == "OK"
    wait_until(lambda: replica.cli(HOSTILE, "get", "entry:1") == "first", "replication")
    assert "role:slave" in replica.cli(HOSTILE, "info", "replication")
    assert replica.cli(HOSTILE, "set", "entry:2", "x").startswith("READONLY")
    # Nothing but the declared volumes is writable, and the probe needs no more.
    assert "Read-only file system" in primary.exec("dash", "-c", "echo > /written")
    assert primary.exec("dash", "-c", "ls /data") == "appendonlydir\n"


def test_rotation_keeps_a_pod_behind_redis_write_ready(
        dev: list[Resource], redis_pair: tuple[RedisPod, RedisPod]) -> None:
    """The README's runbook, step by step; redis-write never loses its pod."""
    pods = redis_pair
    primary, replica = pods
    writers = behind_redis_write(dev, pods)
    assert writers == [primary]
    new = "n3w \"pass\" \\ $HOME 'x'"
    steps: list[str] = []

    def check(step: str, changed: tuple[RedisPod, ...], accepted: tuple[str, ...],
              refused: tuple[str, ...]) -> None:
        steps.append(step)
        # The kubelet probes every pod; redis-write's pod must pass, and here all do.
        assert [pod.ready() for pod in pods] == [True, True], step
        assert writers[0].ready(), step
        for pod in changed:
            assert [pod.cli(p, "ping") for p in accepted] == ["PONG"] * len(accepted), step
            assert all(pod.cli(p, "ping") != "PONG" for p in refused), step

    check("before", pods, (HOSTILE,), (new,))
    # 1. Every redis pod accepts the new password too (primary first).
    for pod in pods:
        assert pod.exec("dash", "/etc/redis/auth.sh", "add", stdin=new) == (
            "redis accepts the new password as well\n")
        check(f"add on {pod.pod.name}", (pod,), (HOSTILE, new), ())
    # 2. The store holds the new password; the Secret follows, pod by pod.
    for pod in pods:
        pod.rotate_secret(dev, new + "\n")
        check(f"Secret on {pod.pod.name}", (pod,), (HOSTILE, new), ())
    # 3. (Clients restart with the new password.) 4. The old one is revoked.
    for pod in pods:
        assert pod.exec("dash", "/etc/redis/auth.sh", "revoke") == (
            "redis accepts only the Secret's password\n")
        check(f"revoke on {pod.pod.name}", (pod,), (new,), (HOSTILE,))
    # Replication authenticates with the new password after a reconnect.
    assert replica.cli(new, "client", "kill", "type", "master") == "1"
    assert primary.cli(new, "set", "entry:3", "after") == "OK"
    wait_until(lambda: replica.cli(new, "get", "entry:3") == "after", "replication")
    assert len(steps) == 7


def test_a_new_secret_alone_keeps_redis_ready(
        dev: list[Resource], redis_pair: tuple[RedisPod, RedisPod]) -> None:
    """The store changed without step 1: the probe adds the password before it answers."""
    primary, replica = redis_pair
    new = "only the store changed $x"
    primary.rotate_secret(dev, new)
    assert primary.ready()
    assert [primary.cli(p, "ping") for p in (HOSTILE, new)] == ["PONG", "PONG"]
    assert primary.exec("dash", "/etc/redis/auth.sh", "revoke") == (
        "redis accepts only the Secret's password\n")
    replica.rotate_secret(dev, new)
    assert replica.exec("dash", "/etc/redis/auth.sh", "revoke") == (
        "the Secret's password is not in use here yet: wait for the readiness probe\n")
    assert replica.ready()
    assert replica.exec("dash", "/etc/redis/auth.sh", "revoke") == (
        "redis accepts only the Secret's password\n")
    assert replica.cli(HOSTILE, "ping") != "PONG"
    assert replica.cli(new, "client", "kill", "type", "master") == "1"
    assert primary.cli(new, "set", "entry:4", "v") == "OK"
    wait_until(lambda: replica.cli(new, "get", "entry:4") == "v", "replication")


# What the nginx-unprivileged image changes in stock nginx: no `user`, port 8080, the pid file
# and temporary files under /tmp, logs to the container's output.
NGINX_CONF = """\
worker_processes 1;
error_log /var/log/nginx/error.log notice;
pid /tmp/nginx.pid;
events { worker_connections 64; }
http {
    client_body_temp_path /tmp/client_temp;
    proxy_temp_path /tmp/proxy_temp;
    fastcgi_temp_path /tmp/fastcgi_temp;
    uwsgi_temp_path /tmp/uwsgi_temp;
    scgi_temp_path /tmp/scgi_temp;
    include /etc/nginx/mime.types;
    access_log /var/log/nginx/access.log;
    server {
        listen 8080;
        location / { root /usr/share/nginx/html; index index.html; }
    }
}
"""
# The kubelet's httpGet probe, from inside the pod's network namespace.
FETCH = ("import urllib.request, sys; r = urllib.request.urlopen(sys.argv[1]); "
         "print(r.status, r.read().decode(), end='')")
FILESERVER_IMAGE = {
    "/etc/nginx/nginx.conf": NGINX_CONF,
    "/usr/share/nginx/html/index.html": "<h1>journal</h1>\n",
    "/var/log/nginx/access.log": "->/dev/stdout",
    "/var/log/nginx/error.log": "->/dev/stderr",
}


def test_fileserver_runs_read_only_with_its_probes(tmp_path: Path,
                                                   dev: list[Resource]) -> None:
    spec = pod_spec(find(dev, "Deployment", "fileserver"))
    container, = spec["containers"]
    security = spec["securityContext"]
    assert container["securityContext"]["readOnlyRootFilesystem"] is True
    folders = {}
    for volume in spec["volumes"]:
        assert volume == {"name": volume["name"], "emptyDir": {}}
        folders[volume["name"]] = tmp_path / volume["name"]
        folders[volume["name"]].mkdir(mode=0o777)
        folders[volume["name"]].chmod(0o777)
    pod = Pod("fileserver-0", tmp_path / "pod", security["runAsUser"], security["runAsGroup"],
              security.get("fsGroup"))
    mounts = [(folders[m["name"]], m["mountPath"], bool(m.get("readOnly")))
              for m in container["volumeMounts"]]
    ports = {p["name"]: p["containerPort"] for p in container["ports"]}
    try:
        pod.start(FILESERVER_IMAGE, mounts, "127.0.0.1 localhost\n")
        log = tmp_path / "nginx.log"
        pod.spawn(["nginx", "-g", "daemon off;"], container_env(spec, container), log)
        wait_until(lambda: (folders["tmp"] / "nginx.pid").exists(), "nginx to start")
        for probe in ("readinessProbe", "livenessProbe"):
            get = container[probe]["httpGet"]
            url = f"http://127.0.0.1:{ports.get(get['port'], get['port'])}{get['path']}"
            wait_until(lambda url=url: pod.run(["python3", "-c", FETCH, url]).stdout ==
                       "200 <h1>journal</h1>\n", f"{probe} {url}")
        assert sorted(p.name for p in folders["tmp"].iterdir()) == [
            "client_temp", "fastcgi_temp", "nginx.pid", "proxy_temp", "scgi_temp", "uwsgi_temp"]
        assert "emerg" not in log.read_text()
    finally:
        pod.stop()
