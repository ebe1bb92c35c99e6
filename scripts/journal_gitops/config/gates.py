"""The release gates gitops.yaml records: freezes (one-off or recurring) and each environment's
minimum soak. Kept out of config.py's own parsing so that the gates' keys stay in one place.

    freezes:
      - env: prod
        reason: release weekend
        since: "2026-03-06T16:00:00Z"
        until: "2026-03-09T08:00:00Z"    # absent: until `gitops unfreeze`
      - env: prod
        reason: no deploys over the weekend
        schedule: "0 16 * * 5"           # recurring: cron, in timeZone (default UTC)
        duration: 64h
        timeZone: Europe/Berlin
    minSoak:
      prod: 24h
    holds:
      - env: prod
        image: web                       # absent: every app image
        tag: 1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d
        reason: 500s on /entries
        by: Jane Doe <jane@example.com>
        since: "2026-03-06T16:00:00Z"
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from ..adapters.shas import FULL_SHA, SHA, short_sha
from ..errors import GitopsError, UsageError
from ..timing.clock import iso, parse_instant
from ..timing.cron import Schedule, parse_schedule, window_end, zone
from ..timing.durations import format_duration, parse_duration
from . import invalid
from .tags import TagScheme

FREEZES = "freezes"
MIN_SOAK = "minSoak"
HOLDS = "holds"


@dataclass(frozen=True)
class Freeze:
    """One freeze of one environment: until a time, until unfrozen, or recurring."""

    env: str
    reason: str
    since: datetime | None = None
    until: datetime | None = None
    schedule: str | None = None
    duration: str | None = None  # as written
    time_zone: str | None = None

    @property
    def recurring(self) -> bool:
        return self.schedule is not None

    @property
    def length(self) -> timedelta:
        return parse_duration(self.duration or "0", "duration")

    def parsed_schedule(self) -> Schedule:
        return parse_schedule(self.schedule or "")

    def end_if_active(self, moment: datetime) -> tuple[bool, datetime | None]:
        """(active at `moment`, when it ends: None for a freeze until unfrozen)."""
        if self.recurring:
            end = window_end(self.parsed_schedule(), self.length, zone(self.time_zone), moment)
            return end is not None, end
        if self.since is not None and moment < self.since:
            return False, None
        if self.until is not None:
            return moment < self.until, self.until
        return True, None

    def describe(self) -> str:
        """How messages name the freeze's extent."""
        if self.recurring:
            return (f"every {self.schedule} ({self.time_zone or 'UTC'}) for "
                    f"{self.duration}")
        return f"until {iso(self.until)}" if self.until else "until unfrozen"


@dataclass(frozen=True)
class ActiveFreeze:
    freeze: Freeze
    end: datetime | None  # None: until someone unfreezes

    def message(self, env: str) -> str:
        until = f"until {iso(self.end)}" if self.end else f"until `gitops unfreeze {env}`"
        return f"{env} is frozen {until}: {self.freeze.reason}"


@dataclass(frozen=True)
class Hold:
    """A tag kept out of an environment and every later stage: a release rolled back, or held
    by hand, until `gitops release`."""

    env: str
    tag: str
    reason: str
    by: str | None = None
    since: datetime | None = None
    image: str | None = None  # None: every app image

    def covers(self, image: str, tag: str, scheme: TagScheme) -> bool:
        """Whether moving `image` to `tag` brings this hold's tag back (see same_tag)."""
        return same_tag(self.tag, tag, scheme) and self.image in (None, image)

    def describe(self) -> str:
        what = self.image or "every app image"
        who = f" by {self.by}" if self.by else ""
        when = f" since {iso(self.since)}" if self.since else ""
        return (f"{what} {short_sha(self.tag)} is held out of {self.env}{when}{who}: "
                f"{self.reason}")


def same_tag(held: str, tag: str, scheme: TagScheme) -> bool:
    """Whether `tag` is the held tag: the same text, or a commit's short sha (7 hex characters
    or more) for its full one and the other way round, where the longer is a full sha or the
    scheme's tags are commits. Nothing else matches by prefix: v1.10.0 does not hold
    v1.10.0-rc.1, build 1234567 does not hold build 12345678, sha-ab1 does not hold
    sha-ab1c2d3."""
    short, full = sorted((held, tag), key=len)
    return short == full or (
        full.startswith(short) and bool(SHA.match(short)) and bool(SHA.match(full))
        and (bool(FULL_SHA.match(full)) or scheme.of_commits))


