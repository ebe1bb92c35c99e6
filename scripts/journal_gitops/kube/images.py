"""Image references as the kubelet reads them: `[registry/]repository[:tag][@digest]`."""

from __future__ import annotations

import re
from typing import NamedTuple

from ..adapters.digests import DIGEST

__all__ = ["DIGEST", "ImageRef", "image_problem", "split_image"]

TAG = re.compile(r"^[\w][\w.-]{0,127}$")
PATH_COMPONENT = re.compile(r"^[a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*$")
DOMAIN = re.compile(r"^([a-zA-Z0-9]([a-zA-Z0-9-]*[a-zA-Z0-9])?)(\.[a-zA-Z0-9]([a-zA-Z0-9-]*"
                    r"[a-zA-Z0-9])?)*(:[0-9]+)?$")

class ImageRef(NamedTuple):
    """An image reference split into its parts."""

    repository: str
    tag: str | None
    digest: str | None


def split_image(image: str) -> ImageRef:
    """repository, tag, digest of an image reference."""
    name, _, digest = image.partition("@")
    last = name.rsplit("/", 1)[-1]
    if ":" in last:
        repo, _, tag = name.rpartition(":")
        return ImageRef(repo, tag, digest or None)
    return ImageRef(name, None, digest or None)


def image_problem(image: str) -> str | None:
    """Why the kubelet cannot pull this reference, or None (an empty image is image-tag's)."""
    if not image:
        return None
    name, _, digest = image.partition("@")
    if digest and not DIGEST.match(digest):
        return f"digest {digest} is not sha256: followed by 64 lowercase hex digits"
    head, sep, tag = name.rpartition(":")
    if sep and "/" not in tag:
        name = head
        if not TAG.match(tag):
            return f"tag {tag!r} is not a valid tag"
    parts = name.split("/")
    if len(parts) > 1 and ("." in parts[0] or ":" in parts[0] or parts[0] == "localhost"):
        if not DOMAIN.match(parts[0]):
            return f"registry {parts[0]!r} is not a host name"
        parts = parts[1:]
    for part in parts:
        if not PATH_COMPONENT.match(part):
            if PATH_COMPONENT.match(part.lower()):
                return f"repository {name} has capitals: repositories are lowercase"
            return f"repository {name} is not a valid repository name"
    return None
