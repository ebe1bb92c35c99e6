"""Repositories laid out otherwise: gitops.yaml's `layout` says where the overlays and
Applications are, and every command finds them there."""

from __future__ import annotations

import re
from pathlib import Path

from conftest import MakeRepo, Runner
from support import git


def _moved_overlays(repo: Path) -> Path:
    """This repository with its overlays in envs/ (and prod's in envs/production), prod's
    Application made outside git, and staging in Argo CD's built-in project."""
    git(repo, "mv", "overlays", "envs")
    git(repo, "mv", "envs/prod", "envs/production")
    git(repo, "rm", "-q", "apps/journal-prod.yaml")
    for app in (repo / "apps").glob("*.yaml"):
        app.write_text(app.read_text().replace("overlays/", "envs/"))
    staging = repo / "apps/journal-staging.yaml"
    staging.write_text(staging.read_text().replace("project: journal", "project: default"))
    config = repo / "gitops.yaml"
    config.write_text(config.read_text().replace("overlays/prod/", "envs/production/")
                      + "\nlayout:\n  overlays: envs\n  environments:\n"
                        "    prod:\n      overlay: envs/production\n      application: external\n"
                        "    staging:\n      project: default\n")
    git(repo, "commit", "-qam", "another layout")
    return repo


def test_a_moved_layout_validates_and_moves_images(gitops: Runner, make_repo: MakeRepo) -> None:
    repo = _moved_overlays(make_repo())
    result = gitops("validate", repo=repo)
    assert result.exit_code == 0, result.output
    assert result.output.startswith("ok: dev, staging, prod (60 resources)")
    bumped = gitops("bump", "--commit", "b" * 40, "--in-place", repo=repo)
    assert bumped.exit_code == 0, bumped.output
    assert git(repo, "show", "--format=", "--name-only", "HEAD").splitlines() == [
        "envs/dev/kustomization.yaml"]
    promoted = gitops("promote", "--from", "staging", "--to", "prod", "--in-place",
                      "--with-config", repo=repo)
    assert promoted.exit_code == 0, promoted.output
    assert "envs/production/kustomization.yaml" in git(
        repo, "show", "--format=", "--name-only", "HEAD").splitlines()
    history = gitops("history", "dev", repo=repo)
    assert history.exit_code == 0, history.output
    assert "b" * 7 in history.output
    listed = gitops("env", "list", repo=repo).output.splitlines()
    assert [line.split()[:4] for line in listed[1:]] == [
        ["dev", "1", "in-cluster", "journal-dev"], ["staging", "2", "in-cluster",
                                                    "journal-staging"],
        ["prod", "3", "in-cluster", "journal-prod"]]


def test_env_new_copies_an_environment_of_the_default_layout(
        gitops: Runner, make_repo: MakeRepo) -> None:
    repo = _moved_overlays(make_repo())
    made = gitops("env", "new", "qa", "--from", "dev", "--in-place", repo=repo)
    assert made.exit_code == 0, made.output
    assert git(repo, "show", "--format=", "--name-only", "HEAD").splitlines() == [
        "apps/journal-qa.yaml", "argocd/project.yaml", "envs/qa/kustomization.yaml",
        "envs/qa/namespace.yaml", "gitops.yaml"]
    assert "    path: envs/qa\n" in (repo / "apps/journal-qa.yaml").read_text()
    assert gitops("validate", repo=repo).exit_code == 0
    before = (repo / "gitops.yaml").read_text()
    # A copy of an environment with a layout of its own gets one too, made about it.
    made = gitops("env", "new", "uat", "--from", "prod", "--host", "uat.example.com",
                  "--in-place", repo=repo)
    assert made.exit_code == 0, made.output
    assert git(repo, "show", "--format=", "--name-only", "HEAD").splitlines() == [
        "argocd/project.yaml", "envs/uat/kustomization.yaml", "envs/uat/namespace.yaml",
        "envs/uat/patches/fileserver-resources.yaml", "envs/uat/patches/frontend-resources.yaml",
        "envs/uat/patches/redis-resources.yaml", "gitops.yaml"]
    assert (repo / "gitops.yaml").read_text().endswith(
        "    prod:\n      overlay: envs/production\n      application: external\n"
        "    staging:\n      project: default\n"
        "    uat:\n      overlay: envs/uat\n      application: external\n")
    assert "namespace: journal-uat\n" in (repo / "envs/uat/kustomization.yaml").read_text()
    assert gitops("validate", repo=repo).exit_code == 0
    deleted = gitops("env", "delete", "uat", "--in-place", repo=repo)
    assert deleted.exit_code == 0, deleted.output
    assert (repo / "gitops.yaml").read_text() == before


def test_an_application_in_another_project_is_held_to_its_layout(
        gitops: Runner, make_repo: MakeRepo) -> None:
    repo = _moved_overlays(make_repo())
    config = repo / "gitops.yaml"
    config.write_text(config.read_text().replace("    staging:\n      project: default\n", ""))
    result = gitops("validate", repo=repo)
    assert result.exit_code == 1
    assert re.search(r"staging .*project default is not journal \(gitops.yaml\)", result.output)


def test_layout_refusals(gitops: Runner, make_repo: MakeRepo) -> None:
    repo = make_repo()
    config = repo / "gitops.yaml"
    text = config.read_text()
    for layout, message in [
        ("layout:\n  overlays: ../elsewhere\n",
         "layout.overlays '../elsewhere' must be a folder inside the repository, written "
         "relative to its root"),
        ("layout:\n  environments:\n    qa:\n      overlay: envs/qa\n",
         "layout.environments.qa: 'qa' is not an environment"),
        ("layout:\n  environments:\n    dev:\n      overlay: overlays/prod\n",
         "layout: two environments have the overlay overlays/prod"),
        ("layout:\n  environments:\n    dev:\n      overlays: envs/dev\n",
         "unknown key 'overlays' in layout.environments.dev (did you mean 'overlay'?)"),
        ("layout:\n  environments:\n    dev:\n      application: dev-app.yaml\n",
         "layout.environments.dev.application 'dev-app.yaml' must be external, "
         "{applicationSet: NAME}, or a YAML file in a folder of the repository (Argo CD reads "
         "Applications from folders)"),
        ("layout:\n  environments:\n    dev:\n      application: apps\n",
         "layout.environments.dev.application 'apps' must be external, {applicationSet: NAME}, "
         "or a YAML file in a folder of the repository (Argo CD reads Applications from "
         "folders)"),
    ]:
        config.write_text(text + layout)
        result = gitops("validate", repo=repo)
        assert result.exit_code == 1, (layout, result.output)
        assert re.fullmatch(rf"Error: gitops\.yaml: (line \d+: )?{re.escape(message)}\n",
                            result.output), (layout, result.output)


def test_deleting_the_only_environment_with_a_layout_removes_layout(
        gitops: Runner, make_repo: MakeRepo) -> None:
    repo = make_repo()
    config = repo / "gitops.yaml"
    before = config.read_text()
    config.write_text(before + "layout:\n  environments:\n    staging:\n"
                               "      namespace: journal-staging\n")
    git(repo, "commit", "-qam", "staging's namespace in the layout")
    deleted = gitops("env", "delete", "staging", "--in-place", repo=repo)
    assert deleted.exit_code == 0, deleted.output
    assert "layout:" not in config.read_text()
    assert gitops("validate", repo=repo).exit_code == 0
