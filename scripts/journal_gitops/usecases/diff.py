"""`gitops diff`: what Argo CD would change, environment by environment, between two revisions.

Both revisions are rendered with kustomize at once (each in a temporary worktree, or the working
tree for the head), objects are matched by kind, namespace and name, and each changed object
gets a unified diff of its YAML with sorted keys, so only real changes show. A ConfigMap or
Secret whose generated name changed with its content is shown as one change. The risks of
each environment's change (immutable fields, deletions, ...; see `risks`) come with it.
"""

from __future__ import annotations

import contextlib
import difflib
import re
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from enum import Enum
from pathlib import Path
from typing import Any

import yaml

from ..adapters import gitrepo, kustomize, kustomize_runs
from ..argocd import read_manifests
from ..config import Config, load_config
from ..errors import ConfigError, GitopsError, UsageError
from ..resources import Resource, parse_documents
from ..revisions import sides
from ..risks import Risk, RiskKind, assess

ARGOCD = "argocd"  # the pseudo-environment of apps/ and argocd/
HASHED = re.compile(r"^(?P<base>.+)-[a-z0-9]{10}$")
Key = tuple[str, str, str]  # kind, namespace, name


class Change(str, Enum):
    """What happens to an object between the two revisions."""

    ADDED = "added"
    CHANGED = "changed"
    REMOVED = "removed"

    def __str__(self) -> str:
        return self.value


@dataclass(frozen=True)
class ObjectDiff:
    kind: str
    namespace: str
    name: str
    change: Change
    diff: str
    old_name: str | None = None  # a generated name that changed with the content


@dataclass(frozen=True)
class EnvDiff:
    name: str
    objects: tuple[ObjectDiff, ...]
    error: str | None = None  # one side did not render
    risks: tuple[Risk, ...] = ()

    def count(self, change: Change) -> int:
        return sum(1 for o in self.objects if o.change == change)


@dataclass(frozen=True)
class ImageMove:
    env: str
    workload: str
    container: str
    old: str
    new: str


@dataclass(frozen=True)
class DiffReport:
    base: str
    head: str  # a commit, or "working tree"
    environments: tuple[EnvDiff, ...]
    images: tuple[ImageMove, ...]

    @property
    def changed(self) -> bool:
        return any(e.objects for e in self.environments)

    @property
    def failed(self) -> bool:
        return any(e.error for e in self.environments)

    @property
    def risks(self) -> list[tuple[str, Risk]]:
        """Every environment's risks, as (environment, risk), environments in order."""
        return [(e.name, r) for e in self.environments for r in e.risks]

    def risky(self, kinds: frozenset[RiskKind]) -> bool:
        return any(r.kind in kinds for _, r in self.risks)


# --- rendering one side ------------------------------------------------------------------


@dataclass(frozen=True)
class Side:
    root: Path
    config: Config
    renders: dict[str, kustomize.Render]
    argocd: list[Resource]
    argocd_error: str | None


def _config(root: Path, side: str) -> Config:
    try:
        return load_config(root)
    except ConfigError as exc:
        raise GitopsError(f"{side}: {exc}") from None


def _render_sides(tool: kustomize.Kustomize, roots: Sequence[Path], envs: Sequence[str] | None
                  ) -> list[Side]:
    configs = [_config(root, side) for root, side in zip(roots, ("base", "head"), strict=True)]
    jobs: list[tuple[int, str, Path]] = []
    for i, (root, config) in enumerate(zip(roots, configs, strict=True)):
        for env in config.environments:
            if not envs or env in envs:
                jobs.append((i, env, root / config.overlay_rel(env)))
    with ThreadPoolExecutor(max_workers=kustomize_runs.workers(len(jobs))) as pool:
        results = list(pool.map(lambda job: kustomize.render(tool, job[2]), jobs))
    sides = []
    for root, config in zip(roots, configs, strict=True):
        manifests = read_manifests(root, config)
        errors = [e for e in manifests.errors if not e.message.endswith("does not exist")]
        sides.append(Side(root, config, {}, list(manifests.resources),
                          f"{errors[0].file}: {errors[0].message}" if errors else None))
    for (i, env, _), render in zip(jobs, results, strict=True):
        sides[i].renders[env] = render
    return sides


# --- comparing -------------------------------------------------------------------------------


def _key(resource: Resource) -> Key:
    return resource.kind, resource.namespace or "", resource.name


def _dump(body: dict[str, Any]) -> list[str]:
    text = yaml.safe_dump(body, sort_keys=True, default_flow_style=False, width=1000)
    return text.splitlines(keepends=True)


def _unified(old: dict[str, Any] | None, new: dict[str, Any] | None, label: str) -> str:
    a = _dump(old) if old is not None else []
    b = _dump(new) if new is not None else []
    return "".join(difflib.unified_diff(a, b, f"a/{label}", f"b/{label}", n=3))


