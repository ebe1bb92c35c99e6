"""The cache answers as a run without it does, on the inputs that once made it answer wrong: a
folder linked into an overlay and then moved outside the repository, a YAML date and the
quoted text of it, label keys YAML reads as a number or a boolean, an alias cycle, planted or
swapped cache entries, and a cache folder others may write.

Each step runs `gitops validate` as a user does (the installed command, in its own process)
with one cache kept across the steps, and again with GITOPS_NO_CACHE=1: the two must agree.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from support import copy_repo

GITOPS = str(Path(sys.executable).parent / "gitops")


def validate(repo: Path, cache: Path, *, cached: bool = True) -> tuple[int, str, str]:
    env = {**os.environ, "GITOPS_CACHE_DIR": str(cache)}
    env.pop("GITOPS_NO_CACHE", None)
    if not cached:
        env["GITOPS_NO_CACHE"] = "1"
    done = subprocess.run([GITOPS, "--repo", str(repo), "validate", "--output", "json"],
                          capture_output=True, text=True, env=env, check=False)
    return done.returncode, done.stdout, done.stderr


def agree(repo: Path, cache: Path) -> tuple[int, str]:
    """validate with the cache (twice: the second from what the first kept) and without; all
    three answers must be the same, and no run may end in a traceback."""
    runs = [validate(repo, cache), validate(repo, cache), validate(repo, cache, cached=False)]
    for _, _, err in runs:
        assert "Traceback" not in err
    assert runs[0][:2] == runs[1][:2] == runs[2][:2]
    return runs[0][0], runs[0][1]


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    return copy_repo(tmp_path / "repo")


@pytest.fixture
def cache(tmp_path: Path) -> Path:
    return tmp_path / "cache"


def test_a_linked_folder_moved_outside_the_repository_is_refused(
        repo: Path, cache: Path, tmp_path: Path) -> None:
    shared = repo / "shared"
    shared.mkdir()
    (shared / "kustomization.yaml").write_text("resources:\n  - extra.yaml\n")
    (shared / "extra.yaml").write_text(
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: extra\ndata:\n  a: b\n")
    (repo / "overlays/dev/extra").symlink_to("../../shared")
    kustomization = repo / "overlays/dev/kustomization.yaml"
    kustomization.write_text(kustomization.read_text().replace(
        "resources:\n", "resources:\n  - extra\n", 1))
    code, out = agree(repo, cache)
    assert "kustomize-input" not in out
    outside = tmp_path / "outside"
    shutil.move(str(shared), str(outside))
    (repo / "overlays/dev/extra").unlink()
    (repo / "overlays/dev/extra").symlink_to(outside)
    code, out = agree(repo, cache)
    assert code == 1
    assert '"rule": "kustomize-input"' in out
    assert "resources entry extra is outside this repository" in out


def _label(repo: Path, line: str) -> None:
    """A line under the labels of dev's Application (read as written: no kustomize between)."""
    app = repo / "apps/journal-dev.yaml"
    app.write_text(app.read_text().replace("  labels:\n", f"  labels:\n    {line}\n", 1))


def test_a_date_and_the_quoted_text_of_it_are_two_inputs(repo: Path, cache: Path) -> None:
    original = (repo / "apps/journal-dev.yaml").read_text()
    answers = []
    for value in ('"2024-01-01"', "2024-01-01", '"2024-01-01"'):
        (repo / "apps/journal-dev.yaml").write_text(original)
        _label(repo, f"released: {value}")
        answers.append(agree(repo, cache))
    assert answers[0] == answers[2]
    assert answers[0][0] == 0
    assert answers[1][0] == 1 and "metadata.labels.released" in answers[1][1]


@pytest.mark.parametrize("key", ["2024", "yes", "1.5", "null"])
def test_label_keys_yaml_reads_as_numbers_or_booleans(repo: Path, cache: Path,
                                                      key: str) -> None:
    """kubectl and Argo CD turn such keys into text (2024, true, 1.5, null): valid label names,
    so no finding; and no traceback, with or without the cache."""
    _label(repo, f"{key}: odd")
    code, out = agree(repo, cache)
    assert (code, json.loads(out)["findings"]) == (0, [])


def test_an_alias_cycle_is_a_finding(repo: Path, cache: Path) -> None:
    app = repo / "apps/journal-dev.yaml"
    app.write_text(app.read_text() + "---\ncycle: &loop [*loop]\n")
    code, out = agree(repo, cache)
    assert code == 1
    assert "an alias refers to a node that contains it" in out


def test_planted_and_swapped_entries_are_not_answers(repo: Path, cache: Path) -> None:
    _, clean = agree(repo, cache)
    entries = sorted(p for p in cache.rglob("*") if p.is_file())
    assert entries
    for path in entries:
        path.write_bytes(b'{"manifests": "", "warnings": []}')  # no header, no checksum
    assert validate(repo, cache)[:2] == (0, clean)
    renders = sorted((cache / "renders").iterdir())
    assert len(renders) == 3
    first = renders[0].read_bytes()
    for path in renders:  # every key holding one environment's render, checksum and all
        path.write_bytes(first)
    assert validate(repo, cache)[:2] == (0, clean)


def test_a_cache_folder_others_may_write_is_not_used(repo: Path, cache: Path) -> None:
    _, clean = agree(repo, cache)
    cache.chmod(0o777)
    before = {p: p.stat().st_mtime_ns for p in cache.rglob("*")}
    code, out, err = validate(repo, cache)
    assert (code, out) == (0, clean)
    assert err == f"gitops: cache not used: {cache} may be written by other users (chmod 700 " \
                  f"it)\n"
    assert {p: p.stat().st_mtime_ns for p in cache.rglob("*")} == before
