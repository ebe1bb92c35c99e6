"""The GitHub workflows: schema-valid, clean under zizmor, least privilege, pinned actions, and
every gitops / bump-image call in them one the command line accepts."""

from __future__ import annotations

import re
import shlex
import subprocess
import sys
from pathlib import Path
from typing import Any

import click
import pytest
import yaml

from journal_gitops.cli import bump_image, cli
from support import ROOT

WORKFLOWS = sorted((ROOT / ".github/workflows").glob("*.yml"))
BIN = Path(sys.executable).parent


def _load(path: Path) -> dict[Any, Any]:
    data: dict[Any, Any] = yaml.safe_load(path.read_text())
    return data


def test_there_are_the_four_workflows() -> None:
    assert [p.name for p in WORKFLOWS] == ["deploy.yml", "promote.yml", "pull-request.yml",
                                           "status.yml"]


def test_workflows_match_the_github_schema() -> None:
    done = subprocess.run([str(BIN / "check-jsonschema"), "--builtin-schema",
                           "vendor.github-workflows", *map(str, WORKFLOWS)],
                          capture_output=True, text=True, check=False)
    assert (done.returncode, done.stdout.strip()) == (0, "ok -- validation done")


def test_zizmor_finds_nothing() -> None:
    done = subprocess.run([str(BIN / "zizmor"), "--offline", "--persona", "pedantic",
                           str(ROOT / ".github/workflows")],
                          capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "No findings to report" in done.stdout


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda p: p.name)
def test_least_privilege_and_pinned_actions(path: Path) -> None:
    workflow = _load(path)
    assert workflow["permissions"] == {}
    for name, job in workflow["jobs"].items():
        assert "permissions" in job, f"job {name} declares no permissions"
        assert set(job["permissions"].values()) <= {"read", "write"}
        for step in job["steps"]:
            if "uses" in step:
                assert re.fullmatch(r"[\w.-]+/[\w.-]+@[0-9a-f]{40}", step["uses"]), step["uses"]
                if step["uses"].startswith("actions/checkout@"):
                    assert step.get("with", {}).get("persist-credentials") is False
            if "run" in step:
                assert "${{" not in step["run"], f"{name}: expression inside run:"


def _invocations() -> list[tuple[str, list[str]]]:
    """Every gitops / bump-image command line in the workflows and the pre-commit config."""
    found = []
    scripts = [step["run"] for path in WORKFLOWS for job in _load(path)["jobs"].values()
               for step in job["steps"] if "run" in step]
    hooks = yaml.safe_load((ROOT / ".pre-commit-config.yaml").read_text())["repos"][0]["hooks"]
    scripts += [hook["entry"] for hook in hooks]
    for script in scripts:
        for line in script.replace("\\\n", " ").splitlines():
            line = line.split(">", 1)[0].strip().replace('"${config_flag[@]}"', "--with-config")
            match = re.search(r"(?:^|\s)(gitops|bump-image)(\s.*|$)", line)
            if match and not line.startswith(("#", "echo")):
                found.append((match.group(1), shlex.split(match.group(2))))
    return found


def test_workflows_call_the_commands_with_options_they_accept() -> None:
    calls = _invocations()
    assert sorted({(prog, args[0] if prog == "gitops" else "") for prog, args in calls}) == [
        ("bump-image", ""), ("gitops", "compare"), ("gitops", "diff"), ("gitops", "gate"),
        ("gitops", "promote"), ("gitops", "status"), ("gitops", "validate")]
    for prog, args in calls:
        command: click.Command = bump_image
        if prog == "gitops":
            group: click.Command = cli
            while isinstance(group, click.Group) and args and not args[0].startswith("-"):
                found = group.get_command(click.Context(group), args.pop(0))
                assert found is not None
                group = found
            command = group
        known = {opt for param in command.params for opt in param.opts}
        for arg in args:
            if arg.startswith("--"):
                assert arg.split("=", 1)[0] in known, f"{prog}: {arg} is not an option"
        for param in command.params:
            if isinstance(param, click.Option) and param.required:
                assert any(opt in args for opt in param.opts), f"{prog}: {param.opts} missing"


def _write_jobs() -> list[tuple[str, dict[str, Any]]]:
    return [(f"{path.name}:{name}", job) for path in WORKFLOWS
            for name, job in _load(path)["jobs"].items()
            if "write" in job["permissions"].values()]


def test_jobs_that_can_write_install_only_hash_checked_dependencies() -> None:
    installs = [(where, step["run"]) for where, job in _write_jobs() for step in job["steps"]
                if "pip install" in step.get("run", "")]
    assert installs, "no job that can write installs anything: the check below checks nothing"
    for where, script in installs:
        for line in script.splitlines():
            if "pip install" in line:
                assert ("--require-hashes" in line or "--no-deps" in line), (where, line)
    pinned = (ROOT / "requirements/deploy.txt").read_text()
    for requirement in re.findall(r"^([A-Za-z0-9_.-]+)==", pinned, re.M):
        block = pinned.split(f"{requirement}==", 1)[1].split("\n\n", 1)[0]
        assert "--hash=sha256:" in block, requirement


def test_the_deploy_token_is_used_only_in_a_protected_environment() -> None:
    for path in WORKFLOWS:
        for name, job in _load(path)["jobs"].items():
            text = yaml.safe_dump(job)
            if "DEPLOY_TOKEN" in text:
                assert job.get("environment") == "deploy", f"{path.name}:{name}"


def test_no_untrusted_value_inside_a_workflow_command() -> None:
    """`::error::` and friends are parsed by the runner: an input echoed into one is an
    injection. Only fixed text goes there."""
    for path in WORKFLOWS:
        for line in path.read_text().splitlines():
            if "echo" in line and "::" in line:
                command = line.split("::", 2)[-1]
                assert "$" not in command, f"{path.name}: {line.strip()}"
