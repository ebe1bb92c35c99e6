"""gitops env list/new/set/delete on real repositories: exact output, minimal diffs, and a
repository that still validates."""

from __future__ import annotations

import json
from functools import partial

import pytest

from conftest import MakeRepo, Runner
from journal_gitops.argocd.edit import set_sync
from journal_gitops.argocd.templates import AUTO_SYNC, MANUAL_SYNC
from support import ROOT, START, assert_refused, git


def test_env_list(gitops: Runner) -> None:
    result = gitops("env", "list", repo=ROOT)
    assert result.exit_code == 0
    images = "journal-server=805c8cf journal-fileserver=805c8cf"
    assert result.output == (
        "ENV      STAGE  CLUSTER     NAMESPACE        REPLICAS                         CONFIG"
        "              IMAGES                                             SYNC    FROZEN  SOAK"
        "  HELD  PROMOTES\n"
        "dev      1      in-cluster  journal-dev      frontend=1 fileserver=1 redis=1  "
        f"journalEntries=20   {images}  auto    -       -     -     -\n"
        "staging  2      in-cluster  journal-staging  frontend=2 fileserver=2 redis=1  "
        f"journalEntries=50   {images}  auto    -       -     -     config\n"
        "prod     3      in-cluster  journal-prod     frontend=3 fileserver=2 redis=3  "
        f"journalEntries=100  {images}  manual  -       -     -     config\n")


def test_env_list_json(gitops: Runner) -> None:
    data = json.loads(gitops("env", "list", "--output", "json", repo=ROOT).output)["environments"]
    assert data[0] == {
        "name": "dev", "stage": 1, "cluster": "in-cluster", "namespace": "journal-dev",
        "replicas": {"frontend": 1, "fileserver": 1, "redis": 1},
        "config": {"journalEntries": "20"},
        "images": {"journal-server": {"tag": START, "digest": None},
                   "journal-fileserver": {"tag": START, "digest": None}},
        "sync": "auto", "application": "apps/journal-dev.yaml", "differsFromPrevious": None,
        "frozen": None, "freezes": [], "minSoak": None, "holds": []}
    assert [d["differsFromPrevious"] for d in data[1:]] == [["config"], ["config"]]


def test_env_new_qa_between_dev_and_staging(gitops: Runner, make_repo: MakeRepo) -> None:
    repo = make_repo()
    head = git(repo, "rev-parse", "HEAD")
    result = gitops("env", "new", "qa", "--from", "dev", "--replicas", "frontend=2",
                    "--set", "journalEntries=30", repo=repo)
    assert result.exit_code == 0, result.output
    commit = git(repo, "rev-parse", "env/new-qa")
    assert result.output == f"committed {commit[:7]} on env/new-qa (from {head[:7]})\n"
    assert git(repo, "diff", "--stat", head, commit).splitlines() == [
        "apps/journal-qa.yaml           | 45 ++++++++++++++++++++++++++++++++",
        " argocd/project.yaml            |  2 ++",
        " gitops.yaml                    |  3 ++-",
        " overlays/qa/kustomization.yaml | 59 ++++++++++++++++++++++++++++++++++++++++++",
        " overlays/qa/namespace.yaml     | 16 ++++++++++++",
        " 5 files changed, 124 insertions(+), 1 deletion(-)"]
    changed = git(repo, "diff", "-U1", head, commit, "--", "gitops.yaml", "argocd/project.yaml")
    assert [line for line in changed.splitlines() if not line.startswith("index ")] == [
        "diff --git a/argocd/project.yaml b/argocd/project.yaml",
        "--- a/argocd/project.yaml",
        "+++ b/argocd/project.yaml",
        "@@ -28,2 +28,4 @@ spec:",
        "       namespace: journal-prod",
        "+    - server: https://kubernetes.default.svc",
        "+      namespace: journal-qa",
        "   # The only cluster-scoped object is each environment's Namespace.",
        "diff --git a/gitops.yaml b/gitops.yaml",
        "--- a/gitops.yaml",
        "+++ b/gitops.yaml",
        "@@ -14,2 +14,3 @@ environments:",
        "   - dev",
        "+  - qa",
        "   - staging",
        "@@ -22,3 +23,3 @@ clusters:",
        "     server: https://kubernetes.default.svc",
        "-    environments: [dev, staging, prod]",
        "+    environments: [dev, staging, prod, qa]"]
    overlay = git(repo, "show", f"{commit}:overlays/qa/kustomization.yaml")
    dev = (repo / "overlays/dev/kustomization.yaml").read_text()
    # A copy: the environment's names carried over, the values asked for set, nothing else.
    expected = (dev.replace("journal-dev", "journal-qa").replace("journal/dev/", "journal/qa/")
                .replace("name: frontend\n    count: 1", "name: frontend\n    count: 2")
                .replace("journalEntries=20", "journalEntries=30"))
    assert overlay + "\n" == expected
    assert git(repo, "show", f"{commit}:apps/journal-qa.yaml") + "\n" == (
        repo / "apps/journal-dev.yaml").read_text().replace("journal-dev", "journal-qa").replace(
        "overlays/dev", "overlays/qa").replace("the dev environment", "the qa environment")
    git(repo, "checkout", "--quiet", "env/new-qa")
    listed = gitops("env", "list", repo=repo).output.splitlines()
    assert [line.split()[0] for line in listed[1:]] == ["dev", "qa", "staging", "prod"]
    assert gitops("validate", repo=repo).output == (
        "ok: dev, qa, staging, prod (80 resources) pass every rule on Kubernetes 1.29, 1.35\n")


