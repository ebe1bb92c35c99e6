"""kustomize processes run in the background, a few at a time.

Every render goes through here. `gitops validate` starts its builds first thing (see
prestart.py), before the command line, the rules and the schemas are imported: a build started
that way is taken over only by a render of the very same command line, and at most once; a
later render of the same folder runs kustomize again, since the files may have changed. Only
os, subprocess and threading are used, so that starting costs next to nothing.
"""

from __future__ import annotations

import os
import subprocess
import threading
from collections.abc import Sequence


def workers(jobs: int) -> int:
    """kustomize is mostly CPU: a couple of processes per core keeps the cores busy."""
    return max(1, min(jobs, (os.cpu_count() or 2) * 2))


class Build:
    """One kustomize command line: its exit code, stdout and stderr once it has run."""

    def __init__(self, args: Sequence[str]) -> None:
        self.args = tuple(args)
        self._done = threading.Event()
        self._claimed = False  # by a worker, to run it, or by cancel(), to skip it
        self._outcome = subprocess.CompletedProcess(self.args, 127, "", "not run")

    def _claim(self) -> bool:
        with _lock:
            claimed, self._claimed = self._claimed, True
        return not claimed

    def run(self) -> None:
        if not self._claim():
            return
        try:
            self._outcome = subprocess.run(self.args, capture_output=True, text=True,
                                           check=False)
        except OSError as exc:  # not there, or not executable
            self._outcome = subprocess.CompletedProcess(self.args, 127, "", str(exc))
        finally:
            self._done.set()

    def cancel(self) -> None:
        """Skip it if no worker has started it yet."""
        if self._claim():
            self._outcome = subprocess.CompletedProcess(self.args, 130, "", "cancelled")
            self._done.set()

    def outcome(self) -> subprocess.CompletedProcess[str]:
        self._done.wait()
        return self._outcome


_started: dict[tuple[str, ...], Build] = {}  # started early, not taken yet
_lock = threading.Lock()


def run_all(commands: Sequence[Sequence[str]]) -> list[Build]:
    """Run these command lines in background threads, a few at a time, in this order."""
    builds = [Build(args) for args in commands]
    queue = list(reversed(builds))

    def worker() -> None:
        while True:
            with _lock:
                if not queue:
                    return
                build = queue.pop()
            build.run()

    for _ in range(workers(len(builds)) if builds else 0):
        threading.Thread(target=worker, name="kustomize", daemon=True).start()
    return builds


def start(commands: Sequence[Sequence[str]]) -> None:
    """Run these command lines now, for a render of the same build to take over later."""
    fresh = [args for args in commands if tuple(args) not in _started]
    builds = run_all(fresh)
    with _lock:
        _started.update((build.args, build) for build in builds)


def take(args: Sequence[str]) -> Build | None:
    """The build started early for exactly this command line, handed over once."""
    with _lock:
        return _started.pop(tuple(args), None)


def forget() -> None:
    """Drop every early build not taken yet: the files changed since they started (a
    recovery ran)."""
    with _lock:
        dropped = list(_started.values())
        _started.clear()
    for build in dropped:
        build.cancel()
