"""`gitops metrics`: the four DORA metrics of each environment, from its first-parent history
and the trailers the tooling writes.

A deployment is a change of an environment's app images (a bump, a promotion, or one made by
hand), rollbacks apart; the creation of an environment is none. A rollback marks as failed
the deployments it undoes, back to the one that brought what it restores, and is their
restore; a revert fails the change it reverts, and a hold set by hand the deployment that
brought the held tag. A release replaced by a newer one was rolled forward, not failed. "Now"
is the commit time of HEAD, so that the figures are those of the history as it stands and
repeatable.
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from ..adapters import gitrepo
from ..config.gates import same_tag
from ..config.model import Config
from ..config.tags import TagScheme
from ..errors import UsageError
from ..history.entries import HistoryRow, read_history
from ..history.trailers import HOLD, REVERTS, ChangeKind
from ..history.walker import Reaches, Step, walk_all
from ..overlays.images import commit_of_tag
from ..timing.durations import parse_duration

MIN_DAYS = 1  # a shorter period has no weekly rate: minutes of data say nothing per week


@dataclass(frozen=True)
class EnvMetrics:
    env: str
    start: datetime | None  # the period's start (None: no deployment and no --since)
    deployments: int
    rollbacks: int
    failed: int  # deployments of the period later rolled back
    lead_times: tuple[timedelta, ...]  # app commit to the merge into the environment
    restores: tuple[timedelta, ...]  # failed deployment to the rollback that undid it

    def days(self, end: datetime) -> float | None:
        return (end - self.start).total_seconds() / 86400 if self.start else None

    def too_short(self, end: datetime) -> bool:
        """Whether the period is too short for a weekly rate to mean anything."""
        days = self.days(end)
        return days is not None and days < MIN_DAYS

    def per_week(self, end: datetime) -> float | None:
        days = self.days(end)
        return self.deployments * 7 / days if days and days >= MIN_DAYS else None

    @property
    def failure_rate(self) -> float | None:
        return self.failed / self.deployments if self.deployments else None

    @property
    def lead_time(self) -> timedelta | None:
        return _median(self.lead_times)

    @property
    def time_to_restore(self) -> timedelta | None:
        return _median(self.restores)


@dataclass(frozen=True)
class MetricsReport:
    end: datetime
    since: str | None
    lead_time_known: bool  # whether --source-repo was given
    envs: tuple[EnvMetrics, ...]


def _median(values: Sequence[timedelta]) -> timedelta | None:
    if not values:
        return None
    return timedelta(seconds=statistics.median(v.total_seconds() for v in values))


def _when(iso: str) -> datetime:
    return datetime.fromisoformat(iso)


def _tags(row: HistoryRow) -> dict[str, str | None]:
    return {m.what: m.new for m in row.images}


def _failed_by(rows: Sequence[HistoryRow], index: int) -> list[HistoryRow]:
    """The deployments the rollback at `index` (rows oldest first) undoes: back from it, until
    the one whose state it restores."""
    restored = _tags(rows[index])
    failed: list[HistoryRow] = []
    for row in reversed(rows[:index]):
        if row.kind == ChangeKind.ROLLBACK:
            continue
        moves = [m for m in row.images if m.what in restored]
        if not moves:
            continue
        if all(m.new == restored[m.what] for m in moves):
            break
        failed.append(row)
        if all(m.old == restored[m.what] for m in moves):
            break
    return failed


def _failed_by_holds_and_reverts(env: str, history: Sequence[HistoryRow],
                                 deployments: Sequence[HistoryRow], scheme: TagScheme
                                 ) -> list[HistoryRow]:
    """The deployments a revert undid, and those that brought a tag a hold was set on by hand
    (a rollback's own holds are its deployments' already): history newest first."""
    failed: list[HistoryRow] = []
    reverted = {sha for row in history if row.kind == ChangeKind.REVERT
                for sha in row.trailer(REVERTS)}
    failed += [row for row in deployments if row.commit in reverted]
    order = {row.commit: index for index, row in enumerate(history)}  # 0: newest
    for row in history:
        if row.kind != ChangeKind.HOLD:
            continue
        for value in row.trailer(HOLD):
            where, _, rest = value.partition(" ")
            tag = rest.partition("=")[2].partition(" ")[0]
            if where != env or not tag:
                continue
            brought = next((d for d in sorted(deployments, key=lambda d: order[d.commit])
                            if order[d.commit] > order[row.commit] and any(
                                m.new and same_tag(tag, m.new.split("@")[0], scheme)
                                for m in d.images)), None)
            if brought is not None:
                failed.append(brought)
    return failed


def _deploys(row: HistoryRow) -> bool:
    return (row.kind != ChangeKind.ENV and any(m.old is not None for m in row.images))


def _lead_time(config: Config, source_repo: Path | None, row: HistoryRow) -> timedelta | None:
    if source_repo is None:
        return None
    tag = next((m.new for m in row.images if m.new), None)
    sha = commit_of_tag(config, tag.split("@", 1)[0]) if tag else None
    when = gitrepo.commit_date(source_repo, sha) if sha else None
    return _when(row.date) - _when(when) if when else None


def env_metrics(config: Config, env: str, start: datetime | None, source_repo: Path | None,
                steps: tuple[Step, ...] | None = None,
                reach: Reaches | None = None) -> EnvMetrics:
    history = read_history(config, env, steps=steps, reach_of=reach)
    rows = [r for r in reversed(history) if _deploys(r)]  # oldest first
    inside = [r for r in rows if start is None or _when(r.date) >= start]
    deployments = [r for r in inside if r.kind not in (ChangeKind.ROLLBACK, ChangeKind.REVERT)]
    failed: dict[str, HistoryRow] = {}
    restores: list[timedelta] = []
    for index, row in enumerate(rows):
        if row.kind != ChangeKind.ROLLBACK:
            continue
        undone = _failed_by(rows, index)
        failed.update({r.commit: r for r in undone})
        if undone and row in inside:
            restores.append(_when(row.date) - _when(undone[-1].date))
    failed.update({r.commit: r for r in _failed_by_holds_and_reverts(env, history, rows,
                                                                 config.tag_scheme)})
    leads = [t for r in deployments if (t := _lead_time(config, source_repo, r)) is not None]
    first = _when(deployments[0].date) if deployments else None
    rollbacks = sum(1 for r in inside if r.kind == ChangeKind.ROLLBACK)
    return EnvMetrics(env, start or first, len(deployments), rollbacks,
                      sum(1 for r in deployments if r.commit in failed), tuple(leads),
                      tuple(restores))


def metrics(config: Config, envs: Sequence[str], since: str | None,
            source_repo: Path | None) -> MetricsReport:
    selected = config.select(envs)
    window = parse_duration(since, "--since") if since is not None else None
    if window is not None and window <= timedelta(0):
        raise UsageError("--since must be longer than 0")
    end = _when(gitrepo.head_date(gitrepo.open_repo(config.root)))
    start = end - window if window is not None else None
    # Deployments, rollbacks, reverts of them and holds all change an overlay or gitops.yaml.
    reach = Reaches.overlays(config, config.environments)
    walks = walk_all(config.root, config, reach=reach)
    return MetricsReport(end, since, source_repo is not None, tuple(
        env_metrics(config, env, start, source_repo, walks[env], reach) for env in selected))
