"""`bump-image`: move environments to the images built from one app commit, as one commit."""

from __future__ import annotations

import re
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from . import git, kustomize, registry
from .change import FileEdit, GitOptions, Outcome, Proposal, deliver, read_file
from .config import Config, ManagedImage
from .errors import GitopsError, UsageError
from .kustomization import ImageTarget, Kustomization, set_images
from .manifests import parse_documents, split_image

HEX = re.compile(r"^[0-9a-f]{7,40}$")
DIGEST = re.compile(r"^sha256:[0-9a-f]{64}$")


@dataclass(frozen=True)
class BumpRequest:
    commit: str
    envs: tuple[str, ...] = ()
    images: tuple[str, ...] = ()
    source_repo: Path | None = None
    digests: tuple[str, ...] = ()  # NAME=sha256:...
    verify_registry: bool = False
    pin_digest: bool = False
    allow_rollback: bool = False


@dataclass(frozen=True)
class ImageChange:
    env: str
    image: str
    old: str | None
    new: str
    old_digest: str | None
    new_digest: str | None
    rollback: bool = False


@dataclass(frozen=True)
class BumpPlan:
    """What a bump changes, as found on the tree it was planned on."""

    changes: tuple[ImageChange, ...]
    tag: str
    sha: str


@dataclass(frozen=True)
class BumpResult:
    plan: BumpPlan | None  # None: everything was already at the tag
    tag: str
    sha: str
    outcome: Outcome


def normalise_commit(commit: str) -> str:
    sha = commit.strip().lower()
    if not HEX.match(sha):
        raise UsageError(f"--commit must be 7 to 40 hex characters, not '{commit}'")
    return sha


def make_tag(config: Config, sha: str) -> str:
    return config.tag_scheme.replace("{sha}", sha).replace("{short}", sha[: config.short_length])


def _full_sha_needed(config: Config, sha: str) -> None:
    if "{sha}" in config.tag_scheme and len(sha) < 40:
        raise UsageError(f"tagScheme {config.tag_scheme_label} needs all 40 characters of the "
                         f"commit: give them, or --source-repo to resolve {sha}")
    if "{short}" in config.tag_scheme and len(sha) < config.short_length:
        raise UsageError(f"tagScheme {config.tag_scheme_label} needs at least "
                         f"{config.short_length} characters of the commit")


def commit_of_tag(config: Config, tag: str | None) -> str | None:
    """The commit (or its short form) a tag made by the tag scheme came from."""
    if not tag:
        return None
    pattern = re.escape(config.tag_scheme).replace(r"\{sha\}", "(?P<sha>[0-9a-f]{40})")
    pattern = pattern.replace(r"\{short\}", f"(?P<short>[0-9a-f]{{{config.short_length}}})")
    match = re.fullmatch(pattern, tag)
    if not match:
        return None
    return match.groupdict().get("sha") or match.groupdict().get("short")


def short(tag: str | None) -> str:
    if tag is None:
        return "(none)"
    return tag[:7] if re.fullmatch(r"[0-9a-f]{40}", tag) else tag


def select_images(config: Config, names: Sequence[str]) -> list[ManagedImage]:
    apps = {image.name: image for image in config.app_images}
    if not names:
        return list(apps.values())
    chosen = []
    for name in names:
        if name in apps:
            chosen.append(apps[name])
        elif any(image.name == name for image in config.images):
            raise UsageError(f"{name} is a third-party image: only images built from the app "
                             f"repository are bumped")
        else:
            raise UsageError(f"unknown image '{name}' (app images: {', '.join(apps)})")
    return list(dict.fromkeys(chosen))


def _digests(pairs: Sequence[str], images: list[ManagedImage]) -> dict[str, str]:
    names = {image.name for image in images}
    out: dict[str, str] = {}
    for pair in pairs:
        name, sep, digest = pair.partition("=")
        if not sep or not DIGEST.match(digest):
            raise UsageError(f"--digest takes NAME=sha256:<64 hex>, not '{pair}'")
        if name not in names:
            raise UsageError(f"--digest names {name}, which this bump does not move")
        out[name] = digest
    return out


