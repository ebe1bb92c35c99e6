"""`gitops diff`: what Argo CD would change, environment by environment, between two revisions.

Both revisions are rendered with kustomize at once (each in a temporary worktree, or the working
tree for the head), objects are matched by kind, namespace and name, and each changed object
gets a unified diff of its YAML with sorted keys, so only real changes show. A ConfigMap or
Secret whose generated name changed with its content is shown as one change. The risks of
each environment's change (immutable fields, deletions, ...; see `risks`) come with it.
"""

from __future__ import annotations

import contextlib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from ..adapters import gitrepo
from ..adapters.kustomize import Render, error_text
from ..argocd.manifests import read_manifests
from ..config.load import load_config
from ..config.model import Config
from ..errors import ConfigError, GitopsError, UsageError
from ..history.revisions import sides
from ..kube.objdiff import Change, ObjectDiff, compare
from ..kube.objects import Resource, parse_render
from ..kube.risks import Risk, RiskKind, assess
from ..overlays.render import rendering

ARGOCD = "argocd"  # the pseudo-environment of apps/ and argocd/


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
    renders: dict[str, Render]
    argocd: list[Resource]
    argocd_error: str | None


def _config(root: Path, side: str) -> Config:
    try:
        return load_config(root)
    except ConfigError as exc:
        raise GitopsError(f"{side}: {exc}") from None


def _render_sides(roots: Sequence[Path], envs: Sequence[str] | None) -> list[Side]:
    configs = [_config(root, side) for root, side in zip(roots, ("base", "head"), strict=True)]
    folders = {(i, env): root / config.overlay_rel(env)
               for i, (root, config) in enumerate(zip(roots, configs, strict=True))
               for env in config.environments if not envs or env in envs}
    with rendering(folders) as jobs:
        sides = []
        for root, config in zip(roots, configs, strict=True):
            manifests = read_manifests(root, config)
            errors = [e for e in manifests.errors if not e.message.endswith("does not exist")]
            sides.append(Side(root, config, {}, list(manifests.resources),
                              f"{errors[0].file}: {errors[0].message}" if errors else None))
        for (i, env), job in jobs.items():
            sides[i].renders[env] = job.result()
    return sides


def _images(env: str, resources: Sequence[Resource]) -> dict[tuple[str, str, str], str]:
    out = {}
    for r in resources:
        for c in r.containers():
            out[(env, f"{r.kind}/{r.name}", str(c.get("name")))] = str(c.get("image", ""))
    return out


def _same(a: Render | None, b: Render | None) -> bool:
    """Two renders that built to the very same text."""
    return a is not None and b is not None and a.error is None and b.error is None and \
        a.manifests == b.manifests


def _resources(side: Side, env: str) -> tuple[list[Resource], str | None]:
    render = side.renders.get(env)
    if render is None:
        return [], None
    if render.error is not None:
        return [], error_text(render.error, side.root)
    try:
        return parse_render(render.manifests, env), None
    except GitopsError as exc:
        return [], str(exc)


# --- the use case --------------------------------------------------------------------------------


def diff(config: Config, base: str | None = None, head: str | None = None,
         envs: Sequence[str] = ()) -> DiffReport:
    repo = gitrepo.open_repo(config.root)
    base_sha, head_sha = sides(repo, base, head)
    with contextlib.ExitStack() as stack:
        base_root = stack.enter_context(gitrepo.worktree(repo, base_sha))
        head_root = (stack.enter_context(gitrepo.worktree(repo, head_sha)) if head_sha
                     else config.root)
        old, new = _render_sides([base_root, head_root], envs or None)
        names = list(dict.fromkeys([*new.config.environments, *old.config.environments]))
        for env in envs:
            if env not in names:
                raise UsageError(f"unknown environment '{env}' (known: {', '.join(names)})")
        results: list[EnvDiff] = []
        moves: list[ImageMove] = []
        for env in names:
            if envs and env not in envs:
                continue
            if _same(old.renders.get(env), new.renders.get(env)):
                results.append(EnvDiff(env, ()))  # the same text: nothing to read
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
