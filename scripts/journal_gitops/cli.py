"""Command line: parse options, call the core, print. Exit codes are in errors.ExitCode."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from . import __version__, report
from .config import CONFIG_FILE, Config, load_config
from .errors import ConfigError, ExitCode, GitopsError, UsageError

if TYPE_CHECKING:
    from .change import GitOptions
from .rules import rule_table

F = TypeVar("F", bound=Callable[..., Any])
CONTEXT = {"help_option_names": ["-h", "--help"]}


def _failure(error: GitopsError) -> click.ClickException:
    failure = click.ClickException(str(error))
    # click declares exit_code on the class; this error's code is per instance.
    setattr(failure, "exit_code", int(error.exit_code))  # noqa: B010
    return failure


class _OneLineErrors(click.Command):
    """Turns the core's exceptions into one-line errors with their exit codes."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except GitopsError as error:
            raise _failure(error) from None


class _Group(_OneLineErrors, click.Group):
    pass


class _Command(_OneLineErrors):
    """For a command run on its own (`bump-image`)."""


def find_root(start: Path) -> Path:
    """The nearest folder at or above `start` that holds gitops.yaml."""
    for folder in [start, *start.parents]:
        if (folder / CONFIG_FILE).is_file():
            return folder
    raise ConfigError(f"no {CONFIG_FILE} in {start} or any folder above it")


def _config(ctx: click.Context, repo: Path | None = None) -> Config:
    repo = repo or ctx.find_root().obj
    return load_config(repo.resolve() if repo else find_root(Path.cwd()))


output_option = click.option(
    "--output", "-o", type=click.Choice(["text", "json"]), default="text", show_default=True,
    help="Output format; json is a stable contract.",
)


repo_option = click.option(
    "--repo", type=click.Path(exists=True, file_okay=False, path_type=Path), envvar="GITOPS_REPO",
    help="The GitOps repository (default: the nearest folder with gitops.yaml).",
)


def git_options(func: F) -> F:
    """How a change reaches git; shared by every command that commits."""
    for option in reversed((
        click.option("--base", metavar="REF", help="Start the branch here (default: HEAD)."),
        click.option("--branch", metavar="NAME", help="Branch to create (default: derived)."),
        click.option("--push", is_flag=True, help="Push the branch; retried on a new remote tip."),
        click.option("--remote", default="origin", show_default=True, help="Remote for --push."),
        click.option("--in-place", is_flag=True,
                     help="Commit on the current branch instead of a new one."),
        click.option("--dry-run", is_flag=True, help="Print the diff; change nothing."),
    )):
        func = option(func)
    return func


def _git_options(base: str | None, branch: str | None, push: bool, remote: str, in_place: bool,
                 dry_run: bool) -> GitOptions:
    from .change import GitOptions

    if in_place and branch:
        raise UsageError("--branch does not go with --in-place")
    if dry_run and push:
        raise UsageError("--dry-run does not go with --push")
    return GitOptions(base, branch, push, remote, in_place, dry_run)


@click.group(cls=_Group, context_settings=CONTEXT)
@click.version_option(__version__, prog_name="gitops")
@repo_option
@click.pass_context
def cli(ctx: click.Context, repo: Path | None) -> None:
    """Validate, render and change the journal app's GitOps repository.

    Exit codes: 0 ok, 1 findings or failure, 2 usage, 3 missing tool.
    """
    ctx.obj = repo


@cli.command()
@click.option("--env", "envs", multiple=True, metavar="ENV",
              help="Validate only this environment (repeatable; default: all).")
