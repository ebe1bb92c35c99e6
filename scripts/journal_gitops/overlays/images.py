"""Image references and tags: how an app commit becomes a tag, which images a change moves, and
the check that a rendered overlay runs exactly the images an edit meant."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

from ..adapters.kustomize import error_text
from ..adapters.shas import SHA
from ..config.model import Config, ManagedImage
from ..errors import GitopsError, UsageError
from ..kube.images import split_image
from ..kube.objects import parse_render
from .render import render_many


@dataclass(frozen=True)
class ImageTarget:
    """Where one image should point after an edit."""

    name: str
    new_name: str
    new_tag: str
    digest: str | None


class Pin(NamedTuple):
    """What an overlay pins an image to."""

    tag: str | None
    digest: str | None


def normalise_commit(commit: str) -> str:
    sha = commit.strip().lower()
    if not SHA.match(sha):
        raise UsageError(f"--commit must be 7 to 40 hex characters, not '{commit}'")
    return sha


def make_tag(config: Config, sha: str) -> str:
    return config.tag_scheme.make(sha)


def require_full_sha(config: Config, sha: str) -> None:
    """Without the app repository a short sha cannot make a tag that needs more of it."""
    scheme = config.tag_scheme
    template = scheme.template or ""
    if "{sha}" in template and len(sha) < 40:
        raise UsageError(f"tagScheme {scheme.label} needs all 40 characters of the "
                         f"commit: give them, or --source-repo to resolve {sha}")
    if "{short}" in template and len(sha) < scheme.short_length:
        raise UsageError(f"tagScheme {scheme.label} needs at least "
                         f"{scheme.short_length} characters of the commit")


def commit_of_tag(config: Config, tag: str | None) -> str | None:
    """The commit (or its short form) a tag made by the tag scheme came from (None for a
    scheme of versions)."""
    return config.tag_scheme.commit_of(tag)


def select_images(config: Config, names: Sequence[str]) -> list[ManagedImage]:
    """The app images named (default: all of them); third-party images are never moved."""
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


def verify_images(config: Config, tree: Path,
                  expected: Mapping[str, Mapping[str, ImageTarget]]) -> None:
    """Render each changed overlay: every container of a moved image must run the new ref."""
    with render_many(tree, {env: config.overlay_rel(env) for env in expected}) as jobs:
        renders = {env: job.result() for env, job in jobs.items()}
    for env, render in renders.items():  # every build first, then every image
        if render.error is not None:
            raise GitopsError(f"{env}: the edited overlay does not build: "
                              f"{error_text(render.error, tree)}")
    for env, render in renders.items():
        resources = parse_render(render.manifests, config.overlay_rel(env))
        for name, target in expected[env].items():
            want = f"{target.new_name}:{target.new_tag}" + (
                f"@{target.digest}" if target.digest else "")
            found = 0
            for resource in resources:
                for container in resource.containers():
                    image = str(container.get("image", ""))
                    if split_image(image).repository not in (target.new_name, name):
                        continue
                    found += 1
                    if image != want:
                        raise GitopsError(f"{env}: after the edit {resource.kind} {resource.name} "
                                          f"runs {image}, not {want}")
            if not found:
                raise GitopsError(f"{env}: no container runs {name} after the edit")
