"""`gitops diff`: what Argo CD would change, environment by environment, between two revisions.

Both revisions are rendered with kustomize at once (each in a temporary worktree, or the working
tree for the head), objects are matched by kind, namespace and name, and each changed object
gets a unified diff of its YAML with sorted keys, so only real changes show. A ConfigMap or
Secret whose generated name changed with its content is shown as one change. The risks of
each environment's change (immutable fields, deletions, ...; see `risks`) come with it.
"""

from __future__ import annotations

import contextlib
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from pathlib import Path

from ..adapters import gitrepo
from ..adapters.kustomize import Render, error_text
from ..argocd.manifests import TOOL_FILES, ArgocdManifests, read_manifests
from ..config import CONFIG_FILE
from ..config.model import Config
from ..errors import GitopsError, UsageError
from ..history.revisions import config_at, sides
from ..kube.objdiff import Change, ObjectDiff, compare
from ..kube.objects import Resource, parse_render
from ..kube.risks import Risk, RiskKind, assess
from ..overlays import inputs
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


# --- what the change touches ------------------------------------------------------------


def _under(paths: Collection[str], prefixes: Collection[str]) -> bool:
    """Whether one of the files is at or under one of the (relative) paths; "" is all."""
    tops = {p.strip("/") for p in prefixes}
    return any(not top or top == "." or path == top or path.startswith(f"{top}/")
               for top in tops for path in paths)


@dataclass(frozen=True)
class Touched:
    """What a change between two revisions can reach: its files, and whether everything is
    to be read again (a link changed: what a path stands for may have moved)."""

    paths: tuple[str, ...]
    everything: bool
    one_sided: frozenset[str]  # the files added or deleted

    def overlay(self, env: str, old: Config, new: Config, head: Path, batch: inputs.Batch
                ) -> bool:
        """Whether the build of `env` can differ: a side lacks it, its folder moved, or one
        of the files its head-side build reads (or misses) changed."""
        if self.everything or env not in old.environments or env not in new.environments:
            return True
        overlay = new.overlay_rel(env)
        if overlay != old.overlay_rel(env):
            return True
        found = inputs.inspect(head / overlay, head, batch) if (head / overlay).is_dir() else \
            None
        return found is None or inputs.touched_by(found, head, overlay, self.paths)

    def argocd(self, head: ArgocdManifests) -> bool:
        """Whether the objects of apps/, argocd/ and the plain folders Applications sync can
        differ: a file in a folder read (or named) at the head changed, or a file that makes a
        synced folder one built with a tool, not read."""
        tools = {f"{folder}/{name}".lstrip("/") for folder in head.built for name in TOOL_FILES}
        return self.everything or CONFIG_FILE in self.paths or \
            _under(self.paths, head.folders) or not tools.isdisjoint(self.one_sided)


def _checked_out(repo: gitrepo.Repo, commit: str) -> bool:
    """Whether the working tree is exactly `commit`: its files, and no other file."""
    return gitrepo.rev(repo, "HEAD") == commit and not gitrepo.changes(repo, commit, None).paths


def _base_overlays(tree: Path, sha: str, config: Config, envs: Collection[str]) -> None:
    """Check out at `sha` the overlay folders of `envs` and every folder their builds load,
    as many rounds as it takes for every entry to be there or absent from `sha` too."""
    wanted = {config.overlay_rel(env) for env in envs}
    done: set[str] = set()
    while wanted - done:
        gitrepo.check_out(tree, sha, wanted - done)
        done |= wanted
        batch = inputs.Batch()
        for env in envs:
            found = inputs.inspect(tree / config.overlay_rel(env), tree, batch)
            wanted |= {p.relative_to(tree.resolve()).as_posix() for p in
                       (*found.folders, *found.absent) if p.is_relative_to(tree.resolve())}


def _base_manifests(tree: Path, sha: str, config: Config) -> ArgocdManifests:
    """The Argo CD manifests at `sha`, their folders checked out first (two rounds: the
    Applications name the folders they sync)."""
    gitrepo.check_out(tree, sha, [config.apps_dir, config.argocd_dir])
    gitrepo.check_out(tree, sha, read_manifests(tree, config).folders)
    return read_manifests(tree, config)


