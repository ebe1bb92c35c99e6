"""What `bump-image` prints: the moves, where they were committed, and what to paste in a PR."""

from __future__ import annotations

from .bump import BumpResult, pr_body, short
from .change import GitOptions
from .config import Config
from .report import change_json, change_text, table


def _rows(result: BumpResult) -> list[tuple[str, str, str]]:
    assert result.plan is not None
    rows = []
    for c in result.plan.changes:
        note = " (rollback)" if c.rollback else ""
        digest = f" @{c.new_digest[:19]}" if c.new_digest else ""
        rows.append((c.env, c.image, f"{short(c.old)} -> {short(c.new)}{digest}{note}"))
    return rows


def bump_text(config: Config, result: BumpResult, options: GitOptions) -> str:
    outcome = result.outcome
    if result.plan is None or outcome.proposal is None:
        where = f" on {outcome.branch}" if outcome.branch else ""
        return f"already at {result.tag}{where}\n"
    rows = table(("ENV", "IMAGE", "TAG"), _rows(result), header=False) + "\n"
    return change_text(outcome, options, rows, pr_body(config, result.plan))


def bump_json(config: Config, result: BumpResult, options: GitOptions) -> str:
    plan = result.plan
    return change_json(result.outcome, options, {
        "tag": result.tag,
        "sourceCommit": result.sha,
        "changes": [
            {"env": c.env, "image": c.image, "old": c.old, "new": c.new,
             "oldDigest": c.old_digest, "newDigest": c.new_digest, "rollback": c.rollback}
            for c in (plan.changes if plan else ())
        ],
        "prBody": pr_body(config, plan) if plan else None,
    })
