"""How `gitops diff` prints: plain text, a Markdown pull-request comment, or JSON.

Risky changes come first in every format: they are what a reviewer must not miss.
"""

from __future__ import annotations

from typing import Any

from ..adapters.shas import short_digest, short_sha
from ..kube.images import split_image
from ..kube.objdiff import Change
from ..usecases.diff import DiffReport, EnvDiff
from . import json_document, lines_of, table

COMMENT_MARKER = "<!-- gitops-diff -->"
MAX_LINES = 400  # per environment in Markdown; PR comments are limited in size
MAX_CHARS = 60_000  # GitHub refuses comments over 65,536 characters
MAX_RISKS = 50  # rows of the risk table in Markdown


def image_tag(image: str | None) -> str:
    """An image as `name:tag[@digest]`, short."""
    if not image:
        return "(none)"
    ref = split_image(image)
    digest = f"@{short_digest(ref.digest)}" if ref.digest else ""
    return f"{ref.repository.rsplit('/', 1)[-1]}:{short_sha(ref.tag) if ref.tag else ''}{digest}"


def _summary(env: EnvDiff) -> str:
    if env.error:
        return f"does not render ({env.error})"
    parts = [f"{env.count(c)} {c}" for c in Change if env.count(c)]
    return ", ".join(parts) or "no changes"


def _image_rows(report: DiffReport) -> list[tuple[str, str, str, str, str]]:
    return [(m.env, m.workload, m.container, image_tag(m.old), image_tag(m.new))
            for m in report.images]


def _risk_text(report: DiffReport) -> list[str]:
    risks = report.risks
    if not risks:
        return []
    lines = [f"Risky changes ({len(risks)}):"]
    for env, risk in risks:
        lines += [f"{env}: {risk.kind} {risk.object}: {risk.message}",
                  f"  what to do: {risk.remedy}"]
    return [*lines, ""]


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def _risk_markdown(report: DiffReport) -> list[str]:
    risks = report.risks
    if not risks:
        return []
    lines = ["**⚠ Risky changes**", "", "| env | kind | object | what changes | what to do |",
             "| --- | --- | --- | --- | --- |"]
    lines += [f"| {env} | {risk.kind} | `{risk.object}` | {_cell(risk.message)} | "
              f"{_cell(risk.remedy)} |" for env, risk in risks[:MAX_RISKS]]
    if len(risks) > MAX_RISKS:
        lines += ["", f"_{len(risks) - MAX_RISKS} more risky changes not shown: run "
                      f"`gitops diff`._"]
    return [*lines, ""]


def diff_text(report: DiffReport) -> str:
    lines = [f"{short_sha(report.base)}..{short_sha(report.head)}", "", *_risk_text(report)]
    if report.images:
        lines += [*table(("ENV", "WORKLOAD", "CONTAINER", "FROM", "TO"),
                         _image_rows(report)).splitlines(), ""]
    lines += table(("ENV", "ADDED", "CHANGED", "REMOVED", "STATE"), [
        (e.name, str(e.count(Change.ADDED)), str(e.count(Change.CHANGED)),
         str(e.count(Change.REMOVED)), "error" if e.error else ("changed" if e.objects else "same"))
        for e in report.environments]).splitlines()
    for env in report.environments:
        if env.error:
            lines += ["", f"{env.name}: {_summary(env)}"]
        for obj in env.objects:
            renamed = f" (was {obj.old_name})" if obj.old_name else ""
            lines += ["", f"{env.name}: {obj.change} {obj.kind}/{obj.name}{renamed}",
                      obj.diff.rstrip("\n")]
    return lines_of(lines)


def _markdown_head(report: DiffReport) -> list[str]:
    """The marker, the title, the risky changes, the image moves and the summary table."""
    head = "the working tree" if report.head == "working tree" else f"`{short_sha(report.head)}`"
    lines = [COMMENT_MARKER, f"### Rendered changes: `{short_sha(report.base)}` → {head}", ""]
    if not report.changed and not report.failed:
        lines.append("No rendered changes in any environment.")
        return lines
    lines += _risk_markdown(report)
    if report.images:
        lines += ["**Image changes**", "", "| env | workload | container | from | to |",
                  "| --- | --- | --- | --- | --- |"]
        lines += [f"| {e} | {w} | {c} | `{a}` | `{b}` |" for e, w, c, a, b in _image_rows(report)]
        lines.append("")
    lines += ["| environment | added | changed | removed |", "| --- | ---: | ---: | ---: |"]
    for env in report.environments:
        note = " ⚠ does not render" if env.error else ""
        lines.append(f"| {env.name}{note} | {env.count(Change.ADDED)} | "
                     f"{env.count(Change.CHANGED)} | {env.count(Change.REMOVED)} |")
    return lines