def verify_images(config: Config, tree: Path, expected: dict[str, dict[str, ImageTarget]]
                  ) -> None:
    """Render each changed overlay: every container of a moved image must run the new ref."""
    tool = kustomize.find_kustomize()
    envs = list(expected)
    with ThreadPoolExecutor(max_workers=kustomize.render_workers(len(envs))) as pool:
        renders = list(pool.map(lambda env: kustomize.render(tool, tree / config.overlay_rel(env)),
                                envs))
    for env, render in zip(envs, renders, strict=True):
        if render.error is not None:
            message = render.error.replace(f"{tree}/", "")
            raise GitopsError(f"{env}: the edited overlay does not build: {message}")
        resources = parse_documents(render.manifests, config.overlay_rel(env))
        for name, target in expected[env].items():
            want = f"{target.new_name}:{target.new_tag}" + (
                f"@{target.digest}" if target.digest else "")
            found = 0
            for resource in resources:
                for container in resource.containers():
                    image = str(container.get("image", ""))
                    repo = split_image(image)[0]
                    if repo not in (target.new_name, name):
                        continue
                    found += 1
                    if image != want:
                        raise GitopsError(f"{env}: after the edit {resource.kind} {resource.name} "
                                          f"runs {image}, not {want}")
            if not found:
                raise GitopsError(f"{env}: no container runs {name} after the edit")


def commit_message(plan: BumpPlan, verb: str = "deploy", kind: str = "bump",
                   extra_trailers: Sequence[str] = ()) -> str:
    """Subject `verb(envs): images -> tag`, a body per env, and trailers history reads back."""
    envs = list(dict.fromkeys(c.env for c in plan.changes))
    images = list(dict.fromkeys(c.image for c in plan.changes))
    rollback = any(c.rollback for c in plan.changes)
    if rollback:
        verb = kind = "rollback"
    subject = f"{verb}({','.join(envs)}): {', '.join(images)} -> {short(plan.tag)}"
    body = [subject, ""]
    if rollback:
        body += [f"This is a rollback: app commit {plan.sha[:7]} is not a descendant of what "
                 f"{', '.join(sorted({c.env for c in plan.changes if c.rollback}))} runs now.", ""]
    width = max(len(c.image) for c in plan.changes)
    for env in envs:
        body.append(f"{env}:")
        for c in (c for c in plan.changes if c.env == env):
            digest = f" @{c.new_digest}" if c.new_digest else ""
            body.append(f"  {c.image.ljust(width)}  {short(c.old)} -> {short(c.new)}{digest}")
    body.append("")
    body.append(f"Source-Commit: {plan.sha}")
    body += [f"Previous-Tag: {c.env}/{c.image}={c.old or 'none'}" for c in plan.changes]
    body += [f"Environment: {env}" for env in envs]
    body.append(f"Change-Kind: {kind}")
    body += list(extra_trailers)
    return "\n".join(body) + "\n"


def _is_rollback(config: Config, request: BumpRequest, sha: str, env: str, image: str,
                 old: str | None) -> bool:
    if request.source_repo is None or old is None:
        return False
    old_commit = commit_of_tag(config, old)
    verdict = git.is_ancestor(request.source_repo, old_commit, sha) if old_commit else None
    if verdict is None:
        if request.allow_rollback:
            return False
        raise GitopsError(f"{env}: cannot tell whether {image} {short(old)} -> {short(sha)} is a "
                          f"rollback ({short(old)} is not a commit of {request.source_repo}); "
                          f"pass --allow-rollback to move anyway")
    if verdict:
        return False
    if not request.allow_rollback:
        raise GitopsError(f"{env}: {short(sha)} is not a descendant of {short(old)}, which "
                          f"{image} runs now: that is a rollback; pass --allow-rollback")
    return True


