"""Where an environment pins each managed image, and the edits that move a pin where it is.

An image's pin is, in this order: the overlay kustomization's `images:` entry for it; else the
`image:` fields of containers and init containers, in the YAML files of the overlay's own folder
that the kustomization lists under `patches` (path), `patchesStrategicMerge` or `resources`,
whose repository is the image's newName or name. Every reader (bump, promote, rollback, status,
env list, the history walk, the gates) finds pins here, so that all agree on what an environment
runs. An image pinned nowhere that the overlay does not render is not run there: nothing moves
it. Edits change only the tag and digest text of the scalars found, and are read back.
"""

from __future__ import annotations

import posixpath
from collections.abc import Collection, Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from ..adapters.files import FileEdit, read_file
from ..adapters.yamlload import (
    MappingNode,
    ScalarNode,
    SequenceNode,
    each_node,
    load_all,
    load_text,
)
from ..adapters.yamltext import YamlText
from ..cache.parsed import parsed
from ..config.model import Config
from ..errors import GitopsError
from ..kube.images import split_image
from ..kube.objects import parse_render
from .images import ImageTarget, Pin
from .kustomization import read_values, set_images
from .render import render

CONTAINER_KEYS = ("containers", "initContainers")
# Each managed image: its name, and the repositories a file may pin it by (newName, name).
Wanted = tuple[tuple[str, tuple[str, ...]], ...]


def wanted(config: Config) -> Wanted:
    """The images gitops.yaml manages, as the readers of pins take them (hashable: cached)."""
    return tuple((image.name, tuple(dict.fromkeys(r for r in (image.new_name, image.name) if r)))
                 for image in config.images)


@dataclass(frozen=True)
class ImagePin:
    """What an environment pins one image to, and where."""

    name: str
    pin: Pin
    new_name: str | None  # the entry's newName; in a file, the repository as written
    files: tuple[str, ...]  # the kustomization (an images: entry), or the files pinning it
    listed: bool  # an entry of the kustomization's images: list


@dataclass(frozen=True)
class Pins:
    """An environment's pins, by image name."""

    found: tuple[ImagePin, ...]

    def get(self, name: str) -> ImagePin | None:
        return next((p for p in self.found if p.name == name), None)

    @property
    def images(self) -> dict[str, Pin]:
        return {p.name: p.pin for p in self.found}

    @property
    def places(self) -> dict[str, tuple[str, ...]]:
        return {p.name: p.files for p in self.found}


# --- reading ------------------------------------------------------------------------------


@lru_cache(maxsize=4096)
def pin_sources(text: str | None, rel: str) -> tuple[str, ...]:
    """The files of the overlay's own folder that its kustomization (at `rel`) lists as
    patches or resources: where a pin may be written besides `images:`. A kustomization that
    does not parse lists none (its readers say why)."""
    if text is None:
        return ()
    try:
        data = parsed("kustomization-text", text, lambda t: load_text(t, rel))
    except GitopsError:
        return ()
    if not isinstance(data, dict):
        return ()
    named: list[Any] = []
    for key in ("patches", "patchesStrategicMerge", "resources"):
        items = data.get(key)
        for item in items if isinstance(items, list) else []:
            if key == "patches":  # {path: FILE} or an inline {patch: ...}
                item = item.get("path") if isinstance(item, dict) else None
            named.append(item)
    folder = posixpath.normpath(posixpath.dirname(rel) or ".")
    inside = "" if folder == "." else f"{folder}/"
    found: list[str] = []
    for name in named:
        # A file path: not an inline patch, a remote location or an absolute path.
        if not isinstance(name, str) or not name or "\n" in name or "://" in name \
                or name.startswith("/"):
            continue
        path = posixpath.normpath(posixpath.join(folder, name))
        if path.startswith(inside) and not path.startswith("../") and path != "..":
            found.append(path)
    return tuple(dict.fromkeys(found))


def _containers(data: Any) -> Iterator[dict[str, Any]]:
    """Every container (or init container) mapping anywhere in a document."""
    stack = [data]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            for key, value in node.items():
                if key in CONTAINER_KEYS and isinstance(value, list):
                    yield from (c for c in value if isinstance(c, dict))
                stack.append(value)
        elif isinstance(node, list):
            stack.extend(node)


