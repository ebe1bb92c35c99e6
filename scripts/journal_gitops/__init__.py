"""Tooling for the journal app's GitOps repository: render, validate and change environments."""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("journal-gitops")
except PackageNotFoundError:  # run from a source tree that is not installed
    __version__ = "0+unknown"
