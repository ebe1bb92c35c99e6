"""`gitops status`: what runs where. For each environment and app image: the tag and its app
commit, since when and by which commit of this repository, whether the previous environment
has something else waiting to be promoted, and the release gates (freeze, soak)."""

from __future__ import annotations

from dataclasses import dataclass

from ..config import Config
from ..env_history import read_history
from ..images import commit_of_tag
from ..kustomization import Kustomization
from ..snapshot import snapshot_of


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


@dataclass(frozen=True)
class StatusReport:
    app_url: str | None
    rows: tuple[ImageStatus, ...]


def _gates(config: Config, env: str) -> tuple[str | None, str | None]:
    """Freeze and remaining soak time of an environment. gitops.yaml has no release gates yet:
    both are unknown, and shown as such."""
    return None, None


def status(config: Config) -> StatusReport:
    pins = {}
    for env in config.environments:
        rel = config.overlay_file(env)
        pins[env] = snapshot_of(Kustomization((config.root / rel).read_text(encoding="utf-8"),
                                              rel)).images
    rows: list[ImageStatus] = []
    for index, env in enumerate(config.environments):
        history = read_history(config, env)
        previous = config.environments[index - 1] if index else None
        frozen, soak = _gates(config, env)
        for image in config.app_images:
            pin = pins[env].get(image.name)
            tag = pin.tag if pin else None
            brought = next((row for row in history for m in row.images
                            if m.what == image.name and m.new is not None
                            and m.new.split("@", 1)[0] == tag), None)
            before = pins[previous].get(image.name) if previous else None
            pending = before.tag if before and before.tag != tag else None
            rows.append(ImageStatus(
                env, image.name, tag, pin.digest if pin else None, commit_of_tag(config, tag),
                brought.date if brought else None, brought.commit if brought else None,
                brought.subject if brought else None, pending, frozen, soak))
    app = config.app_repo_url.rstrip("/").removesuffix(".git") if config.app_repo_url else None
    return StatusReport(app, tuple(rows))
