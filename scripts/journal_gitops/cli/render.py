"""`gitops render`: what Argo CD would apply for one environment."""

from __future__ import annotations

import click

from .formats import Shown, formats, shown
from .options import Settings


@click.command()
@click.argument("env")
@formats("render", "text", "json")
def render(settings: Settings, env: str) -> Shown:
    """Print what Argo CD would apply for ENV: the kustomize output, unchanged."""
    from ..usecases.render import render_env

    return shown(env, render_env(settings.config(), env))
