"""The outputs of a command, declared once: `@formats` gives the command `--repo` and `--output`
with the formats it prints, and prints what the command returns with the formatter of the
chosen format, so that no command picks a formatter by hand.

A command returns `shown(...)`: the arguments its formatters take, and its exit code. The
formatter of format F for output "module.prefix" is `output/module.py`'s `prefix_F` (the prefix
defaults to the module's name), imported only when it prints.
"""

from __future__ import annotations

import functools
import importlib
import sys
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import click

from ..adapters import progress
from ..errors import ExitCode
from .options import Settings, common_options, pass_settings


@dataclass(frozen=True)
class Shown:
    """What a command hands its formatter, and how it ends."""

    args: tuple[Any, ...]
    exit_code: ExitCode = ExitCode.OK


def shown(*args: Any, failed: bool = False) -> Shown:
    """The formatter's arguments; `failed`: the command ends with exit code 1 (findings)."""
    return Shown(args, ExitCode.FINDINGS if failed else ExitCode.OK)


def formats(output: str, *names: str) -> Callable[[Callable[..., Shown]], Callable[..., None]]:
    """--repo and --output NAME for a command whose result output/MODULE.py prints with
    PREFIX_NAME (`output` is "MODULE" or "MODULE.PREFIX")."""
    module, _, prefix = output.partition(".")

    def decorate(command: Callable[..., Shown]) -> Callable[..., None]:
        @functools.wraps(command)
        def wrapper(settings: Settings, *args: Any, **kwargs: Any) -> None:
            chosen = settings.format(names)
            with progress.shown_on(sys.stderr, wanted=chosen != "json"):
                result = command(settings, *args, **kwargs)
            printer = importlib.import_module(f"{__package__.rpartition('.')[0]}.output.{module}")
            click.echo(getattr(printer, f"{prefix or module}_{chosen}")(*result.args), nl=False)
            if result.exit_code != ExitCode.OK:
                click.get_current_context().exit(result.exit_code)

        return common_options(*names)(pass_settings(wrapper))

    return decorate
