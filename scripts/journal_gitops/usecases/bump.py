"""`bump-image`: move environments to the images of one app commit (or, under a tag scheme of
versions, of one tag), as one commit."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from ..adapters import gitrepo
from ..adapters.files import FileEdit
from ..adapters.shas import SHORT, branch_part, short_sha
from ..changes.delivery import Delivery, DeliveryOptions, Proposal, deliver
from ..config.load import load_config
from ..config.model import Config, ManagedImage
from ..errors import GateRefusal, GitopsError, UsageError
from ..gates.checks import (
    Overrides,
    check_bump_order,
    check_not_frozen,
    check_not_held,
    check_soak,
    moves_back,
)
from ..history.changelog import Changelog, changelog_lines, changelogs
from ..history.trailers import bump_message
from ..history.walker import walk
from ..kube.images import DIGEST
from ..overlays.images import (
    ImageTarget,
    Pin,
    commit_of_tag,
    make_tag,
    normalise_commit,
    require_full_sha,
    select_images,
    verify_images,
)
from ..overlays.pins import edit_pins, read_pins, rendered
from ..overlays.snapshot import ImageChange


@dataclass(frozen=True)
class BumpRequest:
    """What `bump-image` was asked, as the command line gave it: an app commit, or a tag."""

    commit: str | None
    envs: tuple[str, ...] = ()
    images: tuple[str, ...] = ()
    source_repo: Path | None = None
    digests: tuple[str, ...] = ()  # NAME=sha256:...
    verify_registry: bool = False
    pin_digest: bool = False
    allow_rollback: bool = False
    overrides: Overrides = field(default_factory=Overrides)
    tag: str | None = None


@dataclass(frozen=True)
class BumpPlan:
    """What a bump changes, as found on the tree it was planned on."""

    changes: tuple[ImageChange, ...]
    tag: str
    sha: str | None  # None: a tag of a scheme of versions, made of no known commit
    targets: dict[str, dict[str, ImageTarget]]  # env -> image -> where it points after
    changelog: tuple[Changelog, ...] = ()  # the app commits each env gets (--source-repo)


@dataclass(frozen=True)
class BumpResult:
    tag: str
    sha: str | None
    delivery: Delivery[BumpPlan]

    @property
    def plan(self) -> BumpPlan | None:
        """None: everything was already at the tag."""
        return self.delivery.proposal.data if self.delivery.proposal else None


def _digests(pairs: Sequence[str], images: list[ManagedImage]) -> dict[str, str]:
    names = {image.name for image in images}
    out: dict[str, str] = {}
    for pair in pairs:
        name, sep, digest = pair.partition("=")
        if not sep or not DIGEST.match(digest):
            raise UsageError(f"--digest takes NAME=sha256:<64 hex>, not '{pair}'")
        if name not in names:
            raise UsageError(f"--digest names {name}, which this bump does not move")
        if name in out:
            raise UsageError(f"--digest names {name} twice: give it once")
        out[name] = digest
    return out


def _is_rollback(config: Config, request: BumpRequest, sha: str, env: str, image: str,
                 old: str | None) -> bool:
    if request.source_repo is None or old is None:
        return False
    old_commit = commit_of_tag(config, old)
    verdict = gitrepo.is_ancestor(request.source_repo, old_commit, sha) if old_commit else None
    if verdict is None:
        if request.allow_rollback:
            return False
        raise GateRefusal(f"{env}: cannot tell whether {image} {short_sha(old)} -> "
                          f"{short_sha(sha)} is a rollback ({short_sha(old)} is not a commit of "
                          f"{request.source_repo}); pass --allow-rollback to move anyway")
    if verdict:
        return False
    if not request.allow_rollback:
        raise GateRefusal(f"{env}: {short_sha(sha)} is not a descendant of {short_sha(old)}, "
                          f"which {image} runs now: that is a rollback; pass --allow-rollback")
    return True


class _Pins:
    """The digest each image gets; with --verify-registry each tag is looked up once."""

    def __init__(self, request: BumpRequest, tag: str, digests: dict[str, str]) -> None:
        self.request, self.tag, self.digests = request, tag, digests
        self.checked: dict[str, str] = {}

    def __call__(self, image: str, new_name: str) -> str | None:
        if not self.request.verify_registry:
            return self.digests.get(image)
        if new_name not in self.checked:
            from ..adapters import registry

            ref = registry.parse_reference(new_name, self.tag)
            found = registry.manifest_digest(ref)
            if found is None:
                raise GitopsError(f"{image}: {ref.display} is not in the registry")
            self.checked[new_name] = found
        found = self.checked[new_name]
        if not self.request.pin_digest:
            return self.digests.get(image)
        if self.digests.get(image, found) != found:
            raise GitopsError(f"{image}: --digest {self.digests[image]} is not the registry's "
                              f"{found}")
        return found


@dataclass(frozen=True)
class _Planner:
    """Plans a bump on a tree: the edited overlays, the changes, the commit message."""

    config: Config
    request: BumpRequest
    envs: list[str]
    images: list[ManagedImage]
    tag: str
    sha: str | None
    pins: _Pins

    def __call__(self, tree: Path) -> Proposal[BumpPlan] | None:
        cfg = load_config(tree)
        overrides = self.request.overrides
        edits: list[FileEdit] = []
        changes: list[ImageChange] = []
        targets: dict[str, dict[str, ImageTarget]] = {}
        running = False  # whether any environment runs any of the images
        for env in self.envs:
            rel = self.config.overlay_file(env, tree)
            placed = read_pins(tree, self.config, env)
            runs = rendered(tree, self.config, env, [
                image.name for image in self.images if placed.get(image.name) is None])
            moved: list[ImageTarget] = []
            for image in self.images:
                entry = placed.get(image.name)
                if entry is None and image.name not in runs:
                    continue  # the environment does not run it
                running = True
                new_name = (entry.new_name if entry and entry.new_name else image.new_name) or ""
                target = ImageTarget(image.name, new_name, self.tag,
                                     self.pins(image.name, new_name))
                old, old_digest = entry.pin if entry else (None, None)
                if entry and (old, old_digest, entry.new_name) == (
                        target.new_tag, target.digest, target.new_name):
                    continue
                moved.append(target)
                changes.append(ImageChange(
                    env, image.name, old, self.tag, old_digest, target.digest,
                    self._rollback(tree, cfg, env, image.name, old)))
            if moved:
                edits += edit_pins(tree, rel, placed, moved)
                targets[env] = {t.name: t for t in moved}
        if not running:
            names = ", ".join(image.name for image in self.images)
            raise GitopsError(f"nothing to bump: {', '.join(self.envs)} run"
                              f"{'s' if len(self.envs) == 1 else ''} none of {names}")
        if not changes:
            return None
        check_not_frozen(cfg, list(targets), overrides)
        check_not_held(cfg, {env: {name: t.new_tag for name, t in moved.items() if t.new_tag}
                             for env, moved in targets.items()}, overrides)
        for env, moved_targets in targets.items():
            source = cfg.previous_env(env)
            pins = {name: Pin(t.new_tag, t.digest) for name, t in moved_targets.items()
                    if not any(c.rollback for c in changes if (c.env, c.image) == (env, name))}
            if source is not None and pins:
                check_soak(cfg, tree, env, source, pins, overrides, "bump")
        logs = changelogs(self.config, self.request.source_repo,
                          [(c.env, c.old, c.new) for c in changes])
        plan = BumpPlan(tuple(changes), self.tag, self.sha, targets, logs)
        message = bump_message(plan.changes, self.tag, self.sha, overrides.trailers(),
                               changelog_lines(logs))
        return Proposal(tuple(edits), message, plan)

    def _rollback(self, tree: Path, cfg: Config, env: str, image: str, old: str | None
                  ) -> bool:
        """A rollback by the app's history (with --source-repo), by the tag scheme's order (a
        version older than the one running), or by the environment's own: a tag it ran
        before."""
        if self.sha is not None and _is_rollback(self.config, self.request, self.sha, env,
                                                 image, old):
            return True
        if old is None:
            return False
        move = moves_back(cfg.tag_scheme, walk(tree, cfg, env), image, old, self.tag)
        if move is None:
            return False
        if not self.request.allow_rollback:
            raise GateRefusal(move.refusal(env))
        return True


def _target(config: Config, request: BumpRequest) -> tuple[str, str | None]:
    """The tag to deploy, and the app commit it is made of (None under a scheme of versions)."""
    scheme = config.tag_scheme
    if request.commit is not None and request.tag is not None:
        raise UsageError("--commit and --tag do not go together: give one")
    if not scheme.of_commits:
        if request.commit is not None:
            raise UsageError(f"tagScheme {scheme.label} deploys tags, not commits: give --tag "
                             f"TAG instead of --commit")
        if request.tag is None:
            raise UsageError(f"tagScheme {scheme.label} needs --tag TAG: the tag to deploy")
        if request.source_repo is not None:
            raise UsageError(f"--source-repo goes with --commit: tags of tagScheme "
                             f"{scheme.label} name no app commit")
        if not scheme.accepts(request.tag):
            raise UsageError(f"--tag '{request.tag}' does not follow tagScheme {scheme.label}")
        return request.tag, None
    if request.tag is not None:
        raise UsageError(f"tagScheme {scheme.label} makes tags of app commits: give --commit "
                         f"SHA instead of --tag")
    if request.commit is None:
        raise UsageError("give --commit SHA: the app commit whose images to deploy")
    sha = normalise_commit(request.commit)
    if request.source_repo is not None:
        sha = gitrepo.resolve_commit(request.source_repo, sha)
    else:
        require_full_sha(config, sha)
    return make_tag(config, sha), sha


def bump(config: Config, request: BumpRequest, options: DeliveryOptions) -> BumpResult:
    tag, sha = _target(config, request)
    for env in request.envs:
        config.require_env(env)
    envs = [env for env in config.environments if env in request.envs] or list(
        config.stages[0])
    images = select_images(config, request.images)
    digests = _digests(request.digests, images)
    if request.pin_digest and not request.verify_registry:
        raise UsageError("--pin-digest goes with --verify-registry")
    check_bump_order(config, envs, request.overrides)
    request.overrides.trailers()  # a reason must be one line, before anything is planned
    planner = _Planner(config, request, envs, images, tag, sha, _Pins(request, tag, digests))

    def verify(tree: Path, proposal: Proposal[BumpPlan]) -> None:
        verify_images(config, tree, proposal.data.targets)

    def branch_name(proposal: Proposal[BumpPlan]) -> str:
        return f"deploy/{'+'.join(envs)}/{sha[:SHORT] if sha else branch_part(tag)}"

    return BumpResult(tag, sha, deliver(config.root, planner, verify, options, branch_name))