@lru_cache(maxsize=4096)
def _refs(text: str, path: str) -> tuple[str, ...]:
    """The image references a file's containers run, in order."""
    docs = parsed("manifests", text, lambda t: load_all(t, path))
    return tuple(str(c["image"]) for doc in docs for c in _containers(doc)
                 if isinstance(c.get("image"), str))


@lru_cache(maxsize=4096)
def find_pins(text: str, rel: str, files: tuple[tuple[str, str | None], ...],
              images: Wanted) -> Pins:
    """The pins of a kustomization's text and of the files it lists (path, text; see
    pin_sources): an images: entry first, else the files' image: fields (every such field
    pins it, so that a container and an init container of one image move together). One pin
    per image: fields that pin it differently are refused, naming both places."""
    values = read_values(text, rel)
    found = [ImagePin(e.name, Pin(e.new_tag, e.digest), e.new_name, (rel,), True)
             for e in values.entries or ()]
    listed = {p.name for p in found}
    for name, repositories in images:
        if name in listed:
            continue
        seen = [(path, ref) for path, body in files if body is not None
                for ref in _refs(body, path) if split_image(ref).repository in repositories]
        if not seen:
            continue
        first, ref = seen[0]
        other = next(((path, r) for path, r in seen if r != ref), None)
        if other is not None:
            where = (f"in {first}, as {ref} and as {other[1]}" if other[0] == first else
                     f"in {first} ({ref}) and in {other[0]} ({other[1]})")
            raise GitopsError(f"{name} is pinned {where}: pin it in one place")
        parts = split_image(ref)
        found.append(ImagePin(name, Pin(parts.tag, parts.digest), parts.repository,
                              tuple(dict.fromkeys(path for path, _ in seen)), False))
    return Pins(tuple(found))


def tree_files(tree: Path, text: str, rel: str) -> tuple[tuple[str, str | None], ...]:
    """The files a kustomization lists (see pin_sources) as a working tree has them: None for
    one that is not a readable file of the repository (a folder, a link leading out)."""
    found: list[tuple[str, str | None]] = []
    for path in pin_sources(text, rel):
        try:
            found.append((path, read_file(tree, path) if (tree / path).is_file() else None))
        except GitopsError:
            found.append((path, None))
    return tuple(found)


def read_pins(tree: Path, config: Config, env: str) -> Pins:
    """The environment's pins as the files of a working tree have them."""
    rel = config.overlay_file(env, tree)
    text = read_file(tree, rel)
    return find_pins(text, rel, tree_files(tree, text, rel), wanted(config))


def app_pins(tree: Path, config: Config, env: str) -> dict[str, Pin]:
    """Each app image's pin in the environment; Pin(None, None) where it pins it nowhere."""
    pins = read_pins(tree, config, env).images
    return {image.name: pins.get(image.name, Pin(None, None)) for image in config.app_images}


def rendered(tree: Path, config: Config, env: str, names: Collection[str]) -> frozenset[str]:
    """Which of `names` (images the environment pins nowhere) its overlay runs all the same:
    a new images: entry moves them; the others it does not run. An overlay that does not
    build may run any of them (the edit, then its render, says what is wrong)."""
    if not names:
        return frozenset()
    overlay = config.overlay_rel(env)
    result = render(tree / overlay)
    if result.error is not None:
        return frozenset(names)
    running = {split_image(str(c.get("image", ""))).repository
               for r in parse_render(result.manifests, overlay) for c in r.containers()}
    repositories = dict(wanted(config))
    return frozenset(n for n in names if running & set(repositories.get(n, (n,))))


# --- editing ------------------------------------------------------------------------------


def place(pins: Pins, targets: Sequence[ImageTarget]
          ) -> tuple[list[ImageTarget], dict[str, list[ImageTarget]]]:
    """The targets an images: entry moves (pinned there, or nowhere yet), and those each file
    pinning them moves."""
    listed: list[ImageTarget] = []
    files: dict[str, list[ImageTarget]] = {}
    for target in targets:
        pin = pins.get(target.name)
        if pin is None or pin.listed:
            listed.append(target)
        else:
            for path in pin.files:
                files.setdefault(path, []).append(target)
    return listed, files


def _ref(target: ImageTarget) -> str:
    return f"{target.new_name}:{target.new_tag}" + (f"@{target.digest}" if target.digest else "")


