"""Tooling for a Kustomize + Argo CD GitOps repository: render, validate and change environments.

Started as the `gitops` or `bump-image` command, the package's first instructions make Ctrl-C
and SIGTERM end the process with one line and exit code 130 or 143: nothing has been done yet,
so there is nothing to clean up. entry.py hands the signals to the command once it runs. A
signal ignored when the process started stays ignored.
"""

from __future__ import annotations

import os
import signal
import sys
from collections.abc import Callable
from types import FrameType
from typing import Any

DISTRIBUTION = "journal-gitops"
COMMANDS = ("gitops", "bump-image")


def _leave(signum: int, frame: FrameType | None) -> None:
    interrupted = signum == signal.SIGINT
    os.write(2, b"Error: interrupted\n" if interrupted else b"Error: terminated\n")
    os._exit(130 if interrupted else 143)


def handle(signum: int, handler: Callable[[int, FrameType | None], Any]) -> None:
    """Install a handler, unless the signal was ignored when the process started (a job
    started in the background, `nohup`): what the caller chose to ignore stays ignored."""
    if signal.getsignal(signum) is not signal.SIG_IGN:
        signal.signal(signum, handler)


if (sys.argv[0] if sys.argv else "").rpartition("/")[2] in COMMANDS:
    handle(signal.SIGINT, _leave)
    handle(signal.SIGTERM, _leave)
    from .changes.checkpoints import checkpoint

    checkpoint("first-instruction")


def version() -> str:
    """The installed version (read on demand: looking it up costs start-up time)."""
    from importlib.metadata import PackageNotFoundError
    from importlib.metadata import version as installed

    try:
        return installed(DISTRIBUTION)
    except PackageNotFoundError:  # a source tree that is not installed
        return "0+unknown"
