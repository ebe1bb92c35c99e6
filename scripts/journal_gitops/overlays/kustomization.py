"""The parts of an overlay's kustomization.yaml the tooling reads and edits: `images:`,
`replicas:`, `configMapGenerator:` literals and `namespace:`. Edits go through YamlText, so only
the changed values' lines move, and every edit is read back to check it means what was meant."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from ..adapters.yamlload import MappingNode, ScalarNode, SequenceNode, load, load_text
from ..adapters.yamltext import YamlText, needs_quotes
from ..cache.parsed import parsed
from ..errors import GitopsError, UsageError
from .images import ImageTarget

__all__ = ["ImageEntry", "ImageTarget", "Kustomization", "needs_quotes", "set_images"]


@dataclass(frozen=True)
class ImageEntry:
    """One entry of `images:` as written in the file."""

    name: str
    new_name: str | None
    new_tag: str | None
    digest: str | None


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) else None


@dataclass(frozen=True)
class OverlayValues:
    """What an overlay's kustomization sets that the tooling reads: each value as written."""

    source: str
    entries: tuple[ImageEntry, ...] | None  # None: no images: list
    replica_counts: tuple[tuple[str, int], ...]
    literals: tuple[tuple[str, str], ...]  # the config values: configMapGenerator literals
    namespace: str | None

    @property
    def replicas(self) -> dict[str, int]:
        return dict(self.replica_counts)

    @property
    def config(self) -> dict[str, str]:
        return dict(self.literals)

    def images(self) -> list[ImageEntry]:
        if self.entries is None:
            raise GitopsError(f"{self.source}: has no images: list")
        return list(self.entries)

    def image(self, name: str) -> ImageEntry | None:
        return next((e for e in self.images() if e.name == name), None)


@lru_cache(maxsize=1024)
def read_values(text: str, source: str) -> OverlayValues:
    """The values of an overlay's kustomization text (a fast read: nothing to edit; the same
    text is read once a process)."""
    data = parsed("kustomization-text", text, lambda t: load_text(t, source))
    if not isinstance(data, dict):
        raise GitopsError(f"{source}: not a kustomization (expected a mapping)")
    images = data.get("images")
    entries: list[ImageEntry] | None = None
    if isinstance(images, list):
        entries = []
        for item in images:
            name = _text(item.get("name")) if isinstance(item, dict) else None
            if name is None:
                raise GitopsError(f"{source}: an images: entry has no name")
            if all(e.name != name for e in entries):
                entries.append(ImageEntry(name, *(_text(item.get(k)) for k in (
                    "newName", "newTag", "digest"))))
    replicas: dict[str, int] = {}
    listed = data.get("replicas")
    for item in listed if isinstance(listed, list) else []:
        name, count = (_text(item.get(k)) if isinstance(item, dict) else None
                       for k in ("name", "count"))
        if name is not None and count is not None and count.isdigit():
            replicas[name] = int(count)
    config: dict[str, str] = {}
    generators = data.get("configMapGenerator")
    for generator in generators if isinstance(generators, list) else []:
        literals = generator.get("literals") if isinstance(generator, dict) else None
        for literal in literals if isinstance(literals, list) else []:
            if isinstance(literal, str) and "=" in literal:
                key, value = literal.split("=", 1)
                config[key] = value
    return OverlayValues(source, None if entries is None else tuple(entries),
                         tuple(replicas.items()), tuple(config.items()),
                         _text(data.get("namespace")))


