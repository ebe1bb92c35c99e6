"""The images the overlays run, which of them are the app's, and the tag scheme their tags
follow."""

from __future__ import annotations

import posixpath
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ...adapters.kustomize import KUSTOMIZATION_FILES, error_text
from ...adapters.yamlload import load_all
from ...config.versions import SEMVER_PATTERN
from ...errors import GitopsError
from ...kube.images import split_image
from ...kube.objects import parse_render
from ...overlays import inputs
from ...overlays.kustomization import read_values
from ...overlays.render import render_many
from .found import FOUND, GUESSED, Env, Fact, folder_of, read_text

HEX = re.compile(r"[0-9a-f]+")
GENERIC_TAG = r"[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}"
# A tag made of a commit: what comes before and after the sha (or its short form) in it.
COMMIT_TAG = re.compile(r"(?P<pre>.*?)(?P<sha>[0-9a-f]{40}|[0-9a-f]{7,12})(?P<post>[^0-9a-f]*)")


@dataclass
class Image:
    """An image the overlays render: its tag in each environment, and the files that set it."""

    repository: str  # as rendered
    name: str  # as gitops.yaml names it: the images: entry's name, else the repository
    tags: dict[str, str | None] = field(default_factory=dict)  # by environment
    pinned: list[str] = field(default_factory=list)  # the overlay files that set it

    @property
    def from_app(self) -> bool:
        return bool(self.pinned) or len(set(self.tags.values())) > 1


def _image_fields(data: Any) -> Iterable[str]:
    if isinstance(data, dict):
        for key, value in data.items():
            if key == "image" and isinstance(value, str):
                yield value
            else:
                yield from _image_fields(value)
    elif isinstance(data, list):
        for item in data:
            yield from _image_fields(item)


def find_images(root: Path, files: Sequence[str], envs: Sequence[Env]) -> list[Image]:
    """Every image the overlays render, its tag in each, and the overlay files that set it."""
    with render_many(root, {env.name: env.overlay for env in envs}) as jobs:
        renders = {name: job.result() for name, job in jobs.items()}
    images: dict[str, Image] = {}
    for env in envs:
        done = renders[env.name]
        if done.error is not None:
            raise GitopsError(f"{env.overlay} does not build: {error_text(done.error, root)}")
        for resource in parse_render(done.manifests, env.overlay):
            for container in resource.containers():
                ref = split_image(str(container.get("image") or ""))
                image = images.setdefault(ref.repository, Image(ref.repository, ref.repository))
                image.tags.setdefault(env.name, ref.tag)
        for rel, kustomization in _overlay_files(root, env.overlay, files):
            _pins(root, rel, kustomization, images)
    return [image for image in images.values() if image.repository]


PIN_FIELDS = ("resources", "patches", "patchesStrategicMerge")  # the files an image is set in


def _overlay_files(root: Path, overlay: str, files: Sequence[str]) -> Iterator[tuple[str, bool]]:
    """(file, whether it is the kustomization) of the overlay's kustomization and of the files
    in its folder that it lists as resources or patches."""
    kustomization = next((f"{overlay}/{name}" for name in KUSTOMIZATION_FILES
                          if f"{overlay}/{name}" in files), None)
    if kustomization is None:
        return
    yield kustomization, True
    data, _ = inputs.load(root / kustomization)
    listed = inputs.entries(data) if isinstance(data, dict) else []
    for kind, entry, _ in listed:
        rel = posixpath.normpath(posixpath.join(overlay, entry))
        if kind in PIN_FIELDS and rel.startswith(f"{overlay}/") and rel in files:
            yield rel, False


def _pins(root: Path, rel: str, kustomization: bool, images: dict[str, Image]) -> None:
    """Note the images an overlay's file sets: its images: entries, or its image: fields."""
    text = read_text(root, rel)
    if text is None or (not kustomization and not rel.endswith((".yaml", ".yml"))):
        return
    if kustomization:
        for entry in read_values(text, rel).entries or ():
            image = images.get(entry.new_name or entry.name)
            if image is not None and (entry.new_tag or entry.digest or entry.new_name):
                image.name = entry.name
                image.pinned.append(rel)
        return
    try:
        documents = load_all(text, rel)
    except GitopsError:
        return
    for value in _image_fields(documents):
        image = images.get(split_image(value).repository)
        if image is not None:
            image.pinned.append(rel)


