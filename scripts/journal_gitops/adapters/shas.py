"""How commit shas, tags made of them and digests are written short: one rule for every output,
commit message and branch name."""

from __future__ import annotations

import re

SHORT = 7
FULL_SHA = re.compile(r"^[0-9a-f]{40}$")
SHA = re.compile(r"^[0-9a-f]{7,40}$")  # a commit's sha, full or as short as git takes


def short_sha(value: str | None) -> str:
    """A full sha (or a tag that is one) as its first 7 characters; anything else as it is."""
    if value is None:
        return "(none)"
    return value[:SHORT] if FULL_SHA.match(value) else value


def branch_part(tag: str) -> str:
    """A tag as one part of a branch name, a full sha written short: git refuses `..`, a final
    `.` and `.lock` in a branch, which a registry takes in a tag."""
    part = re.sub(r"\.{2,}", ".", short_sha(tag)).rstrip(".")
    return part.removesuffix(".lock") or "tag"


def short_digest(digest: str) -> str:
    """`sha256:` and the first 12 hex characters."""
    return digest[:19]


def short_pin(tag: str | None, digest: str | None) -> str:
    """A tag with its digest, both short."""
    return short_sha(tag) + (f"@{short_digest(digest)}" if digest else "")