class Kustomization(YamlText):
    """An overlay's kustomization, with its values read (see OverlayValues) and edits pending."""

    def __init__(self, text: str, source: str) -> None:
        super().__init__(text, source)
        if not isinstance(self.root, MappingNode):
            raise GitopsError(f"{source}: not a kustomization (expected a mapping)")
        self.mapping: MappingNode = self.root
        self.values = read_values(self.text, source)

    # -- images ------------------------------------------------------------------------------

    def _images(self) -> SequenceNode:
        images = self.get(self.mapping, "images")
        if not isinstance(images, SequenceNode):
            raise GitopsError(f"{self.source}: has no images: list")
        for item in images.value:
            if not isinstance(item, MappingNode) or self.scalar(self.get(item, "name")) is None:
                raise GitopsError(f"{self.source}: an images: entry has no name")
        return images

    def image(self, name: str) -> ImageEntry | None:
        return self.values.image(name)

    def images(self) -> list[ImageEntry]:
        return self.values.images()

    def set_image(self, target: ImageTarget) -> None:
        images = self._images()
        node = self.item(images, "name", target.name)
        if node is None:
            fields: dict[str, str | int] = {"name": target.name, "newName": target.new_name,
                                            "newTag": target.new_tag}
            if target.digest:
                fields["digest"] = target.digest
            self.append(images, fields)
            return
        entry = self.image(target.name) or ImageEntry(target.name, None, None, None)
        if entry.new_tag != target.new_tag:
            self.set(node, "newTag", target.new_tag)
        if entry.digest != target.digest:
            if target.digest is None:
                self.remove(node, "digest", with_comments=False)
            else:
                self.set(node, "digest", target.digest)
        if entry.new_name is None:
            self.set(node, "newName", target.new_name)

    # -- replicas, config, namespace ----------------------------------------------------------

    def replicas(self) -> dict[str, int]:
        return self.values.replicas

    def set_replicas(self, component: str, count: int) -> None:
        seq = self.get(self.mapping, "replicas")
        if not isinstance(seq, SequenceNode):
            raise GitopsError(f"{self.source}: has no replicas: list")
        node = self.item(seq, "name", component)
        if node is None:
            self.append(seq, {"name": component, "count": count})
            return
        count_node = self.get(node, "count")
        if isinstance(count_node, ScalarNode):
            self.replace(count_node, str(count), raw=True)
        else:
            self.insert_lines(node, [f"count: {count}"])

    def _literal_nodes(self) -> dict[str, ScalarNode]:
        """key -> the `key=value` literal node, over every configMapGenerator of the overlay."""
        out: dict[str, ScalarNode] = {}
        generators = self.get(self.mapping, "configMapGenerator")
        for gen in generators.value if isinstance(generators, SequenceNode) else []:
            literals = self.get(gen, "literals")
            for node in literals.value if isinstance(literals, SequenceNode) else []:
                if isinstance(node, ScalarNode) and "=" in str(node.value):
                    out[str(node.value).split("=", 1)[0]] = node
        return out

    def config(self) -> dict[str, str]:
        return self.values.config

    def set_config(self, key: str, value: str) -> None:
        node = self._literal_nodes().get(key)
        if node is None:
            known = ", ".join(sorted(self._literal_nodes())) or "none"
            raise UsageError(f"{self.source}: unknown config key '{key}' (keys: {known})")
        self.replace(node, f"{key}={value}")

    def namespace(self) -> str | None:
        return self.values.namespace


def set_images(text: str, source: str, targets: list[ImageTarget]) -> str:
    """The kustomization text with each target's entry pointing where it says.

    A missing entry is added; a digest is removed when the target has none (a stale digest
    would keep the old image running whatever the tag says).
    """
    kustomization = Kustomization(text, source)
    for target in targets:
        kustomization.set_image(target)
    result = kustomization.result()
    check_images(text, result, source, targets)
    return result


def _load(text: str, source: str) -> dict[str, Any]:
    try:
        data = load(text, source)
    except GitopsError:
        raise GitopsError(f"{source}: the edit would not parse; nothing was written") from None
    return data if isinstance(data, dict) else {}


def check_images(before: str, after: str, source: str, targets: list[ImageTarget]) -> None:
    """Re-read the edited text: the targets must read back exactly, everything else unchanged."""
    old, new = _load(before, source), _load(after, source)
    wanted = {t.name: t for t in targets}
    new_images = {e.get("name"): e for e in new.get("images") or []}
    for name, target in wanted.items():
        entry = new_images.get(name) or {}
        if (entry.get("newTag"), entry.get("digest"), entry.get("newName")) != (
                target.new_tag, target.digest, target.new_name):
            raise GitopsError(f"{source}: the edit of {name} did not read back as intended; "
                              f"nothing was written")
    untouched_old = [e for e in old.get("images") or [] if e.get("name") not in wanted]
    untouched_new = [e for e in new.get("images") or [] if e.get("name") not in wanted]
    if _without(old, "images") != _without(new, "images") or untouched_old != untouched_new:
        raise GitopsError(f"{source}: the edit changed more than the images; nothing was written")


def _without(data: dict[str, Any], *keys: str) -> dict[str, Any]:
    return {k: v for k, v in data.items() if k not in keys}