def _escape(text: str) -> str:
    return re.sub(r"([.^$*+?{}\[\]\\|()])", r"\\\1", text)


def tag_scheme(tags: Sequence[str]) -> tuple[Any, int | None, str, str]:
    """The tag scheme the tags follow, the short length, how it was come by, and the tags
    that show it."""
    cut = [t[:7] if len(t) == 40 and HEX.fullmatch(t) else t for t in tags]
    shown = ", ".join(cut[:4]) + (f" and {len(cut) - 4} more" if len(cut) > 4 else "")
    if not tags:
        return "full", None, GUESSED, "no app image has a tag"
    if all(len(t) == 40 and HEX.fullmatch(t) for t in tags):
        return "full", None, FOUND, shown
    lengths = {len(t) for t in tags}
    lettered = any(re.search("[a-f]", t) for t in tags)  # not numbers, nor dates
    if all(HEX.fullmatch(t) for t in tags) and len(lengths) == 1 and 7 <= min(lengths) <= 12 \
            and lettered:
        return "short", lengths.pop(), FOUND, shown
    if all(re.fullmatch(SEMVER_PATTERN, t) for t in tags):
        return "semver", None, FOUND, shown
    matches = [COMMIT_TAG.fullmatch(t) for t in tags]
    if all(matches) and any(re.search("[a-f]", m["sha"]) for m in matches if m):
        shapes = {(m["pre"], m["post"], len(m["sha"])) for m in matches if m}
        if len(shapes) == 1:
            pre, post, length = shapes.pop()
            full = length == 40
            return f"{pre}{{{'sha' if full else 'short'}}}{post}", None if full else length, \
                FOUND, shown
    patterns = {"".join("[0-9]+" if part.isdigit() else _escape(part)
                        for part in re.findall(r"[0-9]+|[^0-9]+", t)) for t in tags}
    pattern = patterns.pop() if len(patterns) == 1 else GENERIC_TAG
    return {"pattern": pattern, "order": "history"}, None, GUESSED, \
        f"{shown} follow no known scheme"


def image_source(image: Image, envs: Sequence[Env]) -> str:
    """Where the image is set, in few words: the overlay files, or its tags."""
    if not image.pinned:
        tags = ", ".join(sorted({t or "no tag" for t in image.tags.values()}))
        return f"tags {tags} differ" if image.from_app else f"{tags} everywhere, set in base"
    files = list(dict.fromkeys(image.pinned))
    rests = {f[len(env.overlay) + 1:] for f in files for env in envs
             if f.startswith(f"{env.overlay}/")}
    parents = {folder_of(env.overlay) for env in envs}
    if len(rests) == 1 and len(parents) == 1 and len(files) == len(envs):
        return f"set in {parents.pop() or '.'}/*/{rests.pop()}"
    return f"set in {', '.join(files)}"


def image_entries(images: Sequence[Image], envs: Sequence[Env]
                  ) -> tuple[list[dict[str, Any]], dict[tuple[str | int, ...], str], list[Fact]]:
    """gitops.yaml's `images:` (app images first), the note on each entry, and the facts."""
    entries: list[dict[str, Any]] = []
    notes: dict[tuple[str | int, ...], str] = {}
    facts = []
    for image in sorted(images, key=lambda i: not i.from_app):
        where = image_source(image, envs)
        if image.from_app:
            entries.append({"name": image.name, "newName": image.repository, "source": "app"})
            notes[(len(entries) - 1,)] = f"Found: an app image, {where}."
        else:
            entries.append({"name": image.repository, "source": "third-party"})
            notes[(len(entries) - 1,)] = f"Found: third-party, {where}."
        facts.append(Fact("image", f"{entries[-1]['name']} ({entries[-1]['source']})", FOUND,
                          where))
    return entries, notes, facts
