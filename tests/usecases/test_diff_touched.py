"""gitops diff renders only what a change touches: on changes that reach the shared base, an
environment through a link, a folder only the base revision loads, and none at all, its report
is the one that rendering everything at both revisions gives."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable
from pathlib import Path

import pytest

from conftest import MakeRepo, Runner
from journal_gitops.adapters import gitrepo
from journal_gitops.config.load import load_config
from journal_gitops.usecases.diff import DiffReport, diff
from support import git

Change = Callable[[Path], None]


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new, 1))


def _commit(repo: Path, message: str) -> None:
    git(repo, "add", "--all")
    git(repo, "commit", "--quiet", "-m", message)


def _extra(folder: Path, value: str) -> None:
    """A folder holding a kustomization of one ConfigMap."""
    folder.mkdir(parents=True)
    (folder / "kustomization.yaml").write_text("resources:\n  - cm.yaml\n")
    (folder / "cm.yaml").write_text(
        f"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: extra\ndata:\n  v: '{value}'\n")


def _loading_extra(repo: Path, entry: str) -> None:
    _edit(repo / "overlays/dev/kustomization.yaml", "  - namespace.yaml\n",
          f"  - namespace.yaml\n  - {entry}\n")


def base_file(repo: Path) -> None:
    """A file every environment loads."""
    _edit(repo / "base/frontend/deployment.yaml", "containerPort: 8080", "containerPort: 8081")


def link_repointed(repo: Path) -> None:
    """dev loads a folder through a link at the top; the link is pointed at another folder
    whose files did not change."""
    _extra(repo / "shared-a/extra", "a")
    _extra(repo / "shared-b/extra", "b")
    (repo / "shared").symlink_to("shared-a")
    _loading_extra(repo, "../../shared/extra")
    _commit(repo, "dev loads shared/extra")
    (repo / "shared").unlink()
    (repo / "shared").symlink_to("shared-b")


def folder_dropped(repo: Path) -> None:
    """The base revision loads a folder that the head revision neither loads nor has."""
    _extra(repo / "extra", "a")
    _loading_extra(repo, "../../extra")
    _commit(repo, "dev loads extra")
    _edit(repo / "overlays/dev/kustomization.yaml", "  - ../../extra\n", "")
    git(repo, "rm", "--quiet", "-r", "extra")


def folder_restored(repo: Path) -> None:
    """The head revision loads a folder that the base revision names but lacks."""
    _extra(repo / "extra", "a")
    _loading_extra(repo, "../../extra")
    git(repo, "add", "--all")
    git(repo, "rm", "--quiet", "-r", "--cached", "extra")
    git(repo, "commit", "--quiet", "-m", "dev names extra, not there yet")


def app_only(repo: Path) -> None:
    """Only an Application changes."""
    _edit(repo / "apps/journal-staging.yaml", "selfHeal: true", "selfHeal: false")


def _plain_folder_synced(repo: Path) -> None:
    """An Application of apps/ syncs extras/, a folder of plain manifests."""
    text = (repo / "apps/journal-dev.yaml").read_text()
    (repo / "apps/extras.yaml").write_text(
        text.replace("name: journal-dev\n", "name: extras\n", 1)
        .replace("path: overlays/dev", "path: extras"))
    (repo / "extras").mkdir()
    (repo / "extras/cm.yaml").write_text(
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: extra\ndata:\n  v: a\n")
    _commit(repo, "extras")


def synced_file(repo: Path) -> None:
    """A file of a plain folder an Application syncs."""
    _plain_folder_synced(repo)
    _edit(repo / "extras/cm.yaml", "v: a", "v: b")


def synced_folder_built(repo: Path) -> None:
    """A plain folder an Application syncs gets a kustomization: it is built, not read."""
    _plain_folder_synced(repo)
    (repo / "extras/kustomization.yaml").write_text("resources: []\n")


def nothing(repo: Path) -> None:
    """A file no build and no Application reads."""
    (repo / "NOTES.md").write_text("notes\n")


@pytest.mark.parametrize("change", [base_file, link_repointed, folder_dropped, folder_restored,
                                    app_only, synced_file, synced_folder_built, nothing])
@pytest.mark.parametrize("head", ["commit", "working tree"])
def test_the_report_is_that_of_rendering_everything(
        make_repo: MakeRepo, monkeypatch: pytest.MonkeyPatch, change: Change,
        head: str) -> None:
    repo = make_repo()
    change(repo)
    if head == "commit":
        _commit(repo, change.__name__)
    base, tip = ("HEAD^", "HEAD") if head == "commit" else ("HEAD", None)
    config = load_config(repo)
    pruned = diff(config, base, tip)
    real = gitrepo.changes
    monkeypatch.setattr(gitrepo, "changes",
                        lambda *args: dataclasses.replace(real(*args), links=True))
    full = diff(config, base, tip)
    assert pruned == full
    changed = {e.name for e in pruned.environments if e.objects or e.error}
    assert changed == _EXPECTED[change.__name__]


_EXPECTED = {"base_file": {"dev", "staging", "prod"}, "link_repointed": {"dev"},
             "folder_dropped": {"dev"}, "folder_restored": {"dev"}, "app_only": {"argocd"},
             "synced_file": {"argocd"}, "synced_folder_built": {"argocd"}, "nothing": set()}


def _names(report: DiffReport, env: str) -> list[tuple[str, str, str, str]]:
    [found] = [e for e in report.environments if e.name == env]
    return [(o.change.value, o.kind, o.namespace, o.name) for o in found.objects]


def test_the_folder_only_the_base_loads_is_read_there(make_repo: MakeRepo) -> None:
    repo = make_repo()
    folder_dropped(repo)
    _commit(repo, "dev no longer loads extra")
    report = diff(load_config(repo), "HEAD^", "HEAD")
    assert _names(report, "dev") == [("removed", "ConfigMap", "journal-dev", "extra")]


def test_an_environment_the_change_does_not_reach_is_not_built(
        gitops: Runner, make_repo: MakeRepo) -> None:
    """prod fails to build at both revisions: the change does nothing to it (validate is what
    says it does not build); the same break made by the change is an error."""
    repo = make_repo()
    _edit(repo / "overlays/prod/kustomization.yaml", "  - namespace.yaml\n",
          "  - nothere.yaml\n")
    _commit(repo, "prod is broken")
    app_only(repo)
    result = gitops("diff", "--base", "HEAD", "--output", "json", repo=repo)
    assert result.exit_code == 0, result.output
    report = {e["name"]: e for e in json.loads(result.output)["environments"]}
    assert (report["prod"]["objects"], report["prod"]["error"]) == ([], None)
    assert report["argocd"]["objects"]
    result = gitops("diff", "--base", "HEAD^", "--output", "json", repo=repo)
    assert result.exit_code == 1
    report = {e["name"]: e for e in json.loads(result.output)["environments"]}
    assert report["prod"]["error"].startswith("head: accumulating resources")
