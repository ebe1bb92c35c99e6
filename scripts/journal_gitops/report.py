"""Turning results into text: aligned tables for people, JSON and workflow commands for machines.

The JSON shapes are a stable contract; add keys, never rename or remove them.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import asdict
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # importing these would load git and friends for every command
    from .change import GitOptions, Outcome
    from .deploy_state import StateChange
    from .environments import EnvRow
    from .history import HistoryRow
    from .rules import Rule
    from .validate import Report

JSON_VERSION = 1


def table(headers: Sequence[str], rows: Sequence[Sequence[str]], header: bool = True) -> str:
    """Columns padded to their widest cell; the last column is never padded."""
    widths = [max(len(str(r[i])) for r in [headers, *rows]) for i in range(len(headers))]
    lines = []
    for row in [headers, *rows] if header else rows:
        cells = [str(cell).ljust(widths[i]) for i, cell in enumerate(row[:-1])]
        lines.append("  ".join([*cells, str(row[-1])]).rstrip())
    return "\n".join(lines)


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def validate_text(report: Report) -> str:
    envs = ", ".join(e.name for e in report.environments)
    versions = ", ".join(report.kubernetes_versions)
    total = sum(e.resources for e in report.environments)
    if report.ok:
        return (f"ok: {envs} ({_plural(total, 'resource')}) pass every rule "
                f"on Kubernetes {versions}")
    rows = [(f.env or "-", f.rule, f.resource or f.file, f.message) for f in report.findings]
    failing = [e.name for e in report.environments if e.findings]
    shared = sum(1 for f in report.findings if f.env is None)
    where = [f"in {len(failing)} of {len(report.environments)} environments"]
    if shared:
        where.append(f"{_plural(shared, 'finding')} in the Argo CD manifests")
    summary = f"{_plural(len(report.findings), 'finding')}: " + "; ".join(where)
    return table(("ENV", "RULE", "RESOURCE", "MESSAGE"), rows) + "\n\n" + summary


def validate_json(report: Report) -> str:
    data: dict[str, Any] = {
        "version": JSON_VERSION,
        "ok": report.ok,
        "kubernetesVersions": list(report.kubernetes_versions),
        "environments": [asdict(e) for e in report.environments],
        "findings": [asdict(f) for f in report.findings],
    }
    return json.dumps(data, indent=2)


def _escape(value: str, prop: bool = False) -> str:
    out = value.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    return out.replace(":", "%3A").replace(",", "%2C") if prop else out


def validate_github(report: Report) -> str:
    """GitHub Actions workflow commands: one error annotation per finding, on its file."""
    lines = []
    for f in report.findings:
        where = " ".join(part for part in (f"[{f.env}]" if f.env else "", f.resource or "") if part)
        text = f"{where}: {f.message}" if where else f.message
        title = _escape(f"gitops {f.rule}", True)
        lines.append(f"::error file={_escape(f.file, True)},title={title}::{_escape(text)}")
    lines.append(validate_text(report).splitlines()[-1])
    return "\n".join(lines)


def rules_text(rules: Sequence[Rule]) -> str:
    return table(("RULE", "WHY"), [(r.id, r.reason) for r in rules])


def rules_json(rules: Sequence[Rule]) -> str:
    return json.dumps([{"id": r.id, "reason": r.reason} for r in rules], indent=2)


def change_text(outcome: Outcome, options: GitOptions, summary: str = "",
                pr_body: str | None = None) -> str:
    """Where a change went: the diff of a dry run, or the commit, push and pull request."""
    proposal = outcome.proposal
    assert proposal is not None
    if options.dry_run:
        return proposal.diff() + "\n" + summary + "dry run: nothing written\n"
    head = summary + "\n" if summary else ""
    where = f"on {outcome.branch}"
    if outcome.base and not options.in_place:
        where += f" (from {outcome.base[:7]})"
    assert outcome.commit is not None
    lines = [f"committed {outcome.commit[:7]} {where}", *outcome.notes]
    if outcome.pushed:
        lines.append(f"pushed {outcome.branch} to {options.remote}")
        if outcome.compare_url:
            lines.append(f"open a pull request: {outcome.compare_url}")
        lines += ["", f"PR title: {proposal.subject}"]
        if pr_body:
            lines += ["", "PR body:", "", pr_body.rstrip()]
    return head + "\n".join(lines) + "\n"


def change_json(outcome: Outcome, options: GitOptions, extra: dict[str, Any]) -> str:
    proposal = outcome.proposal
    data: dict[str, Any] = {
        **extra,
        "branch": outcome.branch,
        "base": outcome.base,
        "commit": outcome.commit,
        "pushed": outcome.pushed,
        "dryRun": options.dry_run,
        "compareUrl": outcome.compare_url,
        "prTitle": proposal.subject if proposal else None,
    }
    if options.dry_run and proposal is not None:
        data["diff"] = proposal.diff()
    return json.dumps(data, indent=2)


def _short(tag: str | None) -> str:
    if tag is None:
        return "(none)"
    return tag[:7] if len(tag) == 40 and all(c in "0123456789abcdef" for c in tag) else tag


def envs_text(rows: Sequence[EnvRow]) -> str:
    out = []
    for row in rows:
        s = row.state
        sync = "-" if s.automated is None else ("auto" if s.automated else "manual")
        differs = "-" if row.differs is None else (", ".join(row.differs) or "nothing")
        out.append((
            s.name, s.namespace or "-",
            " ".join(f"{k}={v}" for k, v in s.replicas.items()) or "-",
            " ".join(f"{k}={v}" for k, v in s.config.items()) or "-",
            " ".join(f"{k}={_short(tag)}{'@' + d[7:19] if d else ''}"
                     for k, (tag, d) in s.images.items()) or "-",
            sync, differs))
    return table(("ENV", "NAMESPACE", "REPLICAS", "CONFIG", "IMAGES", "SYNC", "PROMOTES"), out)


def envs_json(rows: Sequence[EnvRow]) -> str:
    return json.dumps([
        {"name": r.state.name, "namespace": r.state.namespace, "replicas": r.state.replicas,
         "config": r.state.config,
         "images": {k: {"tag": tag, "digest": d} for k, (tag, d) in r.state.images.items()},
         "sync": None if r.state.automated is None else (
             "auto" if r.state.automated else "manual"),
         "application": r.state.app_file,
         "differsFromPrevious": None if r.differs is None else list(r.differs)}
        for r in rows], indent=2)


def state_change_text(change: StateChange) -> str:
    """The aligned lines a promotion or rollback prints."""
    rows = [(change.env, c.image, f"{_short(c.old)} -> {_short(c.new)}") for c in change.images]
    rows += [(change.env, key, f"{old} -> {new}") for key, old, new in change.config]
    return table(("ENV", "WHAT", "CHANGE"), rows, header=False) + "\n"


def settings_text(env: str, changes: Sequence[tuple[str, str, str]]) -> str:
    """The aligned lines `env set` prints: what, from, to."""
    rows = [(env, what, f"{old} -> {new}") for what, old, new in changes]
    return table(("ENV", "WHAT", "CHANGE"), rows, header=False) + "\n"


def state_change_markdown(change: StateChange) -> str:
    """A pull request body for a promotion or rollback."""
    lines = [f"Changes **{change.env}**.", "", "| what | from | to |", "| --- | --- | --- |"]
    lines += [f"| {c.image} | `{_short(c.old)}` | `{_short(c.new)}` |" for c in change.images]
    lines += [f"| {key} | `{old}` | `{new}` |" for key, old, new in change.config]
    return "\n".join(lines) + "\n"


def state_change_data(change: StateChange | None) -> dict[str, Any]:
    if change is None:
        return {"env": None, "images": [], "config": [], "prBody": None}
    return {
        "prBody": state_change_markdown(change),
        "env": change.env,
        "images": [{"image": c.image, "old": c.old, "new": c.new, "oldDigest": c.old_digest,
                    "newDigest": c.new_digest} for c in change.images],
        "config": [{"key": k, "old": old, "new": new} for k, old, new in change.config],
    }


def _when(iso: str) -> str:
    return iso[:16].replace("T", " ")


def history_text(rows: Sequence[HistoryRow], env: str) -> str:
    if not rows:
        return f"no image or config changes of {env} in git history"
    out = []
    for row in rows:
        parts = [f"{image} {_short(old)} -> {_short(new)}" for image, old, new in row.images]
        parts += [f"{key} {old or '(none)'} -> {new or '(none)'}" for key, old, new in row.config]
        out.append((_when(row.date), row.commit[:7], row.author, row.kind, ", ".join(parts)))
    return table(("DATE", "COMMIT", "AUTHOR", "KIND", "CHANGES"), out)


def history_json(rows: Sequence[HistoryRow]) -> str:
    return json.dumps([
        {"commit": r.commit, "date": r.date, "author": r.author, "kind": r.kind,
         "subject": r.subject,
         "images": [{"image": i, "old": old, "new": new} for i, old, new in r.images],
         "config": [{"key": k, "old": old, "new": new} for k, old, new in r.config]}
        for r in rows], indent=2)