def test_env_new_from_prod_needs_a_host(gitops: Runner, make_repo: MakeRepo) -> None:
    repo = make_repo()
    assert_refused(lambda: gitops("env", "new", "perf", "--from", "prod", repo=repo), 2,
                   "Error: cannot derive a host for perf from journal.example.com: pass --host\n",
                   repo)
    made = gitops("env", "new", "perf", "--from", "prod", "--after", "staging", "--host",
                  "perf.example.com", "--auto-sync", "--in-place", repo=repo)
    assert made.exit_code == 0, made.output
    assert git(repo, "show", "--format=", "--name-only", "HEAD").splitlines() == [
        "apps/journal-perf.yaml", "argocd/project.yaml", "gitops.yaml",
        "overlays/perf/kustomization.yaml", "overlays/perf/namespace.yaml",
        "overlays/perf/patches/fileserver-resources.yaml",
        "overlays/perf/patches/frontend-resources.yaml",
        "overlays/perf/patches/redis-resources.yaml"]
    assert "value: perf.example.com" in (repo / "overlays/perf/kustomization.yaml").read_text()
    assert "value: journal/perf/redis-password" in (
        repo / "overlays/perf/kustomization.yaml").read_text()
    # A copy of production is protected like it, whatever its sync policy.
    assert (repo / "apps/journal-perf.yaml").read_text() == (
        repo / "apps/journal-prod.yaml").read_text().replace("journal-prod", "journal-perf").replace(
        "overlays/prod", "overlays/perf").replace("the prod environment", "the perf environment"
                                                  ).replace(MANUAL_SYNC, AUTO_SYNC)
    assert gitops("validate", repo=repo).exit_code == 0


NEW_QA = ("new", "qa", "--from", "dev")


