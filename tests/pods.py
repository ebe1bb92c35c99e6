"""Pods emulated with Linux namespaces, to run the rendered manifests against real servers.

Each pod gets its own mount, network and UTS namespace (`unshare`): its hostname is the pod's
name, its loopback is its own, and its root is this machine's, made read-only, with the pod's
volumes mounted where the manifest mounts them. An "image" is the files a test writes on top of
that root before it turns read-only. Containers run as the manifest's user and group, with no
capabilities, through `nsenter`. Needs root; the servers are the Debian packages.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from journal_gitops.kube.objects import Resource, parse_documents
from journal_gitops.overlays.render import render_or_raise
from support import ROOT

PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
TOOLS = ("unshare", "nsenter", "setpriv", "chroot", "ip", "dash", "redis-server", "redis-cli",
         "nginx")
QUANTITY = re.compile(r"^(\d+)(Ki|Mi|Gi|Ti|k|M|G|T)?$")
FACTORS = {None: 1, "k": 10**3, "M": 10**6, "G": 10**9, "T": 10**12, "Ki": 2**10, "Mi": 2**20,
           "Gi": 2**30, "Ti": 2**40}


def missing_tools() -> str | None:
    """Why these tests cannot run here, or None."""
    if os.geteuid() != 0:
        return "needs root (mount and network namespaces)"
    absent = [tool for tool in TOOLS if shutil.which(tool) is None]
    return f"missing {', '.join(absent)} (Debian packages redis-server, nginx)" if absent else None


def rendered(env: str) -> list[Resource]:
    """The environment exactly as Argo CD would apply it."""
    overlay = f"overlays/{env}"
    text = render_or_raise(ROOT, overlay)
    return parse_documents(text, overlay)


def find(resources: list[Resource], kind: str, name: str) -> Resource:
    """The one object of that kind whose name is `name` (or starts with `name-` if generated)."""
    found = [r for r in resources if r.kind == kind and (
        r.name == name or (kind == "ConfigMap" and r.name.startswith(f"{name}-")))]
    if len(found) != 1:
        raise LookupError(f"{len(found)} {kind} named {name}")
    return found[0]


def quantity(value: str) -> int:
    """A Kubernetes memory quantity in bytes (the forms the manifests use)."""
    match = QUANTITY.match(value)
    if match is None:
        raise ValueError(f"quantity {value!r}")
    return int(match.group(1)) * FACTORS[match.group(2)]


def container_env(spec: dict[str, Any], container: dict[str, Any]) -> dict[str, str]:
    """The container's environment as the kubelet builds it (values and resourceFieldRefs)."""
    env = {"PATH": PATH, "HOME": "/"}
    for item in container.get("env") or []:
        if "value" in item:
            env[item["name"]] = str(item["value"])
            continue
        ref = item["valueFrom"]["resourceFieldRef"]
        target = next(c for c in spec["containers"] if c["name"] == ref["containerName"])
        group, _, name = ref["resource"].partition(".")
        env[item["name"]] = str(quantity(target["resources"][group][name]))
    return env


