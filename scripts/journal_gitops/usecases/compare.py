"""`gitops compare`: how two environments differ, once both are rendered.

Every difference falls in one of two groups. What the tooling manages per environment
(namespace, the hash suffixes of generated names, the overlays' name prefixes and suffixes,
replicas, config values, host, secret key, and image versions, listed apart) is expected.
Everything else (an object in one only, a field that a patch of one overlay only changes) is
drift unless gitops.yaml declares it intended under `intendedDifferences`, with a reason. Each
difference names the overlay file that causes it.

Objects pair up by kind and name without the overlays' `namePrefix`/`nameSuffix` (see
overlays/affixes.py), and are named so in the report and in the declarations.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, replace
from enum import Enum
from pathlib import Path
from typing import Any

from ..adapters.kustomize import error_text
from ..adapters.yamlload import flow, load
from ..config.model import Config, Intended
from ..errors import GitopsError, UsageError
from ..kube.names import generated_base
from ..kube.objects import Resource, parse_render
from ..overlays.affixes import UNPREFIXED_KINDS, NameAffixes, name_affixes
from ..overlays.render import render_many


class Group(Enum):
    """Which of the two groups a difference is in (images are managed, but listed apart)."""

    MANAGED = "managed"
    IMAGES = "images"
    OTHER = "other"


@dataclass(frozen=True)
class Difference:
    """One field (or whole object) that differs; `left`/`right` None: absent on that side."""

    group: Group
    category: str  # namespace, name-hash, name-prefix, replicas, config, host, secret-key,
    #                image, only-in-one, patch
    object: str  # Kind/name: without the overlays' prefix and suffix, nor a generated hash
    field: str  # dotted path (list items by name or index); "" for the whole object
    left: str | None
    right: str | None
    source: str  # the overlay file(s) that cause it
    intended: str | None = None  # the reason gitops.yaml gives


@dataclass(frozen=True)
class CompareReport:
    left: str
    right: str
    differences: tuple[Difference, ...]
    names: tuple[str, str] = ("*", "*")  # how each side names an object: `dev-*`

    def group(self, group: Group) -> list[Difference]:
        return [d for d in self.differences if d.group == group]

    @property
    def undeclared(self) -> list[Difference]:
        """Drift: the differences of the second group that gitops.yaml does not declare."""
        return [d for d in self.group(Group.OTHER) if d.intended is None]


# --- flattening --------------------------------------------------------------------------------


def _flatten(value: Any, path: str = "") -> Iterator[tuple[str, str]]:
    """Leaf paths and values: maps by key, lists of named items by name, other lists by index."""
    if isinstance(value, dict) and value:
        for key in sorted(value):
            yield from _flatten(value[key], f"{path}.{key}" if path else str(key))
    elif isinstance(value, list) and value:
        named = all(isinstance(v, dict) and isinstance(v.get("name"), str) for v in value)
        for i, item in enumerate(value):
            yield from _flatten(item, f"{path}[{item['name'] if named else i}]")
    else:
        yield path, value if isinstance(value, str) else flow(value)


def _covers(intended: Intended, diff: Difference) -> bool:
    """Whether a declared difference is this one: same file, object and field (or under it)."""
    return ((intended.file is None or intended.file in diff.source.split(", "))
            and (intended.object is None or intended.object == diff.object)
            and (intended.field is None or _under(diff.field, intended.field)))


def _under(path: str, prefix: str) -> bool:
    return path == prefix or path.startswith((f"{prefix}.", f"{prefix}["))


def _pointer(pointer: str) -> str:
    """A JSON patch path as a dotted path."""
    out = ""
    for part in pointer.strip("/").split("/"):
        part = part.replace("~1", "/").replace("~0", "~")
        out += f"[{part}]" if part.isdigit() else (f".{part}" if out else part)
    return out


# --- the overlays' patches --------------------------------------------------------------------


@dataclass(frozen=True)
class Patch:
    source: str  # the file it is in
    kind: str | None
    name: str | None
    fields: tuple[str, ...]  # what it sets (empty: unknown, the whole object)

    def touches(self, obj: str, field: str) -> bool:
        kind, _, name = obj.partition("/")
        if (self.kind and self.kind != kind) or (self.name and self.name != name):
            return False
        return not self.fields or any(_under(field, f) or _under(f, field) for f in self.fields)


def _patch_fields(doc: Any) -> tuple[str | None, str | None, tuple[str, ...]]:
    if isinstance(doc, list):  # a JSON patch
        return None, None, tuple(_pointer(str(op.get("path", ""))) for op in doc
                                 if isinstance(op, dict))
    if isinstance(doc, dict):  # a strategic merge patch
        meta = doc.get("metadata") or {}
        body = {k: v for k, v in doc.items() if k not in ("apiVersion", "kind", "metadata")}
        return doc.get("kind"), meta.get("name"), tuple(p for p, _ in _flatten(body))
    return None, None, ()


def overlay_patches(root: Path, config: Config, env: str) -> list[Patch]:
    """The patches of an environment's overlay, each with what it targets and sets."""
    rel = config.overlay_file(env, root)
    try:
        data = load((root / rel).read_text(encoding="utf-8"), rel) or {}
    except (OSError, UnicodeDecodeError, GitopsError):
        return []
    if not isinstance(data, dict):
        return []
    out = []
    for entry in data.get("patches") or []:
        if not isinstance(entry, dict):
            continue
        source, text = rel, entry.get("patch")
        if isinstance(entry.get("path"), str):
            source = f"{config.overlay_rel(env)}/{entry['path']}"
            try:
                text = (root / source).read_text(encoding="utf-8")
            except OSError:
                text = None
        try:
            doc = load(text, source) if isinstance(text, str) else None
        except GitopsError:
            doc = None
        kind, name, fields = _patch_fields(doc)
        target = entry.get("target") or {}
        out.append(Patch(source, target.get("kind") or kind, target.get("name") or name,
                         fields))
    return out


