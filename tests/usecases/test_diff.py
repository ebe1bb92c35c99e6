"""gitops diff between real revisions: image bumps, config changes (hash renames), replicas, a new
environment, Application changes; text, Markdown and JSON; --exit-code; bad revisions; risky
changes listed first and --fail-on."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path

import pytest

from conftest import MakeRepo, Runner, run_gitops
from support import ROOT, START, copy_template, git

NEW = "1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d"
# The changes whose diffs several tests read, each made (--in-place) on main once a module.
CHANGES: dict[str, tuple[tuple[str, ...], ...]] = {
    "journalEntries": (("env", "set", "dev", "--set", "journalEntries=25"),),
    "replicas": (("env", "set", "staging", "--replicas", "frontend=3"),),
    "manual-sync": (("env", "set", "staging", "--manual-sync"),),
    "qa then manual-sync": (("env", "new", "qa", "--from", "dev"),
                            ("env", "set", "staging", "--manual-sync")),
}
ChangedRepo = Callable[[str], Path]


@pytest.fixture(scope="module")
def change_templates(tmp_path_factory: pytest.TempPathFactory,
                     repo_template: Path) -> ChangedRepo:
    built: dict[str, Path] = {}

    def template(change: str) -> Path:
        if change not in built:
            folder = tmp_path_factory.mktemp("change")
            repo = copy_template(repo_template, folder)
            for step in CHANGES[change]:
                result = run_gitops(*step, "--in-place", repo=repo)
                assert result.exit_code == 0, result.output
            built[change] = folder
        return built[change]

    return template


@pytest.fixture
def changed_repo(tmp_path: Path, change_templates: ChangedRepo) -> ChangedRepo:
    """A copy of this repository after one of CHANGES, committed on main."""
    return lambda change: copy_template(change_templates(change), tmp_path)


def _summary(result_output: str) -> list[str]:
    """The per-environment table of the text output."""
    block = next(b for b in result_output.split("\n\n") if b.startswith("ENV") and "ADDED" in b)
    return block.splitlines()


def test_image_bump(gitops: Runner, make_repo: MakeRepo) -> None:
    repo = make_repo()
    assert gitops("bump", "--commit", NEW, "--in-place", repo=repo).exit_code == 0
    result = gitops("diff", "--base", "HEAD^", "--head", "HEAD", repo=repo)
    assert result.exit_code == 0
    base, head = git(repo, "rev-parse", "--short=7", "HEAD^"), git(repo, "rev-parse",
                                                                   "--short=7", "HEAD")
    blocks = result.output.split("\n\n")
    assert blocks[0] == f"{base}..{head}"
    assert blocks[2].splitlines() == [
        "ENV      ADDED  CHANGED  REMOVED  STATE",
        "dev      0      2        0        changed",
        "staging  0      0        0        same",
        "prod     0      0        0        same",
        "argocd   0      0        0        same"]
    assert blocks[1].splitlines() == [
        "ENV  WORKLOAD               CONTAINER   FROM                        TO",
        "dev  Deployment/fileserver  fileserver  journal-fileserver:805c8cf  "
        "journal-fileserver:1a2b3c4",
        "dev  Deployment/frontend    frontend    journal-server:805c8cf      journal-server:1a2b3c4"]
    assert blocks[3].splitlines()[0] == "dev: changed Deployment/fileserver"
    assert [line for line in blocks[3].splitlines() if line[:1] in "+-"] == [
        "--- a/Deployment/journal-dev/fileserver", "+++ b/Deployment/journal-dev/fileserver",
        f"-      - image: ghcr.io/journal-app/journal-fileserver:{START}",
        f"+      - image: ghcr.io/journal-app/journal-fileserver:{NEW}"]


def test_config_change_is_one_change_not_a_rename(gitops: Runner,
                                                  changed_repo: ChangedRepo) -> None:
    repo = changed_repo("journalEntries")
    result = gitops("diff", "--base", "HEAD^", "--head", "HEAD", "--env", "dev",
                    "--output", "json", repo=repo)
    data = json.loads(result.output)
    [dev] = data["environments"]
    assert (dev["added"], dev["changed"], dev["removed"]) == (0, 2, 0)
    configmap = next(o for o in dev["objects"] if o["kind"] == "ConfigMap")
    assert re.fullmatch(r"frontend-config-[a-z0-9]{10}", configmap["oldName"])
    assert configmap["oldName"] != configmap["name"]
    assert [line for line in configmap["diff"].splitlines() if line[:1] in "+-"][2:] == [
        "-  journalEntries: '20'", "+  journalEntries: '25'"]
    assert data["images"] == []


def test_replica_change_and_markdown(gitops: Runner, changed_repo: ChangedRepo) -> None:
    repo = changed_repo("replicas")
    result = gitops("diff", "--base", "HEAD^", "--head", "HEAD", "--output", "markdown",
                    repo=repo)
    base, head = git(repo, "rev-parse", "--short=7", "HEAD^"), git(repo, "rev-parse",
                                                                   "--short=7", "HEAD")
    label = "Deployment/journal-staging/frontend"
    assert result.output == (
        "<!-- gitops-diff -->\n"
        f"### Rendered changes: `{base}` → `{head}`\n\n"
        "| environment | added | changed | removed |\n"
        "| --- | ---: | ---: | ---: |\n"
        "| dev | 0 | 0 | 0 |\n"
        "| staging | 0 | 1 | 0 |\n"
        "| prod | 0 | 0 | 0 |\n"
        "| argocd | 0 | 0 | 0 |\n\n"
        "<details><summary><b>staging</b>: 1 changed</summary>\n\n"
        "changed `Deployment/frontend`\n\n"
        "```diff\n"
        f"--- a/{label}\n"
        f"+++ b/{label}\n"
        + _hunk(result.output) +
        "```\n\n"
        "</details>\n")
    assert "-  replicas: 2\n+  replicas: 3\n" in result.output


def _hunk(output: str) -> str:
    """The hunk as kustomize's output puts it (its context lines are not the point here)."""
    start = output.index("@@")
    return output[start:output.index("```\n\n</details>")]


