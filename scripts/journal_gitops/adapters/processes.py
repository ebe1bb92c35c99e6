"""Command lines run in the background, a few at a time: the one way kustomize runs, for one
overlay or for many at once.

A command that cannot start is an outcome (exit code 127 and why), never a dead worker. No
process outlives the tooling: at exit, queued ones are dropped and running ones stopped.
"""

from __future__ import annotations

import atexit
import os
import subprocess
import threading
from collections.abc import Sequence


def workers(jobs: int) -> int:
    """Builds are mostly CPU: a couple of processes per core keeps the cores busy."""
    return max(1, min(jobs, (os.cpu_count() or 2) * 2))


class Build:
    """One command line: its exit code, stdout and stderr once it has run."""

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
        threading.Thread(target=worker, name="process", daemon=True).start()
    return builds


@atexit.register
def _stop_all() -> None:
    global _closing
    with _lock:
        _closing = True
        left = list(_unfinished)
    for build in left:
        build.stop()
