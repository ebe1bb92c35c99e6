"""Background processes (the kustomize builds): run a few at a time, in order, each with an outcome, and
none left behind."""

from __future__ import annotations

from pathlib import Path

import pytest

from journal_gitops.adapters import processes
from journal_gitops.overlays.render import render_many

ROOT = Path(__file__).resolve().parents[2]


def test_every_command_line_runs_and_keeps_its_own_outcome() -> None:
    builds = processes.run_all([["sh", "-c", f"echo {n}; exit {n % 2}"] for n in range(7)])
    assert [(b.outcome().returncode, b.outcome().stdout) for b in builds] == [
        (n % 2, f"{n}\n") for n in range(7)]


@pytest.mark.parametrize("args", [["/no/such/kustomize", "build"], ["kustomize", "a\0b"]])
def test_a_build_that_cannot_start_is_an_outcome_not_an_exception(args: list[str]) -> None:
    builds = processes.run_all([args] * 5 + [["echo", "after"]])  # more than the workers
    assert [b.outcome().returncode for b in builds] == [127] * 5 + [0]


def test_at_exit_no_build_is_left_running_or_waiting(monkeypatch: pytest.MonkeyPatch) -> None:
    running, waiting = processes.run_all([["sleep", "60"]]), [processes.Build(["true"])]
    processes._unfinished.update(waiting)
    while running[0]._process is None:
        running[0]._done.wait(0.01)
    monkeypatch.setattr(processes, "_closing", False)  # set for the rest of the process
    processes._stop_all()
    assert running[0].outcome().returncode == -15  # SIGTERM
    assert waiting[0].outcome().stderr == "cancelled"
    late = processes.Build(["sleep", "60"])  # started by a worker after the stop
    late.run()
    assert late.outcome().returncode == -15


def test_a_cancelled_build_never_runs(tmp_path: Path) -> None:
    marker = tmp_path / "ran"
    build = processes.Build(["touch", str(marker)])
    build.cancel()
    build.run()
    assert (build.outcome().returncode, build.outcome().stderr) == (130, "cancelled")
    assert not marker.exists()


def test_leaving_render_many_settles_every_build(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(processes, "workers", lambda jobs: 1)  # one at a time, in order
    overlays = {env: f"overlays/{env}" for env in ("dev", "staging", "prod")}
    with render_many(ROOT, overlays) as jobs:
        assert jobs["dev"].result().error is None  # the rest are queued or running
    assert "kind: Deployment" in jobs["dev"].result().manifests
    for env in ("staging", "prod"):  # dropped if not started yet, else run to the end
        result = jobs[env].result()
        assert result.error == "cancelled" or "kind: Deployment" in result.manifests
    assert not processes._unfinished
