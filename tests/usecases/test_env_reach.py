"""What an env change reaches: the environments checked again before it commits, and no
others (their findings cannot change)."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

from conftest import MakeRepo, Runner
from journal_gitops.config.load import load_config
from journal_gitops.usecases.env.common import reached
from support import assert_refused, git, init_git


def test_a_change_reaches_the_environments_whose_files_or_inputs_it_writes(
        make_repo: MakeRepo) -> None:
    repo = make_repo()
    config = load_config(repo)
    with_qa = replace(config, environments=("dev", "qa", "staging", "prod"), stages=(),
                      clusters=tuple(replace(c, environments=(*c.environments, "qa"))
                                     for c in config.clusters))
    assert list(reached(repo, config, with_qa, [
        "gitops.yaml", "apps/journal-qa.yaml", "argocd/project.yaml",
        "overlays/qa/kustomization.yaml"])) == ["qa"]
    assert list(reached(repo, config, config, ["overlays/dev/namespace.yaml"])) == ["dev"]
    assert list(reached(repo, config, config, ["base/frontend/deployment.yaml"])) == [
        "dev", "staging", "prod"]
    assert list(reached(repo, config, config, ["README.md"])) == []


def test_an_overlay_built_on_another_is_reached_through_it(make_repo: MakeRepo) -> None:
    repo = make_repo()
    kustomization = repo / "overlays/staging/kustomization.yaml"
    kustomization.write_text(kustomization.read_text().replace(
        "  - ../../base\n", "  - ../../base\n  - ../dev/extra\n"))
    (repo / "overlays/dev/extra").mkdir()
    (repo / "overlays/dev/extra/kustomization.yaml").write_text("resources: []\n")
    config = load_config(repo)
    assert list(reached(repo, config, config, ["overlays/dev/extra/kustomization.yaml"])) == [
        "dev", "staging"]


def test_a_change_of_an_environments_view_of_gitops_yaml_reaches_it(
        make_repo: MakeRepo) -> None:
    repo = make_repo()
    config = load_config(repo)
    staging_last = replace(config, stages=(("dev",), ("prod",), ("staging",)))
    assert list(reached(repo, config, staging_last, ["gitops.yaml"])) == ["staging", "prod"]


AWS_KEY = "AKIAIOSFODNN7EXAMPLE"


def test_a_finding_another_environment_had_is_still_new_here(gitops: Runner,
                                                             tmp_path: Path) -> None:
    """prod builds on staging and holds a key already: the same defect added to staging is new
    there, and refused."""
    repo = tmp_path / "chain"
    files = {
        "base/kustomization.yaml": "resources: [deploy.yaml]\nconfigMapGenerator:\n"
                                   "- name: cfg\n  literals: [mode=x]\n",
        "base/deploy.yaml": (
            "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nspec:\n"
            "  selector: {matchLabels: {app: web}}\n  template:\n"
            "    metadata: {labels: {app: web}}\n    spec:\n      containers:\n"
            "      - name: web\n        image: ghcr.io/acme/web:1.0.0\n"
            "        envFrom: [{configMapRef: {name: cfg}}]\n"),
        "gitops.yaml": (
            "repoURL: https://example.com/acme/gitops.git\nproject: default\n"
            "environments: [dev, staging, prod]\nimages:\n"
            "  - {name: ghcr.io/acme/web, newName: ghcr.io/acme/web, source: app}\n"
            "tagScheme: semver\nrules: {profile: baseline}\nlayout: {rootApp: external}\n"),
    }
    for env in ("dev", "staging", "prod"):
        source, literal = ("../staging", f"key={AWS_KEY}") if env == "prod" else (
            "../../base", "key=2")
        files[f"overlays/{env}/kustomization.yaml"] = (
            f"namespace: web-{env}\nresources: [{source}]\nconfigMapGenerator:\n- name: cfg\n"
            f"  behavior: merge\n  literals:\n  - {literal}\nimages:\n"
            "- name: ghcr.io/acme/web\n  newTag: 1.0.0\n")
        files[f"apps/web-{env}.yaml"] = (
            f"apiVersion: argoproj.io/v1alpha1\nkind: Application\n"
            f"metadata: {{name: web-{env}, namespace: argocd}}\nspec:\n  project: default\n"
            f"  source: {{repoURL: https://example.com/acme/gitops.git, targetRevision: main, "
            f"path: overlays/{env}}}\n"
            f"  destination: {{server: https://kubernetes.default.svc, namespace: web-{env}}}\n")
    for rel, text in files.items():
        (repo / rel).parent.mkdir(parents=True, exist_ok=True)
        (repo / rel).write_text(text)
    init_git(repo)
    before = json.loads(gitops("validate", "--output", "json", repo=repo).output)["findings"]
    assert [(f["env"], f["rule"]) for f in before if f["rule"] == "secret-value"] == [
        ("prod", "secret-value")]
    assert_refused(lambda: gitops("env", "set", "staging", "--set", f"key={AWS_KEY}",
                                  repo=repo), 1,
                   "Error: environment staging would not validate: staging: secret-value: key "
                   "key holds an AWS access key id\n", repo)


def test_a_finding_on_a_generated_name_is_known_after_its_hash_changes(
        gitops: Runner, make_repo: MakeRepo) -> None:
    repo = make_repo()
    overlay = repo / "overlays/prod/kustomization.yaml"
    overlay.write_text(overlay.read_text().replace(
        "      - journalEntries=100\n", f"      - journalEntries=100\n      - token={AWS_KEY}\n"))
    git(repo, "commit", "-qam", "a key that is there already")
    assert gitops("validate", repo=repo).exit_code == 1
    changed = gitops("env", "set", "prod", "--set", "journalEntries=120", "--in-place",
                     repo=repo)
    assert changed.exit_code == 0, changed.output
