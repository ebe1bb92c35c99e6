"""`gitops render`: what Argo CD would apply for one environment."""

from __future__ import annotations

from ..adapters import kustomize
from ..config import Config


def render_env(config: Config, env: str) -> str:
    """The environment's manifests exactly as kustomize prints them."""
    config.require_env(env)
    return kustomize.render_or_raise(kustomize.find_kustomize(), config.root,
                                     config.overlay_rel(env))
