"""Tooling for the journal app's GitOps repository: render, validate and change environments."""

from __future__ import annotations

DISTRIBUTION = "journal-gitops"


def version() -> str:
    """The installed version (read on demand: looking it up costs start-up time)."""
    from importlib.metadata import PackageNotFoundError
    from importlib.metadata import version as installed

    try:
        return installed(DISTRIBUTION)
    except PackageNotFoundError:  # a source tree that is not installed
        return "0+unknown"
