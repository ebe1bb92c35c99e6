"""Command line: parse options, call the core, print. Exit codes are in errors.ExitCode."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from . import __version__, report
from .config import CONFIG_FILE, Config, load_config
from .errors import ConfigError, ExitCode, GitopsError
from .rules import rule_table

F = TypeVar("F", bound=Callable[..., Any])


def _failure(error: GitopsError) -> click.ClickException:
    failure = click.ClickException(str(error))
    # click declares exit_code on the class; this error's code is per instance.
    setattr(failure, "exit_code", int(error.exit_code))  # noqa: B010
    return failure


class _Group(click.Group):
    """Turns the core's exceptions into one-line errors with their exit codes."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except GitopsError as error:
            raise _failure(error) from None


def find_root(start: Path) -> Path:
    """The nearest folder at or above `start` that holds gitops.yaml."""
    for folder in [start, *start.parents]:
        if (folder / CONFIG_FILE).is_file():
            return folder
    raise ConfigError(f"no {CONFIG_FILE} in {start} or any folder above it")


def _config(ctx: click.Context) -> Config:
    repo: Path | None = ctx.obj
    return load_config(repo.resolve() if repo else find_root(Path.cwd()))


output_option = click.option(
    "--output", "-o", type=click.Choice(["text", "json"]), default="text", show_default=True,
    help="Output format; json is a stable contract.",
)


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="gitops")
@click.option("--repo", type=click.Path(file_okay=False, path_type=Path), envvar="GITOPS_REPO",
              help="The GitOps repository (default: the nearest folder with gitops.yaml).")
@click.pass_context
def cli(ctx: click.Context, repo: Path | None) -> None:
    """Validate, render and change the journal app's GitOps repository.

    Exit codes: 0 ok, 1 findings or failure, 2 usage, 3 missing tool.
    """
    ctx.obj = repo


@cli.command()
@click.option("--env", "envs", multiple=True, metavar="ENV",
              help="Validate only this environment (repeatable; default: all).")
@click.option("--crds", type=click.Path(file_okay=False, path_type=Path),
              help="Also check custom resources against the CRDs in this folder.")
@click.option("--output", "-o", type=click.Choice(["text", "json", "github"]), default="text",
              show_default=True, help="github prints workflow annotations.")
@click.pass_context
def validate(ctx: click.Context, envs: tuple[str, ...], crds: Path | None, output: str) -> None:
    """Render every environment with kustomize and report every problem."""
    from .validate import validate as run

    result = run(_config(ctx), envs, crds)
    formatter = {"text": report.validate_text, "json": report.validate_json,
                 "github": report.validate_github}[output]
    click.echo(formatter(result))
    if not result.ok:
        ctx.exit(ExitCode.FINDINGS)


@cli.command()
@click.argument("env")
@click.pass_context
def render(ctx: click.Context, env: str) -> None:
    """Print what Argo CD would apply for ENV."""
    from .validate import render_env

    click.echo(render_env(_config(ctx), env), nl=False)


@cli.command()
@output_option
def rules(output: str) -> None:
    """List the validation rules with the reason for each."""
    table = rule_table()
    click.echo(report.rules_json(table) if output == "json" else report.rules_text(table))


def main() -> None:
    cli(prog_name="gitops")
