"""How `gitops status` prints: a table for people, Markdown, JSON, and one self-contained HTML
page (inline style, no script, no external asset) that the workflows publish."""

from __future__ import annotations

import html
from typing import Any

from ..history.shas import short_digest, short_sha
from ..usecases.status import ImageStatus, StatusReport
from . import json_document, lines_of, table
from .holds import hold_json_of

HEADERS = ("ENV", "IMAGE", "TAG", "APP COMMIT", "SINCE", "BY", "PENDING", "FROZEN", "SOAK LEFT",
           "HELD")


def _when(iso: str | None) -> str:
    return iso[:16].replace("T", " ") if iso else "-"


def _tag(row: ImageStatus) -> str:
    if row.tag is None:
        return "(none)"
    return short_sha(row.tag) + (f"@{short_digest(row.digest)}" if row.digest else "")


def _cells(row: ImageStatus) -> tuple[str, ...]:
    return (row.env, row.image, _tag(row), short_sha(row.app_commit) if row.app_commit else "-",
            _when(row.since), short_sha(row.by_commit) if row.by_commit else "-",
            short_sha(row.pending) if row.pending else "-", row.frozen or "-",
            row.soak_remaining or "-", " ".join(h.tag[:7] for h in row.holds) or "-")


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
    } for r in report.rows]
    return json_document({"images": rows})


STYLE = """\
body { font: 15px/1.4 system-ui, sans-serif; margin: 2em; color: #1b1f24; background: #fff; }
h1 { font-size: 1.4em; }
table { border-collapse: collapse; }
th, td { border: 1px solid #d0d7de; padding: .35em .7em; text-align: left; vertical-align: top;
         white-space: nowrap; }
td.by { white-space: normal; min-width: 16em; }
th { background: #f6f8fa; }
tr.first td { border-top: 2px solid #57606a; }
code { font: 13px ui-monospace, monospace; }
.pending { color: #9a6700; font-weight: 600; }
.subject { color: #57606a; font-size: .9em; }
"""


def status_html(report: StatusReport) -> str:
    e = html.escape
    rows = []
    seen: set[str] = set()
    for row in report.rows:
        cells = _cells(row)
        first = row.env not in seen
        seen.add(row.env)
        link = _link(report, row.app_commit)
        commit = (f'<a href="{e(link)}"><code>{e(cells[3])}</code></a>' if link
                  else f"<code>{e(cells[3])}</code>")
        by = f"<code>{e(cells[5])}</code>"
        if row.by_subject:
            by += f'<br><span class="subject">{e(row.by_subject)}</span>'
        pending = (f'<span class="pending">{e(cells[6])}</span>' if row.pending else "-")
        held = "<br>".join(f'<code>{e(h.tag[:7])}</code> <span class="subject">{e(h.describe())}'
                           f"</span>" for h in row.holds) or "-"
        tds = [e(cells[0]), e(cells[1]), f"<code>{e(cells[2])}</code>", commit, e(cells[4]), by,
               pending, e(cells[7]), e(cells[8]), held]
        opening = '<tr class="first">' if first else "<tr>"
        rows.append(opening + "".join(f'<td class="by">{td}</td>' if i in (5, 9)
                                      else f"<td>{td}</td>" for i, td in enumerate(tds))
                    + "</tr>")
    head = "".join(f"<th>{e(h.lower())}</th>" for h in HEADERS)
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
        "<p>Each environment's app images: the tag, the app commit it was built from, since "
        "when and by which commit of this repository, and what the previous environment has "
        "waiting to be promoted, and the tags held out of it (gitops hold list).</p>",
        f"<table>\n<thead><tr>{head}</tr></thead>\n<tbody>",
        *rows,
        "</tbody>\n</table>",
        "</body>",
        "</html>",
    ])
