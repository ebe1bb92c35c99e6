"""Console entry points. Signals are set up before anything else is imported, so that Ctrl-C
or SIGTERM at any moment, start-up included, ends in one line and exit code 130 or 143, never a
traceback; the `finally` blocks on the way out remove temporary worktrees."""

from __future__ import annotations

import signal
import sys
from types import FrameType

from .errors import ExitCode, Terminated


def _terminate(signum: int, frame: FrameType | None) -> None:
    raise Terminated


def _start(name: str) -> None:
    signal.signal(signal.SIGTERM, _terminate)
    try:
        from .changes.checkpoints import checkpoint

        checkpoint("start")
        from . import cli

        command = cli.cli if name == "gitops" else cli.bump_image
    except KeyboardInterrupt:
        sys.stderr.write("Error: interrupted\n")
        sys.exit(ExitCode.INTERRUPTED)
    except Terminated:
        sys.stderr.write("Error: terminated\n")
        sys.exit(ExitCode.TERMINATED)
    command(prog_name=name)


def main() -> None:
    _start("gitops")


def bump_image_main() -> None:
    _start("bump-image")
