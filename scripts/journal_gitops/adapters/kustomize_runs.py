"""kustomize processes run in the background, a few at a time.

render_many runs its builds here, and `gitops validate` starts its builds here first thing
(see prestart.py), before the command line, the rules and the schemas are imported: a build
started that way is taken over only by a render of the very same command line, and at most
once; a later render of the same folder runs kustomize again, since the files may have changed.
No build outlives the process: at exit, queued ones are dropped and running ones stopped. Only
os, subprocess, threading and atexit are used, so that starting costs next to nothing.
"""

from __future__ import annotations

import atexit
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
        self._process: subprocess.Popen[str] | None = None
        self._outcome = subprocess.CompletedProcess(self.args, 127, "", "not run")

    def _claim(self) -> bool:
        with _lock:
            claimed, self._claimed = self._claimed, True
        return not claimed

    def run(self) -> None:
        if not self._claim():
            return
        try:
            with subprocess.Popen(self.args, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                  text=True) as process:
                with _lock:
                    self._process = process
                    closing = _closing
                if closing:  # the process is exiting: it stopped the others before this one
                    process.terminate()
                stdout, stderr = process.communicate()
            self._outcome = subprocess.CompletedProcess(self.args, process.returncode, stdout,
                                                        stderr)
        except Exception as exc:  # not there, not executable, undecodable output: an outcome
            self._outcome = subprocess.CompletedProcess(self.args, 127, "", str(exc))
        finally:
            self._finish()

    def cancel(self) -> None:
        """Skip it if no worker has started it yet."""
        if self._claim():
            self._outcome = subprocess.CompletedProcess(self.args, 130, "", "cancelled")
            self._finish()

    def _finish(self) -> None:
        with _lock:
            _unfinished.discard(self)
        self._done.set()

    def stop(self) -> None:
        """Skip it, or end its process if it is running."""
        self.cancel()
        with _lock:
            process = self._process
        if process is not None and process.poll() is None:
            process.terminate()

    def outcome(self) -> subprocess.CompletedProcess[str]:
        self._done.wait()
        return self._outcome


_started: dict[tuple[str, ...], Build] = {}  # started early, not taken yet
_unfinished: set[Build] = set()  # queued or running
_closing = False  # set at exit: a process started from then on is stopped at once
_lock = threading.Lock()


def run_all(commands: Sequence[Sequence[str]]) -> list[Build]:
    """Run these command lines in background threads, a few at a time, in this order."""
    builds = [Build(args) for args in commands]
    queue = list(reversed(builds))
    with _lock:
        _unfinished.update(builds)

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


def untaken() -> list[tuple[str, ...]]:
    """The command lines started early that nothing has taken over (yet)."""
    with _lock:
        return list(_started)


def forget() -> None:
    """Drop every early build not taken yet: the files changed since they started (a
    recovery ran)."""
    with _lock:
        dropped = list(_started.values())
        _started.clear()
    for build in dropped:
        build.stop()


@atexit.register
def _stop_all() -> None:
    global _closing
    with _lock:
        _closing = True
        left = list(_unfinished)
    for build in left:
        build.stop()
