"""The CRD folder gitops.yaml names: inside the repository, its links kept inside it, and files
of any shape read without a crash."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import Runner, copy_repo

CRD = """\
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: widgets.example.com
spec:
  group: example.com
  names: {kind: Widget, plural: widgets}
  scope: Namespaced
  versions:
    - name: v1
      served: true
      storage: true
      schema:
        openAPIV3Schema: {type: object}
"""


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """This repository's manifests with `crds: crds` and one well-formed CRD there."""
    repo = copy_repo(tmp_path / "repo")
    (repo / "crds").mkdir()
    (repo / "crds/widget.yaml").write_text(CRD)
    with (repo / "gitops.yaml").open("a") as handle:
        handle.write("crds: crds\n")
    return repo


def test_documents_of_odd_shapes_are_no_crds(gitops: Runner, repo: Path) -> None:
    odd = ["- a list\n", "kind: CustomResourceDefinition\nspec: [1]\n",
           "kind: CustomResourceDefinition\nspec: {names: [Widget], versions: {v1: x}}\n",
           "kind: CustomResourceDefinition\nspec: {names: {kind: 3}, versions: [v1, [], 4]}\n",
           "kind: CustomResourceDefinition\nspec:\n  names: {kind: Gadget}\n  versions:\n"
           "    - {name: v1, schema: {openAPIV3Schema: [not, a, schema]}}\n", "", "42\n"]
    for index, text in enumerate(odd):
        (repo / f"crds/odd-{index}.yaml").write_text(text)
    (repo / "crds/folder.yaml").mkdir()
    result = gitops("validate", repo=repo)
    assert (result.exit_code, result.output.splitlines()[-1]) == (
        0, "ok: dev, staging, prod (60 resources) pass every rule on Kubernetes 1.29, 1.35")


@pytest.mark.parametrize(("make", "message"), [
    (lambda crds: (crds / "loop.yaml").symlink_to("loop.yaml"),
     "{crds}/loop.yaml: a link that leads to no file"),
    (lambda crds: (crds / "out.yaml").symlink_to(crds.parent / "gitops.yaml"),
     "{crds}/out.yaml: a link to {root}/gitops.yaml, outside the CRD folder"),
    (lambda crds: (crds / "bad.yaml").write_bytes(b"\xff\xfe k: v"),
     "{crds}/bad.yaml: cannot be read as UTF-8 text"),
    (lambda crds: (crds / "dup.yaml").write_text("a: 1\na: 2\n"),
     "{crds}/dup.yaml: key 'a' is written twice, at lines 1 and 2"),
])
def test_files_that_cannot_be_crds(gitops: Runner, repo: Path, make: object,
                                   message: str) -> None:
    make(repo / "crds")  # type: ignore[operator]
    result = gitops("validate", repo=repo)
    expected = message.format(crds=repo / "crds", root=repo.resolve())
    assert (result.exit_code, result.output) == (1, f"Error: {expected}\n")


def test_a_crd_folder_outside_the_repository_is_refused(gitops: Runner, repo: Path) -> None:
    path = repo / "gitops.yaml"
    path.write_text(path.read_text().replace("crds: crds\n", "crds: ../../elsewhere\n"))
    line = len(path.read_text().splitlines())
    result = gitops("validate", repo=repo)
    assert (result.exit_code, result.output) == (
        1, f"Error: gitops.yaml: line {line}: 'crds' must be a folder inside the repository\n")