@dataclass
class Pod:
    """One emulated pod: its namespaces are held by a sleeping process until `stop()`."""

    name: str
    workdir: Path
    user: int
    group: int
    fs_group: int | None
    holder: subprocess.Popen[str] | None = None
    processes: list[subprocess.Popen[bytes]] = field(default_factory=list)

    @property
    def root(self) -> Path:
        return self.workdir / "state" / "root"

    def start(self, image: Mapping[str, str], mounts: Sequence[tuple[Path, str, bool]],
              hosts: str) -> None:
        """Make the namespaces: `image` files (path -> text, or "->target" for a symlink) over
        this machine's root, each (host dir, mount path, read-only) mount, then a read-only root.
        """
        state = self.workdir / "state"
        state.mkdir(parents=True)
        hosts_file = self.workdir / "hosts"
        hosts_file.write_text(hosts)
        layer = self.workdir / "image"
        layer.mkdir()
        for path, text in image.items():
            target = layer / path.lstrip("/")
            target.parent.mkdir(parents=True, exist_ok=True)
            if text.startswith("->"):
                target.symlink_to(text[2:])
            else:
                target.write_text(text)
        script = [
            "set -eu", "mount --make-rprivate /", f"mount -t tmpfs tmpfs {state}",
            f"mkdir {state}/upper {state}/work {self.root}",
            f"cp -a {layer}/. {state}/upper/",
            f"mount -t overlay overlay -o lowerdir=/,upperdir={state}/upper,"
            f"workdir={state}/work {self.root}",
            f"mount --rbind /proc {self.root}/proc", f"mount --rbind /dev {self.root}/dev",
            f"mount --bind {hosts_file} {self.root}/etc/hosts",
        ]
        for source, path, read_only in mounts:
            script += [f"mkdir -p {self.root}{path}", f"mount --bind {source} {self.root}{path}"]
            if read_only:
                script.append(f"mount -o remount,bind,ro {self.root}{path}")
        script += [f"mount -o remount,ro {self.root}", f"hostname {self.name}",
                   "ip link set lo up", "echo ready", f"exec chroot {self.root} sleep infinity"]
        self.holder = subprocess.Popen(
            ["unshare", "--mount", "--net", "--uts", "--fork", "--kill-child", "dash", "-c",
             "\n".join(script)], stdout=subprocess.PIPE, text=True)
        assert self.holder.stdout is not None
        line = self.holder.stdout.readline()
        if line != "ready\n":
            raise RuntimeError(f"pod {self.name} did not start: {line!r}")
        time.sleep(0.1)  # until `sleep` runs in the new root

    @property
    def pid(self) -> int:
        """The process whose namespaces and root the pod's containers enter."""
        assert self.holder is not None
        children = Path(f"/proc/{self.holder.pid}/task/{self.holder.pid}/children").read_text()
        return int(children.split()[0])

    def argv(self, command: Sequence[str], as_root: bool = False) -> list[str]:
        """`command` inside the pod, as the pod's user without capabilities (or as root)."""
        enter = ["nsenter", "-t", str(self.pid), "-m", "-n", "-u", "-r", "-w"]
        if as_root:
            return [*enter, *command]
        groups = ",".join(str(g) for g in dict.fromkeys([self.group, self.fs_group or self.group]))
        return [*enter, "setpriv", f"--reuid={self.user}", f"--regid={self.group}",
                f"--groups={groups}", "--inh-caps=-all", "--bounding-set=-all",
                "--no-new-privs", "--", *command]

    def run(self, command: Sequence[str], env: Mapping[str, str] | None = None,
            stdin: str | None = None, as_root: bool = False) -> subprocess.CompletedProcess[str]:
        return subprocess.run(self.argv(command, as_root), env=dict(env or {"PATH": PATH}),
                              input=stdin, capture_output=True, text=True, timeout=30,
                              check=False)

    def spawn(self, command: Sequence[str], env: Mapping[str, str], log: Path) -> None:
        """A long-running container process, its output in `log` (which, like the pipe a
        container runtime gives, the process may open again by /dev/stdout)."""
        log.touch()
        log.chmod(0o666)
        with log.open("wb") as out:
            self.processes.append(subprocess.Popen(self.argv(command), env=dict(env),
                                                   stdout=out, stderr=subprocess.STDOUT))

    def stop(self) -> None:
        """End every process of the pod: its containers (and their children, such as nginx's
        workers), then the holder of its namespaces."""
        for process in self.processes:
            process.terminate()
        for process in self.processes:
            try:
                process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        if self.holder is not None and self.holder.poll() is None:
            netns = Path(f"/proc/{self.pid}/ns/net").readlink()
            for entry in Path("/proc").iterdir():
                if not entry.name.isdigit() or int(entry.name) in (self.pid, self.holder.pid):
                    continue
                try:
                    if (entry / "ns/net").readlink() == netns:
                        os.kill(int(entry.name), 9)
                except OSError:  # gone, or not ours to inspect
                    continue
        if self.holder is not None:
            self.holder.kill()
            self.holder.wait()


def wait_until(check: Any, what: str, timeout: float = 20.0) -> None:
    """Poll `check()` until it is true."""
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise TimeoutError(f"timed out waiting for {what}")
        time.sleep(0.1)


def link(pods: Sequence[Pod], addresses: Sequence[str]) -> None:
    """One network between the pods: a veth pair (two pods) with these addresses."""
    first, second = pods
    subprocess.run(["nsenter", "-t", str(first.pid), "-n", "ip", "link", "add", "eth0", "type",
                    "veth", "peer", "name", "eth0", "netns", str(second.pid)], check=True)
    for pod, address in zip(pods, addresses, strict=True):
        for command in (["ip", "addr", "add", f"{address}/24", "dev", "eth0"],
                        ["ip", "link", "set", "eth0", "up"]):
            subprocess.run(["nsenter", "-t", str(pod.pid), "-n", *command], check=True)

