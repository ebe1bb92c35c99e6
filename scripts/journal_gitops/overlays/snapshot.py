"""What an environment runs according to its overlay (image pins and config values), and moving
an overlay to a given snapshot: the edit, its check, and the render that proves it. Promotion
and rollback both come down to this."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import NamedTuple

from ..adapters.files import FileEdit, read_file
from ..adapters.yamlload import load
from ..config.model import Config
from ..errors import GitopsError
from ..kube.images import DIGEST
from ..kube.objects import parse_render
from .images import ImageTarget, Pin, verify_images
from .kustomization import Kustomization, OverlayValues, read_values
from .render import render_or_raise


@dataclass(frozen=True)
class EnvSnapshot:
    """What an environment runs according to one version of its overlay."""

    images: dict[str, Pin]
    config: dict[str, str]
    replicas: dict[str, int] = field(default_factory=dict, compare=False)  # read, not restored


def snapshot_of(values: OverlayValues, names: Sequence[str] | None = None) -> EnvSnapshot:
    """The images (those named, default all) and config values an overlay pins."""
    images = {e.name: Pin(e.new_tag, e.digest) for e in values.images()
              if names is None or e.name in names}
    return EnvSnapshot(images, values.config, values.replicas)


@lru_cache(maxsize=4096)
def read_snapshot(text: str, source: str) -> EnvSnapshot:
    """The snapshot of a kustomization's text, parsed once a process (a walk of the history and
    the working tree read the same texts; a snapshot is never changed once made)."""
    return snapshot_of(read_values(text, source))


def parse_snapshot(text: str | None, source: str) -> EnvSnapshot | None:
    """The snapshot of one version of an overlay; None when it did not parse or had no images."""
    if text is None:
        return None
    try:
        return read_snapshot(text, source)
    except GitopsError:
        return None


@dataclass(frozen=True)
class ImageChange:
    """One image of one environment moving from one pin to another."""

    env: str
    image: str
    old: str | None
    new: str
    old_digest: str | None
    new_digest: str | None
    rollback: bool = False


class ValueChange(NamedTuple):
    """A setting (config key, replica count, sync policy) moving from one value to another."""

    what: str
    old: str
    new: str


@dataclass(frozen=True)
class StateChange:
    """An overlay moved to a snapshot: the edit and what it changes."""

    env: str
    edit: FileEdit | None
    images: tuple[ImageChange, ...]
    config: tuple[ValueChange, ...]
    targets: dict[str, ImageTarget]


def apply_snapshot(tree: Path, config: Config, env: str, target: EnvSnapshot,
                   image_names: Sequence[str] | None = None) -> StateChange:
    """Edit env's overlay so its images (those named, default all) and config match `target`.

    Only config keys both sides have are set: a key added or removed since is left as it is.
    """
    rel = config.overlay_file(env, tree)
    text = read_file(tree, rel)
    kustomization = Kustomization(text, rel)
    defaults = {image.name: image.new_name for image in config.images}
    changes: list[ImageChange] = []
    targets: dict[str, ImageTarget] = {}
    for name, (tag, digest) in target.images.items():
        if tag is None or (image_names is not None and name not in image_names):
            continue
        entry = kustomization.image(name)
        if entry and (entry.new_tag, entry.digest) == (tag, digest):
            continue
        if digest is not None and not DIGEST.match(digest):
            raise GitopsError(f"{rel}: {name} would be pinned to {digest!r}, which is not a "
                              f"sha256:<64 lowercase hex> digest")
        new_name = (entry.new_name if entry else None) or defaults.get(name)
        if new_name is None:
            raise GitopsError(f"{rel}: no newName known for {name}")
        targets[name] = ImageTarget(name, new_name, tag, digest)
        kustomization.set_image(targets[name])
        changes.append(ImageChange(env, name, entry.new_tag if entry else None, tag,
                                   entry.digest if entry else None, digest))
    current = kustomization.config()
    config_changes = []
    for key, value in target.config.items():
        if key in current and current[key] != value:
            kustomization.set_config(key, value)
            config_changes.append(ValueChange(key, current[key], value))
    if not changes and not config_changes:
        return StateChange(env, None, (), (), {})
    after = kustomization.result()
    _check(text, after, rel, targets, {c.what: c.new for c in config_changes})
    return StateChange(env, FileEdit(rel, text, after), tuple(changes), tuple(config_changes),
                       targets)


def _check(before: str, after: str, rel: str, targets: dict[str, ImageTarget],
           values: dict[str, str]) -> None:
    """Read the edit back: exactly the intended values changed, nothing else."""
    edited = read_values(after, rel)
    for name, t in targets.items():
        entry = edited.image(name)
        if entry is None or (entry.new_name, entry.new_tag, entry.digest) != (
                t.new_name, t.new_tag, t.digest):
            raise GitopsError(f"{rel}: the edit of {name} did not read back as intended")
    for key, value in values.items():
        if edited.config.get(key) != value:
            raise GitopsError(f"{rel}: the edit of {key} did not read back as intended")
    old = load(before, rel)
    new = load(after, rel)
    for data in (old, new):
        data.pop("images", None)
        data.pop("configMapGenerator", None)
    if old != new:
        raise GitopsError(f"{rel}: the edit changed more than images and config")


def verify_state(config: Config, tree: Path, change: StateChange) -> None:
    """Render the edited overlay: new images run, and config values reach their ConfigMaps."""
    if change.targets:
        verify_images(config, tree, {change.env: change.targets})
    if not change.config:
        return
    manifests = render_or_raise(tree,
                                          config.overlay_rel(change.env),
                                          f"{change.env}: the edited overlay does not build")
    maps = [r for r in parse_render(manifests, change.env) if r.kind == "ConfigMap"]
    for key, _, value in change.config:
        if not any((m.body.get("data") or {}).get(key) == value for m in maps):
            raise GitopsError(f"{change.env}: no ConfigMap has {key}={value} after the edit")
