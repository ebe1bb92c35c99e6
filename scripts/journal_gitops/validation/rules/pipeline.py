"""The rules whose findings the validation itself makes rather than a check: rendering, the
schemas, files Argo CD reads that the rules cannot, and the waivers."""

from __future__ import annotations

from .model import Rule, Severity

# --- the rules ---------------------------------------------------------------------------------

RENDER = Rule(
    "render", Severity.CRITICAL,
    summary="every overlay builds with kustomize",
    why="Argo CD runs the same kustomize build: an overlay that does not build is an Application "
        "stuck in ComparisonError, and nothing in it syncs.",
    fix="Run `gitops render ENV` (or `kubectl kustomize overlays/ENV`) and fix the file it names: "
        "a missing resource, a patch target that does not exist, a YAML error, a key YAML reads "
        "as a number, a boolean or null (`8080:`, `true:`), which must be quoted.")


YAML = Rule(
    "yaml", Severity.CRITICAL,
    summary="every file in apps/ and argocd/ parses as Kubernetes objects",
    why="The root app syncs these folders as plain manifests: one file Argo CD cannot parse fails "
        "the root app's whole sync, so no Application or AppProject changes.",
    fix="Fix the syntax at the line given; every document needs apiVersion and kind.")


KUSTOMIZE_INPUT = Rule(
    "kustomize-input", Severity.CRITICAL,
    summary="every resource, component, patch and generator file of a kustomization is a path in "
            "this repository",
    why="A URL, git or file:// base, or a folder outside the repository makes the render depend "
        "on what another place serves when Argo CD builds it: unreviewed content reaches the "
        "cluster and the build needs the network.",
    fix="Copy what the entry points at into this repository (base/ or a component) and name it by "
        "a relative path; the overlay is not rendered until then.")


UNCHECKED_FILE = Rule(
    "unchecked-file", Severity.HIGH,
    summary="every file Argo CD reads from a synced folder is one the rules can check",
    why="Argo CD's directory source applies every *.yaml, *.yml, *.json and *.jsonnet file (with "
        "subfolders when directory.recurse is true); a file the rules cannot read is deployed "
        "unchecked.",
    fix="Write the objects as plain YAML, move the file out of the synced folder, or exclude it "
        "with the Application's directory.exclude.")


KUSTOMIZE_WARNING = Rule(
    "kustomize-warning", Severity.MEDIUM,
    summary="kustomize prints no warning (no deprecated fields)",
    why="Deprecated fields (commonLabels, patchesStrategicMerge, bases...) are removed in later "
        "kustomize releases, and Argo CD upgrades its kustomize with its own upgrades.",
    fix="Run `kustomize edit fix` in the overlay or base, or move to the field the warning names "
        "(labels, patches, resources).")


SCHEMA = Rule(
    "schema", Severity.CRITICAL,
    summary="built-in kinds pass the strict schema of every configured Kubernetes version",
    why="The API server rejects unknown or mistyped fields under strict field validation, and an "
        "apiVersion one cluster version no longer serves fails the sync there.",
    fix="Correct the field at the path given (check `kubectl explain KIND.FIELD`), or move to an "
        "apiVersion every version in kubernetesVersions serves.")


CUSTOM_SCHEMA = Rule(
    "custom-schema", Severity.CRITICAL,
    summary="custom resources pass the project's schema and, with --crds, the upstream CRD",
    why="The API server validates custom resources against their CRD's schema and refuses the "
        "object, so an Application, AppProject or ExternalSecret with a typo never lands.",
    fix="Correct the field at the path given; the project's schemas are in "
        "scripts/journal_gitops/schemas/, the operator's CRD is the reference.")


UNKNOWN_KIND = Rule(
    "unknown-kind", Severity.HIGH,
    summary="every kind has a schema",
    why="A kind nothing can check may be misspelt or need a CRD the cluster lacks; Argo CD then "
        "fails the sync with 'could not find the requested resource'.",
    fix="Fix the apiVersion or kind, add a JSON schema to scripts/journal_gitops/schemas/, or "
        "pass --crds DIR with the operator's CRDs.")


WAIVER_EXPIRED = Rule(
    "waiver-expired", Severity.MEDIUM,
    summary="no waiver in gitops.yaml is past its expiry date",
    why="A waiver is a decision taken for a while; after its date nobody has confirmed it, so the "
        "finding it hid counts again.",
    fix="Fix the finding, or renew the waiver with a new expires date and a reason that still "
        "holds.")


WAIVER_UNUSED = Rule(
    "waiver-unused", Severity.MEDIUM,
    summary="every waiver in gitops.yaml matches a finding",
    why="A waiver that matches nothing hides nothing today but would silently hide a new problem "
        "of the same rule and resource later.",
    fix="Remove the waiver, or correct its rule, resource or env so that it names the finding it "
        "was written for.")
