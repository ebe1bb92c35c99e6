"""Release gates: an environment is frozen, tags must soak in the environment before, bumps land
in the first environment, and moving back (to a tag older by the tag scheme's order, or to one
the environment ran before) is a rollback.

The commands that change an environment ask these checks before they commit; `gitops gate`
asks the same ones of a pull request's change, whoever made it. Both read the history of the
branch the change goes onto (first-parent: a merged pull request is one step) and the time
from `clock.now()`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from ..adapters.shas import SHORT, short_sha
from ..config.gates import ActiveFreeze, Freeze, Hold
from ..config.model import Config
from ..config.tags import TagScheme
from ..config.versions import Order
from ..errors import GateRefusal
from ..history.trailers import BREAK_GLASS, SKIP_ORDER, SKIP_SOAK, Trailer, one_line
from ..history.walker import Step, walk
from ..overlays.images import Pin
from ..timing.clock import iso, now
from ..timing.durations import parse_duration


@dataclass(frozen=True)
class Overrides:
    """What the person making a change says about the gates it would not pass."""

    break_glass: str | None = None
    skip_order: str | None = None
    skip_soak: str | None = None

    def trailers(self) -> tuple[Trailer, ...]:
        """The reasons given, as trailers, so that review and `gitops gate` see them."""
        pairs = ((BREAK_GLASS, self.break_glass), (SKIP_ORDER, self.skip_order),
                 (SKIP_SOAK, self.skip_soak))
        return tuple((key, one_line(value, "--" + key.lower())) for key, value in pairs
                     if value is not None)


# --- freezes -------------------------------------------------------------------------------


@dataclass(frozen=True)
class ActiveGate:
    """An environment's gates as `env list` shows them: the freeze holding it now (if any),
    every freeze recorded for it, and its minimum soak."""

    freeze: ActiveFreeze | None
    freezes: tuple[Freeze, ...]
    min_soak: str | None
    holds: tuple[Hold, ...] = ()  # its own, and those of earlier stages

    @classmethod
    def of(cls, config: Config, env: str) -> ActiveGate:
        return cls(config.gates.active(env, now()), tuple(config.gates.freezes_of(env)),
                   config.gates.soak_of(env), tuple(holds_over(config, env)))


def check_not_frozen(config: Config, envs: Sequence[str], overrides: Overrides) -> None:
    """Refuse a change to a frozen environment unless the glass is broken."""
    if overrides.break_glass:
        return
    moment = now()
    for env in envs:
        active = config.gates.active(env, moment)
        if active is not None:
            raise GateRefusal(f"{active.message(env)}; pass --break-glass REASON to change it "
                              f"anyway")


# --- holds -------------------------------------------------------------------------------


def holds_over(config: Config, env: str) -> list[Hold]:
    """The holds that apply to `env`: its own, and those of every earlier stage."""
    place = config.stage_of(env) if env in config.environments else -1
    return [hold for hold in config.gates.holds if hold.env == env or (
        hold.env in config.environments and 0 <= config.stage_of(hold.env) < place)]


def check_not_held(config: Config, moves: Mapping[str, Mapping[str, str]],
                   overrides: Overrides) -> None:
    """Refuse bringing a held tag (env -> image -> tag) into the environment it is held out
    of, or a later stage, unless the glass is broken."""
    if overrides.break_glass:
        return
    for env, images in moves.items():
        for hold in holds_over(config, env):
            image = next((name for name, tag in images.items()
                          if hold.covers(name, tag, config.tag_scheme)), None)
            if image is not None:
                raise GateRefusal(
                    f"{hold.describe()}; `gitops release {hold.env} --tag {short_sha(hold.tag)} "
                    f"--reason ...` lifts it, or pass --break-glass REASON")


# --- order ---------------------------------------------------------------------------------


def check_bump_order(config: Config, envs: Sequence[str], overrides: Overrides) -> None:
    """Bumps land in the first stage; the others get tags by promotion."""
    first = config.stages[0]
    later = [env for env in envs if env not in first]
    if later and not overrides.skip_order:
        raise GateRefusal(f"bumps land in {', '.join(first)}, first in promotion order: "
                          f"{', '.join(later)} get{'s' if len(later) == 1 else ''} tags by "
                          f"promotion; pass --skip-order REASON to bump anyway")


def live_since(history: Sequence[Step], pins: Mapping[str, Pin]) -> Step | None:
    """The commit from which the environment has run exactly `pins` without a break, or None
    when it does not run them now."""
    found: Step | None = None
    for step in history:
        if step.state is None or any(step.state.images.get(name) != pin
                                     for name, pin in pins.items()):
            break
        found = step
    return found


def is_rollback(history: Sequence[Step], image: str, old: str | None, new: str) -> bool:
    """A move back to a tag the environment ran before it first ran the one it runs now (a
    tag it moved away from). Moving forward again after a rollback is not one."""
    if new == old:
        return False
    tags = [step.state.images.get(image, Pin(None, None)).tag if step.state else None
            for step in history]  # newest first
    first_run = max((i for i, tag in enumerate(tags) if tag == old), default=-1)
    return new in tags[first_run + 1:]


@dataclass(frozen=True)
class MoveBack:
    """An image moved back: to a tag older by the tag scheme's order (`order` names it), or
    (order None) to one the environment ran before."""

    image: str
    old: str | None
    new: str
    order: Order | None = None

    def refusal(self, env: str) -> str:
        """The one line a command refuses it with."""
        if self.order is not None:
            why = (f"{env}: {self.image} runs {self.old} now and {self.new} comes before it in "
                   f"{self.order} order")
        else:
            why = (f"{env}: {self.image} ran {short_sha(self.new)} before and runs "
                   f"{short_sha(self.old)} now")
        return f"{why}: moving back is a rollback; pass --allow-rollback"


def moves_back(scheme: TagScheme, history: Sequence[Step], image: str, old: str | None,
               new: str) -> MoveBack | None:
    """Whether moving `image` from `old` to `new` is a rollback: by the scheme's order where
    it places both tags (a version after a rollback is forward again), else by the
    environment's history (`is_rollback`)."""
    if new == old:
        return None
    verdict = scheme.before(new, old) if old is not None else None
    if verdict is not None:
        return MoveBack(image, old, new, scheme.order) if verdict else None
    return MoveBack(image, old, new) if is_rollback(history, image, old, new) else None


