"""`python -m journal_gitops` is `gitops`."""

from __future__ import annotations

from .entry import main

main()
