"""Keys kustomize reads as something other than a string (YAML 1.2): found with file and line,
and nothing else (quoted keys, YAML 1.1's yes/on, tagged keys)."""

from __future__ import annotations

import json
from pathlib import Path

from conftest import MakeRepo, Runner, findings
from journal_gitops.overlays.keys import BadKey, bad_keys

TEXT = """\
apiVersion: v1
kind: ConfigMap
metadata:
  name: extra
data:
  1: one
  "2": two
  yes: on
  on: "x"
  0x1F: hex
  1.5e3: float
  ~: none
  TRUE: t
  'false': f
  !!str 3: tagged
  ? |
    block
  : b
nested:
  - {null: x, name: y}
"""


def test_the_keys_yaml_1_2_reads_as_numbers_booleans_or_null(tmp_path: Path) -> None:
    (tmp_path / "cm.yaml").write_text(TEXT)
    (tmp_path / "notes.txt").write_text("1: not yaml to kustomize\n")
    found = bad_keys([tmp_path], tmp_path)
    assert [(k.line, k.key, k.reads_as) for k in found] == [
        (6, "1", "a number"), (10, "0x1F", "a number"), (11, "1.5e3", "a number"),
        (12, "~", "null"), (13, "TRUE", "a boolean"), (20, "null", "null")]
    assert {k.file for k in found} == {Path("cm.yaml")}
    assert BadKey(Path("cm.yaml"), 6, "1", "a number").message() == (
        'key 1 reads as a number in YAML, and kustomize cannot build an object with such a '
        'key: write it quoted, "1"')


def test_validate_names_the_key_not_kustomizes_crash(gitops: Runner, make_repo: MakeRepo
                                                      ) -> None:
    repo = make_repo()
    (repo / "overlays/dev/cm.yaml").write_text(
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: extra\ndata:\n  8080: port\n")
    kustomization = repo / "overlays/dev/kustomization.yaml"
    kustomization.write_text(kustomization.read_text().replace(
        "  - namespace.yaml\n", "  - namespace.yaml\n  - cm.yaml\n", 1))
    result = gitops("validate", "--env", "dev", "--output", "json", repo=repo)
    assert result.exit_code == 1
    assert findings(result) == [
        ("dev", "render", None, 'key 8080 reads as a number in YAML, and kustomize cannot '
                                'build an object with such a key: write it quoted, "8080"')]
    [finding] = json.loads(result.output)["findings"]
    assert (finding["file"], finding["line"]) == ("overlays/dev/cm.yaml", 6)
