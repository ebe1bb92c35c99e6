"""`gitops render`: what Argo CD would apply for one environment."""

from __future__ import annotations

from ..config.model import Config
from ..overlays.render import render_or_raise


def render_env(config: Config, env: str) -> str:
    """The environment's manifests exactly as kustomize prints them."""
    config.require_env(env)
    return render_or_raise(config.root,
                                     config.overlay_rel(env))
