"""gitops.yaml's `tagScheme`: which tags of the app images are the app's, and which of two comes
first. A scheme of commits (full, short, or a template with {sha} or {short}) makes a tag from
an app commit, and the environment's history orders its tags; a scheme of versions (semver, or
a pattern with an order) takes the tag as released, and its order tells a move back."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from . import invalid
from .versions import SEMVER_PATTERN, Order, before, placed

TEMPLATES = {"full": "{sha}", "short": "{short}"}
SEMVER = "semver"
VERSION_GROUP = "version"  # a pattern's group that the order compares (default: the whole tag)
IMAGE_TAG = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}")  # what a registry takes as a tag


@dataclass(frozen=True)
class TagScheme:
    """A tag scheme: a template of app commits, or a pattern of versions with their order."""

    label: str  # as gitops.yaml writes it, for messages
    template: str | None = None  # None: tags are versions, not made of commits
    pattern: str = ""  # of a scheme of versions: a regex the whole tag matches
    order: Order = Order.HISTORY
    short_length: int = 7  # characters of the commit in {short}

    @property
    def of_commits(self) -> bool:
        return self.template is not None

    def regex(self) -> re.Pattern[str]:
        """What every tag of the scheme matches; of a template, the commit is its group `sha`
        (or `short`)."""
        if self.template is None:
            return re.compile(rf"^(?:{self.pattern})\Z")
        out, named = [], set()
        for part in re.split(r"(\{sha\}|\{short\})", self.template):
            if part in ("{sha}", "{short}"):
                group = part.strip("{}")
                length = 40 if group == "sha" else self.short_length
                name = f"?P<{group}>" if group not in named else ""
                named.add(group)
                out.append(f"({name}[0-9a-f]{{{length}}})")
            else:
                out.append(re.escape(part))
        return re.compile("^" + "".join(out) + "$")

    def make(self, sha: str) -> str:
        """The tag of an app commit (a scheme of commits only)."""
        template = self.template or ""
        return template.replace("{sha}", sha).replace("{short}", sha[: self.short_length])

    def commit_of(self, tag: str | None) -> str | None:
        """The commit (or its short form) a tag of a scheme of commits was made from."""
        match = self.regex().match(tag) if tag and self.of_commits else None
        if not match:
            return None
        return match.groupdict().get("sha") or match.groupdict().get("short")

    def version(self, tag: str | None) -> str | None:
        """What the order compares of a tag of the scheme: its group `version`, or all of it
        (None: not a tag of the scheme)."""
        match = self.regex().match(tag) if tag else None
        if match is None:
            return None
        found = match.groupdict().get(VERSION_GROUP)
        return found if found is not None else match.group(0)

    def accepts(self, tag: str | None) -> bool:
        """A tag a registry takes, of the scheme, and one its order can place."""
        version = self.version(tag) if tag and IMAGE_TAG.fullmatch(tag) else None
        return version is not None and placed(self.order, version)

    def before(self, new: str, old: str) -> bool | None:
        """Whether `new` comes before `old` in the scheme's order (None: the order is history,
        or it cannot place both, such as a commit's tag left from an earlier scheme)."""
        first, second = self.version(new), self.version(old)
        return None if first is None or second is None else before(self.order, first, second)


def parse_tag_scheme(raw: Any, short_length: int = 7) -> TagScheme:
    """The scheme `tagScheme` names (default full), its shape held to schema.json before."""
    if isinstance(raw, dict):
        return _pattern_scheme(str(raw["pattern"]), Order(raw["order"]), short_length)
    name = str(raw or "full")
    if name == SEMVER:
        return TagScheme(SEMVER, pattern=SEMVER_PATTERN, order=Order.SEMVER,
                         short_length=short_length)
    template = TEMPLATES.get(name, name)
    if "{sha}" not in template and "{short}" not in template:
        raise invalid(f"'tagScheme' {raw!r} must be full, short, semver, a template with {{sha}} "
                      f"or {{short}}, or a pattern with an order")
    if not re.fullmatch(r"[A-Za-z0-9_.{}-]+", template):
        raise invalid(f"'tagScheme' {raw!r} would not make a valid image tag")
    label = next((known for known, text in TEMPLATES.items() if text == template), template)
    return TagScheme(label, template=template, short_length=short_length)


def _pattern_scheme(pattern: str, order: Order, short_length: int) -> TagScheme:
    try:
        re.compile(pattern)
    except re.error as exc:
        raise invalid(f"tagScheme.pattern {pattern!r} is not a regular expression: "
                      f"{exc}") from None
    return TagScheme(f"{{pattern: {pattern}, order: {order}}}", pattern=pattern, order=order,
                     short_length=short_length)
