"""What an env change reaches: the environments checked again before it commits, and no
others (their findings cannot change)."""

from __future__ import annotations

from dataclasses import replace

from conftest import MakeRepo
from journal_gitops.config.load import load_config
from journal_gitops.usecases.env.common import reached


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
