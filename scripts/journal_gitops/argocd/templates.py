"""The sync policy blocks `env set --auto-sync/--manual-sync` writes into an Application, each
with the comments that say what it does."""

from __future__ import annotations

AUTO_SYNC = """\
    # Every commit to main is applied; pruning removes objects deleted from git
    # and selfHeal reverts changes made directly in the cluster.
    automated:
      prune: true
      selfHeal: true
"""
MANUAL_SYNC = """\
    # Synced by hand. Automated sync is switched off here, in git: if someone
    # turns it on in the Argo CD UI, the root app sees the difference and its
    # selfHeal switches it off again. That also keeps the UI's rollback usable
    # (Argo CD refuses to roll back while automated sync is enabled).
    automated:
      enabled: false
"""
