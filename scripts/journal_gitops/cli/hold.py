"""`gitops hold ENV`, `gitops hold list` and `gitops release ENV`: tags kept out of an
environment and every later stage."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from .formats import Shown, formats, shown
from .options import Settings, common_options, delivery_options

if TYPE_CHECKING:
    from collections.abc import Callable

    from ..changes.delivery import DeliveryOptions


class _HoldGroup(click.Group):
    """`hold list` lists; `hold ENV ...` holds (any other first word is an environment)."""

    def resolve_command(self, ctx: click.Context, args: list[str]
                        ) -> tuple[str | None, click.Command | None, list[str]]:
        if args and args[0] not in self.commands and not args[0].startswith("-"):
            return "set", self.commands["set"], args
        return super().resolve_command(ctx, args)


@click.group(cls=_HoldGroup)
@common_options("text", "json")
def hold() -> None:
    """Hold a tag out of an environment and every later stage (hold ENV), or list the holds
    (hold list). A rollback holds the tags it rolls away from; `gitops release` lifts one."""


_TAG = click.option("--tag", required=True, metavar="TAG", help="The image tag (a prefix will do).")
_IMAGE = click.option("--image", metavar="NAME", help="Only this app image (default: all).")
_REASON = click.option("--reason", required=True, metavar="TEXT", help="Why (one line).")


def _hold_change(function: Callable[..., Shown]) -> Callable[..., None]:
    """The arguments and outputs a hold and a release share."""
    command = formats("holds.hold_change", "text", "json")(function)
    for decorator in (delivery_options, _REASON, _IMAGE, _TAG, click.argument("env")):
        command = decorator(command)
    return command


@hold.command("set", hidden=True)
@_hold_change
def hold_set(settings: Settings, env: str, tag: str, image: str | None, reason: str,
             delivery: DeliveryOptions) -> Shown:
    """Hold TAG out of ENV and every later stage."""
    from ..usecases.holds import hold as run

    return shown(run(settings.config(), env, tag, image, reason, delivery), delivery, env,
                 "hold")


@hold.command("list")
@formats("holds", "text", "json")
def hold_list(settings: Settings) -> Shown:
    """Every hold: environment, image, tag, since, by whom and why."""
    from ..usecases.holds import hold_list as run

    return shown(run(settings.config()))


@click.command()
@_hold_change
def release(settings: Settings, env: str, tag: str, image: str | None, reason: str,
            delivery: DeliveryOptions) -> Shown:
    """Lift the hold of TAG in ENV: bump and promote may bring it back."""
    from ..usecases.holds import release as run

    return shown(run(settings.config(), env, tag, image, reason, delivery), delivery, env,
                 "release")
