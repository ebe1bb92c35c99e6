"""Findings of rendering and schemas: kustomize, YAML parsing and the API server's schemas.

These rules have no check of their own: `validation` and the schema adapter report them under
these ids while they render and parse. They are listed so that every id has its metadata.
"""

from __future__ import annotations

from .model import Rule, RuleId, Severity

RULES = (
    Rule(
        RuleId.RENDER, severity=Severity.CRITICAL,
        summary="every overlay builds with kustomize",
        why="Argo CD runs the same kustomize build: an overlay that does not build is an "
            "Application stuck in ComparisonError, and nothing in it syncs.",
        fix="Run `gitops render ENV` (or `kubectl kustomize overlays/ENV`) and fix the file it "
            "names: a missing resource, a patch target that does not exist, a YAML error.",
    ),
    Rule(
        RuleId.YAML, severity=Severity.CRITICAL,
        summary="every file in apps/ and argocd/ parses as Kubernetes objects",
        why="The root app syncs these folders as plain manifests: one file Argo CD cannot parse "
            "fails the root app's whole sync, so no Application or AppProject changes.",
        fix="Fix the syntax at the line given; every document needs apiVersion and kind.",
    ),
    Rule(
        RuleId.KUSTOMIZE_WARNING, severity=Severity.MEDIUM,
        summary="kustomize prints no warning (no deprecated fields)",
        why="Deprecated fields (commonLabels, patchesStrategicMerge, bases...) are removed in "
            "later kustomize releases, and Argo CD upgrades its kustomize with its own upgrades.",
        fix="Run `kustomize edit fix` in the overlay or base, or move to the field the warning "
            "names (labels, patches, resources).",
    ),
    Rule(
        RuleId.SCHEMA, severity=Severity.CRITICAL,
        summary="built-in kinds pass the strict schema of every configured Kubernetes version",
        why="The API server rejects unknown or mistyped fields under strict field validation, "
            "and an apiVersion one cluster version no longer serves fails the sync there.",
        fix="Correct the field at the path given (check `kubectl explain KIND.FIELD`), or move to "
            "an apiVersion every version in kubernetesVersions serves.",
    ),
    Rule(
        RuleId.CUSTOM_SCHEMA, severity=Severity.CRITICAL,
        summary="custom resources pass the project's schema and, with --crds, the upstream CRD",
        why="The API server validates custom resources against their CRD's schema and refuses "
            "the object, so an Application, AppProject or ExternalSecret with a typo never lands.",
        fix="Correct the field at the path given; the project's schemas are in "
            "scripts/journal_gitops/schemas/, the operator's CRD is the reference.",
    ),
    Rule(
        RuleId.UNKNOWN_KIND, severity=Severity.HIGH,
        summary="every kind has a schema",
        why="A kind nothing can check may be misspelt or need a CRD the cluster lacks; Argo CD "
            "then fails the sync with 'could not find the requested resource'.",
        fix="Fix the apiVersion or kind, add a JSON schema to scripts/journal_gitops/schemas/, "
            "or pass --crds DIR with the operator's CRDs.",
    ),
)
