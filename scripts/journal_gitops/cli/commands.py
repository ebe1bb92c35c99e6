"""The commands: each parses its options, calls one use case and prints one formatter's text.

Use cases and formatters are imported inside the commands, so that `gitops --help` and a
command's start-up load only what that command needs.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from ..errors import ExitCode
from .gate_commands import break_glass_option, skip_order_option, skip_soak_option
from .options import (
    Settings,
    common_options,
    delivery_options,
    env_option,
    pass_settings,
    replicas_option,
    set_option,
    sync_option,
)

if TYPE_CHECKING:
    from ..changes.delivery import Delivery, DeliveryOptions
    from ..usecases.env.common import EnvChange

TEXT_JSON = ("text", "json")


@click.command()
@env_option
@click.option("--crds", type=click.Path(exists=True, file_okay=False, path_type=Path),
              help="Also check custom resources against the CRDs in this folder.")
@common_options("text", "json", "github")
@pass_settings
@click.pass_context
def validate(ctx: click.Context, settings: Settings, envs: tuple[str, ...],
             crds: Path | None) -> None:
    """Render every environment with kustomize and report every problem.

    \b
    Example:
        gitops validate --env dev --output github
    """
    from ..output.validate import validate_github, validate_json, validate_text
    from ..usecases.validate import validate as run

    output = settings.format(("text", "json", "github"))
    result = run(settings.config(), envs, crds)
    formatter = {"text": validate_text, "json": validate_json, "github": validate_github}[output]
    click.echo(formatter(result), nl=False)
    if not result.ok:
        ctx.exit(ExitCode.FINDINGS)


@click.command()
@click.argument("env")
@common_options(*TEXT_JSON)
@pass_settings
def render(settings: Settings, env: str) -> None:
    """Print what Argo CD would apply for ENV: the kustomize output, unchanged."""
    from ..output.render import render_json
    from ..usecases.render import render_env

    output = settings.format(TEXT_JSON)
    manifests = render_env(settings.config(), env)
    click.echo(render_json(env, manifests) if output == "json" else manifests, nl=False)


@click.command()
@common_options("text", "json", "markdown")
@pass_settings
def rules(settings: Settings) -> None:
    """List the validation rules: severity, summary, and (in JSON) why and how to fix."""
    from ..output.validate import rules_json, rules_markdown, rules_text
    from ..validation.rules import all_rules

    output = settings.format(("text", "json", "markdown"))
    formatter = {"text": rules_text, "json": rules_json, "markdown": rules_markdown}[output]
    click.echo(formatter(all_rules()), nl=False)


@click.command()
@click.option("--commit", required=True, metavar="SHA",
              help="App commit whose images to deploy (7 to 40 hex characters).")
@click.option("--env", "envs", multiple=True, metavar="ENV",
              help="Environment to move (repeatable; default: the first in promotion order).")
@click.option("--image", "images", multiple=True, metavar="NAME",
              help="Move only this app image (repeatable; default: every app image).")
@click.option("--source-repo", type=click.Path(exists=True, file_okay=False, path_type=Path),
              help="A clone of the app repository: resolves the commit, spots rollbacks and "
                   "lists the app commits the bump carries.")
@click.option("--digest", "digests", multiple=True, metavar="NAME=sha256:...",
              help="Pin an image to this digest as well.")
@click.option("--verify-registry", is_flag=True,
              help="Check that every image:tag exists in its registry first.")
@click.option("--pin-digest", is_flag=True, help="With --verify-registry: pin the digest found.")
@click.option("--allow-rollback", is_flag=True,
              help="Allow a commit that is not a descendant of the one running, or a tag the "
                   "environment ran before.")
@skip_order_option
@skip_soak_option
@break_glass_option
@delivery_options
@common_options(*TEXT_JSON)
@pass_settings
def bump(settings: Settings, commit: str, envs: tuple[str, ...], images: tuple[str, ...],
         source_repo: Path | None, digests: tuple[str, ...], verify_registry: bool,
         pin_digest: bool, allow_rollback: bool, skip_order: str | None,
         skip_soak: str | None, break_glass: str | None, delivery: DeliveryOptions) -> None:
    """Deploy the images of one app commit to an environment, as one reviewable commit.

    \b
    Example:
        bump-image --commit 1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d --push
    """
    from ..gates.checks import Overrides
    from ..output.bump import bump_json, bump_text
    from ..usecases.bump import BumpRequest
    from ..usecases.bump import bump as run

    output = settings.format(TEXT_JSON)
    config = settings.config()
    request = BumpRequest(commit, envs, images, source_repo, digests, verify_registry,
                          pin_digest, allow_rollback,
                          Overrides(break_glass, skip_order, skip_soak))
    result = run(config, request, delivery)
    click.echo(bump_json(config, result, delivery) if output == "json"
               else bump_text(config, result, delivery), nl=False)


@click.command()
@click.option("--from", "source", required=True, metavar="ENV", help="Environment to copy from.")
@click.option("--to", "targets", required=True, multiple=True, metavar="ENV",
              help="Environment to change (repeatable: several of the next stage, one commit).")
@click.option("--image", "images", multiple=True, metavar="NAME",
              help="Promote only this app image (repeatable; default: every app image).")
@click.option("--with-config", is_flag=True, help="Copy differing config values too.")
@skip_order_option
@skip_soak_option
@click.option("--allow-rollback", is_flag=True,
              help="Allow a tag the target environment ran before.")
@break_glass_option
@click.option("--source-repo", type=click.Path(exists=True, file_okay=False, path_type=Path),
              help="A clone of the app repository: lists the app commits the promotion carries.")
@delivery_options
@common_options(*TEXT_JSON)
@pass_settings
def promote(settings: Settings, source: str, targets: tuple[str, ...], images: tuple[str, ...],
            with_config: bool, skip_order: str | None, skip_soak: str | None,
            allow_rollback: bool, break_glass: str | None, source_repo: Path | None,
            delivery: DeliveryOptions) -> None:
    """Copy the exact image tags (and digests) of one environment into the next stage.

    \b
    Examples:
        gitops promote --from staging --to prod --push
        gitops promote --from staging --to prod-eu --to prod-us
    """
    from ..gates.checks import Overrides
    from ..output.changelog import app_web_url
    from ..output.state import state_json, state_text
    from ..usecases.promote import PromoteRequest
    from ..usecases.promote import promote as run

    output = settings.format(TEXT_JSON)
    config = settings.config()
    request = PromoteRequest(source, targets, images, with_config,
                             Overrides(break_glass, skip_order, skip_soak), allow_rollback,
                             source_repo)
    done = run(config, request, delivery)
    app = app_web_url(config.app_repo_url)
    click.echo(state_json(done, delivery, app) if output == "json" else
               state_text(done, delivery,
                          f"nothing to promote from {source} to {', '.join(targets)}", app),
               nl=False)


@click.command()
@click.argument("env")
@click.option("--limit", type=int, metavar="N", help="Show at most N changes.")
@common_options(*TEXT_JSON)
@pass_settings
def history(settings: Settings, env: str, limit: int | None) -> None:
    """Changes of ENV's deployed images and config, newest first, from git history."""
    from ..output.history import history_json, history_text
    from ..usecases.history import history as read

    output = settings.format(TEXT_JSON)
    rows = read(settings.config(), env, limit)
    click.echo(history_json(rows, env) if output == "json" else history_text(rows, env),
               nl=False)


