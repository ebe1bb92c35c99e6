"""How `gitops validate` and `gitops rules` print."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict
from typing import TYPE_CHECKING

from . import json_document, lines_of, plural, table

if TYPE_CHECKING:  # importing these would load the rules and schemas for every command
    from ..validation.rules.model import Rule
    from ..validation.run import Report


def _summary(report: Report) -> str:
    envs = ", ".join(e.name for e in report.environments)
    versions = ", ".join(report.kubernetes_versions)
    total = sum(e.resources for e in report.environments)
    waived = f"; {plural(len(report.waived), 'finding')} waived" if report.waived else ""
    if report.ok:
        return (f"ok: {envs} ({plural(total, 'resource')}) pass every rule "
                f"on Kubernetes {versions}{waived}")
    failing = [e.name for e in report.environments if e.findings]
    shared = sum(1 for f in report.findings if f.env is None)
    where = [f"in {len(failing)} of {len(report.environments)} environments"]
    if shared:
        where.append(f"{plural(shared, 'finding')} in the Argo CD manifests")
    return f"{plural(len(report.findings), 'finding')}: " + "; ".join(where) + waived


def _off(report: Report) -> list[str]:
    if not report.rules_off:
        return []
    return ["rules off: " + ", ".join(f"{rule} ({why})" for rule, why in report.rules_off)]


def validate_text(report: Report) -> str:
    if report.ok:
        return lines_of([_summary(report), *_off(report)])
    rows = [(f.env or "-", f.rule, f.resource or f.file, f.message) for f in report.findings]
    return table(("ENV", "RULE", "RESOURCE", "MESSAGE"), rows) + "\n" + lines_of(
        [_summary(report), *_off(report)])


def validate_json(report: Report) -> str:
    return json_document({
        "kubernetesVersions": list(report.kubernetes_versions),
        "environments": [asdict(e) for e in report.environments],
        "findings": [asdict(f) for f in report.findings],
        "profile": report.profile,
        "rulesOff": [{"rule": rule, "reason": why} for rule, why in report.rules_off],
        "waived": len(report.waived),
        "waivedFindings": [
            {**asdict(w.finding), "reason": w.reason,
             "expires": w.expires.isoformat() if w.expires else None}
            for w in report.waived
        ],
    }, ok=report.ok)


def github_escape(value: str, prop: bool = False) -> str:
    out = value.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    return out.replace(":", "%3A").replace(",", "%2C") if prop else out


def validate_github(report: Report) -> str:
    """GitHub Actions workflow commands: one error annotation per finding, on its file and,
    when it was traced, its line."""
    lines = []
    for f in report.findings:
        where = " ".join(part for part in (f"[{f.env}]" if f.env else "", f.resource or "") if part)
        text = f"{where}: {f.message}" if where else f.message
        title = github_escape(f"gitops {f.rule}", True)
        line = f",line={f.line}" if f.line else ""
        lines.append(f"::error file={github_escape(f.file, True)}{line},title={title}::"
                     f"{github_escape(text)}")
    lines.append(_summary(report))
    return lines_of(lines)


def rules_text(rules: Sequence[Rule]) -> str:
    return table(("RULE", "SEVERITY", "SUMMARY"),
                 [(r.id, r.severity.value, r.summary) for r in rules])


def rules_json(rules: Sequence[Rule]) -> str:
    return json_document({"rules": [
        {"id": r.id, "severity": r.severity.value, "summary": r.summary, "why": r.why,
         "fix": r.fix}
        for r in rules
    ]})


def _cell(text: str) -> str:
    """Text as one Markdown table cell: a literal | would end the cell."""
    return text.replace("|", "\\|")


def rules_markdown(rules: Sequence[Rule]) -> str:
    """The rule table of the README, generated so that it cannot drift from the registry."""
    rows = [f"| `{r.id}` | {r.severity.value} | {_cell(r.summary)} |" for r in rules]
    return lines_of(["| rule | severity | what it checks |", "| --- | --- | --- |", *rows])