# --- comparing -----------------------------------------------------------------------------------


def _unaffixed(resource: Resource, affixes: NameAffixes) -> str:
    """The name without the overlay's prefix and suffix (a generated one keeps its hash)."""
    name = resource.name
    if resource.kind in UNPREFIXED_KINDS:
        return name
    base = generated_base(name) if resource.kind in ("ConfigMap", "Secret") else None
    return affixes.strip(name) if base is None else affixes.strip(base) + name[len(base):]


def _object_key(resource: Resource, namespace: str, affixes: NameAffixes) -> str:
    name = _unaffixed(resource, affixes)
    if resource.kind == "Namespace" and name == namespace:
        name = "(the environment's namespace)"
    base = generated_base(name)
    if resource.kind in ("ConfigMap", "Secret") and base is not None:
        name = base
    return f"{resource.kind}/{name}"


def _namespace(side: list[Resource]) -> str:
    """The environment's namespace: its Namespace object, else the one most of its objects
    are in ("" when they name none: then no difference is the namespace's)."""
    declared = next((r.name for r in side if r.kind == "Namespace"), None)
    if declared is not None:
        return declared
    found = Counter(str(r.metadata["namespace"]) for r in side
                    if isinstance(r.metadata.get("namespace"), str))
    return found.most_common(1)[0][0] if found else ""


def _names(side: list[Resource], affixes: NameAffixes) -> dict[str, str]:
    """Each rendered name kustomize may have prefixed, without the prefix and suffix."""
    return {r.name: _unaffixed(r, affixes) for r in side if r.kind not in UNPREFIXED_KINDS}


def _renamed(field: str, left: str, right: str,
             names: tuple[dict[str, str], dict[str, str]]) -> str | None:
    """name-prefix (or name-hash) when a name field holds the same object's name on each side,
    as that side's overlay names it."""
    last = field.rsplit(".", 1)[-1]
    if last != "name" and not last.endswith("Name"):
        return None
    a, b = names[0].get(left), names[1].get(right)
    if a is None or b is None:
        return None
    if a == b:
        return "name-prefix"
    base = generated_base(a)
    return "name-hash" if base is not None and base == generated_base(b) else None