# --- soak ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class SoakVerdict:
    """Whether tags have soaked long enough in the source environment, and from when."""

    target: str
    source: str
    soak: str  # as gitops.yaml writes it
    since: Step | None  # None: the source does not run them
    allowed_at: datetime | None

    def refused(self, moment: datetime) -> bool:
        return self.allowed_at is None or moment < self.allowed_at

    def message(self, pins: Mapping[str, Pin]) -> str:
        tags = ", ".join(dict.fromkeys(short_sha(pin.tag) for pin in pins.values()))
        if self.since is None or self.allowed_at is None:
            return (f"{self.target} needs {self.soak} of soak in {self.source}, which does not "
                    f"run {tags}")
        return (f"{self.target} needs {self.soak} of soak in {self.source}: {tags} live there "
                f"since {iso(self.since.date)} (commit {self.since.commit[:SHORT]}); allowed "
                f"from {iso(self.allowed_at)}")


def soak_verdict(config: Config, history: Sequence[Step], target: str, source: str,
                 pins: Mapping[str, Pin]) -> SoakVerdict | None:
    """None when the target has no minimum soak."""
    soak = config.gates.soak_of(target)
    if not soak or not pins:
        return None
    length: timedelta = parse_duration(soak, "minSoak")
    if length <= timedelta(0):
        return None
    since = live_since(history, pins)
    allowed = since.date + length if since else None
    return SoakVerdict(target, source, soak, since, allowed)


def check_soak(config: Config, root: Path, target: str, source: str, pins: Mapping[str, Pin],
               overrides: Overrides, verb: str) -> None:
    """Refuse moving `pins` into `target` before they have soaked in `source`."""
    if overrides.skip_soak:
        return
    verdict = soak_verdict(config, walk(root, config, source), target, source, pins)
    if verdict is not None and verdict.refused(now()):
        raise GateRefusal(f"{verdict.message(pins)}; pass --skip-soak REASON to {verb} anyway")
