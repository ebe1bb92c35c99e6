"""How version tags are ordered, to tell a move to an older one: by semantic-version precedence
(semver.org), by the numbers in the tag, or as plain text; `history` orders nothing (the
environment's own history judges instead).

A registry's tag allows no `+`, so a semantic version here has no build metadata; `v1.2.3` and
`2.0` (patch 0) are taken as registries and release pipelines write them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import Enum


class Order(str, Enum):
    """An order of tags, as gitops.yaml names it."""

    SEMVER = "semver"
    NUMERIC = "numeric"
    LEXICAL = "lexical"
    HISTORY = "history"

    def __str__(self) -> str:
        return self.value


_NUMBER = r"0|[1-9][0-9]*"
_IDENTIFIER = rf"(?:{_NUMBER}|[0-9]*[A-Za-z-][0-9A-Za-z-]*)"
# A semantic version as a tag, for a tag scheme's pattern.
SEMVER_PATTERN = (rf"v?(?P<major>{_NUMBER})\.(?P<minor>{_NUMBER})(?:\.(?P<patch>{_NUMBER}))?"
                  rf"(?:-(?P<pre>{_IDENTIFIER}(?:\.{_IDENTIFIER})*))?")
_SEMVER = re.compile(SEMVER_PATTERN)

# One pre-release identifier: (0, n, "") for a number, (1, 0, text) otherwise, so that numbers
# come first and compare as numbers, the others as ASCII text.
PreRelease = tuple[int, int, str]


@dataclass(frozen=True, order=True)
class SemVer:
    """A semantic version, ordered by precedence: major, minor, patch, then a pre-release
    before its release, pre-releases identifier by identifier (a longer one after its
    prefix)."""

    major: int
    minor: int
    patch: int
    release: bool  # no pre-release part: after every pre-release of the same numbers
    pre: tuple[PreRelease, ...] = ()

    @classmethod
    def parse(cls, text: str) -> SemVer | None:
        """The version a tag writes (None: it is not one)."""
        match = _SEMVER.fullmatch(text)
        if match is None:
            return None
        pre = match["pre"]
        return cls(int(match["major"]), int(match["minor"]), int(match["patch"] or 0),
                   pre is None, tuple(map(_identifier, pre.split("."))) if pre else ())


def _identifier(part: str) -> PreRelease:
    return (0, int(part), "") if part.isdigit() else (1, 0, part)


def numbers(text: str) -> tuple[int, ...] | None:
    """The numbers in a tag, in turn (build-10 after build-9; None: it has none)."""
    found = tuple(int(n) for n in re.findall(r"[0-9]+", text))
    return found or None


def placed(order: Order, text: str) -> bool:
    """Whether the order can place this tag (history places every tag)."""
    if order is Order.SEMVER:
        return SemVer.parse(text) is not None
    if order is Order.NUMERIC:
        return numbers(text) is not None
    return True


def before(order: Order, new: str, old: str) -> bool | None:
    """Whether `new` comes strictly before `old` in the order (None: the order is history, or
    it cannot place both)."""
    if order is Order.SEMVER:
        a, b = SemVer.parse(new), SemVer.parse(old)
        return None if a is None or b is None else a < b
    if order is Order.NUMERIC:
        x, y = numbers(new), numbers(old)
        return None if x is None or y is None else x < y
    if order is Order.LEXICAL:
        return new < old
    return None
