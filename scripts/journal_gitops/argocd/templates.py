"""The Application a new environment gets, written the way the existing ones are written by
hand.

Tests hold these to the repository's own files byte for byte, so generated environments cannot
drift from the hand-written ones.
"""

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
# Annotation a protected Application (production) carries: the root app neither prunes it when its
# file leaves apps/ nor deletes it with itself, so prod's workloads never go with it by accident.
PROTECTED = """\
  annotations:
    # The root app never prunes or deletes this Application: removing this
    # file or deleting the root app leaves it, and what it deployed, running.
    argocd.argoproj.io/sync-options: Prune=false,Delete=false
"""


def application(env: str, namespace: str, overlay: str, repo_url: str, project: str,
                cluster: dict[str, str], automated: bool, protected: bool = False) -> str:
    """apps/journal-<env>.yaml; `cluster` is the destination's server (or name); `protected`
    as production is (see PROTECTED)."""
    annotations = PROTECTED if protected else ""
    (key, value), = cluster.items()
    return f"""\
# Argo CD Application for the {env} environment of the journal app.
# Created and kept in sync by the root app (argocd/root-app.yaml).
apiVersion: argoproj.io/v1alpha1
kind: Application
metadata:
  name: journal-{env}
  namespace: argocd
  labels:
    app.kubernetes.io/part-of: journal
    app.kubernetes.io/instance: journal-{env}
{annotations}  # Deleting the Application also deletes what it deployed (the namespace and
  # the redis volumes stay, see {overlay}/namespace.yaml).
  finalizers:
    - resources-finalizer.argocd.argoproj.io
spec:
  project: {project}
  revisionHistoryLimit: 10
  source:
    repoURL: {repo_url}
    targetRevision: main
    path: {overlay}
  destination:
    {key}: {value}
    namespace: {namespace}
  syncPolicy:
{(AUTO_SYNC if automated else MANUAL_SYNC).rstrip(chr(10))}
    syncOptions:
      # Delete removed objects only after everything else is synced and healthy.
      - PruneLast=true
      # Fail instead of silently taking over an object another Application owns.
      - FailOnSharedResource=true
      # Delete owners only after their dependents (pods, ReplicaSets) are gone.
      - PrunePropagationPolicy=foreground
    # Transient errors (e.g. the ExternalSecret CRD or webhook not ready yet)
    # are retried with exponential backoff.
    retry:
      limit: 5
      backoff:
        duration: 5s
        factor: 2
        maxDuration: 3m
"""