def test_new_environment_and_application_changes(gitops: Runner,
                                                  changed_repo: ChangedRepo) -> None:
    repo = changed_repo("qa then manual-sync")
    result = gitops("diff", "--base", "HEAD~2", "--head", "HEAD", repo=repo)
    assert _summary(result.output) == [
        "ENV      ADDED  CHANGED  REMOVED  STATE",
        "dev      0      0        0        same",
        "qa       20     0        0        changed",
        "staging  0      0        0        same",
        "prod     0      0        0        same",
        "argocd   1      2        0        changed"]
    assert "argocd: added Application/journal-qa" in result.output
    assert "argocd: changed Application/journal-staging" in result.output
    assert "argocd: changed AppProject/journal" in result.output


def test_working_tree_against_main_by_default(gitops: Runner, make_repo: MakeRepo) -> None:
    repo = make_repo()
    git(repo, "checkout", "--quiet", "-b", "feature")
    path = repo / "overlays/prod/kustomization.yaml"
    path.write_text(path.read_text().replace("journalEntries=100", "journalEntries=90"))
    result = gitops("diff", "--exit-code", repo=repo)
    assert result.exit_code == 1
    assert result.output.splitlines()[0] == f"{git(repo, 'rev-parse', '--short=7', 'main')}..working tree"
    assert "prod     0      2        0        changed" in result.output


def test_default_base_is_the_merge_base_with_origin_main(gitops: Runner,
                                                        make_repo: MakeRepo) -> None:
    repo = make_repo(remote=True)
    fork_point = git(repo, "rev-parse", "HEAD")
    git(repo, "fetch", "--quiet", "origin")
    (repo / "NOTES").write_text("on main later\n")
    git(repo, "add", "NOTES")
    git(repo, "commit", "--quiet", "-m", "later on main")
    git(repo, "push", "--quiet", "origin", "main")
    git(repo, "checkout", "--quiet", "-b", "feature", fork_point)
    git(repo, "fetch", "--quiet", "origin")
    result = gitops("diff", "--output", "json", repo=repo)
    assert json.loads(result.output)["base"] == fork_point


