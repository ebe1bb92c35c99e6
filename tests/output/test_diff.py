"""The risk section of `gitops diff --output markdown` on a report built in memory: a cell's
`|` is escaped and a long list is cut with a note, so the comment stays one valid table."""

from __future__ import annotations

from journal_gitops.kube.objdiff import Change, ObjectDiff
from journal_gitops.kube.risks import Risk, RiskKind
from journal_gitops.output.diff import MAX_RISKS, diff_markdown
from journal_gitops.usecases.diff import DiffReport, EnvDiff

BASE, HEAD = "a" * 40, "b" * 40


def _report(count: int) -> DiffReport:
    risks = tuple(Risk(RiskKind.RBAC, f"Role/journal-dev/r{i}", "Role changes: a|b", "check")
                  for i in range(count))
    objects = tuple(ObjectDiff("Role", "journal-dev", f"r{i}", Change.CHANGED, "")
                    for i in range(count))
    return DiffReport(BASE, HEAD, (EnvDiff("dev", objects, risks=risks),), ())


def test_risk_rows_escape_pipes_and_stop_at_the_limit() -> None:
    lines = diff_markdown(_report(MAX_RISKS + 2)).splitlines()
    rows = [line for line in lines if line.startswith("| dev | rbac |")]
    assert len(rows) == MAX_RISKS
    assert rows[0] == "| dev | rbac | `Role/journal-dev/r0` | Role changes: a\\|b | check |"
    last = lines.index(rows[-1])
    assert lines[last + 1:last + 4] == [
        "", "_2 more risky changes not shown: run `gitops diff`._", ""]


def test_no_risk_no_section() -> None:
    assert "Risky" not in diff_markdown(_report(0))