@click.command()
@click.argument("env")
@click.option("--to", metavar="COMMIT", help="Restore ENV as it was at this commit.")
@click.option("--steps", type=int, metavar="N", help="Undo the last N changes (default 1).")
@break_glass_option
@delivery_options
@common_options(*TEXT_JSON)
@pass_settings
def rollback(settings: Settings, env: str, to: str | None, steps: int | None,
             break_glass: str | None, delivery: DeliveryOptions) -> None:
    """Commit ENV's image tags and config as they were before its last change(s).

    \b
    Example:
        gitops rollback prod --push
    """
    from ..gates.checks import Overrides
    from ..output.state import state_json, state_text
    from ..usecases.rollback import RollbackRequest
    from ..usecases.rollback import rollback as run

    output = settings.format(TEXT_JSON)
    request = RollbackRequest(env, to, steps, Overrides(break_glass=break_glass))
    done = run(settings.config(), request, delivery)
    click.echo(state_json(done, delivery) if output == "json" else
               state_text(done, delivery, f"nothing to roll back: {env} already runs that state"),
               nl=False)


@click.command("diff")
@click.option("--base", metavar="REF",
              help="Old side (default: the merge-base with origin/main, or main).")
@click.option("--head", metavar="REF", help="New side (default: the working tree).")
@env_option
@click.option("--exit-code", is_flag=True, help="Exit 1 when anything differs.")
@click.option("--fail-on", metavar="KINDS",
              help="Exit 1 when a risky change of these kinds is found: comma-separated "
                   "immutable, deletion, rbac, crd, security, availability, or any.")
