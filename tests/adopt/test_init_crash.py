"""`gitops init` killed (SIGKILL) at many moments: gitops.yaml is either not there or whole, and
the next run writes it as a run never interrupted does."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from support import git

from .conftest import Shape

GITOPS = str(Path(sys.executable).parent / "gitops")
DELAYS = [0.05 * n for n in range(1, 25)]


def _init(repo: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([GITOPS, "--repo", str(repo), "init"], capture_output=True, text=True,
                          check=False, env=dict(os.environ), timeout=120)


@pytest.mark.crash
def test_init_killed_at_any_moment_leaves_all_or_nothing(external_apps: Shape) -> None:
    reference = external_apps("reference")
    assert _init(reference).returncode == 0
    whole = (reference / "gitops.yaml").read_text()
    for n, delay in enumerate(DELAYS):
        repo = external_apps(f"repo-{n}")
        process = subprocess.Popen([GITOPS, "--repo", str(repo), "init"],
                                   stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        time.sleep(delay)
        process.send_signal(signal.SIGKILL)
        process.communicate()
        written = repo / "gitops.yaml"
        assert not written.exists() or written.read_text() == whole, delay
        if written.exists():
            continue
        again = _init(repo)
        assert again.returncode == 0, (delay, again.stderr)
        assert written.read_text() == whole
        assert git(repo, "status", "--porcelain") == "?? gitops.yaml", delay
