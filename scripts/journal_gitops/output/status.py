"""How `gitops status` prints: a table for people, Markdown, JSON, and one self-contained HTML
page (inline style, no script, no external asset) that the workflows publish."""

from __future__ import annotations

import html
from datetime import datetime, timezone
from typing import Any

from ..adapters.shas import short_digest, short_sha
from ..usecases.status import ImageStatus, StatusReport
from . import json_document, lines_of, table
from .holds import hold_json_of

HEADERS = ("ENV", "IMAGE", "TAG", "APP COMMIT", "SINCE", "BY", "PENDING", "FROZEN", "SOAK LEFT",
           "HELD")


def _when(iso: str | None) -> str:
    return iso[:16].replace("T", " ") if iso else "-"


def _tag(row: ImageStatus) -> str:
    if row.tag is None:
        return "(none)" if row.digest else "-"  # "-": pinned nowhere, the env does not run it
    return short_sha(row.tag) + (f"@{short_digest(row.digest)}" if row.digest else "")


def _cells(row: ImageStatus) -> tuple[str, ...]:
    return (row.env, row.image, _tag(row), short_sha(row.app_commit) if row.app_commit else "-",
            _when(row.since), short_sha(row.by_commit) if row.by_commit else "-",
            short_sha(row.pending) if row.pending else "-", row.frozen or "-",
            row.soak_remaining or "-", " ".join(short_sha(h.tag) for h in row.holds) or "-")


def _link(report: StatusReport, sha: str | None) -> str | None:
    return f"{report.app_url}/commit/{sha}" if report.app_url and sha else None


def status_text(report: StatusReport) -> str:
    return table(HEADERS, [_cells(row) for row in report.rows])


def status_markdown(report: StatusReport) -> str:
    lines = [f"| {' | '.join(h.lower() for h in HEADERS)} |", f"|{' --- |' * len(HEADERS)}"]
    for row in report.rows:
        cells = list(_cells(row))
        link = _link(report, row.app_commit)
        if link:
            cells[3] = f"[`{cells[3]}`]({link})"
        if row.by_subject:
            subject = row.by_subject.replace("|", "\\|")
            cells[5] = f"`{cells[5]}` {subject}"
        lines.append(f"| {' | '.join(cells)} |")
    return lines_of(lines)


def status_json(report: StatusReport) -> str:
    rows: list[dict[str, Any]] = [{
        "env": r.env, "image": r.image, "tag": r.tag, "digest": r.digest,
        "appCommit": r.app_commit, "appCommitUrl": _link(report, r.app_commit),
        "since": r.since, "byCommit": r.by_commit, "bySubject": r.by_subject,
        "pendingPromotion": r.pending, "frozen": r.frozen, "soakRemaining": r.soak_remaining,
        "holds": [hold_json_of(h) for h in r.holds],
        "cluster": r.cluster, "freezeReason": r.freeze_reason,
    } for r in report.rows]
    return json_document({
        "generatedAt": report.generated.isoformat() if report.generated else None,
        "revision": report.revision, "images": rows})


STYLE = """\
body { font: 15px/1.4 system-ui, sans-serif; margin: 2em; color: #1b1f24; background: #fff;
       max-width: 1200px; }
h1 { font-size: 1.4em; margin-bottom: .2em; }
h2 { font-size: 1.15em; margin: 1.6em 0 .4em; }
.meta, .cluster, .subject { color: #57606a; }
.cluster { font-weight: normal; font-size: .85em; margin-left: .6em; }
table { border-collapse: collapse; width: 100%; table-layout: auto; }
th, td { border: 1px solid #d0d7de; padding: .35em .7em; text-align: left; vertical-align: top; }
th { background: #f6f8fa; white-space: nowrap; }
td { overflow-wrap: anywhere; }
td.nowrap { white-space: nowrap; }
code { font: 13px ui-monospace, monospace; }
.pending { color: #9a6700; font-weight: 600; }
.subject { font-size: .9em; }
.gate { margin: .3em 0; padding: .3em .6em; border-left: 4px solid #d0d7de; }
.gate.frozen { border-color: #cf222e; background: #ffebe9; }
.gate.held { border-color: #9a6700; background: #fff8c5; }
tr.frozen td { background: #fff5f5; }
.empty { padding: 1em; border: 1px dashed #d0d7de; color: #57606a; }
"""

