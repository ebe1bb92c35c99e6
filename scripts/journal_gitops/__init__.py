"""Tooling for the journal app's GitOps repository: render, validate and change environments."""

from __future__ import annotations

__version__ = "0.1.0"
