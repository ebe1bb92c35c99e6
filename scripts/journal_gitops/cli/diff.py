"""`gitops diff`: what Argo CD would change between two revisions."""

from __future__ import annotations

from pathlib import Path

import click

from .formats import Shown, formats, shown
from .options import Settings, base_option, env_option, head_option


@click.command("diff")
@base_option
@head_option
@env_option
@click.option("--exit-code", is_flag=True, help="Exit 1 when anything differs.")
@click.option("--fail-on", metavar="KINDS",
              help="Exit 1 when a risky change of these kinds is found: comma-separated "
                   "immutable, deletion, rbac, crd, security, availability, or any.")
@click.option("--split-dir", type=click.Path(file_okay=False, path_type=Path), metavar="DIR",
              help="Also write the whole Markdown as pull request comments under GitHub's "
                   "size limit, in order: DIR/comment-1.md, comment-2.md, ...")
@formats("diff", "text", "markdown", "json")
def diff_command(settings: Settings, base: str | None, head: str | None, envs: tuple[str, ...],
                 exit_code: bool, fail_on: str | None, split_dir: Path | None) -> Shown:
    """Show what Argo CD would change in each environment between two revisions.

    Risky changes come first: immutable fields the API server refuses to update, deletions
    of claims and namespaces, RBAC and CRD changes, a loosened securityContext, and removed
    probes, limits or replicas.

    \b
    Example:
        gitops diff --output markdown --fail-on immutable,deletion
    """
    from ..kube.risks import parse_kinds
    from ..output.comments import comments_folder, write_comments
    from ..output.diff import diff_markdown_parts
    from ..usecases.diff import diff

    kinds = parse_kinds(fail_on) if fail_on is not None else frozenset()
    if split_dir is not None:
        comments_folder(split_dir)  # before the renders: a bad folder is said at once
    result = diff(settings.config(), base, head, envs)
    if split_dir is not None:
        write_comments(split_dir, diff_markdown_parts(result))
    return shown(result, failed=result.failed or (exit_code and result.changed)
                 or result.risky(kinds))