def _pair_renames(removed: dict[Key, Resource], added: dict[Key, Resource]
                  ) -> list[tuple[Resource, Resource]]:
    """Generated ConfigMaps/Secrets whose hash suffix changed: one object, new values."""
    pairs = []
    for key, new in list(added.items()):
        match = HASHED.match(new.name)
        if new.kind not in ("ConfigMap", "Secret") or not match:
            continue
        candidates = [k for k, old in removed.items()
                      if k[0] == new.kind and k[1] == key[1]
                      and (m := HASHED.match(old.name)) and m.group("base") == match.group("base")]
        if len(candidates) == 1:
            pairs.append((removed.pop(candidates[0]), added.pop(key)))
    return pairs


def compare(old: Sequence[Resource], new: Sequence[Resource]) -> tuple[ObjectDiff, ...]:
    before = {_key(r): r for r in old}
    after = {_key(r): r for r in new}
    removed = {k: r for k, r in before.items() if k not in after}
    added = {k: r for k, r in after.items() if k not in before}
    out: list[ObjectDiff] = []
    for key in sorted(k for k in before if k in after):
        if before[key].body != after[key].body:
            label = "/".join(p for p in key if p)
            out.append(ObjectDiff(*key, Change.CHANGED,
                                  _unified(before[key].body, after[key].body, label)))
    for old_r, new_r in _pair_renames(removed, added):
        label = "/".join(p for p in _key(new_r) if p)
        old_body = {**old_r.body, "metadata": {**old_r.metadata, "name": new_r.name}}
        out.append(ObjectDiff(*_key(new_r), Change.CHANGED, _unified(old_body, new_r.body, label),
                              old_name=old_r.name))
    for key in sorted(added):
        out.append(ObjectDiff(*key, Change.ADDED, _unified(None, added[key].body,
                                                      "/".join(p for p in key if p))))
    for key in sorted(removed):
        out.append(ObjectDiff(*key, Change.REMOVED, _unified(removed[key].body, None,
                                                        "/".join(p for p in key if p))))
    return tuple(sorted(out, key=lambda o: (o.kind, o.namespace, o.name)))


def _images(env: str, resources: Sequence[Resource]) -> dict[tuple[str, str, str], str]:
    out = {}
    for r in resources:
        for c in r.containers():
            out[(env, f"{r.kind}/{r.name}", str(c.get("name")))] = str(c.get("image", ""))
    return out


def _resources(side: Side, env: str) -> tuple[list[Resource], str | None]:
    render = side.renders.get(env)
    if render is None:
        return [], None
    if render.error is not None:
        return [], kustomize.error_text(render.error, side.root)
    try:
        return parse_documents(render.manifests, env), None
    except GitopsError as exc:
        return [], str(exc)


# --- the use case --------------------------------------------------------------------------------


def diff(config: Config, base: str | None = None, head: str | None = None,
         envs: Sequence[str] = ()) -> DiffReport:
    repo = gitrepo.open_repo(config.root)
    base_sha, head_sha = sides(repo, base, head)
    tool = kustomize.find_kustomize()
    with contextlib.ExitStack() as stack:
        base_root = stack.enter_context(gitrepo.worktree(repo, base_sha))
        head_root = (stack.enter_context(gitrepo.worktree(repo, head_sha)) if head_sha
                     else config.root)
        old, new = _render_sides(tool, [base_root, head_root], envs or None)
        names = list(dict.fromkeys([*new.config.environments, *old.config.environments]))
        for env in envs:
            if env not in names:
                raise UsageError(f"unknown environment '{env}' (known: {', '.join(names)})")
        results: list[EnvDiff] = []
        moves: list[ImageMove] = []
        for env in names:
            if envs and env not in envs:
                continue
            before, old_error = _resources(old, env)
            after, new_error = _resources(new, env)
            if new_error or old_error:
                side, error = ("head", new_error) if new_error else ("base", old_error)
                results.append(EnvDiff(env, (), f"{side}: {error}"))
                continue
            results.append(EnvDiff(env, compare(before, after), risks=assess(before, after)))
            old_images, new_images = _images(env, before), _images(env, after)
            for key, image in new_images.items():
                if key in old_images and old_images[key] != image:
                    moves.append(ImageMove(*key, old_images[key], image))
        if not envs:
            if new.argocd_error or old.argocd_error:
                side, error = (("head", new.argocd_error) if new.argocd_error
                               else ("base", old.argocd_error))
                results.append(EnvDiff(ARGOCD, (), f"{side}: {error}"))
            else:
                results.append(EnvDiff(ARGOCD, compare(old.argocd, new.argocd),
                                       risks=assess(old.argocd, new.argocd)))
    return DiffReport(base_sha, head_sha or "working tree", tuple(results), tuple(moves))
