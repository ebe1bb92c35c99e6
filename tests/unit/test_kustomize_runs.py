"""Background kustomize processes: run a few at a time, in order, and dropped once nobody waits
for them."""

from __future__ import annotations

from pathlib import Path

import pytest

from journal_gitops.adapters import kustomize, kustomize_runs

ROOT = Path(__file__).resolve().parents[2]


def test_every_command_line_runs_and_keeps_its_own_outcome() -> None:
    builds = kustomize_runs.run_all([["sh", "-c", f"echo {n}; exit {n % 2}"] for n in range(7)])
    assert [(b.outcome().returncode, b.outcome().stdout) for b in builds] == [
        (n % 2, f"{n}\n") for n in range(7)]


def test_a_missing_binary_is_an_outcome_not_an_exception(tmp_path: Path) -> None:
    (build,) = kustomize_runs.run_all([[str(tmp_path / "no-such-kustomize"), "build"]])
    assert build.outcome().returncode == 127


def test_a_cancelled_build_never_runs(tmp_path: Path) -> None:
    marker = tmp_path / "ran"
    build = kustomize_runs.Build(["touch", str(marker)])
    build.cancel()
    build.run()
    assert (build.outcome().returncode, build.outcome().stderr) == (130, "cancelled")
    assert not marker.exists()


def test_leaving_render_many_drops_the_builds_not_started(monkeypatch: pytest.MonkeyPatch
                                                          ) -> None:
    monkeypatch.setattr(kustomize_runs, "workers", lambda jobs: 1)  # one at a time, in order
    overlays = {env: f"overlays/{env}" for env in ("dev", "staging", "prod")}
    with kustomize.render_many(ROOT, overlays) as jobs:
        pass
    results = {env: job.result() for env, job in jobs.items()}
    assert results["dev"].error is None and "kind: Deployment" in results["dev"].manifests
    assert results["staging"].error == results["prod"].error == "cancelled"
