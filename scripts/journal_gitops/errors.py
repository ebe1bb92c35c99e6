"""The one exception family of the tooling, and the exit codes it maps to.

The core raises these; only the command line turns them into messages and exit codes.
"""

from __future__ import annotations

from enum import IntEnum


class ExitCode(IntEnum):
    """Process exit codes, documented in README.md."""

    OK = 0
    FINDINGS = 1  # validation findings, or an operation that failed
    USAGE = 2  # bad options or arguments (unknown environment, ...)
    MISSING_TOOL = 3  # a required tool is missing or too old


class GitopsError(Exception):
    """A failure the user can act on; its message is one line."""

    exit_code: ExitCode = ExitCode.FINDINGS


class UsageError(GitopsError):
    """The command was called with something that cannot be right."""

    exit_code = ExitCode.USAGE


class ToolMissingError(GitopsError):
    """An external program (kustomize, git) is absent or too old."""

    exit_code = ExitCode.MISSING_TOOL


class ConfigError(GitopsError):
    """gitops.yaml is missing or does not describe a usable repository."""
