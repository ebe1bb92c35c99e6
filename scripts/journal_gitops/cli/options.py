"""Options that several commands take, each defined once.

`--repo` and `--output` are accepted before the command (`gitops --repo X validate`) and after it
(`gitops validate --repo X`); the later one wins. Both land in the one `Settings` object of the
invocation, which commands receive with `pass_settings`.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from ..errors import UsageError

if TYPE_CHECKING:
    from ..changes.delivery import DeliveryOptions
    from ..config.model import Config

F = TypeVar("F", bound=Callable[..., Any])
FORMATS = ("text", "json", "markdown", "github", "html")


@dataclass
class Settings:
    """What the options before and after the command say about the whole invocation."""

    repo: Path | None = None
    output: str | None = None

    def config(self) -> Config:
        """gitops.yaml of --repo, or of the nearest folder above the current one that has it."""
        from ..changes.pending import pending
        from ..config.load import find_root, load_config

        root = self.repo.resolve() if self.repo else find_root(Path.cwd())
        if pending(root):
            from ..changes.branch_move import recover_clone

            note = recover_clone(root)
            if note:
                click.echo(f"gitops: {note}", err=True)
        return load_config(root)

    def format(self, allowed: tuple[str, ...]) -> str:
        """The output format; one given before the command must suit the command too."""
        chosen = self.output or "text"
        if chosen not in allowed:
            raise UsageError(f"--output {chosen} is not one of {', '.join(allowed)} here")
        return chosen


pass_settings = click.make_pass_decorator(Settings, ensure=True)


def _store(name: str) -> Callable[[click.Context, click.Parameter, Any], Any]:
    def callback(ctx: click.Context, param: click.Parameter, value: Any) -> Any:
        if value is not None:
            setattr(ctx.find_root().ensure_object(Settings), name, value)
        return value
    return callback


def output_option(*formats: str) -> Callable[[F], F]:
    """--output/-o with the formats this command prints (default text)."""
    help_text = {"json": "json is a stable contract", "markdown": "markdown is a PR comment",
                 "github": "github prints workflow annotations",
                 "html": "html is one self-contained page"}
    notes = "; ".join(help_text[f] for f in formats if f in help_text)
    return click.option("--output", "-o", type=click.Choice(formats), default=None,
                        expose_value=False, callback=_store("output"),
                        help=f"Output format: {', '.join(formats)} (default text). {notes}.")


repo_option = click.option(
    "--repo", type=click.Path(exists=True, file_okay=False, path_type=Path), envvar="GITOPS_REPO",
    expose_value=False, callback=_store("repo"),
    help="The GitOps repository (default: the nearest folder with gitops.yaml).")


def common_options(*formats: str) -> Callable[[F], F]:
    """--repo and --output, for every command."""
    def decorate(func: F) -> F:
        return repo_option(output_option(*formats)(func))
    return decorate


DELIVERY_FLAGS = ("base", "branch", "push", "remote", "in_place", "dry_run")


def delivery_options(func: F) -> F:
    """How a change reaches git, for every command that commits: six flags, which the command
    receives as one `DeliveryOptions` named `delivery`."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        flags = [kwargs.pop(name) for name in DELIVERY_FLAGS]
        return func(*args, delivery=_delivery(*flags), **kwargs)

    for option in reversed((
        click.option("--base", metavar="REF", help="Start the branch here (default: HEAD)."),
        click.option("--branch", metavar="NAME", help="Branch to create (default: derived)."),
        click.option("--push", is_flag=True, help="Push the branch; retried on a new remote tip."),
        click.option("--remote", default="origin", show_default=True, help="Remote for --push."),
        click.option("--in-place", is_flag=True,
                     help="Commit on the current branch instead of a new one."),
        click.option("--dry-run", is_flag=True, help="Print the diff; change nothing."),
    )):
        wrapper = option(wrapper)
    return wrapper  # type: ignore[return-value]


def _delivery(base: str | None, branch: str | None, push: bool, remote: str, in_place: bool,
              dry_run: bool) -> DeliveryOptions:
    """The delivery options from their flags; pairs that contradict each other are refused."""
    from ..changes.delivery import DeliveryOptions

    if in_place and branch:
        raise UsageError("--branch does not go with --in-place")
    if dry_run and push:
        raise UsageError("--dry-run does not go with --push")
    return DeliveryOptions(base, branch, push, remote, in_place, dry_run)


def sync_option(func: F) -> F:
    """--auto-sync or --manual-sync (not both), which the command receives as `automated`:
    True, False, or None when neither is given."""

    @functools.wraps(func)
    def wrapper(*args: Any, auto_sync: bool, manual_sync: bool, **kwargs: Any) -> Any:
        if auto_sync and manual_sync:
            raise UsageError("--auto-sync and --manual-sync do not go together")
        automated = True if auto_sync else False if manual_sync else None
        return func(*args, automated=automated, **kwargs)

    for option in (click.option("--manual-sync", is_flag=True, help="Argo CD syncs by hand."),
                   click.option("--auto-sync", is_flag=True,
                                help="Argo CD syncs automatically (prune, self-heal).")):
        wrapper = option(wrapper)
    return wrapper  # type: ignore[return-value]



replicas_option = click.option("--replicas", multiple=True, metavar="COMPONENT=N",
                               help="Replica count (repeatable).")
set_option = click.option("--set", "values", multiple=True, metavar="KEY=VALUE",
                          help="Config value (repeatable).")
env_option = click.option("--env", "envs", multiple=True, metavar="ENV",
                          help="Only this environment (repeatable; default: all).")


break_glass_option = click.option(
    "--break-glass", metavar="REASON",
    help="Change a frozen environment anyway; the reason goes in a Break-Glass trailer.")
skip_order_option = click.option(
    "--skip-order", metavar="REASON",
    help="Go out of promotion order; the reason goes in a Skip-Order trailer.")
allow_rollback_option = click.option(
    "--allow-rollback", is_flag=True,
    help="Allow moving back: to a tag older by the tag scheme's order, to one the environment "
         "ran before, or (bump --source-repo) to a commit that is not a descendant of the one "
         "running.")
skip_soak_option = click.option(
    "--skip-soak", metavar="REASON",
    help="Promote before the minimum soak is over; the reason goes in a Skip-Soak trailer.")
base_option = click.option(
    "--base", metavar="REF",
    help="Old side (default: the merge-base with the deploy branch on origin, or that branch, "
         "or origin/HEAD).")
head_option = click.option("--head", metavar="REF", help="New side (default: the working tree).")
