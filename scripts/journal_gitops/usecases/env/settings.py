"""`gitops env set`: change an environment's replicas, config values, sync policy, minimum
soak or cluster; only the lines of the values that change move."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ...adapters.files import FileEdit, read_file
from ...argocd.edit import ProjectFile, set_destination, set_sync
from ...argocd.manifests import environment_applications
from ...changes.delivery import Delivery, DeliveryOptions, Proposal
from ...config import CONFIG_FILE
from ...config.edit import move_env, set_soak
from ...config.load import load_config
from ...config.model import Config
from ...errors import GitopsError, UsageError
from ...gates.checks import Overrides, check_not_frozen
from ...history.trailers import env_message
from ...overlays.kustomization import Kustomization
from ...overlays.snapshot import ValueChange
from ...timing.durations import parse_duration
from .common import (
    EnvChange,
    EnvState,
    components,
    deliver_env,
    edit_overlay,
    files_of,
    parse_assignments,
    parse_replicas,
    read_state,
    render_env,
)

MOVE_NOTE = ("Argo CD deploys {env} to cluster {new} from scratch: new volumes (what they "
             "held is not there) and a new ingress. What runs on {old} is no longer managed by "
             "this Application: remove it there once {new} serves.")


@dataclass(frozen=True)
class SetEnv:
    """`env set`: the values to change, as the command line gave them (parsed when planned)."""

    name: str
    replicas: tuple[str, ...] = ()  # COMPONENT=N
    values: tuple[str, ...] = ()  # KEY=VALUE
    automated: bool | None = None  # None: the sync policy stays
    min_soak: str | None = None  # "0" removes it
    break_glass: str | None = None
    cluster: str | None = None  # move it to this cluster


@dataclass(frozen=True)
class _SetEnvPlanner:
    """Plans `env set` on a tree: only the lines of the values that change."""

    request: SetEnv

    def __call__(self, tree: Path) -> Proposal[EnvChange] | None:
        name = self.request.name
        cfg = load_config(tree)
        cfg.require_env(name)
        replicas = parse_replicas(self.request.replicas)
        values = parse_assignments(self.request.values, "--set")
        state = read_state(tree, cfg, name)
        rel = cfg.overlay_file(name, tree)
        edits: list[FileEdit] = []
        changes: list[ValueChange] = []
        replicas = {k: v for k, v in replicas.items() if state.replicas.get(k) != v}
        values = {k: v for k, v in values.items() if state.config.get(k) != v}
        if replicas or values or self.request.replicas or self.request.values:
            text = read_file(tree, rel)
            kustomization = Kustomization(text, rel)
            known = components(render_env(tree, cfg, name)) if replicas else []
            edit_overlay(kustomization, known, replicas, values)
            if replicas or values:
                edits.append(FileEdit(rel, text, kustomization.result()))
            changes += [ValueChange(f"{k} replicas", str(state.replicas.get(k, "(none)")), str(v))
                        for k, v in replicas.items()]
            changes += [ValueChange(k, state.config[k], v) for k, v in values.items()]
        if self.request.automated is not None and self.request.automated != state.automated:
            if state.app_file is None:
                raise GitopsError(f"no Application deploys {cfg.overlay_rel(name)}")
            text = read_file(tree, state.app_file)
            edits.append(FileEdit(state.app_file, text,
                                  set_sync(text, state.app_file, self.request.automated)))
            old, new = ("auto", "manual") if state.automated else ("manual", "auto")
            changes.append(ValueChange("sync", old, new))
        moved = self._move(tree, cfg, state)
        if moved is not None:
            edits += moved[0]
            changes.append(moved[1])
        overrides = Overrides(break_glass=self.request.break_glass)
        if edits:  # the environment itself changes: a freeze holds it
            check_not_frozen(cfg, [name], overrides)
        soak = self._soak(tree, cfg)
        if soak is not None:
            edits.append(soak[0])
            changes.append(soak[1])
        if not edits:
            return None
        said = ", ".join(f"{c.what} {c.old} -> {c.new}" for c in changes)
        paragraph = "" if moved is None else MOVE_NOTE.format(
            env=name, old=moved[1].old, new=moved[1].new)
        return Proposal(tuple(edits), env_message(name, said, paragraph, overrides.trailers()),
                        EnvChange(name, "set", tuple(changes), files_of(edits)))

    def _move(self, tree: Path, cfg: Config, state: EnvState
              ) -> tuple[list[FileEdit], ValueChange] | None:
        """The edits that move the environment to another cluster: its Application's
        destination, the AppProject's destination and gitops.yaml."""
        name, wanted = self.request.name, self.request.cluster
        old = cfg.cluster_of(name)
        if wanted is None or wanted == old.name:
            return None
        new = cfg.cluster(wanted)
        if cfg.app_made_elsewhere(name):
            raise UsageError(f"{name}'s Application is made outside this repository's files "
                             f"(gitops.yaml layout): change its destination where it is made")
        if state.app_file is None or state.namespace is None:
            raise GitopsError(f"no Application deploys {cfg.overlay_rel(name)}")
        apps = environment_applications(tree, cfg)
        for env in new.environments:
            if read_state(tree, cfg, env, apps).namespace == state.namespace:
                raise UsageError(f"namespace {state.namespace} is already {env}'s on cluster "
                                 f"{new.name}")
        app_text = read_file(tree, state.app_file)
        project = ProjectFile.of(tree, cfg, cfg.project_of(name))
        if project is not None:  # Argo CD's built-in project allows every destination
            project.remove_destination(old, state.namespace)
            project.add_destination(new, state.namespace)
        config_text = read_file(tree, CONFIG_FILE)
        return ([FileEdit(state.app_file, app_text,
                          set_destination(app_text, state.app_file, new)),
                 *([project.edit()] if project is not None else []),
                 FileEdit(CONFIG_FILE, config_text, move_env(config_text, name, new.name))],
                ValueChange("cluster", old.name, new.name))

    def _soak(self, tree: Path, cfg: Config) -> tuple[FileEdit, ValueChange] | None:
        """gitops.yaml's edit for --min-soak, when it changes the value."""
        wanted = self.request.min_soak
        if wanted is None:
            return None
        span = parse_duration(wanted, "--min-soak")
        new = wanted.strip() if span.total_seconds() > 0 else None
        old = cfg.gates.soak_of(self.request.name)
        if old == new:
            return None
        text = read_file(tree, CONFIG_FILE)
        return (FileEdit(CONFIG_FILE, text, set_soak(text, self.request.name, new)),
                ValueChange("min soak", old or "(none)", new or "(none)"))


def set_env(config: Config, request: SetEnv, options: DeliveryOptions) -> Delivery[EnvChange]:
    """Change replicas, config values or the sync policy; only those lines move."""
    Overrides(break_glass=request.break_glass).trailers()  # a reason is one line
    if request.min_soak is not None:
        parse_duration(request.min_soak, "--min-soak")
    return deliver_env(config, _SetEnvPlanner(request), f"environment {request.name}",
                    f"env/set-{request.name}", options)
