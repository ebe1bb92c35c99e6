"""Moving one environment to given image tags and config values: the edit, its check, and the
commit message. Promotion and rollback both come down to this."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import yaml

from . import kustomize
from .bump import ImageChange, short, verify_images
from .change import FileEdit, read_file
from .config import Config
from .errors import GitopsError
from .history import EnvSnapshot
from .kustomization import ImageTarget, Kustomization
from .manifests import parse_documents


@dataclass(frozen=True)
class StateChange:
    env: str
    edit: FileEdit | None
    images: tuple[ImageChange, ...]
    config: tuple[tuple[str, str, str], ...]  # (key, old, new)
    targets: dict[str, ImageTarget]

    @property
    def empty(self) -> bool:
        return self.edit is None


def apply_state(tree: Path, config: Config, env: str, target: EnvSnapshot,
                image_names: Sequence[str] | None = None) -> StateChange:
    """Edit env's overlay so its images (those named, default all) and config match `target`."""
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
            config_changes.append((key, current[key], value))
    if not changes and not config_changes:
        return StateChange(env, None, (), (), {})
    after = kustomization.result()
    _check(text, after, rel, targets, {k: v for k, _, v in config_changes})
    return StateChange(env, FileEdit(rel, text, after), tuple(changes), tuple(config_changes),
                       targets)


def _check(before: str, after: str, rel: str, targets: dict[str, ImageTarget],
           values: dict[str, str]) -> None:
    """Read the edit back: exactly the intended values changed, nothing else."""
    edited = Kustomization(after, rel)
    for name, t in targets.items():
        entry = edited.image(name)
        if entry is None or (entry.new_name, entry.new_tag, entry.digest) != (
                t.new_name, t.new_tag, t.digest):
            raise GitopsError(f"{rel}: the edit of {name} did not read back as intended")
    for key, value in values.items():
        if edited.config().get(key) != value:
            raise GitopsError(f"{rel}: the edit of {key} did not read back as intended")
    old = yaml.safe_load(before)
    new = yaml.safe_load(after)
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
    render = kustomize.render(kustomize.find_kustomize(), tree / config.overlay_rel(change.env))
    if render.error is not None:
        raise GitopsError(f"{change.env}: the edited overlay does not build: {render.error}")
    maps = [r for r in parse_documents(render.manifests, change.env) if r.kind == "ConfigMap"]
    for key, _, value in change.config:
        if not any((m.body.get("data") or {}).get(key) == value for m in maps):
            raise GitopsError(f"{change.env}: no ConfigMap has {key}={value} after the edit")


def message(verb: str, kind: str, change: StateChange, notes: Sequence[str],
            trailers: Sequence[str]) -> str:
    env = change.env
    images = [c.image for c in change.images]
    if images:
        subject = f"{verb}({env}): {', '.join(images)} -> {short(change.images[0].new)}"
    else:
        subject = f"{verb}({env}): {', '.join(k for k, _, _ in change.config)}"
    lines = [subject, "", *notes]
    if notes:
        lines.append("")
    width = max(len(name) for name in [*images, *(k for k, _, _ in change.config)])
    lines.append(f"{env}:")
    lines += [f"  {c.image.ljust(width)}  {short(c.old)} -> {short(c.new)}"
              + (f" @{c.new_digest}" if c.new_digest else "") for c in change.images]
    lines += [f"  {key.ljust(width)}  {old} -> {new}" for key, old, new in change.config]
    lines.append("")
    lines += [f"Previous-Tag: {env}/{c.image}={c.old or 'none'}" for c in change.images]
    lines += list(trailers)
    lines += [f"Environment: {env}", f"Change-Kind: {kind}"]
    return "\n".join(lines) + "\n"
