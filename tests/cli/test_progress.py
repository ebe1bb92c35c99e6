"""Progress on a terminal: `gitops validate` with stderr on a pseudo-terminal says how far the
renders are, and clears the line; to a pipe, or with `--output json`, it says nothing."""

from __future__ import annotations

import os
import pty
import subprocess
import sys
from pathlib import Path

from conftest import MakeRepo

GITOPS = str(Path(sys.executable).parent / "gitops")
FRESH = {**os.environ, "GITOPS_NO_CACHE": "1"}  # every environment is built: three renders


def _stderr_on_a_terminal(*args: str) -> tuple[int, str]:
    leader, follower = pty.openpty()
    with subprocess.Popen([GITOPS, *args], stdout=subprocess.DEVNULL, stderr=follower,
                          env=FRESH) as process:
        os.close(follower)
        chunks = []
        while True:
            try:
                chunk = os.read(leader, 4096)
            except OSError:  # the terminal closed: the command ended
                break
            if not chunk:
                break
            chunks.append(chunk)
        code = process.wait(timeout=120)
    os.close(leader)
    return code, b"".join(chunks).decode()


def test_renders_are_counted_on_a_terminal_and_the_line_cleared(make_repo: MakeRepo) -> None:
    repo = make_repo()
    code, shown = _stderr_on_a_terminal("--repo", str(repo), "validate")
    assert code == 0
    counts = [part for part in shown.split("\r\x1b[K") if part]
    assert counts == [f"rendering environments: {n} of 3" for n in (1, 2, 3)]
    assert shown.endswith("\r\x1b[K")


def test_quiet_for_machines_and_pipes(make_repo: MakeRepo) -> None:
    repo = make_repo()
    assert _stderr_on_a_terminal("--repo", str(repo), "validate", "--output", "json") == (0, "")
    piped = subprocess.run([GITOPS, "--repo", str(repo), "validate"], capture_output=True,
                           text=True, env=FRESH, check=False)
    assert (piped.returncode, piped.stderr) == (0, "")
