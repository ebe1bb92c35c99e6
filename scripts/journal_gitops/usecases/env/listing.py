"""`gitops env list`: every environment in promotion order, with what it lacks of the stage
before it and its release gates."""

from __future__ import annotations

from dataclasses import dataclass

from ...argocd.manifests import environment_applications
from ...config.model import Config
from ...gates.checks import ActiveGate
from .common import EnvState, read_state


@dataclass(frozen=True)
class EnvRow:
    state: EnvState
    differs: tuple[str, ...] | None  # what a promotion from the previous stage would carry
    gate: ActiveGate | None = None  # freezes and soak; None where gates were not asked
    stage: int = 1  # its promotion stage, counted from 1
    cluster: str = "in-cluster"


def list_envs(config: Config) -> list[EnvRow]:
    """Every environment in promotion order, with what it lacks of the stage before it."""
    apps = environment_applications(config.root, config)
    states = {env: read_state(config.root, config, env, apps) for env in config.environments}
    rows: list[EnvRow] = []
    for env, state in states.items():
        source = config.previous_env(env)
        differs = None
        if source is not None:
            previous = states[source]
            # A promotion moves the images the environment runs to the source's pins.
            runs = {name: pin for name, pin in state.images.items() if any(pin)}
            images = any(previous.images.get(name, pin).tag is not None
                         and previous.images.get(name) != pin for name, pin in runs.items())
            differs = tuple(part for part, moved in (
                ("images", images), ("config", state.config != previous.config)) if moved)
        rows.append(EnvRow(state, differs, ActiveGate.of(config, env), config.stage_of(env) + 1,
                           config.cluster_of(env).name))
    return rows
