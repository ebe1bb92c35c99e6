"""ApplicationSets among the Argo CD manifests are checked against the project's own schema:
real ones pass, templated values and all; a misspelt field or a wrong type is a finding."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from conftest import Runner, copy_repo, findings

GIT_FILES = """\
apiVersion: argoproj.io/v1alpha1
kind: ApplicationSet
metadata:
  name: addons
  namespace: argocd
spec:
  goTemplate: false
  generators:
    - git:
        repoURL: https://github.com/example/cluster-addons.git
        revision: main
        files:
          - path: addons/*/config.json
          - path: addons/experimental/config.json
            exclude: true
        requeueAfterSeconds: 300
        values:
          team: platform
  template:
    metadata:
      name: 'addon-{{addon.name}}'
      labels:
        app.kubernetes.io/managed-by: applicationset
        team: '{{values.team}}'
    spec:
      project: journal
      source:
        repoURL: https://github.com/example/cluster-addons.git
        targetRevision: main
        path: '{{path}}'
      destination:
        server: https://kubernetes.default.svc
        namespace: '{{addon.namespace}}'
      syncPolicy:
        automated:
          prune: true
          selfHeal: true
        syncOptions:
          - CreateNamespace=true
  syncPolicy:
    preserveResourcesOnDeletion: true
"""

LIST_GO_TEMPLATE = """\
apiVersion: argoproj.io/v1alpha1
kind: ApplicationSet
metadata:
  name: monitoring
  namespace: argocd
spec:
  goTemplate: true
  goTemplateOptions: ["missingkey=error"]
  generators:
    - list:
        elements:
          - chart: kube-prometheus-stack
            version: 58.2.1
            namespace: monitoring
            autoSync: true
          - chart: loki
            version: 6.6.2
            namespace: logging
            autoSync: false
  template:
    metadata:
      name: '{{.chart}}'
      annotations:
        notifications.argoproj.io/subscribe.on-sync-failed.slack: platform
    spec:
      project: journal
      revisionHistoryLimit: 5
      source:
        repoURL: https://charts.example.com
        chart: '{{.chart}}'
        targetRevision: '{{.version}}'
        helm:
          releaseName: '{{.chart}}'
          valuesObject:
            replicas: 2
      destination:
        name: in-cluster
        namespace: '{{.namespace}}'
  templatePatch: |
    {{- if .autoSync }}
    spec:
      syncPolicy:
        automated:
          prune: true
    {{- end }}
  syncPolicy:
    applicationsSync: create-update
  ignoreApplicationDifferences:
    - jsonPointers:
        - /spec/source/targetRevision
      name: loki
"""

MATRIX = """\
apiVersion: argoproj.io/v1alpha1
kind: ApplicationSet
metadata:
  name: services
  namespace: argocd
spec:
  goTemplate: true
  goTemplateOptions: ["missingkey=error"]
  generators:
    - matrix:
        generators:
          - git:
              repoURL: https://github.com/example/services.git
              revision: HEAD
              directories:
                - path: services/*
                - path: services/legacy
                  exclude: true
          - clusters:
              selector:
                matchLabels:
                  tier: workload
                matchExpressions:
                  - key: region
                    operator: In
                    values: [eu-west-1, us-east-1]
              values:
                branch: main
  template:
    metadata:
      name: '{{.path.basename}}-{{.name}}'
      labels:
        env: '{{index .metadata.labels "env"}}'
    spec:
      project: journal
      source:
        repoURL: https://github.com/example/services.git
        targetRevision: '{{.values.branch}}'
        path: '{{.path.path}}'
      destination:
        server: '{{.server}}'
        namespace: '{{.path.basename}}'
  strategy:
    type: RollingSync
    rollingSync:
      steps:
        - matchExpressions:
            - key: env
              operator: In
              values: [dev]
        - matchExpressions:
            - key: env
              operator: In
              values: [prod]
          maxUpdate: 25%
"""


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """This repository's manifests, whose root project may also manage ApplicationSets."""
    repo = copy_repo(tmp_path / "repo")
    path = repo / "argocd/project-root.yaml"
    text = path.read_text()
    kind = "      kind: AppProject\n"
    assert kind in text
    path.write_text(text.replace(
        kind, f"{kind}    - group: argoproj.io\n      kind: ApplicationSet\n", 1))
    return repo


def _validated(gitops: Runner, repo: Path, text: str) -> tuple[int, list[tuple[Any, ...]]]:
    """Exit code and findings of `gitops validate` with `text` as apps/appset.yaml."""
    (repo / "apps/appset.yaml").write_text(text)
    result = gitops("validate", "--env", "dev", "--output", "json", repo=repo)
    return result.exit_code, findings(result)


@pytest.mark.parametrize("text", [GIT_FILES, LIST_GO_TEMPLATE, MATRIX],
                         ids=["git-files", "list-go-template", "matrix"])
def test_real_application_sets_pass(gitops: Runner, repo: Path, text: str) -> None:
    assert _validated(gitops, repo, text) == (0, [])


def test_an_application_set_of_another_version_is_still_an_unknown_kind(
        gitops: Runner, repo: Path) -> None:
    text = GIT_FILES.replace("argoproj.io/v1alpha1\nkind", "argoproj.io/v1beta1\nkind")
    assert _validated(gitops, repo, text) == (1, [
        (None, "unknown-kind", "ApplicationSet/argocd/addons",
         "no schema for argoproj.io/v1beta1 ApplicationSet in the project's schemas "
         "(pass --crds to use upstream CRDs)")])


@pytest.mark.parametrize(("old", "new", "messages"), [
    ("  generators:\n", "  generator:\n",
     ["spec: 'generators' is a required property",
      "spec: Additional properties are not allowed ('generator' was unexpected)"]),
    ("  goTemplate: false\n", "  goTemplate: 'false'\n",
     ["spec.goTemplate: 'false' is not of type 'boolean'"]),
    ("requeueAfterSeconds: 300", "requeueAfterSeconds: 5m",
     ["spec.generators[0].git.requeueAfterSeconds: '5m' is not of type 'integer'"]),
    ("        files:\n", "        file:\n",
     ["spec.generators[0].git: Additional properties are not allowed ('file' was unexpected)"]),
    ("    - git:\n", "    - gits:\n",
     ["spec.generators[0]: Additional properties are not allowed ('gits' was unexpected)"]),
    ("      destination:\n", "      destinaton:\n",
     ["spec.template.spec: Additional properties are not allowed ('destinaton' was unexpected)",
      "spec.template.spec: 'destination' is a required property"]),
    ("      source:\n", "      source: []\n      sourc:\n",
     ["spec.template.spec: Additional properties are not allowed ('sourc' was unexpected)",
      "spec.template.spec.source: [] is not of type 'object'"]),
    ("    preserveResourcesOnDeletion: true\n", "    applicationsSync: create\n",
     ["spec.syncPolicy.applicationsSync: 'create' is not one of ['create-only', "
      "'create-update', 'create-delete', 'sync']"]),
    ("      project: journal\n", "      project: journal\n      revisionHistoryLimit: '{{limit}}'\n",
     ["spec.template.spec.revisionHistoryLimit: '{{limit}}' is not of type 'integer'"]),
    ("    - git:\n",
     "    - matrix:\n        generators:\n          - list: {elements: []}\n    - git:\n",
     ["spec.generators[0].matrix.generators: [{'list': {'elements': []}}] is too short"]),
], ids=["misspelt-generators", "go-template-type", "requeue-type", "git-key", "generator-kind",
        "template-spec-key", "template-source-type", "applications-sync", "templated-number",
        "matrix-of-one"])
def test_a_broken_application_set_has_schema_findings(
        gitops: Runner, repo: Path, old: str, new: str, messages: list[str]) -> None:
    assert old in GIT_FILES
    assert _validated(gitops, repo, GIT_FILES.replace(old, new, 1)) == (1, [
        (None, "custom-schema", "ApplicationSet/argocd/addons", f"{message} (schema)")
        for message in messages])

