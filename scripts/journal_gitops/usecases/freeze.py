"""`gitops freeze` and `gitops unfreeze`: record in gitops.yaml that environments take no change
(until a time, until unfrozen, or in a recurring window), as one reviewable commit. Recurring
windows are also written as deny sync windows on the AppProject, so that Argo CD holds the
automated syncs of those environments' Applications itself.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

from ..adapters.files import FileEdit, read_file
from ..adapters.yamlload import load
from ..argocd.edit import sync_windows_edits
from ..changes.delivery import Delivery, DeliveryOptions, Proposal, deliver
from ..config import CONFIG_FILE
from ..config.edit import add_freezes, remove_freezes
from ..config.gates import Freeze
from ..config.load import load_config, parse_config
from ..config.model import Config
from ..errors import GitopsError, UsageError
from ..history.trailers import ChangeKind, CommitMessage, change_trailers, one_line
from ..timing.clock import iso, now, parse_instant
from ..timing.cron import parse_schedule, zone
from ..timing.durations import parse_duration
from ..validation.rules.sync_windows import window_problems


@dataclass(frozen=True)
class FreezeRequest:
    envs: tuple[str, ...]
    reason: str
    until: str | None = None
    for_duration: str | None = None
    schedule: str | None = None
    duration: str | None = None
    time_zone: str | None = None


@dataclass(frozen=True)
class FreezeChange:
    """What `freeze` or `unfreeze` changed."""

    action: str  # freeze or unfreeze
    envs: tuple[str, ...]
    added: tuple[Freeze, ...]
    removed: tuple[Freeze, ...]
    files: tuple[str, ...]


def _freezes(request: FreezeRequest) -> list[Freeze]:
    """The freezes the command line asks for, checked before anything is planned."""
    reason = one_line(request.reason, "--reason")
    for option, value in (("--until", request.until), ("--for", request.for_duration),
                          ("--schedule", request.schedule), ("--duration", request.duration),
                          ("--time-zone", request.time_zone)):
        if value is not None and not value.strip():
            raise UsageError(f"{option} needs a value")
    moment = now()
    if request.schedule is not None or request.duration is not None:
        if request.until is not None or request.for_duration is not None:
            raise UsageError("--schedule makes a recurring freeze: --until and --for do not "
                             "go with it")
        if request.schedule is None or request.duration is None:
            raise UsageError("a recurring freeze needs both --schedule and --duration")
        schedule = parse_schedule(request.schedule).text
        if parse_duration(request.duration, "--duration").total_seconds() <= 0:
            raise UsageError("--duration must be longer than 0")
        zone(request.time_zone)
        return [Freeze(env, reason, None, None, schedule, request.duration, request.time_zone)
                for env in request.envs]
    if request.time_zone is not None:
        raise UsageError("--time-zone goes with --schedule")
    if request.until is not None and request.for_duration is not None:
        raise UsageError("--until and --for do not go together")
    until = None
    if request.until is not None:
        until = parse_instant(request.until, "--until")
    elif request.for_duration is not None:
        span = parse_duration(request.for_duration, "--for")
        if span.total_seconds() <= 0:
            raise UsageError("--for must be longer than 0")
        until = moment + span
    if until is not None and until <= moment:
        raise UsageError(f"--until {iso(until)} is not in the future (now: {iso(moment)})")
    return [Freeze(env, reason, moment, until) for env in request.envs]


def _verify(tree: Path, proposal: Proposal[FreezeChange]) -> None:
    """gitops.yaml still reads, and the AppProject's windows match its recurring freezes."""
    cfg = load_config(tree)
    problems = window_problems(tree, cfg)
    if problems:
        raise GitopsError(f"the AppProject would not match gitops.yaml: {problems[0]}")


def _message(action: str, envs: list[str], subject: str, body: list[str]) -> str:
    return CommitMessage(f"{action}({','.join(envs)}): {subject}", tuple(body),
                         change_trailers(envs, ChangeKind.FREEZE)).text()


def _edits(tree: Path, text: str, new_text: str) -> list[FileEdit]:
    """gitops.yaml's edit, and the AppProject's when the recurring windows change."""
    edits = [FileEdit(CONFIG_FILE, text, new_text)]
    with_new = _config_from(tree, new_text)
    return [*edits, *sync_windows_edits(tree, with_new)]


def _config_from(tree: Path, text: str) -> Config:
    """The configuration gitops.yaml would give with `text` (read, not written)."""
    return parse_config(tree, load(text, CONFIG_FILE), text)


def freeze(config: Config, request: FreezeRequest, options: DeliveryOptions
           ) -> Delivery[FreezeChange]:
    if not request.envs:
        raise UsageError("name the environments to freeze")
    envs = config.select(request.envs)
    wanted = _freezes(replace(request, envs=tuple(envs)))

    def plan(tree: Path) -> Proposal[FreezeChange] | None:
        cfg = load_config(tree)
        for env in envs:
            cfg.require_env(env)
        new = [f for f in wanted if not any(_same(f, old) for old in cfg.gates.freezes)]
        if not new:
            return None
        text = read_file(tree, CONFIG_FILE)
        edits = _edits(tree, text, add_freezes(text, new))
        first = new[0]
        body = [f"Freezes {', '.join(envs)} {first.describe()}: a change to "
                f"{'it' if len(envs) == 1 else 'them'} needs a Break-Glass trailer then."]
        if first.recurring:
            body.append("Argo CD holds automated syncs in the same windows (AppProject "
                        "syncWindows).")
        change = FreezeChange("freeze", tuple(envs), tuple(new), (),
                              tuple(e.path for e in edits))
        return Proposal(tuple(edits), _message("freeze", envs, first.reason, body), change)

    return deliver(config.root, plan, _verify, options,
                   lambda p: f"freeze/{'+'.join(envs)}")


def _same(a: Freeze, b: Freeze) -> bool:
    """The same freeze again (a repeated command): the one-off's start does not count."""
    return (a.env, a.reason, a.until, a.schedule, a.duration, a.time_zone) == (
        b.env, b.reason, b.until, b.schedule, b.duration, b.time_zone)


def unfreeze(config: Config, envs_named: tuple[str, ...], recurring: bool,
             options: DeliveryOptions) -> Delivery[FreezeChange]:
    if not envs_named:
        raise UsageError("name the environments to unfreeze")
    envs = config.select(envs_named)

    def plan(tree: Path) -> Proposal[FreezeChange] | None:
        cfg = load_config(tree)
        gone = [i for i, f in enumerate(cfg.gates.freezes)
                if f.env in envs and (recurring or not f.recurring)]
        if not gone:
            return None
        removed = tuple(cfg.gates.freezes[i] for i in gone)
        text = read_file(tree, CONFIG_FILE)
        edits = _edits(tree, text, remove_freezes(text, gone))
        body = [f"Removes {len(removed)} freeze{'' if len(removed) == 1 else 's'} of "
                f"{', '.join(envs)}:", *(f"- {f.describe()}: {f.reason}" for f in removed)]
        change = FreezeChange("unfreeze", tuple(envs), (), removed,
                              tuple(e.path for e in edits))
        return Proposal(tuple(edits), _message("unfreeze", envs, "lift the freeze", body),
                        change)

    return deliver(config.root, plan, _verify, options,
                   lambda p: f"unfreeze/{'+'.join(envs)}")