@pytest.mark.parametrize(("args", "code", "message"), [
    (("new", "dev", "--from", "dev"), 2, "environment 'dev' already exists"),
    (("new", "../evil", "--from", "dev"), 2,
     "environment name '../evil' is not a DNS-1123 label"),
    (("new", "qa/x", "--from", "dev"), 2, "environment name 'qa/x' is not a DNS-1123 label"),
    (("new", "QA", "--from", "dev"), 2, "environment name 'QA' is not a DNS-1123 label"),
    (("new", "argocd", "--from", "dev"), 2, "environment name 'argocd' is reserved"),
    (("new", "qa", "--from", "test"), 2, "unknown environment 'test' (known: dev, staging, prod)"),
    ((*NEW_QA, "--after", "uat"), 2, "unknown environment 'uat' (known: dev, staging, prod)"),
    ((*NEW_QA, "--replicas", "api=2"), 2,
     "unknown component 'api' (components: fileserver, frontend, redis)"),
    ((*NEW_QA, "--replicas", "frontend=two"), 2,
     "--replicas frontend=two: the count must be a whole number from 0 to 2147483647"),
    ((*NEW_QA, "--set", "journalEntriez=3"), 2,
     "unknown config key 'journalEntriez' (keys: journalEntries)"),
    ((*NEW_QA, "--set", "journalEntries"), 2, "--set takes KEY=VALUE, not 'journalEntries'"),
    (("set", "dev", "--set", "journalEntries=3", "--set", "journalEntries=4"), 2,
     "--set sets journalEntries twice (journalEntries=3, journalEntries=4): give it once"),
    (("set", "dev", "--replicas", "frontend=2", "--replicas", "frontend=2"), 2,
     "--replicas sets frontend twice (frontend=2, frontend=2): give it once"),
    ((*NEW_QA, "--namespace", "Journal_QA"), 2, "namespace 'Journal_QA' is not a DNS-1123 label"),
    ((*NEW_QA, "--namespace", "journal-prod"), 2, "namespace journal-prod is already prod's on cluster in-cluster"),
    ((*NEW_QA, "--host", "journal-staging.example.com"), 2,
     "host journal-staging.example.com is already staging's"),
    ((*NEW_QA, "--host", "bad host"), 2, "host 'bad host' is not a DNS name"),
    ((*NEW_QA, "--host", "Bad_Host.example.com"), 2,
     "host 'Bad_Host.example.com' is not a DNS name"),
    ((*NEW_QA, "--after", "prod"), 2,
     "qa would come after production (prod), which would stop being production; pass --beside "
     "prod to add a production environment"),
    (("set", "prod", "--auto-sync"), 1,
     "environment prod would not validate: prod: sync-policy: automated sync on prod, in "
     "production (the last promotion stage): the Argo CD UI cannot roll it back"),
    (("delete", "prod"), 2,
     "prod is a production environment (in the last promotion stage); it is not deleted"),
    (("set", "dev", "--auto-sync", "--manual-sync"), 2,
     "--auto-sync and --manual-sync do not go together"),
    ((*NEW_QA, "--manual-sync", "--auto-sync"), 2,
     "--auto-sync and --manual-sync do not go together"),
])
def test_env_refusals(gitops: Runner, make_repo: MakeRepo, args: tuple[str, ...], code: int,
                      message: str) -> None:
    repo = make_repo()
    assert_refused(lambda: gitops("env", *args, repo=repo), code, f"Error: {message}\n", repo)


def test_env_set_moves_only_the_changed_lines(gitops: Runner, make_repo: MakeRepo) -> None:
    repo = make_repo()
    result = gitops("env", "set", "staging", "--replicas", "redis=3", "--replicas", "frontend=2",
                    "--set", "journalEntries=75", "--manual-sync", "--in-place", repo=repo)
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[:3] == [
        "staging  redis replicas  1 -> 3", "staging  journalEntries  50 -> 75",
        "staging  sync            auto -> manual"]
    changed = [line for line in git(repo, "show", "--format=", "-U0", "HEAD").splitlines()
               if line[:1] in "+-" and not line.startswith(("+++", "---"))]
    manual = MANUAL_SYNC.splitlines()
    assert manual[-2:] == ["    automated:", "      enabled: false"]
    assert changed == [
        "-    # Every commit to main is applied; pruning removes objects deleted from git",
        "-    # and selfHeal reverts changes made directly in the cluster.",
        *("+" + line for line in manual[:-2]),
        "-      prune: true",
        "-      selfHeal: true",
        "+      enabled: false",
        "-    count: 1",
        "+    count: 3",
        "-      - journalEntries=50",
        "+      - journalEntries=75"]
    assert git(repo, "log", "-1", "--format=%s") == (
        "env(staging): redis replicas 1 -> 3, journalEntries 50 -> 75, sync auto -> manual")
    back = gitops("env", "set", "staging", "--auto-sync", "--in-place", repo=repo)
    assert back.exit_code == 0
    assert (repo / "apps/journal-staging.yaml").read_text() == (
        ROOT / "apps/journal-staging.yaml").read_text()


def test_env_set_nothing_to_do(gitops: Runner, make_repo: MakeRepo) -> None:
    repo = make_repo()
    assert_refused(lambda: gitops("env", "set", "dev", "--replicas", "frontend=1", "--auto-sync",
                                  repo=repo), 0, "dev already has those settings\n", repo)


def test_env_round_trip_new_then_delete(gitops: Runner, make_repo: MakeRepo) -> None:
    repo = make_repo()
    original = git(repo, "rev-parse", "HEAD^{tree}")
    assert gitops("env", "new", "qa", "--from", "staging", "--in-place", repo=repo).exit_code == 0
    deleted = gitops("env", "delete", "qa", "--in-place", repo=repo)
    assert deleted.exit_code == 0, deleted.output
    assert git(repo, "rev-parse", "HEAD^{tree}") == original
    assert not (repo / "overlays/qa").exists()
    assert git(repo, "log", "-1", "--format=%s") == "env(qa): delete the environment"