def _image_nodes(doc: YamlText) -> Iterator[ScalarNode]:
    """The image: scalars of every container and init container of every document."""
    seen: set[int] = set()
    for node in each_node(*doc.documents):
        if not isinstance(node, MappingNode):
            continue
        for key, value in node.value:
            if isinstance(key, ScalarNode) and key.value in CONTAINER_KEYS and isinstance(
                    value, SequenceNode):
                for item in value.value:
                    image = doc.get(item, "image")
                    if isinstance(image, ScalarNode) and id(image) not in seen:
                        seen.add(id(image))
                        yield image


def set_file_images(text: str, source: str, targets: Sequence[ImageTarget]) -> str:
    """A manifest or patch text with each target's image: fields at its tag and digest: only
    those characters change (quoting kept), and the edit is read back (check_file_images)."""
    doc = YamlText(text, source, many=True)
    moved: set[str] = set()
    for node in _image_nodes(doc):
        value = str(node.value)
        target = next((t for t in targets if split_image(value).repository == t.new_name), None)
        if target is None:
            continue
        moved.add(target.name)
        new = _ref(target)
        if new == value:
            continue
        written = doc.text[node.start_mark.index:node.end_mark.index]
        quote = written[0] if node.style in ("'", '"') else ""
        if written == f"{quote}{value}{quote}":  # as it reads: only the tag and digest move
            doc.replace(node, f"{quote}{new}{quote}", raw=True)
        else:
            doc.replace(node, new)
    missing = [t.name for t in targets if t.name not in moved]
    if missing:
        raise GitopsError(f"{source}: no image: field of {missing[0]} to edit")
    after = doc.result()
    check_file_images(text, after, source, targets)
    return after


def _masked(data: Any, targets: Sequence[ImageTarget], found: dict[str, list[str]]) -> Any:
    """A copy of a document with the targets' image fields taken out (into `found`)."""
    if isinstance(data, list):
        return [_masked(item, targets, found) for item in data]
    if not isinstance(data, dict):
        return data
    out = {}
    for key, value in data.items():
        if key in CONTAINER_KEYS and isinstance(value, list):
            value = [_unpinned(c, targets, found) if isinstance(c, dict) else c for c in value]
        out[key] = _masked(value, targets, found)
    return out


def _unpinned(container: dict[str, Any], targets: Sequence[ImageTarget],
              found: dict[str, list[str]]) -> dict[str, Any]:
    image = container.get("image")
    if not isinstance(image, str):
        return container
    target = next((t for t in targets if split_image(image).repository == t.new_name), None)
    if target is None:
        return container
    found.setdefault(target.name, []).append(image)
    return {k: v for k, v in container.items() if k != "image"}


def check_file_images(before: str, after: str, source: str,
                      targets: Sequence[ImageTarget]) -> None:
    """Re-read the edited file: the targets' image fields read back exactly, nothing else
    changed."""
    try:
        new = load_all(after, source)
    except GitopsError:
        raise GitopsError(f"{source}: the edit would not parse; nothing was written") from None
    old_found: dict[str, list[str]] = {}
    new_found: dict[str, list[str]] = {}
    old_rest = _masked(load_all(before, source), targets, old_found)
    new_rest = _masked(new, targets, new_found)
    for target in targets:
        refs = new_found.get(target.name, [])
        if not refs or any(ref != _ref(target) for ref in refs) or len(refs) != len(
                old_found.get(target.name, [])):
            raise GitopsError(f"{source}: the edit of {target.name} did not read back as "
                              f"intended; nothing was written")
    if old_rest != new_rest:
        raise GitopsError(f"{source}: the edit changed more than the images; nothing was "
                          f"written")


def edit_files(tree: Path, moves: Mapping[str, Sequence[ImageTarget]]) -> list[FileEdit]:
    """Each file's edit (see place): only the tag and digest of its image: fields."""
    edits = []
    for path, targets in moves.items():
        text = read_file(tree, path)
        edits.append(FileEdit(path, text, set_file_images(text, path, targets)))
    return edits


def edit_pins(tree: Path, rel: str, pins: Pins, targets: Sequence[ImageTarget]
              ) -> list[FileEdit]:
    """The edits that move each target where the environment pins it: its images: entry (a
    new one for an image pinned nowhere), or the files whose image: fields pin it."""
    listed, files = place(pins, targets)
    edits = []
    if listed:
        text = read_file(tree, rel)
        edits.append(FileEdit(rel, text, set_images(text, rel, listed)))
    return edits + edit_files(tree, files)