def _env_body(env: EnvDiff) -> list[str]:
    body: list[str] = []
    if env.error:
        body.append(f"Does not render: `{env.error}`")
    for obj in env.objects:
        renamed = f" (was `{obj.old_name}`)" if obj.old_name else ""
        body += [f"{obj.change} `{obj.kind}/{obj.name}`{renamed}", "", "```diff",
                 *obj.diff.rstrip("\n").splitlines(), "```", ""]
    return body


def _section(env: EnvDiff, body: list[str], note: str = "") -> list[str]:
    return ["", f"<details><summary><b>{env.name}</b>: {_summary(env)}{note}</summary>", "",
            *body, "</details>"]


def diff_markdown(report: DiffReport) -> str:
    lines = _markdown_head(report)
    if not report.changed and not report.failed:
        return lines_of(lines)
    for env in report.environments:
        if not env.objects and not env.error:
            continue
        body = _env_body(env)
        if len(body) > MAX_LINES:
            hidden = len(body) - MAX_LINES
            body = body[:MAX_LINES]
            if sum(1 for line in body if line.startswith("```")) % 2:
                body.append("```")  # close the block the cut fell into
            body += ["", f"_{hidden} more lines not shown: run `gitops diff --env {env.name}`._"]
        section = _section(env, body)
        if len("\n".join([*lines, *section])) > MAX_CHARS:
            lines += ["", f"_The diff of {env.name} and later environments is too long for a "
                          f"comment: run `gitops diff` locally._"]
            break
        lines += section
    return lines_of(lines)


def _size(lines: list[str]) -> int:
    return sum(len(line) + 1 for line in lines)


def _chunks(env: EnvDiff, budget: int) -> list[list[str]]:
    """An environment's section, cut into sections of at most `budget` characters; a cut
    inside a code block closes it and the next section opens it again."""
    body = [line if len(line) < budget // 2 else line[:budget // 2] + " …"
            for line in _env_body(env)]
    room = budget - _size(_section(env, [], " (continued)")) - 16
    out: list[list[str]] = []
    current: list[str] = []
    size, fenced = 0, False
    for line in body:
        if current and size + len(line) + 1 > room:
            out.append([*current, "```"] if fenced else current)
            current = ["```diff"] if fenced else []
            size = _size(current)
        current.append(line)
        size += len(line) + 1
        if line.startswith("```"):
            fenced = not fenced
    out.append(current)
    return [_section(env, chunk, " (continued)" if i else "") for i, chunk in enumerate(out)]


def diff_markdown_parts(report: DiffReport, limit: int = MAX_CHARS) -> list[str]:
    """The Markdown of `diff_markdown` without cuts, as comments of at most `limit` characters
    each, in order: the summary and the risky changes first, then each environment's diff. Each
    comment starts with a marker that says which part it is."""
    head = _markdown_head(report)[1:]
    budget = limit - 64  # the marker line
    parts: list[list[str]] = [head]
    for env in report.environments:
        if not env.objects and not env.error:
            continue
        for section in _chunks(env, budget):
            if _size(parts[-1]) + _size(section) > budget:
                parts.append([])
            parts[-1] += section
    total = len(parts)
    return [lines_of([f"<!-- gitops-diff part {i} of {total} -->", *part])
            for i, part in enumerate(parts, start=1)]


def diff_json(report: DiffReport) -> str:
    data: dict[str, Any] = {
        "risks": [{"env": env, "kind": str(r.kind), "object": r.object, "message": r.message,
                   "remedy": r.remedy} for env, r in report.risks],
        "base": report.base,
        "head": report.head,
        "changed": report.changed,
        "environments": [
            {"name": e.name, "error": e.error, "added": e.count(Change.ADDED),
             "changed": e.count(Change.CHANGED), "removed": e.count(Change.REMOVED),
             "objects": [{"kind": o.kind, "namespace": o.namespace or None, "name": o.name,
                          "change": str(o.change), "oldName": o.old_name, "diff": o.diff}
                         for o in e.objects]}
            for e in report.environments],
        "images": [{"env": m.env, "workload": m.workload, "container": m.container,
                    "old": m.old, "new": m.new} for m in report.images],
    }
    return json_document(data, ok=not report.failed)