def bump(config: Config, request: BumpRequest, options: GitOptions) -> BumpResult:
    sha = normalise_commit(request.commit)
    if request.source_repo is not None:
        sha = git.resolve_commit(request.source_repo, sha)
    else:
        _full_sha_needed(config, sha)
    tag = make_tag(config, sha)
    for env in request.envs:
        config.require_env(env)
    envs = [env for env in config.environments if env in request.envs] or [
        config.environments[0]]
    images = select_images(config, request.images)
    digests = _digests(request.digests, images)
    if request.pin_digest and not request.verify_registry:
        raise UsageError("--pin-digest goes with --verify-registry")
    checked: dict[str, str] = {}

    def pinned(image: str, new_name: str) -> str | None:
        """The digest to write; with --verify-registry the tag must exist first."""
        if not request.verify_registry:
            return digests.get(image)
        if new_name not in checked:
            ref = registry.parse_reference(new_name, tag)
            found = registry.manifest_digest(ref)
            if found is None:
                raise GitopsError(f"{image}: {ref.display} is not in the registry")
            checked[new_name] = found
        found = checked[new_name]
        if not request.pin_digest:
            return digests.get(image)
        if digests.get(image, found) != found:
            raise GitopsError(f"{image}: --digest {digests[image]} is not the registry's {found}")
        return found

    expected: dict[str, dict[str, ImageTarget]] = {}

    def plan(tree: Path) -> Proposal | None:
        edits, changes = [], []
        expected.clear()
        for env in envs:
            rel = config.overlay_file(env, tree)
            text = read_file(tree, rel)
            current = Kustomization(text, rel)
            targets = []
            for image in images:
                entry = current.image(image.name)
                assert image.new_name is not None
                new_name = entry.new_name if entry and entry.new_name else image.new_name
                target = ImageTarget(image.name, new_name, tag, pinned(image.name, new_name))
                old = entry.new_tag if entry else None
                old_digest = entry.digest if entry else None
                if entry and (old, old_digest, entry.new_name) == (
                        target.new_tag, target.digest, target.new_name):
                    continue
                targets.append(target)
                changes.append(ImageChange(env, image.name, old, tag, old_digest, target.digest,
                                           _is_rollback(config, request, sha, env, image.name,
                                                        old)))
            if targets:
                edits.append(FileEdit(rel, text, set_images(text, rel, targets)))
                expected[env] = {t.name: t for t in targets}
        if not changes:
            return None
        bump_plan = BumpPlan(tuple(changes), tag, sha)
        return Proposal(tuple(edits), commit_message(bump_plan), bump_plan)

    def verify(tree: Path, proposal: Proposal) -> None:
        verify_images(config, tree, expected)

    def branch_name(proposal: Proposal) -> str:
        return f"deploy/{'+'.join(envs)}/{sha[:7]}"

    outcome = deliver(config.root, plan, verify, options, branch_name)
    data = outcome.proposal.data if outcome.proposal else None
    return BumpResult(data if isinstance(data, BumpPlan) else None, tag, sha, outcome)


def pr_body(config: Config, plan: BumpPlan) -> str:
    """Markdown for the pull request: what moves where, and the app's own diff when known."""
    app = config.app_repo_url.rstrip("/").removesuffix(".git") if config.app_repo_url else None
    target = f"[`{plan.sha[:7]}`]({app}/commit/{plan.sha})" if app else f"`{plan.sha[:7]}`"
    envs = ", ".join(f"**{e}**" for e in dict.fromkeys(c.env for c in plan.changes))
    lines = [f"Deploys app commit {target} to {envs}.", "",
             "| env | image | from | to |", "| --- | --- | --- | --- |"]
    for c in plan.changes:
        lines.append(f"| {c.env} | {c.image} | `{short(c.old)}` | `{short(c.new)}` |")
    if any(c.rollback for c in plan.changes):
        lines += ["", "**This is a rollback.**"]
    olds = sorted({sha for c in plan.changes if (sha := commit_of_tag(config, c.old))})
    if app and olds:
        lines.append("")
        for old in olds:
            lines.append(f"App changes: {app}/compare/{old}...{plan.sha}")
    return "\n".join(lines) + "\n"