@dataclass(frozen=True)
class GateConfig:
    freezes: tuple[Freeze, ...] = ()
    min_soak: tuple[tuple[str, str], ...] = ()  # env, duration as written
    holds: tuple[Hold, ...] = ()

    def unheld(self, env: str, tags: dict[str | None, str], reason: str, by: str | None,
               moment: datetime) -> list[Hold]:
        """Holds of these tags (image -> tag; None: every app image) in `env` that are not
        held there yet."""
        return [Hold(env, tag, reason, by, moment, image) for image, tag in tags.items()
                if not any(h.env == env and h.tag == tag and h.image in (None, image)
                           for h in self.holds)]

    def soak_of(self, env: str) -> str | None:
        return next((text for name, text in self.min_soak if name == env), None)

    def freezes_of(self, env: str) -> list[Freeze]:
        return [f for f in self.freezes if f.env == env]

    def active(self, env: str, moment: datetime) -> ActiveFreeze | None:
        """The freeze holding `env` at `moment` that ends last (None: not frozen)."""
        found: list[ActiveFreeze] = []
        for freeze in self.freezes_of(env):
            active, end = freeze.end_if_active(moment)
            if active:
                found.append(ActiveFreeze(freeze, end))
        if not found:
            return None
        forever = [f for f in found if f.end is None]
        return forever[0] if forever else max(found, key=lambda f: f.end or moment)


_fail = invalid


def _text(item: dict[str, Any], key: str, where: str, required: bool = False) -> str | None:
    value = item.get(key)
    if value is None and not required:
        return None
    if not isinstance(value, str) or not value.strip():
        raise _fail(f"{where}: '{key}' must be a non-empty string")
    return value


def _instant(item: dict[str, Any], key: str, where: str) -> datetime | None:
    value = item.get(key)
    if value is None:
        return None
    if isinstance(value, datetime):  # an unquoted timestamp
        value = value.isoformat()
    if not isinstance(value, str):
        raise _fail(f"{where}: '{key}' must be an ISO-8601 time")
    try:
        return parse_instant(value, key)
    except UsageError as exc:
        raise _fail(f"{where}: {exc}") from None


def _freeze(item: dict[str, Any], index: int, envs: Collection[str]) -> Freeze:
    where = f"freezes[{index}]"
    env = _text(item, "env", where, required=True) or ""
    if env not in envs:
        raise _fail(f"{where}: environment '{env}' is not in 'environments'")
    reason = _text(item, "reason", where, required=True) or ""
    schedule = _text(item, "schedule", where)
    duration = _text(item, "duration", where)
    time_zone = _text(item, "timeZone", where)
    freeze = Freeze(env, reason, _instant(item, "since", where), _instant(item, "until", where),
                    schedule, duration, time_zone)
    try:
        if schedule is not None or duration is not None or time_zone is not None:
            if schedule is None or duration is None:
                raise UsageError("a recurring freeze needs both 'schedule' and 'duration'")
            if freeze.until is not None:
                raise UsageError("a recurring freeze has no 'until'")
            freeze.parsed_schedule()
            if freeze.length <= timedelta(0):
                raise UsageError("'duration' must be longer than 0")
            zone(time_zone)
    except UsageError as exc:
        raise _fail(f"{where}: {exc}") from None
    return freeze


def _hold(item: dict[str, Any], index: int, envs: Collection[str]) -> Hold:
    where = f"holds[{index}]"
    env = _text(item, "env", where, required=True) or ""
    if env not in envs:
        raise _fail(f"{where}: environment '{env}' is not in 'environments'")
    return Hold(env, _text(item, "tag", where, required=True) or "",
                _text(item, "reason", where, required=True) or "", _text(item, "by", where),
                _instant(item, "since", where), _text(item, "image", where))


def parse_gates(data: dict[str, Any], envs: Collection[str]) -> GateConfig:
    """The gates' keys of gitops.yaml (all optional)."""
    freezes = tuple(_freeze(item, i, envs) for i, item in enumerate(data.get(FREEZES) or []))
    holds = tuple(_hold(item, i, envs) for i, item in enumerate(data.get(HOLDS) or []))
    soaks: list[tuple[str, str]] = []
    for env, value in (data.get(MIN_SOAK) or {}).items():
        if env not in envs:
            raise _fail(f"{MIN_SOAK}: environment '{env}' is not in 'environments'")
        try:
            parse_duration(value, f"{MIN_SOAK}.{env}")
        except UsageError as exc:
            raise _fail(str(exc)) from None
        soaks.append((str(env), value))
    return GateConfig(freezes, tuple(soaks), holds)


# --- the AppProject's deny sync windows that recurring freezes ask for ----------------------


def window_key(window: Any) -> tuple[str, int, str, tuple[str, ...], bool] | None:
    """What makes two deny windows the same window (None: not a deny window we can read)."""
    if not isinstance(window, dict) or window.get("kind") != "deny":
        return None
    try:
        length = parse_duration(str(window.get("duration", "")), "duration")
    except GitopsError:  # a duration we cannot read: not a window of ours
        return None
    apps = window.get("applications") or []
    return (" ".join(str(window.get("schedule", "")).split()), int(length.total_seconds()),
            str(window.get("timeZone") or "UTC"), tuple(sorted(str(a) for a in apps)),
            window.get("manualSync") is True)


def desired_window(freeze: Freeze, application: str) -> dict[str, Any]:
    """The deny window Argo CD holds a recurring freeze's automated syncs with."""
    return {"kind": "deny", "schedule": " ".join((freeze.schedule or "").split()),
            "duration": format_duration(parse_duration(freeze.duration or "0", "duration")),
            "timeZone": freeze.time_zone or "UTC", "applications": [application],
            "manualSync": True, "description": freeze.reason}