@click.option("--split-dir", type=click.Path(file_okay=False, path_type=Path), metavar="DIR",
              help="Also write the whole Markdown as pull request comments under GitHub's "
                   "size limit, in order: DIR/comment-1.md, comment-2.md, ...")
@common_options("text", "markdown", "json")
@pass_settings
@click.pass_context
def diff_command(ctx: click.Context, settings: Settings, base: str | None, head: str | None,
                 envs: tuple[str, ...], exit_code: bool, fail_on: str | None,
                 split_dir: Path | None) -> None:
    """Show what Argo CD would change in each environment between two revisions.

    Risky changes come first: immutable fields the API server refuses to update, deletions
    of claims and namespaces, RBAC and CRD changes, a loosened securityContext, and removed
    probes, limits or replicas.

    \b
    Example:
        gitops diff --output markdown --fail-on immutable,deletion
    """
    from ..kube.risks import parse_kinds
    from ..output.diff import diff_json, diff_markdown, diff_markdown_parts, diff_text
    from ..usecases.diff import diff

    output = settings.format(("text", "markdown", "json"))
    kinds = parse_kinds(fail_on) if fail_on is not None else frozenset()
    result = diff(settings.config(), base, head, envs)
    formatter = {"text": diff_text, "markdown": diff_markdown, "json": diff_json}[output]
    if split_dir is not None:
        split_dir.mkdir(parents=True, exist_ok=True)
        for stale in split_dir.glob("comment-*.md"):
            stale.unlink()
        for n, part in enumerate(diff_markdown_parts(result), start=1):
            (split_dir / f"comment-{n}.md").write_text(part, encoding="utf-8")
    click.echo(formatter(result), nl=False)
    if result.failed or (exit_code and result.changed) or result.risky(kinds):
        ctx.exit(ExitCode.FINDINGS)


@click.command("compare")
@click.argument("left", metavar="ENV")
@click.argument("right", metavar="ENV")
@click.option("--exit-code", is_flag=True,
              help="Exit 1 when a difference outside what the tooling manages per environment "
                   "is not declared under intendedDifferences in gitops.yaml.")
@common_options("text", "markdown", "json")
@pass_settings
@click.pass_context
def compare_command(ctx: click.Context, settings: Settings, left: str, right: str,
                    exit_code: bool) -> None:
    """Render two environments and show how they differ, and which overlay file causes it.

    \b
    Example:
        gitops compare staging prod --exit-code
    """
    from ..output.compare import compare_json, compare_markdown, compare_text
    from ..usecases.compare import compare

    output = settings.format(("text", "markdown", "json"))
    report = compare(settings.config(), left, right)
    formatter = {"text": compare_text, "markdown": compare_markdown, "json": compare_json}[output]
    click.echo(formatter(report), nl=False)
    if exit_code and report.undeclared:
        ctx.exit(ExitCode.FINDINGS)


@click.command()
@env_option
@click.option("--since", metavar="DURATION",
              help="Only the period before HEAD's commit time: a number and h, d or w (30d).")
@click.option("--source-repo", type=click.Path(exists=True, file_okay=False, path_type=Path),
              help="A clone of the app repository: its commit times give the lead time.")
@common_options(*TEXT_JSON)
@pass_settings
def metrics(settings: Settings, envs: tuple[str, ...], since: str | None,
            source_repo: Path | None) -> None:
    """Deployment frequency, lead time, change failure rate and time to restore, per
    environment, from git history.

    \b
    Example:
        gitops metrics --env prod --since 30d --source-repo ../app
    """
    from ..output.metrics import metrics_json, metrics_text
    from ..usecases.metrics import metrics as run

    output = settings.format(TEXT_JSON)
    report = run(settings.config(), envs, since, source_repo)
    click.echo(metrics_json(report) if output == "json" else metrics_text(report), nl=False)


