"""How `gitops metrics` prints: one row per environment, or JSON with durations in seconds."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from ..usecases.metrics import EnvMetrics, MetricsReport
from . import json_document, lines_of, table


def duration(value: timedelta | None) -> str:
    """Days, hours and minutes, the two largest that are not zero."""
    if value is None:
        return "-"
    minutes = round(value.total_seconds() / 60)
    parts = [(minutes // 1440, "d"), (minutes % 1440 // 60, "h"), (minutes % 60, "m")]
    shown = [f"{n}{unit}" for n, unit in parts if n][:2]
    return " ".join(shown) or "0m"


def _number(value: float | None, digits: int = 2) -> str:
    return "-" if value is None else f"{value:.{digits}f}".rstrip("0").rstrip(".")


def _rate(m: EnvMetrics) -> str:
    if m.failure_rate is None:
        return "-"
    return f"{_number(m.failure_rate * 100, 1)}% ({m.failed}/{m.deployments})"


def metrics_text(report: MetricsReport) -> str:
    when = report.end.strftime("%Y-%m-%d %H:%M %z")
    period = (f"over the last {report.since}" if report.since
              else "since each environment's first deployment")
    lines = [f"As of {when} (HEAD), {period}.", ""]
    rows = [(m.env, str(m.deployments),
             "too little history" if m.too_short(report.end) else _number(m.per_week(report.end)),
             duration(m.lead_time) if report.lead_time_known else "- (needs --source-repo)",
             _rate(m), duration(m.time_to_restore), str(m.rollbacks)) for m in report.envs]
    lines += table(("ENV", "DEPLOYMENTS", "PER WEEK", "LEAD TIME", "CHANGE FAILURE RATE",
                    "TIME TO RESTORE", "ROLLBACKS"), rows).splitlines()
    lines += ["", "Lead time and time to restore are medians."]
    return lines_of(lines)


def _seconds(value: timedelta | None) -> int | None:
    return None if value is None else round(value.total_seconds())


def metrics_json(report: MetricsReport) -> str:
    envs: list[dict[str, Any]] = [{
        "env": m.env,
        "start": m.start.isoformat() if m.start else None,
        "deployments": m.deployments,
        "deploymentsPerWeek": m.per_week(report.end),
        "leadTimeSeconds": {"median": _seconds(m.lead_time), "count": len(m.lead_times)},
        "changeFailureRate": {"failed": m.failed, "deployments": m.deployments,
                              "rate": m.failure_rate},
        "timeToRestoreSeconds": {"median": _seconds(m.time_to_restore),
                                 "count": len(m.restores)},
        "rollbacks": m.rollbacks,
    } for m in report.envs]
    return json_document({"asOf": report.end.isoformat(), "since": report.since,
                          "leadTimeKnown": report.lead_time_known, "environments": envs})
