"""Files a new environment's overlay gets, written the way the existing ones are written by hand.

Tests hold these to the repository's own files byte for byte, so generated environments cannot
drift from the hand-written ones.
"""

from __future__ import annotations


def namespace(name: str) -> str:
    """overlays/<env>/namespace.yaml."""
    return f"""\
apiVersion: v1
kind: Namespace
metadata:
  name: {name}
  labels:
    # Reject any pod that does not meet the restricted Pod Security Standard.
    pod-security.kubernetes.io/enforce: restricted
    pod-security.kubernetes.io/enforce-version: latest
    pod-security.kubernetes.io/warn: restricted
    app.kubernetes.io/part-of: journal
  annotations:
    # Created before anything that lives in it.
    argocd.argoproj.io/sync-wave: "-3"
    # Argo CD must never prune or delete the namespace: that would take the
    # redis volumes (the journal data) with it.
    argocd.argoproj.io/sync-options: Prune=false,Delete=false
"""


def overlay_header(env: str, namespace: str, replicas: dict[str, int], automated: bool,
                   app_file: str) -> str:
    """The two comment lines that open an overlay's kustomization.yaml."""
    counts = ", ".join(f"{name} {count}" for name, count in replicas.items())
    sync = "synced automatically" if automated else "synced by hand"
    return (f"# {env}: {counts}; {sync}.\n"
            f"# Namespace {namespace}; synced by the Argo CD Application {app_file}.\n")
