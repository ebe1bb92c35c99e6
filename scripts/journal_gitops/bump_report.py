"""What `bump-image` prints: the moves, where they were committed, and what to paste in a PR."""

from __future__ import annotations

import json
from typing import Any

from .bump import BumpResult, pr_body, short
from .change import GitOptions
from .config import Config
from .report import table


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
    lines = [table(("ENV", "IMAGE", "TAG"), _rows(result), header=False), ""]
    if options.dry_run:
        return outcome.proposal.diff() + "\n" + "\n".join(lines) + "dry run: nothing written\n"
    where = f"on {outcome.branch}"
    if outcome.base and not options.in_place:
        where += f" (from {outcome.base[:7]})"
    assert outcome.commit is not None
    lines.append(f"committed {outcome.commit[:7]} {where}")
    lines += outcome.notes
    if outcome.pushed:
        lines.append(f"pushed {outcome.branch} to {options.remote}")
        if outcome.compare_url:
            lines.append(f"open a pull request: {outcome.compare_url}")
        lines += ["", f"PR title: {outcome.proposal.subject}", "", "PR body:", "",
                  pr_body(config, result.plan).rstrip()]
    return "\n".join(lines) + "\n"


def bump_json(config: Config, result: BumpResult, options: GitOptions) -> str:
    outcome = result.outcome
    plan = result.plan
    data: dict[str, Any] = {
        "tag": result.tag,
        "sourceCommit": result.sha,
        "changes": [
            {"env": c.env, "image": c.image, "old": c.old, "new": c.new,
             "oldDigest": c.old_digest, "newDigest": c.new_digest, "rollback": c.rollback}
            for c in (plan.changes if plan else ())
        ],
        "branch": outcome.branch,
        "base": outcome.base,
        "commit": outcome.commit,
        "pushed": outcome.pushed,
        "dryRun": options.dry_run,
        "compareUrl": outcome.compare_url,
        "prTitle": outcome.proposal.subject if outcome.proposal else None,
        "prBody": pr_body(config, plan) if plan else None,
    }
    if options.dry_run and outcome.proposal is not None:
        data["diff"] = outcome.proposal.diff()
    return json.dumps(data, indent=2)
