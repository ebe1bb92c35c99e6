"""The renders an env change makes before it writes are kept for the check after it only for
the environments whose inputs the written files do not touch."""

from __future__ import annotations

from conftest import MakeRepo
from journal_gitops.config.load import load_config
from journal_gitops.usecases.env.common import TreeRenders


def test_renders_kept_after_a_change_are_those_it_does_not_reach(make_repo: MakeRepo) -> None:
    repo = make_repo()
    config = load_config(repo)
    renders = TreeRenders()
    assert set(renders.all(repo, config)) == {"dev", "staging", "prod"}
    assert set(renders.still(repo, config, ["gitops.yaml", "apps/journal-qa.yaml",
                                            "overlays/qa/kustomization.yaml"])) == {
        "dev", "staging", "prod"}
    assert set(renders.still(repo, config, ["overlays/dev/namespace.yaml"])) == {
        "staging", "prod"}
    assert renders.still(repo, config, ["base/frontend/deployment.yaml"]) == {}
    assert renders.still(make_repo("other"), config, []) == {}  # made on another tree