IMAGE_HEADERS = ("image", "tag", "app commit", "since", "by", "pending promotion")


def _utc(iso_time: str | None) -> str:
    """A time of the page, with its zone: always UTC, to the minute."""
    if not iso_time:
        return "-"
    moment = datetime.fromisoformat(iso_time).astimezone(timezone.utc)
    return moment.strftime("%Y-%m-%d %H:%M UTC")


def _image_row(report: StatusReport, row: ImageStatus) -> str:
    e = html.escape
    cells = _cells(row)
    link = _link(report, row.app_commit)
    commit = (f'<a href="{e(link)}"><code>{e(cells[3])}</code></a>' if link
              else f"<code>{e(cells[3])}</code>")
    by = f"<code>{e(cells[5])}</code>"
    if row.by_subject:
        by += f' <span class="subject">{e(row.by_subject)}</span>'
    pending = f'<span class="pending">{e(cells[6])}</span>' if row.pending else "-"
    nowrap = [e(row.image), f"<code>{e(cells[2])}</code>", commit, e(_utc(row.since))]
    tds = [*(f'<td class="nowrap">{cell}</td>' for cell in nowrap), f"<td>{by}</td>",
           f'<td class="nowrap">{pending}</td>']
    opening = '<tr class="frozen">' if row.frozen else "<tr>"
    return f"{opening}{''.join(tds)}</tr>"


def _environment(report: StatusReport, rows: list[ImageStatus]) -> list[str]:
    """One environment: its name and cluster, its gates (freeze, soak, holds), its images."""
    e = html.escape
    first = rows[0]
    cluster = f'<span class="cluster">cluster {e(first.cluster)}</span>' if first.cluster else ""
    lines = [f'<section id="env-{e(first.env)}">', f"<h2>{e(first.env)}{cluster}</h2>"]
    if first.frozen:
        until = first.frozen.removeprefix("until ")
        end = _utc(until) if until[:1].isdigit() else "someone unfreezes it"
        lines.append(f'<p class="gate frozen"><strong>Frozen</strong> until {e(end)}: '
                     f"{e(first.freeze_reason or '')}</p>")
    if first.soak_remaining:
        lines.append(f'<p class="gate">Soak left before the next promotion: '
                     f"{e(first.soak_remaining)}</p>")
    holds = list(dict.fromkeys(h for row in rows for h in row.holds))
    lines += [f'<p class="gate held"><strong>Held</strong> <code>{e(short_sha(h.tag))}</code>: '
              f"{e(h.describe())}</p>" for h in holds]
    head = "".join(f"<th>{e(h)}</th>" for h in IMAGE_HEADERS)
    lines += [f"<table>\n<thead><tr>{head}</tr></thead>\n<tbody>",
              *(_image_row(report, row) for row in rows), "</tbody>\n</table>", "</section>"]
    return lines


def status_html(report: StatusReport) -> str:
    e = html.escape
    envs: dict[str, list[ImageStatus]] = {}
    for row in report.rows:
        envs.setdefault(row.env, []).append(row)
    when = report.generated.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M UTC") \
        if report.generated else "-"
    revision = f" from <code>{e(short_sha(report.revision))}</code>" if report.revision else ""
    body = [line for rows in envs.values() for line in _environment(report, rows)] or [
        '<p class="empty">No environment runs an app image yet: once one is bumped, its '
        "images show here.</p>"]
    return lines_of([
        "<!DOCTYPE html>",
        '<html lang="en">',
        "<head>",
        '<meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        "<title>Deployments</title>",
        f"<style>\n{STYLE}</style>",
        "</head>",
        "<body>",
        "<h1>What runs where</h1>",
        f'<p class="meta">Generated {e(when)}{revision}. Each environment in promotion order: '
        "its cluster, its release gates (freeze, soak, tags held out of it) and its app images, "
        "with the app commit each was built from, since when and by which commit of this "
        "repository, and what the environment before it has waiting to be promoted.</p>",
        *body,
        "</body>",
        "</html>",
    ])