# --- comparing ---------------------------------------------------------------------------


def _images(env: str, resources: Sequence[Resource]) -> dict[tuple[str, str, str], str]:
    out = {}
    for r in resources:
        for c in r.containers():
            out[(env, f"{r.kind}/{r.name}", str(c.get("name")))] = str(c.get("image", ""))
    return out


def _resources(root: Path, render: Render | None, env: str
               ) -> tuple[list[Resource], str | None]:
    if render is None:
        return [], None
    if render.error is not None:
        return [], error_text(render.error, root)
    try:
        return parse_render(render.manifests, env), None
    except GitopsError as exc:
        return [], str(exc)


def _manifests_error(manifests: ArgocdManifests) -> str | None:
    errors = [e for e in manifests.errors if not e.message.endswith("does not exist")]
    return f"{errors[0].file}: {errors[0].message}" if errors else None


def _compare(env: str, old: tuple[list[Resource], str | None],
             new: tuple[list[Resource], str | None], moves: list[ImageMove]) -> EnvDiff:
    (before, old_error), (after, new_error) = old, new
    if new_error or old_error:
        side, error = ("head", new_error) if new_error else ("base", old_error)
        return EnvDiff(env, (), f"{side}: {error}")
    old_images, new_images = _images(env, before), _images(env, after)
    moves += [ImageMove(*key, old_images[key], image) for key, image in new_images.items()
              if key in old_images and old_images[key] != image]
    return EnvDiff(env, compare(before, after), risks=assess(before, after))


# --- the use case --------------------------------------------------------------------------------


def diff(config: Config, base: str | None = None, head: str | None = None,
         envs: Sequence[str] = ()) -> DiffReport:
    """Every environment whose inputs the change touches is rendered at both revisions; one it
    does not touch builds the same at both (it is not built: the change does nothing to it),
    and the base revision's worktree holds only the files the touched builds read."""
    repo = gitrepo.open_repo(config.root)
    base_sha, head_sha = sides(repo, base, head, config.deploy_branch)
    changed = gitrepo.changes(repo, base_sha, head_sha)
    touched = Touched(changed.paths, changed.links, changed.one_sided)
    with contextlib.ExitStack() as stack:
        base_root = stack.enter_context(gitrepo.worktree(repo, base_sha, checkout=False))
        head_root = (stack.enter_context(gitrepo.worktree(repo, head_sha))
                     if head_sha and not _checked_out(repo, head_sha) else config.root)
        gitrepo.check_out(base_root, base_sha, [CONFIG_FILE])
        old, new = config_at(base_root, "base"), config_at(head_root, "head")
        names = list(dict.fromkeys([*new.environments, *old.environments]))
        for env in envs:
            if env not in names:
                raise UsageError(f"unknown environment '{env}' (known: {', '.join(names)})")
        chosen = [env for env in names if not envs or env in envs]
        batch = inputs.Batch()
        reached = [env for env in chosen if touched.overlay(env, old, new, head_root, batch)]
        ours = [env for env in reached if env in old.environments]
        _base_overlays(base_root, base_sha, old, ours)
        heads = stack.enter_context(rendering(
            {env: head_root / new.overlay_rel(env) for env in reached if env in new.environments}))
        bases = stack.enter_context(rendering(
            {env: base_root / old.overlay_rel(env) for env in ours}))
        results: list[EnvDiff] = []
        moves: list[ImageMove] = []
        for env in chosen:
            if env not in reached:  # the same build at both revisions
                results.append(EnvDiff(env, ()))
                continue
            after = _resources(head_root, heads[env].result() if env in heads else None, env)
            before = _resources(base_root, bases[env].result() if env in bases else None, env)
            results.append(_compare(env, before, after, moves))
        if not envs:
            now = read_manifests(head_root, new)
            if not touched.argocd(now):
                error = _manifests_error(now)
                results.append(EnvDiff(ARGOCD, (), None if error is None else f"head: {error}"))
            else:
                then = _base_manifests(base_root, base_sha, old)
                results.append(_compare(
                    ARGOCD, (list(then.resources), _manifests_error(then)),
                    (list(now.resources), _manifests_error(now)), moves=[]))
    return DiffReport(base_sha, head_sha or "working tree", tuple(results), tuple(moves))
