"""Console entry points. From here on Ctrl-C and SIGTERM raise (KeyboardInterrupt, Terminated),
so that they end in one line and exit code 130 or 143, never a traceback, and the `finally`
blocks on the way out remove temporary worktrees. Before this, the package's first instructions
handle them (see __init__)."""

from __future__ import annotations

import signal
import sys
from types import FrameType

from . import handle
from .errors import ExitCode, Terminated


def _terminate(signum: int, frame: FrameType | None) -> None:
    raise Terminated


def _start(name: str) -> None:
    try:
        handle(signal.SIGINT, signal.default_int_handler)
        handle(signal.SIGTERM, _terminate)
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
