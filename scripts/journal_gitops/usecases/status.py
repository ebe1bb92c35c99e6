"""`gitops status`: what runs where. For each environment and app image: the tag and its app
commit, since when and by which commit of this repository, whether the previous environment
has something else waiting to be promoted, and the release gates (freeze, soak)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from ..adapters import gitrepo
from ..config.gates import Hold
from ..config.model import Config
from ..gates.checks import holds_over, soak_verdict
from ..history.entries import read_history
from ..history.walker import Reaches, Step, pinned, walk_all
from ..overlays.images import Pin, commit_of_tag
from ..overlays.snapshot import tree_snapshot
from ..timing.clock import iso, now
from ..timing.durations import format_duration


@dataclass(frozen=True)
class ImageStatus:
    env: str
    image: str
    tag: str | None
    digest: str | None
    app_commit: str | None  # the app commit the tag was built from
    since: str | None  # ISO 8601: when the commit that brought the tag was made
    by_commit: str | None  # the commit of this repository that brought it
    by_subject: str | None
    pending: str | None  # the previous environment's tag, when it differs
    frozen: str | None = None  # release gates: None when gitops.yaml has none
    soak_remaining: str | None = None
    holds: tuple[Hold, ...] = ()  # the holds that keep a tag of this image out of the env
    cluster: str | None = None  # the cluster the environment deploys to
    freeze_reason: str | None = None  # why it is frozen, when it is


@dataclass(frozen=True)
class StatusReport:
    app_url: str | None
    rows: tuple[ImageStatus, ...]
    generated: datetime | None = None  # when the report was made (the gates' clock)
    revision: str | None = None  # the commit of this repository it describes (HEAD)


def _soak(config: Config, env: str, previous: str | None, waiting: Mapping[str, Pin],
          walks: Mapping[str, tuple[Step, ...]], moment: datetime) -> str | None:
    """How long what waits in the previous environment must still soak before it may be
    promoted ("0": it may now)."""
    if previous is None or not waiting:
        return None
    verdict = soak_verdict(config, pinned(walks[previous]), env, previous, waiting)
    if verdict is None or verdict.allowed_at is None:
        return None
    left = verdict.allowed_at - moment
    return format_duration(left) if left > timedelta(0) else "0"


def status(config: Config) -> StatusReport:
    # What each environment pins; an image it pins nowhere it does not run (shown as "-").
    pins = {env: tree_snapshot(config.root, config, env).images for env in config.environments}
    rows: list[ImageStatus] = []
    moment = now()
    # What runs where is set by the kustomizations: the folders they load do not matter here.
    reach = Reaches.overlays(config, config.environments)
    walks = walk_all(config.root, config, reach=reach)
    for env in config.environments:
        history = read_history(config, env, steps=walks[env], reach_of=reach)
        previous = config.previous_env(env)
        waiting = {name: pin for name, pin in pins[previous].items()
                   if name in pins[env] and pins[env][name] != pin} if previous else {}
        active = config.gates.active(env, moment)
        frozen = None if active is None else (
            f"until {iso(active.end)}" if active.end else "until unfrozen")
        soak = _soak(config, env, previous, waiting, walks, moment)
        for image in config.app_images:
            pin = pins[env].get(image.name)
            tag = pin.tag if pin else None
            brought = next((row for row in history for m in row.images
                            if m.what == image.name and m.new is not None
                            and m.new.split("@", 1)[0] == tag), None)
            before = pins[previous].get(image.name) if previous and pin else None
            pending = before.tag if before and before.tag != tag else None
            rows.append(ImageStatus(
                env, image.name, tag, pin.digest if pin else None, commit_of_tag(config, tag),
                brought.date if brought else None, brought.commit if brought else None,
                brought.subject if brought else None, pending, frozen, soak,
                tuple(h for h in holds_over(config, env) if h.image in (None, image.name)),
                config.cluster_of(env).name, active.freeze.reason if active else None))
    app = config.app_repo_url.rstrip("/").removesuffix(".git") if config.app_repo_url else None
    return StatusReport(app, tuple(rows), moment,
                        gitrepo.rev(gitrepo.open_repo(config.root), "HEAD"))
