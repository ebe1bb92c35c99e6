"""The one exception family of the tooling, and the exit codes it maps to.

The core raises these; only the command line turns them into messages and exit codes.
"""

from __future__ import annotations

from enum import IntEnum


class ExitCode(IntEnum):
    """Process exit codes, documented in README.md."""

    OK = 0
    FINDINGS = 1  # validation findings, or the repository or a remote refuses the change
    USAGE = 2  # the command line is wrong (unknown environment, options that clash, ...)
    MISSING_TOOL = 3  # a required tool is missing or too old
    INTERRUPTED = 130  # Ctrl-C (128 + SIGINT)
    TERMINATED = 143  # SIGTERM (128 + 15)


class GitopsError(Exception):
    """A failure the user can act on; its message is one line. Raised as is, it means the
    repository, its history or a remote refuses what was asked (exit 1)."""

    exit_code: ExitCode = ExitCode.FINDINGS


class GateRefusal(GitopsError):
    """A release gate refuses the change (order, freeze, soak, hold, a rollback not asked
    for): exit 1, whichever gate it is; the message names the option that overrides it."""


class UsageError(GitopsError):
    """The command was called with something that cannot be right."""

    exit_code = ExitCode.USAGE


class ToolMissingError(GitopsError):
    """An external program (kustomize, git) is absent or too old."""

    exit_code = ExitCode.MISSING_TOOL


class ConfigError(GitopsError):
    """gitops.yaml is missing or does not describe a usable repository (exit 1)."""


class Terminated(BaseException):
    """SIGTERM, raised where the process is, so that cleanup runs as for Ctrl-C."""
