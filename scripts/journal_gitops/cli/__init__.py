"""Command line: parse options, call the core, print. Exit codes are in errors.ExitCode.

Every failure leaves through one place, `_Entry.main`: the core's errors, click's usage errors
and interrupts become one line on stderr (or, with `--output json`, one JSON document on
stdout) and the exit code of their kind.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import Any

import click

from .. import version
from ..errors import ExitCode, GitopsError, Terminated
from . import (
    bump,
    cluster,
    compare,
    diff,
    env,
    freeze,
    gate,
    history,
    hold,
    init,
    metrics,
    promote,
    render,
    rollback,
    rules,
    status,
    validate,
)
from .options import common_options

CONTEXT = {"help_option_names": ["-h", "--help"]}


def _wants_json(args: Sequence[str]) -> bool:
    """Whether the command line asks for JSON output (read before click has parsed it)."""
    for i, arg in enumerate(args):
        if arg in ("--output=json", "-ojson") or (
                arg in ("--output", "-o") and i + 1 < len(args) and args[i + 1] == "json"):
            return True
    return False


def _fail(message: str, code: int, as_json: bool) -> None:
    if as_json:
        from ..output import error_document

        click.echo(error_document(message, code), nl=False)
    else:
        click.echo(f"Error: {message}", err=True)
    sys.exit(code)


def _cache_note() -> None:
    """One line on stderr when the cache was wanted and could not be used (the command's
    answer is the same, only slower)."""
    from ..cache.store import problem

    why = problem()
    if why is not None:
        click.echo(f"gitops: cache not used: {why}", err=True)


class _Interrupted(Exception):
    """Ctrl-C or SIGTERM, carried past click (which would print a blank line for Ctrl-C)."""

    def __init__(self, message: str, code: ExitCode) -> None:
        super().__init__(message)
        self.code = code


class _Entry(click.Command):
    """An entry point: one way out for every failure, with its exit code."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except KeyboardInterrupt:
            raise _Interrupted("interrupted", ExitCode.INTERRUPTED) from None
        except Terminated:
            raise _Interrupted("terminated", ExitCode.TERMINATED) from None
        finally:
            _cache_note()

    def main(self, args: Sequence[str] | None = None, prog_name: str | None = None,
             complete_var: str | None = None, standalone_mode: bool = True,
             **extra: Any) -> Any:
        argv = list(sys.argv[1:] if args is None else args)
        as_json = _wants_json(argv)
        try:
            code = super().main(argv, prog_name, complete_var, standalone_mode=False, **extra)
        except GitopsError as error:
            _fail(str(error), error.exit_code, as_json)
        except _Interrupted as interrupt:
            _fail(str(interrupt), interrupt.code, as_json)
        except click.UsageError as error:
            if not as_json:
                error.show()
                sys.exit(ExitCode.USAGE)
            _fail(error.format_message(), ExitCode.USAGE, as_json)
        except click.ClickException as error:
            _fail(error.format_message(), error.exit_code, as_json)
        except (click.Abort, KeyboardInterrupt):
            _fail("interrupted", ExitCode.INTERRUPTED, as_json)
        except Terminated:
            _fail("terminated", ExitCode.TERMINATED, as_json)
        if not standalone_mode:
            return code
        sys.exit(code if isinstance(code, int) else ExitCode.OK)


class _Group(_Entry, click.Group):
    pass


@click.group(cls=_Group, context_settings=CONTEXT)
@click.version_option(prog_name="gitops", message="%(prog)s, version %(version)s",
                      version=None, package_name="journal-gitops")
@common_options("text", "json", "markdown", "github", "html")
def cli() -> None:
    """Validate, render and change a Kustomize + Argo CD GitOps repository.

    Exit codes: 0 ok, 1 findings or a refusal, 2 usage, 3 missing tool.
    """


for _command in (validate.validate, render.render, rules.rules, bump.bump, promote.promote,
                 history.history, rollback.rollback, diff.diff_command, env.env,
                 compare.compare_command, metrics.metrics, status.status, cluster.cluster,
                 freeze.freeze, freeze.unfreeze, gate.gate, hold.hold, hold.release,
                 init.init):
    cli.add_command(_command)

bump_image = _Entry("bump-image", callback=bump.bump.callback, params=[
    *bump.bump.params,
    click.Option(["--version"], is_flag=True, expose_value=False, is_eager=True,
                 callback=lambda ctx, param, value: _version(ctx, value, "bump-image"),
                 help="Show the version and exit."),
], help=bump.bump.help, context_settings=CONTEXT)


def _version(ctx: click.Context, value: bool, name: str) -> None:
    if value and not ctx.resilient_parsing:
        click.echo(f"{name}, version {version()}")
        ctx.exit()

