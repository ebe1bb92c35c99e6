"""The app commits a deployment carries, in pull request bodies and JSON outputs."""

from __future__ import annotations

from collections.abc import Sequence

from ..adapters.shas import SHORT
from ..history.changelog import Changelog, heading


def _escape(text: str) -> str:
    return text.replace("|", "\\|").replace("<", "&lt;").replace(">", "&gt;")


def changelog_markdown(logs: Sequence[Changelog], app_url: str | None) -> list[str]:
    """Markdown lines for a pull request body (empty without changelogs)."""
    lines: list[str] = []
    for log in logs:
        lines += ["", f"**App changes in {heading(log)}**"]
        if log.commits:
            lines.append("")
        for c in log.commits:
            sha = f"`{c.sha[:SHORT]}`"
            if app_url:
                sha = f"[{sha}]({app_url}/commit/{c.sha})"
            lines.append(f"- {sha} {_escape(c.subject)} ({_escape(c.author)})")
        if log.more:
            lines.append(f"- and {log.more} more")
    return lines


def changelog_json(logs: Sequence[Changelog]) -> list[dict[str, object]]:
    """The changelogs as the JSON outputs carry them."""
    return [{"env": log.env, "old": log.old, "new": log.new, "rollback": log.rollback,
             "known": not log.unknown, "total": log.total,
             "commits": [{"sha": c.sha, "subject": c.subject, "author": c.author}
                         for c in log.commits]} for log in logs]


def app_web_url(app_repo_url: str | None) -> str | None:
    """The app repository's web address, for commit links."""
    return app_repo_url.rstrip("/").removesuffix(".git") if app_repo_url else None