def test_exit_code_when_nothing_differs(gitops: Runner, make_repo: MakeRepo) -> None:
    repo = make_repo()
    result = gitops("diff", "--exit-code", "--output", "markdown", repo=repo)
    assert (result.exit_code, result.output.splitlines()[-1]) == (
        0, "No rendered changes in any environment.")


@pytest.mark.parametrize(("args", "message"), [
    (("--base", "nope"), "--base nope is not a commit"),
    (("--base", "HEAD", "--head", "HEAD:gitops.yaml"), "--head HEAD:gitops.yaml is not a commit"),
    (("--env", "qa"), "unknown environment 'qa' (known: dev, staging, prod)"),
    (("--fail-on", "immutable,replicas"), "--fail-on: unknown risk kind 'replicas' (valid: "
                                          "immutable, deletion, rbac, crd, security, "
                                          "availability, any)"),
])
def test_bad_revisions(gitops: Runner, make_repo: MakeRepo, args: tuple[str, ...],
                       message: str) -> None:
    repo = make_repo()
    result = gitops("diff", *args, repo=repo)
    assert (result.exit_code, result.output) == (2, f"Error: {message}\n")


def test_no_base_to_compare_with(gitops: Runner, make_repo: MakeRepo) -> None:
    repo = make_repo()
    git(repo, "branch", "-m", "main", "trunk")
    result = gitops("diff", repo=repo)
    assert (result.exit_code, result.output) == (
        2, "Error: no base to compare with: neither origin/main, main nor origin/HEAD exists; "
           "pass --base\n")


def test_the_default_base_is_the_deploy_branch(gitops: Runner, make_repo: MakeRepo) -> None:
    """With deployBranch: release, diff and gate compare with release, not main."""
    repo = make_repo()
    config = repo / "gitops.yaml"
    config.write_text(config.read_text() + "deployBranch: release\n")
    for app in sorted((repo / "apps").glob("*.yaml")):
        app.write_text(app.read_text().replace("targetRevision: main", "targetRevision: release"))
    root = repo / "argocd/root-app.yaml"
    root.write_text(root.read_text().replace("targetRevision: main", "targetRevision: release"))
    git(repo, "commit", "--quiet", "-am", "deploy from release")
    git(repo, "branch", "release")
    git(repo, "switch", "--quiet", "-c", "change")
    assert gitops("env", "set", "dev", "--set", "journalEntries=7", "--in-place",
                  repo=repo).exit_code == 0
    git(repo, "branch", "-f", "main", "HEAD")  # main moved on: it is not the base
    result = gitops("diff", "--output", "json", repo=repo)
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert (data["base"], [e["name"] for e in data["environments"] if e["objects"]]) == (
        git(repo, "rev-parse", "release"), ["dev"])


def test_large_markdown_is_truncated_with_a_note(gitops: Runner,
                                                 changed_repo: ChangedRepo) -> None:
    repo = changed_repo("qa then manual-sync")
    result = gitops("diff", "--base", "HEAD~2", "--head", "HEAD~1", "--output", "markdown",
                    repo=repo)
    qa = result.output.split("<summary><b>qa</b>: 20 added</summary>", 1)[1].split(
        "</details>", 1)[0]
    assert len(qa.splitlines()) < 420
    assert re.search(r"^_\d+ more lines not shown: run `gitops diff --env qa`._$", qa, re.M)
    assert result.output.count("```") % 2 == 0


def test_a_side_that_does_not_render_is_an_error(gitops: Runner, make_repo: MakeRepo) -> None:
    repo = make_repo()
    path = repo / "overlays/dev/kustomization.yaml"
    path.write_text(path.read_text().replace("  - namespace.yaml\n", "  - nothere.yaml\n"))
    result = gitops("diff", "--env", "dev", "--output", "json", repo=repo)
    assert result.exit_code == 1
    [dev] = json.loads(result.output)["environments"]
    assert dev["objects"] == []
    assert dev["error"].startswith("head: accumulating resources")


def test_broken_argocd_manifest_is_an_error_not_a_removal(gitops: Runner,
                                                          make_repo: MakeRepo) -> None:
    repo = make_repo()
    with (repo / "apps/journal-dev.yaml").open("a") as handle:
        handle.write("  bad: [\n")
    result = gitops("diff", "--output", "json", repo=repo)
    assert result.exit_code == 1
    argocd = json.loads(result.output)["environments"][-1]
    assert (argocd["name"], argocd["objects"]) == ("argocd", [])
    assert argocd["error"].startswith("head: apps/journal-dev.yaml: YAML syntax error")