@click.command()
@common_options("text", "markdown", "json", "html")
@pass_settings
def status(settings: Settings) -> None:
    """What runs where: each environment's app images, since when, and what waits to be
    promoted; html is one self-contained page.

    \b
    Example:
        gitops status --output html > status.html
    """
    from ..output.status import status_html, status_json, status_markdown, status_text
    from ..usecases.status import status as run

    output = settings.format(("text", "markdown", "json", "html"))
    formatter = {"text": status_text, "markdown": status_markdown, "json": status_json,
                 "html": status_html}[output]
    click.echo(formatter(run(settings.config())), nl=False)


@click.group()
@common_options(*TEXT_JSON)
def env() -> None:
    """List, add, change and delete environments."""


def _print_env_change(output: str, done: Delivery[EnvChange], delivery: DeliveryOptions,
                      name: str) -> None:
    """What env new, set and delete print."""
    from ..output.envs import env_change_json, env_change_text

    click.echo(env_change_json(done, delivery, name) if output == "json"
               else env_change_text(done, delivery, name), nl=False)


@env.command("list")
@common_options(*TEXT_JSON)
@pass_settings
def env_list(settings: Settings) -> None:
    """One row per environment, in promotion order."""
    from ..output.envs import envs_json, envs_text
    from ..usecases.env.listing import list_envs

    output = settings.format(TEXT_JSON)
    rows = list_envs(settings.config())
    click.echo(envs_json(rows) if output == "json" else envs_text(rows), nl=False)


@env.command("new")
@click.argument("name")
@click.option("--from", "source", required=True, metavar="ENV", help="Start as a copy of ENV.")
@click.option("--after", metavar="ENV",
              help="A promotion stage of its own after ENV's (default: after --from's; a copy "
                   "of production goes before production).")
@click.option("--beside", metavar="ENV",
              help="In ENV's promotion stage, deployed in parallel with it.")
@click.option("--cluster", metavar="NAME",
              help="The cluster it deploys to (default: --from's; see gitops cluster list).")
@replicas_option
@set_option
@click.option("--namespace", metavar="NS", help="Namespace (default: journal-NAME).")
@click.option("--host", metavar="HOST", help="Ingress host (default: derived from --from's).")
@sync_option
@delivery_options
@common_options(*TEXT_JSON)
@pass_settings
def env_new(settings: Settings, name: str, source: str, after: str | None, beside: str | None,
            cluster: str | None, replicas: tuple[str, ...], values: tuple[str, ...],
            namespace: str | None, host: str | None, automated: bool | None,
            delivery: DeliveryOptions) -> None:
    """Add environment NAME: overlay, Application, project destination, promotion stage.

    \b
    Examples:
        gitops env new qa --from dev --replicas frontend=2
        gitops env new prod-us --from prod --beside prod --cluster us-east
    """
    from ..usecases.env.new import NewEnv, new_env

    output = settings.format(TEXT_JSON)
    request = NewEnv(name, source, after, replicas, values, namespace, host, automated, beside,
                     cluster)
    done = new_env(settings.config(), request, delivery)
    _print_env_change(output, done, delivery, name)


@env.command("set")
@click.argument("name")
@replicas_option
@set_option
@sync_option
@click.option("--min-soak", metavar="DURATION",
              help="Minimum soak of promoted tags in the environment before (24h; 0 removes).")
@click.option("--cluster", metavar="NAME",
              help="Deploy it to this cluster instead (see gitops cluster list).")
@break_glass_option
@delivery_options
@common_options(*TEXT_JSON)
@pass_settings
def env_set(settings: Settings, name: str, replicas: tuple[str, ...], values: tuple[str, ...],
            automated: bool | None, min_soak: str | None, cluster: str | None,
            break_glass: str | None, delivery: DeliveryOptions) -> None:
    """Change replicas, config values, the sync policy, the minimum soak or the cluster of
    NAME."""
    from ..usecases.env.settings import SetEnv, set_env

    output = settings.format(TEXT_JSON)
    done = set_env(settings.config(), SetEnv(name, replicas, values, automated, min_soak,
                                             break_glass, cluster), delivery)
    _print_env_change(output, done, delivery, name)


@env.command("delete")
@click.argument("name")
@break_glass_option
@delivery_options
@common_options(*TEXT_JSON)
@pass_settings
def env_delete(settings: Settings, name: str, break_glass: str | None,
               delivery: DeliveryOptions) -> None:
    """Delete environment NAME (never one in production, the last promotion stage)."""
    from ..usecases.env.delete import delete_env

    output = settings.format(TEXT_JSON)
    done = delete_env(settings.config(), name, delivery, break_glass)
    _print_env_change(output, done, delivery, name)
