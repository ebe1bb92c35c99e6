"""Image rules: every container runs an image that cannot change under it, and the app's images
come from where gitops.yaml says they are built, tagged by the configured scheme."""

from __future__ import annotations

from collections.abc import Iterator

from ...kube.images import split_image
from .context import EnvContext
from .model import Hit, Rule, Severity


def check_image_tag(ctx: EnvContext) -> Iterator[Hit]:
    for c in ctx.containers():
        image = str(c.body.get("image", ""))
        _, tag, digest = split_image(image)
        if digest:
            continue
        if tag is None:
            yield c.workload, f"{c.label}: image {image} has no tag", (*c.path, "image")
        elif tag == "latest":
            yield c.workload, f"{c.label}: image {image} uses the latest tag", (*c.path, "image")


def check_tag_scheme(ctx: EnvContext) -> Iterator[Hit]:
    scheme = ctx.config.tag_scheme
    for c in ctx.containers():
        repo, tag, _ = split_image(str(c.body.get("image", "")))
        for image in ctx.config.app_images:
            basename = (image.new_name or image.name).rsplit("/", 1)[-1]
            if repo == image.name and image.new_name != image.name:  # kept its base name
                yield c.workload, (f"{c.label}: image {image.name} is not set by the overlay's "
                                   f"images: list"), (*c.path, "image")
            elif repo.rsplit("/", 1)[-1] == basename and repo != image.new_name:
                yield c.workload, (f"{c.label}: image {repo} is not {image.new_name}, where "
                                   f"gitops.yaml says it is built"), (*c.path, "image")
            elif repo == image.new_name and not scheme.accepts(tag):
                yield c.workload, (f"{c.label}: tag {tag} of {repo} does not follow the tag "
                                   f"scheme {scheme.label}"), (*c.path, "image")


# --- the rules ---------------------------------------------------------------------------------

IMAGE_TAG = Rule(
    "image-tag", Severity.HIGH,
    summary="every image has a tag or digest, and the tag is not latest",
    why="An untagged or `latest` image is whatever the registry holds when a node pulls it: pods "
        "of one Deployment run different code and a rollback restores nothing.",
    fix="Pin the image to a version tag or a digest (`image@sha256:...`); for app images, set "
        "newTag in the overlay's images: list with `gitops bump`.",
    check=check_image_tag)


TAG_SCHEME = Rule(
    "tag-scheme", Severity.HIGH,
    summary="app images use the registry in gitops.yaml and a tag made by the tag scheme",
    why="Bumps, promotion, history and rollback find an environment's app commit or version from "
        "the image tag; an image from elsewhere or tagged by hand is one they cannot track.",
    fix="Set the image through the overlay's images: list (newName as in gitops.yaml, newTag from "
        "the commit or the version), e.g. `gitops bump --commit SHA` (or `--tag TAG` for a "
        "tagScheme of versions).",
    check=check_tag_scheme)