def test_broken_config_on_one_side(gitops: Runner, make_repo: MakeRepo) -> None:
    repo = make_repo()
    git(repo, "checkout", "--quiet", "-b", "broken")
    (repo / "gitops.yaml").write_text("environments: [\n")
    git(repo, "commit", "--quiet", "-am", "break the config")
    git(repo, "checkout", "--quiet", "main")
    result = gitops("diff", "--base", "main", "--head", "broken", repo=repo)
    assert (result.exit_code, result.output) == (
        1, "Error: head: gitops.yaml: YAML syntax error at line 2: did not find expected node "
           "content\n")


def test_env_only_in_base(gitops: Runner, make_repo: MakeRepo) -> None:
    repo = make_repo()
    assert gitops("env", "delete", "staging", "--in-place", repo=repo).exit_code == 0
    result = gitops("diff", "--base", "HEAD^", "--head", "HEAD", "--env", "staging",
                    repo=repo)
    assert result.exit_code == 0
    assert _summary(result.output) == ["ENV      ADDED  CHANGED  REMOVED  STATE",
                                       "staging  0      0        20       changed"]


def _revs(repo: Path) -> tuple[str, str]:
    return git(repo, "rev-parse", "--short=7", "HEAD^"), git(repo, "rev-parse", "--short=7", "HEAD")


# The rendered change of `env set staging --manual-sync`, in text and in Markdown.
MANUAL_SYNC_DIFF = """--- a/Application/argocd/journal-staging
+++ b/Application/argocd/journal-staging
@@ -20,8 +20,7 @@
     targetRevision: main
   syncPolicy:
     automated:
-      prune: true
-      selfHeal: true
+      enabled: false
     retry:
       backoff:
         duration: 5s
"""


def test_application_change_markdown(gitops: Runner, changed_repo: ChangedRepo) -> None:
    repo = changed_repo("manual-sync")
    result = gitops("diff", "--base", "HEAD^", "--head", "HEAD", "--output", "markdown",
                    repo=repo)
    base, head = _revs(repo)
    assert result.output == f"""<!-- gitops-diff -->
### Rendered changes: `{base}` → `{head}`

| environment | added | changed | removed |
| --- | ---: | ---: | ---: |
| dev | 0 | 0 | 0 |
| staging | 0 | 0 | 0 |
| prod | 0 | 0 | 0 |
| argocd | 0 | 1 | 0 |

<details><summary><b>argocd</b>: 1 changed</summary>

changed `Application/journal-staging`

```diff
{MANUAL_SYNC_DIFF}```

</details>
"""


def test_config_change_markdown(gitops: Runner, changed_repo: ChangedRepo) -> None:
    repo = changed_repo("journalEntries")
    result = gitops("diff", "--base", "HEAD^", "--head", "HEAD", "--output", "markdown",
                    "--env", "dev", repo=repo)
    base, head = _revs(repo)
    assert result.output == f"""<!-- gitops-diff -->
### Rendered changes: `{base}` → `{head}`

| environment | added | changed | removed |
| --- | ---: | ---: | ---: |
| dev | 0 | 2 | 0 |

<details><summary><b>dev</b>: 2 changed</summary>

changed `ConfigMap/frontend-config-mm62684mm5` (was `frontend-config-hcd6ckd958`)

```diff
--- a/ConfigMap/journal-dev/frontend-config-mm62684mm5
+++ b/ConfigMap/journal-dev/frontend-config-mm62684mm5
@@ -1,6 +1,6 @@
 apiVersion: v1
 data:
-  journalEntries: '20'
+  journalEntries: '25'
 kind: ConfigMap
 metadata:
   labels:
```

changed `Deployment/frontend`

```diff
--- a/Deployment/journal-dev/frontend
+++ b/Deployment/journal-dev/frontend
@@ -36,7 +36,7 @@
           valueFrom:
             configMapKeyRef:
               key: journalEntries
-              name: frontend-config-hcd6ckd958
+              name: frontend-config-mm62684mm5
         - name: REDIS_HOST
           value: redis-write
         image: ghcr.io/journal-app/journal-server:805c8cf2d536af9137692c914ecddbe83a103304
```

</details>
"""


