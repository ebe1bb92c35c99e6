"""`gitops init`: write gitops.yaml for a repository that has none."""

from __future__ import annotations

from pathlib import Path

import click

from .formats import Shown, formats, shown
from .options import Settings


def _root(settings: Settings) -> Path:
    """--repo, else the top of the git repository around the current folder, else it."""
    if settings.repo is not None:
        return settings.repo.resolve()
    from ..adapters.gitrepo import git_in
    from ..errors import GitopsError

    try:
        return Path(git_in(Path.cwd(), ["rev-parse", "--show-toplevel"]).strip()).resolve()
    except GitopsError:
        return Path.cwd().resolve()


@click.command()
@click.option("--order", metavar="ENV,ENV,...",
              help="The promotion order, first stage first (ENV+ENV: one stage deployed in "
                   "parallel); needed when the folder names do not tell it.")
@click.option("--profile", type=click.Choice(["strict", "baseline"]),
              help="The rules validate runs (default strict: every rule).")
@click.option("--force", is_flag=True, help="Replace an existing gitops.yaml.")
@formats("init", "text", "json")
def init(settings: Settings, order: str | None, profile: str | None, force: bool) -> Shown:
    """Find the environments, Applications, images and tag scheme of a Kustomize + Argo CD
    repository and write its gitops.yaml, each key's comment saying whether it was found or
    guessed. Nothing else is changed.

    \b
    Example:
        gitops init --order dev,preprod,prod
    """
    from ..usecases.init import InitRequest
    from ..usecases.init import init as run

    return shown(run(_root(settings), InitRequest(order, profile, force)))
