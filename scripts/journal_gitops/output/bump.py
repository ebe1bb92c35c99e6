"""What `bump-image` prints: the moves, where they were committed, and the pull request."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..adapters.shas import SHORT, short_digest, short_sha
from ..overlays.images import commit_of_tag
from . import lines_of, table
from .changelog import changelog_json, changelog_markdown
from .delivery import already_proposed, delivery_json, delivery_text, pushed_earlier

if TYPE_CHECKING:
    from ..changes.delivery import DeliveryOptions
    from ..config.model import Config
    from ..usecases.bump import BumpPlan, BumpResult


def pr_body(config: Config, plan: BumpPlan) -> str:
    """Markdown for the pull request: what moves where, and the app's own diff when known."""
    app = config.app_repo_url.rstrip("/").removesuffix(".git") if config.app_repo_url else None
    if plan.sha is None:
        target = f"tag `{plan.tag}`"
    else:
        short = plan.sha[:SHORT]
        target = "app commit " + (f"[`{short}`]({app}/commit/{plan.sha})" if app else f"`{short}`")
    envs = ", ".join(f"**{e}**" for e in dict.fromkeys(c.env for c in plan.changes))
    lines = [f"Deploys {target} to {envs}.", "",
             "| env | image | from | to |", "| --- | --- | --- | --- |"]
    for c in plan.changes:
        lines.append(f"| {c.env} | {c.image} | `{short_sha(c.old)}` | `{short_sha(c.new)}` |")
    if any(c.rollback for c in plan.changes):
        lines += ["", "**This is a rollback.**"]
    olds = sorted({sha for c in plan.changes if (sha := commit_of_tag(config, c.old))})
    if app and olds and plan.sha:
        lines.append("")
        for old in olds:
            lines.append(f"App changes: {app}/compare/{old}...{plan.sha}")
    lines += changelog_markdown(plan.changelog, app)
    return lines_of(lines)


def bump_text(config: Config, result: BumpResult, options: DeliveryOptions) -> str:
    done, plan = result.delivery, result.plan
    if plan is None or already_proposed(done):
        where = f" on {done.branch}" if done.branch and not done.pushed else ""
        return f"already at {result.tag}{where}\n{pushed_earlier(done)}"
    rows = []
    for c in plan.changes:
        note = " (rollback)" if c.rollback else ""
        digest = f" @{short_digest(c.new_digest)}" if c.new_digest else ""
        rows.append((c.env, c.image, f"{short_sha(c.old)} -> {short_sha(c.new)}{digest}{note}"))
    return delivery_text(done, options, table(("ENV", "IMAGE", "TAG"), rows, header=False),
                         pr_body(config, plan))


def bump_json(config: Config, result: BumpResult, options: DeliveryOptions) -> str:
    plan = result.plan
    return delivery_json(result.delivery, options, {
        "tag": result.tag,
        "sourceCommit": result.sha,
        "changes": [
            {"env": c.env, "image": c.image, "old": c.old, "new": c.new,
             "oldDigest": c.old_digest, "newDigest": c.new_digest, "rollback": c.rollback}
            for c in (plan.changes if plan else ())
        ],
        "prBody": pr_body(config, plan) if plan else None,
        "changelog": changelog_json(plan.changelog if plan else ()),
    })