def test_replica_change_text(gitops: Runner, changed_repo: ChangedRepo) -> None:
    repo = changed_repo("replicas")
    result = gitops("diff", "--base", "HEAD^", "--head", "HEAD", "--env", "staging", repo=repo)
    base, head = _revs(repo)
    assert (result.exit_code, result.output) == (0, f"""{base}..{head}

ENV      ADDED  CHANGED  REMOVED  STATE
staging  0      1        0        changed

staging: changed Deployment/frontend
--- a/Deployment/journal-staging/frontend
+++ b/Deployment/journal-staging/frontend
@@ -12,7 +12,7 @@
   name: frontend
   namespace: journal-staging
 spec:
-  replicas: 2
+  replicas: 3
   selector:
     matchLabels:
       app.kubernetes.io/name: frontend
""")


def test_application_change_text(gitops: Runner, changed_repo: ChangedRepo) -> None:
    repo = changed_repo("manual-sync")
    result = gitops("diff", "--base", "HEAD^", "--head", "HEAD", repo=repo)
    base, head = _revs(repo)
    assert (result.exit_code, result.output) == (0, f"""{base}..{head}

ENV      ADDED  CHANGED  REMOVED  STATE
dev      0      0        0        same
staging  0      0        0        same
prod     0      0        0        same
argocd   0      1        0        changed

argocd: changed Application/journal-staging
{MANUAL_SYNC_DIFF}""")


def test_markdown_shows_an_environment_that_does_not_render(gitops: Runner,
                                                           make_repo: MakeRepo) -> None:
    repo = make_repo()
    path = repo / "overlays/dev/kustomization.yaml"
    path.write_text(path.read_text().replace("  - namespace.yaml\n", "  - nothere.yaml\n"))
    result = gitops("diff", "--output", "markdown", repo=repo)
    assert result.exit_code == 1
    assert "No rendered changes" not in result.output
    assert "| dev ⚠ does not render | 0 | 0 | 0 |" in result.output
    assert "<details><summary><b>dev</b>: does not render (head: accumulating" in result.output


# --- risky changes -------------------------------------------------------------------------

LABEL_REMEDY = ("recreate the StatefulSet and keep its pods and volumes: `kubectl delete "
                "statefulset redis -n journal-{env} --cascade=orphan`, then sync (the new one "
                "adopts the pods; claims already made keep their old template)")
VCT = "spec.volumeClaimTemplates changes: the API server refuses to update it, so the sync fails"


def _add_base_label(repo: Path) -> None:
    """One more pair under `labels:`: kustomize puts it on the claim templates too."""
    path = repo / "base/kustomization.yaml"
    text = path.read_text()
    assert "      app.kubernetes.io/part-of: journal\n" in text
    path.write_text(text.replace("      app.kubernetes.io/part-of: journal\n",
                                 "      app.kubernetes.io/part-of: journal\n"
                                 "      team: journal\n"))


def test_a_base_label_changes_the_claim_templates_an_immutable_field(
        gitops: Runner, make_repo: MakeRepo) -> None:
    repo = make_repo()
    _add_base_label(repo)
    result = gitops("diff", "--fail-on", "immutable,deletion", repo=repo)
    assert result.exit_code == 1
    main = git(repo, "rev-parse", "--short=7", "main")
    assert result.output.split("\n\nENV ")[0] == "\n".join([
        f"{main}..working tree", "", "Risky changes (3):",
        *(line for env in ("dev", "staging", "prod") for line in (
            f"{env}: immutable StatefulSet/journal-{env}/redis: {VCT}",
            f"  what to do: {LABEL_REMEDY.format(env=env)}"))])

    data = json.loads(gitops("diff", "--output", "json", repo=repo).output)
    assert data["risks"] == [
        {"env": env, "kind": "immutable", "object": f"StatefulSet/journal-{env}/redis",
         "message": VCT, "remedy": LABEL_REMEDY.format(env=env)}
        for env in ("dev", "staging", "prod")]
    assert list(data)[:4] == ["version", "ok", "risks", "base"]

    markdown = gitops("diff", "--output", "markdown", "--fail-on", "immutable", repo=repo)
    assert markdown.exit_code == 1
    assert markdown.output.split("\n| environment |")[0] == "\n".join([
        "<!-- gitops-diff -->", f"### Rendered changes: `{main}` → the working tree", "",
        "**⚠ Risky changes**", "",
        "| env | kind | object | what changes | what to do |",
        "| --- | --- | --- | --- | --- |",
        *(f"| {env} | immutable | `StatefulSet/journal-{env}/redis` | {VCT} | "
          f"{LABEL_REMEDY.format(env=env)} |" for env in ("dev", "staging", "prod")), ""])

    readme = (ROOT / "README.md").read_text()  # its examples are this output
    assert "\n".join(result.output.splitlines()[3:5]) + "\n" in readme
    assert "   > " + markdown.output.splitlines()[7] + "\n" in readme


