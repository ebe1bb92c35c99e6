"""kustomize's deprecation warnings, one finding per kustomization file that holds the field:
on a small tree with the warnings kustomize prints for it, and on a real repository."""

from __future__ import annotations

import json
from pathlib import Path

from conftest import MakeRepo, Runner
from journal_gitops.validation.findings import Finding
from journal_gitops.validation.kustomize_warnings import warning_findings

PSM = ("'patchesStrategicMerge' is deprecated. Please use 'patches' instead. Run 'kustomize "
       "edit fix' to update your Kustomization automatically.")
VARS = ("'vars' is deprecated. Please use 'replacements' instead. [EXPERIMENTAL] Run 'kustomize "
        "edit fix' to update your Kustomization automatically.")


def _write(root: Path, files: dict[str, str]) -> None:
    for rel, text in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text)


def _line(path: Path, text: str) -> int:
    return next(n for n, line in enumerate(path.read_text().splitlines(), 1) if text in line)


def test_each_warning_goes_to_every_kustomization_that_holds_its_field(tmp_path: Path) -> None:
    _write(tmp_path, {
        "base/kustomization.yaml": "resources: [web.yaml]\n",
        "mixin/kustomization.yaml": "apiVersion: kustomize.config.k8s.io/v1alpha1\n"
                                    "kind: Component\n\npatchesStrategicMerge:\n  - a.yaml\n",
        "other/kustomization.yaml": "patchesStrategicMerge: [b.yaml]\n",  # not in the tree
        "ov/kustomization.yaml": "# the overlay\nresources: [../base]\ncomponents: [../mixin]\n"
                                 "patchesStrategicMerge: [c.yaml]\nvars: []\n",
    })
    out = warning_findings(tmp_path, tmp_path / "ov", "dev", "ov/kustomization.yaml",
                           [PSM, PSM, "'imageTags' is deprecated. Please use 'images'.",
                            "unknown field x", "unknown field x"])
    assert out == [
        Finding("kustomize-warning", PSM, "dev", None, "ov/kustomization.yaml", 4),
        Finding("kustomize-warning", PSM, "dev", None, "mixin/kustomization.yaml", 4),
        Finding("kustomize-warning", "'imageTags' is deprecated. Please use 'images'.", "dev",
                None, "ov/kustomization.yaml"),
        Finding("kustomize-warning", "unknown field x", "dev", None, "ov/kustomization.yaml"),
    ]
    assert warning_findings(tmp_path, tmp_path / "ov", "dev", "ov/kustomization.yaml",
                            [VARS]) == [
        Finding("kustomize-warning", VARS, "dev", None, "ov/kustomization.yaml", 5)]


def test_validate_reports_a_deprecated_field_once_per_kustomization_with_its_line(
        make_repo: MakeRepo, gitops: Runner) -> None:
    repo = make_repo()
    (repo / "components/probe").mkdir(parents=True)
    (repo / "components/probe/kustomization.yaml").write_text(
        "apiVersion: kustomize.config.k8s.io/v1alpha1\nkind: Component\n\n"
        "patchesStrategicMerge:\n  - frontend.yaml\n")
    (repo / "components/probe/frontend.yaml").write_text(
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: frontend\n"
        "spec:\n  minReadySeconds: 5\n")
    (repo / "base/frontend/pdb-patch.yaml").write_text(
        "apiVersion: policy/v1\nkind: PodDisruptionBudget\nmetadata:\n  name: frontend\n"
        "  annotations:\n    example.com/owner: web\n")
    (repo / "overlays/dev/frontend.yaml").write_text(
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: frontend\n"
        "spec:\n  revisionHistoryLimit: 5\n")
    base, overlay = repo / "base/frontend/kustomization.yaml", \
        repo / "overlays/dev/kustomization.yaml"
    base.write_text(base.read_text() + "\npatchesStrategicMerge:\n  - pdb-patch.yaml\n")
    overlay.write_text(overlay.read_text().replace(
        "replicas:\n", "components:\n  - ../../components/probe\n\n"
                       "patchesStrategicMerge:\n  - frontend.yaml\n\n"
                       "replicas:\n", 1))
    result = gitops("validate", "--env", "dev", "--output", "json", repo=repo)
    assert result.exit_code == 1, result.output
    assert [(f["env"], f["rule"], f["message"], f["file"], f["line"])
            for f in json.loads(result.output)["findings"]] == [
        ("dev", "kustomize-warning", PSM, "overlays/dev/kustomization.yaml",
         _line(overlay, "patchesStrategicMerge:")),
        ("dev", "kustomize-warning", PSM, "components/probe/kustomization.yaml", 4),
        ("dev", "kustomize-warning", PSM, "base/frontend/kustomization.yaml",
         _line(base, "patchesStrategicMerge:")),
    ]
