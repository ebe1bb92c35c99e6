"""The command line's contract beyond each command's own tests. Start-up: a command loads only
what it needs (`gitops --help` imports no YAML, schema or git library; `gitops validate` no git
library and, with a warm cache, no JSON-schema library: only the YAML reader). Output: what
reports has JSON."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from conftest import Runner
from support import ROOT

HEAVY = ("yaml", "ruamel", "jsonschema", "referencing", "kubernetes_validate", "git", "gitdb")
PROBE = """
import sys
from journal_gitops.cli import cli
try:
    cli.main({args!r}, prog_name="gitops")
except SystemExit:
    pass
import json
print(json.dumps(sorted({{m.split(".")[0] for m in sys.modules}} & set({heavy!r}))),
      file=sys.stderr)
"""


def _loaded(*args: str) -> list[str]:
    done = subprocess.run([sys.executable, "-c", PROBE.format(args=list(args), heavy=HEAVY)],
                          capture_output=True, text=True, check=True, cwd=ROOT)
    names: list[str] = json.loads(done.stderr.strip().splitlines()[-1])
    return names


@pytest.mark.parametrize("args", [("--help",), ("--version",), ("validate", "--help"),
                                  ("env", "list", "--help")])
def test_help_and_version_load_no_heavy_library(args: tuple[str, ...]) -> None:
    assert _loaded(*args) == []


def test_validate_loads_no_git_library_and_with_a_warm_cache_no_schema_library() -> None:
    _loaded("validate")  # fills the cache
    assert _loaded("validate") == ["yaml"]


def test_render_json_wraps_the_manifests(gitops: Runner) -> None:
    text = gitops("render", "dev", repo=ROOT)
    wrapped = gitops("render", "dev", "--output", "json", repo=ROOT)
    assert (text.exit_code, wrapped.exit_code) == (0, 0)
    assert json.loads(wrapped.output) == {"version": 1, "ok": True, "env": "dev",
                                          "manifests": text.output}