def test_fail_on_only_the_kinds_named(gitops: Runner, make_repo: MakeRepo) -> None:
    repo = make_repo()
    _add_base_label(repo)
    codes = [gitops("diff", "--env", "dev", "--fail-on", kinds, repo=repo).exit_code
             for kinds in ("deletion,security", "any", "immutable")]
    assert codes == [0, 1, 1]


def test_a_removed_claim_is_a_deletion(gitops: Runner, make_repo: MakeRepo) -> None:
    repo = make_repo()
    (repo / "overlays/dev/uploads.yaml").write_text(
        "apiVersion: v1\nkind: PersistentVolumeClaim\nmetadata:\n  name: uploads\nspec:\n"
        "  accessModes: [ReadWriteOnce]\n  resources:\n    requests:\n      storage: 1Gi\n")
    kustomization = repo / "overlays/dev/kustomization.yaml"
    original = kustomization.read_text()
    kustomization.write_text(original.replace("  - namespace.yaml\n",
                                              "  - namespace.yaml\n  - uploads.yaml\n"))
    git(repo, "add", "-A")
    git(repo, "commit", "--quiet", "-m", "a claim for uploads")
    kustomization.write_text(original)
    result = gitops("diff", "--base", "HEAD", "--output", "json", "--fail-on", "deletion",
                    repo=repo)
    assert result.exit_code == 1
    assert json.loads(result.output)["risks"] == [{
        "env": "dev", "kind": "deletion", "object": "PersistentVolumeClaim/journal-dev/uploads",
        "message": "PersistentVolumeClaim removed: pruning deletes the claim, and its volume "
                   "too under the reclaim policy Delete",
        "remedy": "back the data up and set the PersistentVolume's reclaim policy to Retain "
                  "first, or keep the claim: `argocd.argoproj.io/sync-options: Prune=false` on "
                  "the live object"}]


def test_replicas_to_zero_is_an_availability_risk(gitops: Runner, make_repo: MakeRepo) -> None:
    repo = make_repo()
    assert gitops("env", "set", "staging", "--replicas", "frontend=0", "--in-place",
                  repo=repo).exit_code == 0
    result = gitops("diff", "--base", "HEAD^", "--head", "HEAD", "--env", "staging",
                    "--fail-on", "immutable,deletion", repo=repo)
    assert result.exit_code == 0
    assert result.output.split("\n\n")[1] == (
        "Risky changes (1):\n"
        "staging: availability Deployment/journal-staging/frontend: replicas go from 2 to 0: "
        "every pod stops\n"
        "  what to do: keep at least one replica unless the workload is meant to stop")
    assert gitops("diff", "--base", "HEAD^", "--head", "HEAD", "--fail-on", "availability",
                  repo=repo).exit_code == 1


def test_an_image_bump_is_no_risk(gitops: Runner, make_repo: MakeRepo) -> None:
    repo = make_repo()
    assert gitops("bump", "--commit", NEW, "--in-place", repo=repo).exit_code == 0
    result = gitops("diff", "--base", "HEAD^", "--head", "HEAD", "--output", "json",
                    "--fail-on", "any", repo=repo)
    data = json.loads(result.output)
    assert (result.exit_code, data["risks"], len(data["images"])) == (0, [], 2)
