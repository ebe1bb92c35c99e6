"""What an environment runs according to its overlay (image pins, wherever pins.py finds them,
and config values), and moving an overlay to a given snapshot: the edits, their check, and the
render that proves them. Promotion and rollback both come down to this."""

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
from .pins import (
    Pins,
    Wanted,
    edit_files,
    find_pins,
    place,
    read_pins,
    rendered,
    tree_files,
    wanted,
)
from .render import render_or_raise


@dataclass(frozen=True)
class EnvSnapshot:
    """What an environment runs according to one version of its overlay: the images it pins
    (one it pins nowhere is absent) and its config values."""

    images: dict[str, Pin]
    config: dict[str, str]
    replicas: dict[str, int] = field(default_factory=dict, compare=False)  # read, not restored
    places: dict[str, tuple[str, ...]] = field(default_factory=dict, compare=False)  # the
    # files each image is pinned in


def snapshot_of(values: OverlayValues, pins: Pins) -> EnvSnapshot:
    """The images an overlay pins and its config values."""
    return EnvSnapshot(pins.images, values.config, values.replicas, pins.places)


@lru_cache(maxsize=4096)
def read_snapshot(text: str, source: str, files: tuple[tuple[str, str | None], ...],
                  images: Wanted) -> EnvSnapshot:
    """The snapshot of a kustomization's text and of the files it lists (see pins.find_pins),
    parsed once a process (a walk of the history and the working tree read the same texts; a
    snapshot is never changed once made)."""
    return snapshot_of(read_values(text, source), find_pins(text, source, files, images))


def parse_snapshot(text: str | None, source: str, files: tuple[tuple[str, str | None], ...],
                   images: Wanted) -> EnvSnapshot | None:
    """The snapshot of one version of an overlay; None when it did not parse."""
    if text is None:
        return None
    try:
        return read_snapshot(text, source, files, images)
    except GitopsError:
        return None


def tree_snapshot(tree: Path, config: Config, env: str) -> EnvSnapshot:
    """What the environment runs as the files of a working tree have it."""
    rel = config.overlay_file(env, tree)
    text = read_file(tree, rel)
    return read_snapshot(text, rel, tree_files(tree, text, rel), wanted(config))


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
    """An overlay moved to a snapshot: the edits (its kustomization, the files that pin its
    images) and what they change."""

    env: str
    edits: tuple[FileEdit, ...]
    images: tuple[ImageChange, ...]
    config: tuple[ValueChange, ...]
    targets: dict[str, ImageTarget]


def apply_snapshot(tree: Path, config: Config, env: str, target: EnvSnapshot,
                   image_names: Sequence[str] | None = None) -> StateChange:
    """Edit env's overlay so its images (those named, default all) and config match `target`,
    each image where the environment pins it; one it neither pins nor renders is left out.

    Only config keys both sides have are set: a key added or removed since is left as it is.
    """
    rel = config.overlay_file(env, tree)
    text = read_file(tree, rel)
    kustomization = Kustomization(text, rel)
    pins = read_pins(tree, config, env)
    defaults = {image.name: image.new_name for image in config.images}
    names = [name for name, (tag, _) in target.images.items()
             if tag is not None and (image_names is None or name in image_names)]
    runs = rendered(tree, config, env, [name for name in names if pins.get(name) is None])
    changes: list[ImageChange] = []
    targets: dict[str, ImageTarget] = {}
    for name, (tag, digest) in target.images.items():
        found = pins.get(name)
        pin = found.pin if found else Pin(None, None)
        if tag is None or name not in names or (found is None and name not in runs) or pin == (
                tag, digest):
            continue
        if digest is not None and not DIGEST.match(digest):
            raise GitopsError(f"{rel}: {name} would be pinned to {digest!r}, which is not a "
                              f"sha256:<64 lowercase hex> digest")
        new_name = (found.new_name if found else None) or defaults.get(name)
        if new_name is None:
            raise GitopsError(f"{rel}: no newName known for {name}")
        targets[name] = ImageTarget(name, new_name, tag, digest)
        changes.append(ImageChange(env, name, pin.tag, tag, pin.digest, digest))
    listed, files = place(pins, list(targets.values()))
    for moved in listed:
        kustomization.set_image(moved)
    current = kustomization.config()
    config_changes = []
    for key, value in target.config.items():
        if key in current and current[key] != value:
            kustomization.set_config(key, value)
            config_changes.append(ValueChange(key, current[key], value))
    if not changes and not config_changes:
        return StateChange(env, (), (), (), {})
    edits: list[FileEdit] = []
    if listed or config_changes:
        after = kustomization.result()
        _check(text, after, rel, {t.name: t for t in listed},
               {c.what: c.new for c in config_changes})
        edits.append(FileEdit(rel, text, after))
    edits += edit_files(tree, files)
    return StateChange(env, tuple(edits), tuple(changes), tuple(config_changes), targets)


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
