"""The deploy and promote workflows check out the app repository that gitops.yaml names, with
its whole history, and pass it as --source-repo; the status page is published on main."""

from __future__ import annotations

from typing import Any

import pytest
import yaml

from support import ROOT

WORKFLOWS = ROOT / ".github/workflows"


def _steps(name: str) -> list[dict[str, Any]]:
    workflow = yaml.safe_load((WORKFLOWS / name).read_text())
    return [step for job in workflow["jobs"].values() for step in job["steps"]]


@pytest.mark.parametrize("name", ["deploy.yml", "promote.yml"])
def test_the_app_repository_is_checked_out_and_passed(name: str) -> None:
    app_url = yaml.safe_load((ROOT / "gitops.yaml").read_text())["app"]["repoURL"]
    checkouts = [step["with"] for step in _steps(name)
                 if step.get("uses", "").startswith("actions/checkout@")
                 and "repository" in step.get("with", {})]
    assert checkouts == [{"repository": app_url.removeprefix("https://github.com/"),
                          "path": ".app-source", "fetch-depth": 0,
                          "persist-credentials": False}]
    script = next(step["run"] for step in _steps(name) if "--push" in step.get("run", ""))
    assert "--source-repo .app-source" in script


def test_the_status_page_is_published_on_every_push_to_main() -> None:
    workflow = yaml.safe_load((WORKFLOWS / "status.yml").read_text())
    assert workflow[True] == {"push": {"branches": ["main"]}}  # YAML 1.1 reads `on` as true
    assert [job["permissions"] for job in workflow["jobs"].values()] == [{"contents": "read"}]
    steps = _steps("status.yml")
    assert any(step.get("run") == 'gitops status --output html > "$RUNNER_TEMP/status.html"'
               for step in steps)
    upload = [step["with"] for step in steps
              if step.get("uses", "").startswith("actions/upload-artifact@")]
    assert upload == [{"name": "status-page", "path": "${{ runner.temp }}/status.html",
                       "retention-days": 90}]