def test_env_delete_staging(gitops: Runner, make_repo: MakeRepo) -> None:
    repo = make_repo()
    result = gitops("env", "delete", "staging", repo=repo)
    assert result.exit_code == 0, result.output
    names = git(repo, "show", "--format=", "--name-status", "env/delete-staging").splitlines()
    assert names == ["D\tapps/journal-staging.yaml", "M\targocd/project.yaml", "M\tgitops.yaml",
                     "D\toverlays/staging/kustomization.yaml",
                     "D\toverlays/staging/namespace.yaml"]
    git(repo, "checkout", "--quiet", "env/delete-staging")
    assert gitops("validate", repo=repo).exit_code == 0
    # Again, on the branch that has it: done already; a name never known is still unknown.
    assert_refused(partial(gitops, "env", "delete", "staging", "--in-place", repo=repo), 0,
                   "staging is already deleted\n", repo)
    assert_refused(partial(gitops, "env", "delete", "qa", "--in-place", repo=repo), 2,
                   "Error: unknown environment 'qa' (known: dev, prod)\n", repo)


def test_a_copy_of_production_goes_before_it(gitops: Runner, make_repo: MakeRepo) -> None:
    repo = make_repo()
    result = gitops("env", "new", "perf", "--from", "prod", "--host", "perf.example.com",
                    "--manual-sync", "--in-place", repo=repo)
    assert result.exit_code == 0, result.output
    listed = gitops("env", "list", repo=repo).output.splitlines()
    assert [line.split()[0] for line in listed[1:]] == ["dev", "staging", "perf", "prod"]


def test_host_given_for_a_copy_of_dev(gitops: Runner, make_repo: MakeRepo) -> None:
    repo = make_repo()
    assert gitops("env", "new", "qa", "--from", "dev", "--host", "qa.example.com",
                  "--in-place", repo=repo).exit_code == 0
    overlay = (repo / "overlays/qa/kustomization.yaml").read_text()
    assert overlay.count("value: qa.example.com") == 2
    assert "journal-qa.example.com" not in overlay


def test_repeated_commands_find_their_branch(gitops: Runner, make_repo: MakeRepo) -> None:
    repo = make_repo()
    assert gitops("env", "set", "dev", "--replicas", "frontend=2", repo=repo).exit_code == 0
    assert_refused(lambda: gitops("env", "set", "dev", "--replicas", "frontend=2", repo=repo),
                   0, "already proposed on env/set-dev\n", repo)
    assert gitops("env", "new", "qa", "--from", "dev", repo=repo).exit_code == 0
    assert_refused(lambda: gitops("env", "new", "qa", "--from", "dev", repo=repo), 0,
                   "already proposed on env/new-qa\n", repo)


def test_flow_style_environments_list(gitops: Runner, make_repo: MakeRepo) -> None:
    repo = make_repo()
    path = repo / "gitops.yaml"
    path.write_text(path.read_text().replace(
        "environments:\n  - dev\n  - staging\n  - prod\n", "environments: [dev, staging, prod]\n"))
    git(repo, "commit", "--quiet", "-am", "flow style")
    assert gitops("env", "new", "qa", "--from", "dev", "--in-place", repo=repo).exit_code == 0
    assert "environments: [dev, qa, staging, prod]\n" in path.read_text()
    assert gitops("env", "delete", "qa", "--in-place", repo=repo).exit_code == 0
    assert "environments: [dev, staging, prod]\n" in path.read_text()


def test_prod_sync_switch_replaces_its_disabled_automated_block(gitops: Runner,
                                                                 make_repo: MakeRepo) -> None:
    repo = make_repo()
    path = repo / "apps/journal-prod.yaml"
    original = path.read_text()
    result = gitops("env", "set", "prod", "--auto-sync", "--in-place", repo=repo)
    assert result.exit_code == 1, result.output
    assert result.output.splitlines()[-1].startswith("Error: ")
    # The edit the command proposed (and validation refused) swaps exactly the one block.
    auto = set_sync(original, "apps/journal-prod.yaml", True)
    assert auto == original.replace(MANUAL_SYNC, AUTO_SYNC)
    assert set_sync(auto, "apps/journal-prod.yaml", False) == original
    assert path.read_text() == original
