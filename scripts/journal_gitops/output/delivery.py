"""Where a change went, for every command that commits: the diff of a dry run, or the commit,
the push and the pull request to open."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..adapters.shas import short_sha
from . import json_document

if TYPE_CHECKING:
    from ..changes.delivery import Delivery, DeliveryOptions


def already_proposed(done: Delivery[Any]) -> bool:
    """A repeated command whose branch already held the change, with nothing pushed now."""
    return done.existing and not done.pushed


def pushed_earlier(done: Delivery[Any]) -> str:
    """The line for a branch pushed with nothing to change: an earlier run's commit."""
    return f"pushed {done.branch}, committed by an earlier run\n" if done.pushed else ""


def short_answer(done: Delivery[Any], nothing: str) -> str | None:
    """The one line for a change that did not happen now: nothing to do, or already proposed."""
    if done.proposal is None:
        return f"{nothing}\n{pushed_earlier(done)}"
    if already_proposed(done):
        return f"already proposed on {done.branch}\n"
    return None


def delivery_text(done: Delivery[Any], options: DeliveryOptions, summary: str = "",
                  pr_body: str | None = None) -> str:
    """`summary` (whole lines) first, then where the change went."""
    proposal = done.proposal
    if proposal is not None and options.dry_run:
        return proposal.diff() + "\n" + summary + "dry run: nothing written\n"
    head = summary + "\n" if summary else ""
    where = f"on {done.branch}"
    if done.base and not options.in_place:
        where += f" (from {short_sha(done.base)})"
    first = (f"{done.branch} already holds this change ({short_sha(done.commit)})"
             if done.existing else f"committed {short_sha(done.commit)} {where}")
    lines = [first, *done.notes]
    if done.pushed:
        lines.append(f"pushed {done.branch} to {options.remote}")
        if done.compare_url:
            lines.append(f"open a pull request: {done.compare_url}")
        if proposal is not None:
            lines += ["", f"PR title: {proposal.subject}"]
            if pr_body:
                lines += ["", "PR body:", "", pr_body.rstrip()]
    return head + "\n".join(lines) + "\n"


def delivery_json(done: Delivery[Any], options: DeliveryOptions, extra: dict[str, Any]) -> str:
    proposal = done.proposal
    data: dict[str, Any] = {
        **extra,
        "branch": done.branch,
        "base": done.base,
        "commit": done.commit,
        "pushed": done.pushed,
        "existing": done.existing,
        "notes": list(done.notes),
        "dryRun": options.dry_run,
        "compareUrl": done.compare_url,
        "prTitle": proposal.subject if proposal else None,
    }
    if options.dry_run and proposal is not None:
        data["diff"] = proposal.diff()
    return json_document(data)
