"""`gitops env delete`: an environment's overlay, Application, destination and place in the
promotion order go together; its namespace and volumes stay in the cluster."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from ...adapters import gitrepo
from ...adapters.files import FileEdit, read_file
from ...argocd.edit import ProjectFile, project_windows
from ...changes.delivery import Delivery, DeliveryOptions, Proposal
from ...config import CONFIG_FILE
from ...config.edit import drop_intended, drop_layout, remove_env, remove_freezes, set_soak
from ...config.gates import Freeze
from ...config.load import load_config
from ...config.model import Config
from ...errors import UsageError
from ...gates.checks import Overrides, check_not_frozen
from ...history.trailers import env_message
from .common import EnvChange, deliver_env, files_of, read_state

DELETE_SUBJECT = "delete the environment"


@dataclass(frozen=True)
class _DeletePlanner:
    """Plans `env delete` on a tree: overlay, Application, destination and order go together."""

    name: str
    break_glass: str | None = None

    def __call__(self, tree: Path) -> Proposal[EnvChange] | None:
        name = self.name
        cfg = load_config(tree)
        if name not in cfg.environments and _deleted(tree, name):
            return None  # done already: the same answer as a second add or freeze
        cfg.require_env(name)
        if cfg.is_production(name):
            raise UsageError(f"{name} is a production environment (in the last promotion "
                             f"stage); it is not deleted")
        overrides = Overrides(break_glass=self.break_glass)
        check_not_frozen(cfg, [name], overrides)
        state = read_state(tree, cfg, name)
        edits: list[FileEdit] = []
        overlay_dir = tree / cfg.overlay_rel(name)
        for path in sorted(p for p in overlay_dir.rglob("*") if p.is_file() or p.is_symlink()):
            rel = path.relative_to(tree).as_posix()
            # A link goes with the overlay; what it points to stays where it is.
            edits.append(FileEdit(rel, "" if path.is_symlink() else read_file(tree, rel), None))
        if state.app_file:
            edits.append(FileEdit(state.app_file, read_file(tree, state.app_file), None))
        project = ProjectFile.of(tree, cfg, cfg.project_of(name))
        if project is not None:  # Argo CD's built-in project lists no destination to drop
            removed = bool(state.namespace and project.remove_destination(
                cfg.cluster_of(name), state.namespace))
            if _drop_windows(tree, cfg, name, project) or removed:
                edits.append(project.edit())
        config_text = read_file(tree, CONFIG_FILE)
        edits.append(FileEdit(CONFIG_FILE, config_text, drop_layout(_without_gates(drop_intended(
            remove_env(config_text, name), cfg.overlay_rel(name)), cfg.gates.freezes, name),
            name)))
        message = env_message(
            name, DELETE_SUBJECT,
            f"Removes {cfg.overlay_rel(name)}, {state.app_file or 'its Application'}, its "
            f"project destination and its place in the promotion order. The namespace "
            f"{state.namespace} and its volumes stay in the cluster (Delete=false).",
            overrides.trailers())
        return Proposal(tuple(edits), message, EnvChange(name, "delete", (), files_of(edits)))


def _deleted(tree: Path, name: str) -> bool:
    """Whether the last change of the environment `name` was its deletion."""
    last = gitrepo.last_with_subject(tree, f"env({name}): ")
    return last is not None and last[1] == f"env({name}): {DELETE_SUBJECT}"


def _drop_windows(tree: Path, cfg: Config, name: str, project: ProjectFile) -> bool:
    """The deleted environment's recurring freezes leave the AppProject's windows too."""
    if not any(f.env == name and f.recurring for f in cfg.gates.freezes):
        return False
    kept = replace(cfg, gates=replace(cfg.gates, freezes=tuple(
        f for f in cfg.gates.freezes if f.env != name)))
    ours, wanted = project_windows(tree, kept).get(project.name, (set(), []))
    return project.set_deny_windows(wanted, ours)


def _without_gates(text: str, freezes: Sequence[Freeze], name: str) -> str:
    """gitops.yaml without the deleted environment's freezes and minimum soak."""
    text = remove_freezes(text, [i for i, f in enumerate(freezes) if f.env == name])
    return set_soak(text, name, None)


def delete_env(config: Config, name: str, options: DeliveryOptions,
               break_glass: str | None = None) -> Delivery[EnvChange]:
    """Remove an environment from git; its namespace and volumes stay in the cluster."""
    Overrides(break_glass=break_glass).trailers()  # a reason is one line
    return deliver_env(config, _DeletePlanner(name, break_glass), "the repository without it",
                    f"env/delete-{name}", options)