@click.option("--crds", type=click.Path(exists=True, file_okay=False, path_type=Path),
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


@click.command(cls=_Command, context_settings=CONTEXT)
@click.option("--commit", required=True, metavar="SHA",
              help="App commit whose images to deploy (7 to 40 hex characters).")
@click.option("--env", "envs", multiple=True, metavar="ENV",
              help="Environment to move (repeatable; default: the first in promotion order).")
@click.option("--image", "images", multiple=True, metavar="NAME",
              help="Move only this app image (repeatable; default: every app image).")
@click.option("--source-repo", type=click.Path(exists=True, file_okay=False, path_type=Path),
              help="A clone of the app repository: resolves the commit and spots rollbacks.")
@click.option("--digest", "digests", multiple=True, metavar="NAME=sha256:...",
              help="Pin an image to this digest as well.")
@click.option("--verify-registry", is_flag=True,
              help="Check that every image:tag exists in its registry first.")
@click.option("--pin-digest", is_flag=True, help="With --verify-registry: pin the digest found.")
@click.option("--allow-rollback", is_flag=True,
              help="Allow a commit that is not a descendant of the one running.")
@git_options
@output_option
@repo_option
@click.pass_context
def bump(ctx: click.Context, commit: str, envs: tuple[str, ...], images: tuple[str, ...],
         source_repo: Path | None, digests: tuple[str, ...], verify_registry: bool,
         pin_digest: bool, allow_rollback: bool, base: str | None, branch: str | None,
         push: bool, remote: str, in_place: bool, dry_run: bool, output: str,
         repo: Path | None) -> None:
    """Deploy the images of one app commit to an environment, as one reviewable commit."""
    from . import bump as use_case
    from .bump_report import bump_json, bump_text

    config = _config(ctx, repo)
    request = use_case.BumpRequest(commit, envs, images, source_repo, digests, verify_registry,
                                   pin_digest, allow_rollback)
    options = _git_options(base, branch, push, remote, in_place, dry_run)
    result = use_case.bump(config, request, options)
    click.echo(bump_json(config, result, options) if output == "json"
               else bump_text(config, result, options), nl=output == "json")


cli.add_command(bump)


sync_option = click.option(
    "--auto-sync/--manual-sync", "automated", default=None,
    help="Argo CD syncs automatically (prune, self-heal), or by hand.")


@cli.command()
@click.option("--from", "source", required=True, metavar="ENV", help="Environment to copy from.")
@click.option("--to", "target", required=True, metavar="ENV", help="Environment to change.")
@click.option("--image", "images", multiple=True, metavar="NAME",
              help="Promote only this app image (repeatable; default: every app image).")
@click.option("--with-config", is_flag=True, help="Copy differing config values too.")
@click.option("--skip-order", is_flag=True, help="Allow a target that is not the next env.")
@git_options
@output_option
@click.pass_context
def promote(ctx: click.Context, /, source: str, target: str, images: tuple[str, ...],
            with_config: bool, skip_order: bool, output: str, **git: Any) -> None:
    """Copy the exact image tags (and digests) of one environment into the next."""
    from . import promote as use_case

    options = _git_options(**git)
    request = use_case.PromoteRequest(source, target, images, with_config, skip_order)
    outcome = use_case.promote(_config(ctx), request, options)
    _print_state_change(outcome, options, output, f"nothing to promote from {source} to {target}")


def _print_state_change(outcome: Any, options: GitOptions, output: str, nothing: str) -> None:
    from .deploy_state import StateChange

    change = outcome.proposal.data if outcome.proposal else None
    if output == "json":
        assert change is None or isinstance(change, StateChange)
        click.echo(report.change_json(outcome, options, report.state_change_data(change)))
    elif not isinstance(change, StateChange):
        click.echo(f"already proposed on {outcome.branch}" if outcome.branch else nothing)
    else:
        click.echo(report.change_text(outcome, options, report.state_change_text(change),
                                      report.state_change_markdown(change)), nl=False)


@cli.command()
@click.argument("env")
@click.option("--limit", type=int, metavar="N", help="Show at most N changes.")
@output_option
@click.pass_context
def history(ctx: click.Context, env: str, limit: int | None, output: str) -> None:
    """Changes of ENV's deployed images and config, newest first, from git history."""
    from .history import history as read

    rows = read(_config(ctx), env, limit)
    click.echo(report.history_json(rows) if output == "json" else report.history_text(rows, env))


@cli.command()
@click.argument("env")
@click.option("--to", metavar="COMMIT", help="Restore ENV as it was at this commit.")
@click.option("--steps", type=int, metavar="N", help="Undo the last N changes (default 1).")
@git_options
@output_option
@click.pass_context
def rollback(ctx: click.Context, /, env: str, to: str | None, steps: int | None, output: str,
             **git: Any) -> None:
    """Commit ENV's image tags and config as they were before its last change(s)."""
    from . import rollback as use_case

    options = _git_options(**git)
    outcome = use_case.rollback(_config(ctx), use_case.RollbackRequest(env, to, steps), options)
    _print_state_change(outcome, options, output,
                        f"nothing to roll back: {env} already runs that state")


@cli.command("diff")
@click.option("--base", metavar="REF",
              help="Old side (default: the merge-base with origin/main, or main).")
@click.option("--head", metavar="REF", help="New side (default: the working tree).")
@click.option("--env", "envs", multiple=True, metavar="ENV",
              help="Only this environment (repeatable; default: all).")
@click.option("--output", "-o", type=click.Choice(["text", "markdown", "json"]), default="text",
              show_default=True, help="markdown is a pull-request comment.")
@click.option("--exit-code", is_flag=True, help="Exit 1 when anything differs.")
@click.pass_context
def diff_command(ctx: click.Context, base: str | None, head: str | None, envs: tuple[str, ...],
                 output: str, exit_code: bool) -> None:
    """Show what Argo CD would change in each environment between two revisions."""
    from .diff import diff
    from .diff_report import diff_json, diff_markdown, diff_text

    result = diff(_config(ctx), base, head, envs)
    formatter = {"text": diff_text, "markdown": diff_markdown, "json": diff_json}[output]
    click.echo(formatter(result), nl=output == "json")
    if result.failed or (exit_code and result.changed):
        ctx.exit(ExitCode.FINDINGS)


@cli.group()
def env() -> None:
    """List, add, change and delete environments."""


@env.command("list")
@output_option
@click.pass_context
def env_list(ctx: click.Context, output: str) -> None:
    """One row per environment, in promotion order."""
    from . import environments

    rows = environments.list_envs(_config(ctx))
    click.echo(report.envs_json(rows) if output == "json" else report.envs_text(rows))


@env.command("new")
@click.argument("name")
@click.option("--from", "source", required=True, metavar="ENV", help="Start as a copy of ENV.")
@click.option("--after", metavar="ENV", help="Place in promotion order (default: after --from).")
@click.option("--replicas", multiple=True, metavar="COMPONENT=N", help="Replica count.")
@click.option("--set", "values", multiple=True, metavar="KEY=VALUE", help="Config value.")
@click.option("--namespace", metavar="NS", help="Namespace (default: journal-NAME).")
@click.option("--host", metavar="HOST", help="Ingress host (default: derived from --from's).")
@sync_option
@git_options
@click.pass_context
def env_new(ctx: click.Context, /, name: str, source: str, after: str | None,
            replicas: tuple[str, ...], values: tuple[str, ...], namespace: str | None,
            host: str | None, automated: bool | None, **git: Any) -> None:
    """Add environment NAME: overlay, Application, project destination, promotion order."""
    from . import environments

    options = _git_options(**git)
    request = environments.NewEnv(name, source, after, replicas, values, namespace, host,
                                  automated)
    outcome = environments.new_env(_config(ctx), request, options)
    assert outcome.proposal is not None
    click.echo(report.change_text(outcome, options), nl=False)


@env.command("set")
@click.argument("name")
@click.option("--replicas", multiple=True, metavar="COMPONENT=N", help="Replica count.")
@click.option("--set", "values", multiple=True, metavar="KEY=VALUE", help="Config value.")
@sync_option
@git_options
@click.pass_context
def env_set(ctx: click.Context, /, name: str, replicas: tuple[str, ...], values: tuple[str, ...],
            automated: bool | None, **git: Any) -> None:
    """Change replicas, config values or the sync policy of environment NAME."""
    from . import environments

    options = _git_options(**git)
    request = environments.SetEnv(name, replicas, values, automated)
    outcome = environments.set_env(_config(ctx), request, options)
    if outcome.proposal is None:
        click.echo(f"already proposed on {outcome.branch}" if outcome.branch
                   else f"{name} already has those settings")
        return
    changes = outcome.proposal.data if isinstance(outcome.proposal.data, list) else []
    click.echo(report.change_text(outcome, options, report.settings_text(name, changes)),
               nl=False)


@env.command("delete")
@click.argument("name")
@git_options
@click.pass_context
def env_delete(ctx: click.Context, /, name: str, **git: Any) -> None:
    """Delete environment NAME (never the production environment)."""
    from . import environments

    options = _git_options(**git)
    outcome = environments.delete_env(_config(ctx), name, options)
    click.echo(report.change_text(outcome, options), nl=False)
bump_image = _Command("bump-image", callback=bump.callback, params=bump.params,
                      help=bump.help, context_settings=CONTEXT)


def main() -> None:
    cli(prog_name="gitops")


def bump_image_main() -> None:
    bump_image(prog_name="bump-image")