def _category(obj: str, field: str, left: str | None, right: str | None,
              namespaces: tuple[str, str], names: tuple[dict[str, str], dict[str, str]]
              ) -> tuple[Group, str]:
    kind = obj.split("/", 1)[0]
    if left is not None and right is not None:
        if (left, right) == namespaces:
            return Group.MANAGED, "namespace"
        renamed = _renamed(field, left, right, names)
        if renamed is not None:
            return Group.MANAGED, renamed
        base = generated_base(left)
        if base is not None and base == generated_base(right):
            return Group.MANAGED, "name-hash"
    if field.endswith(".image") and "containers[" in field.lower():
        return Group.IMAGES, "image"
    if field in ("spec.replicas", "metadata.namespace"):
        return Group.MANAGED, "replicas" if field == "spec.replicas" else "namespace"
    if kind == "ConfigMap" and field.startswith("data."):
        return Group.MANAGED, "config"
    if kind == "Ingress" and field.endswith(("].host", "].hosts[0]")):
        return Group.MANAGED, "host"
    if kind == "ExternalSecret" and field.endswith("remoteRef.key"):
        return Group.MANAGED, "secret-key"
    return Group.OTHER, "patch"


def _source(obj: str, field: str, group: Group, files: tuple[str, str],
            patches: tuple[list[Patch], list[Patch]]) -> str:
    """The overlay file that causes a difference: a patch that only one overlay has on it."""
    if group == Group.OTHER:
        touching = [[p for p in side if p.touches(obj, field)] for side in patches]
        if bool(touching[0]) != bool(touching[1]):
            return ", ".join(dict.fromkeys(p.source for p in touching[0] or touching[1]))
    return ", ".join(files)


def _targets(patches: list[Patch], affixes: NameAffixes) -> list[Patch]:
    """The patches with their targets named as objects are keyed: an overlay's patches name
    objects inside its own prefix and suffix (as its bases name them, or by the names they
    were first given)."""
    return [p if p.name is None or p.kind in UNPREFIXED_KINDS
            else replace(p, name=affixes.strip_own(p.name)) for p in patches]


def _render(config: Config, envs: tuple[str, str]) -> list[list[Resource]]:
    with render_many(config.root, {env: config.overlay_rel(env) for env in envs}) as jobs:
        renders = {env: job.result() for env, job in jobs.items()}
    out = []
    for env, render in renders.items():
        if render.error is not None:
            raise GitopsError(f"{env} does not render: {error_text(render.error, config.root)}")
        out.append(parse_render(render.manifests, env))
    return out


def compare(config: Config, left: str, right: str) -> CompareReport:
    config.require_env(left)
    config.require_env(right)
    if left == right:
        raise UsageError("compare takes two different environments")
    envs = (left, right)
    sides = _render(config, envs)
    ns = (_namespace(sides[0]), _namespace(sides[1]))
    affixes = (name_affixes(config.root, config.overlay_rel(left)),
               name_affixes(config.root, config.overlay_rel(right)))
    objects = [{_object_key(r, n, a): r for r in side}
               for side, n, a in zip(sides, ns, affixes, strict=True)]
    names = (_names(sides[0], affixes[0]), _names(sides[1], affixes[1]))
    files = (config.overlay_file(left), config.overlay_file(right))
    patches = (_targets(overlay_patches(config.root, config, left), affixes[0]),
               _targets(overlay_patches(config.root, config, right), affixes[1]))
    found: list[Difference] = []
    for obj in sorted(set(objects[0]) | set(objects[1])):
        a, b = objects[0].get(obj), objects[1].get(obj)
        if a is None or b is None:
            where = 0 if a is not None else 1
            found.append(Difference(Group.OTHER, "only-in-one", obj, "",
                                    envs[0] if a else None, envs[1] if b else None,
                                    files[where]))
            continue
        fa, fb = dict(_flatten(a.body)), dict(_flatten(b.body))
        for field in sorted(set(fa) | set(fb)):
            va, vb = fa.get(field), fb.get(field)
            if va == vb:
                continue
            group, category = _category(obj, field, va, vb, ns, names)
            found.append(Difference(group, category, obj, field, va, vb,
                                    _source(obj, field, group, files, patches)))
    declared = []
    for diff in found:
        reason = next((i.reason for i in config.intended if _covers(i, diff)), None)
        declared.append(Difference(diff.group, diff.category, diff.object, diff.field,
                                   diff.left, diff.right, diff.source,
                                   reason if diff.group == Group.OTHER else None))
    return CompareReport(left, right, tuple(declared),
                         (affixes[0].pattern, affixes[1].pattern))
