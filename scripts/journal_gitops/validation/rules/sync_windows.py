"""The release-gate rule: gitops.yaml's recurring freezes and the AppProject's deny sync windows
say the same thing, so that Argo CD holds automated syncs exactly when the tooling refuses
changes."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from ...argocd.manifests import read_manifests
from ...config.gates import desired_window, window_key
from ...config.model import Config
from .context import AppContext, RenderSummary, dicts
from .model import Hit, Rule, Severity


def _when(key: tuple[str, int, str, tuple[str, ...], bool]) -> str:
    hours, rest = divmod(key[1], 3600)
    length = f"{hours}h" + (f"{rest // 60}m" if rest // 60 else "")
    return f"'{key[0]}' for {length} ({key[2]})"


def app_check_sync_windows(ctx: AppContext) -> Iterator[Hit]:
    freezes = ctx.config.recurring_freezes
    for app in ctx.applications:
        project = ctx.projects.get(str(app.spec.get("project")))
        if project is None:
            continue  # project-permits reports it
        holding = [key for w in dicts(project.spec.get("syncWindows"))
                   if (key := window_key(w)) is not None and app.name in key[3]]
        wanted = [window_key(desired_window(f, app.name)) for f in freezes]
        for want in wanted:
            if want is not None and not any(have[:3] == want[:3] for have in holding):
                yield app, (f"recurring freeze of {ctx.env} {_when(want)} has no deny sync "
                            f"window for {app.name} in AppProject {project.name}")
        for have in holding:
            if not any(want is not None and have[:3] == want[:3] for want in wanted):
                yield app, (f"deny sync window {_when(have)} of AppProject {project.name} holds "
                            f"{app.name}, but gitops.yaml has no such recurring freeze of "
                            f"{ctx.env}")


def window_problems(root: Path, config: Config) -> list[str]:
    """Every disagreement between gitops.yaml and the AppProject, for a change's check."""
    manifests = read_manifests(root, config)
    out = []
    for env in config.environments:
        ctx = AppContext.of(config, env, manifests.applications, manifests.projects,
                            RenderSummary((), ()))
        out += [f"{env}: {hit[1]}" for hit in app_check_sync_windows(ctx)]
    return out


# --- the rules ---------------------------------------------------------------------------------

SYNC_WINDOWS = Rule(
    "sync-windows", Severity.HIGH,
    summary="gitops.yaml's recurring freezes and the AppProject's deny sync windows agree",
    why="The tooling refuses changes during a recurring freeze, and Argo CD holds automated syncs "
        "during a deny window: when the two disagree, a change merged outside one is synced "
        "inside the other.",
    fix="Change recurring freezes with gitops freeze --schedule and gitops unfreeze --recurring, "
        "which write both; or make spec.syncWindows match gitops.yaml.",
    app_check=app_check_sync_windows)
