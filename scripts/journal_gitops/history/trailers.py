"""Commit messages the tooling writes and reads back: a subject, a body, and trailers that say
what kind of change a commit is. History, rollbacks and promotions rely on the trailers, so their
names live here once."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import Enum
from typing import TYPE_CHECKING

from ..adapters.shas import SHORT, short_sha
from ..errors import UsageError

if TYPE_CHECKING:  # the builders read these; the parser (used by delivery) needs none of them
    from ..overlays.snapshot import ImageChange, StateChange

SOURCE_COMMIT = "Source-Commit"
SOURCE_TAG = "Source-Tag"  # what a bump deploys under a tag scheme of versions (no commit)
PREVIOUS_TAG = "Previous-Tag"
ENVIRONMENT = "Environment"
CHANGE_KIND = "Change-Kind"
PROMOTED_FROM = "Promoted-From"
PROMOTED_COMMIT = "Promoted-Commit"
ROLLED_BACK_TO = "Rolled-Back-To"
REVERTS = "Reverts"
HOLD = "Hold"  # ENV IMAGE=TAG REASON: a tag held out of an environment and later stages
RELEASED = "Released"  # the same, for a hold lifted
# Release gates: why a change went through a gate that would have refused it.
BREAK_GLASS = "Break-Glass"
SKIP_ORDER = "Skip-Order"
SKIP_SOAK = "Skip-Soak"
ALLOW_ROLLBACK = "Allow-Rollback"


class ChangeKind(str, Enum):
    """What a commit did to an environment (the Change-Kind trailer)."""

    BUMP = "bump"
    PROMOTION = "promotion"
    ROLLBACK = "rollback"
    REVERT = "revert"  # a commit undone for every environment it reached
    HOLD = "hold"  # a tag held out of an environment by hand
    RELEASE = "release"  # a hold lifted
    ENV = "env"
    FREEZE = "freeze"
    CLUSTER = "cluster"  # a cluster named or dropped: no environment changes
    MANUAL = "manual"  # no trailer: a change made by hand

    def __str__(self) -> str:
        return self.value


Trailer = tuple[str, str]


@dataclass(frozen=True)
class CommitMessage:
    subject: str
    body: tuple[str, ...] = ()  # lines between the subject and the trailers
    trailers: tuple[Trailer, ...] = ()

    def text(self) -> str:
        parts = [self.subject]
        if self.body:
            parts.append("\n".join(self.body))
        if self.trailers:
            parts.append("\n".join(f"{key}: {value}" for key, value in self.trailers))
        return "\n\n".join(parts) + "\n"

    def values(self, key: str) -> list[str]:
        return [value for k, value in self.trailers if k.lower() == key.lower()]

    @property
    def kind(self) -> ChangeKind:
        found = self.values(CHANGE_KIND)
        try:
            return ChangeKind(found[-1].strip()) if found else ChangeKind.MANUAL
        except ValueError:
            return ChangeKind.MANUAL


def one_line(text: str, option: str) -> str:
    """A reason as a trailer, gitops.yaml and the status page carry it: one line of printable
    text (no control character, no terminal escape), its spaces folded."""
    if not text.strip() or not text.isprintable():
        raise UsageError(f"{option} needs a reason on one line, without control characters")
    return " ".join(text.split())


def hold_trailer(key: str, env: str, image: str | None, tag: str, reason: str) -> Trailer:
    """`Hold: prod web=1a2b3c4... 500s on /orders` (image `*`: every app image)."""
    return key, f"{env} {image or '*'}={tag} {reason}"


def change_trailers(envs: Sequence[str], kind: ChangeKind) -> tuple[Trailer, ...]:
    """The trailers every change of the tooling ends with."""
    return (*((ENVIRONMENT, env) for env in envs), (CHANGE_KIND, kind.value))


def _trailer(line: str) -> Trailer | None:
    key, sep, value = line.partition(": ")
    if sep and key and all(c.isalnum() or c == "-" for c in key):
        return key, value.strip()
    return None


def parse(text: str) -> CommitMessage:
    """Subject, body and trailers of a commit message (the trailers are its last paragraph)."""
    paragraphs = text.strip("\n").split("\n\n")
    subject = paragraphs[0].splitlines()[0] if paragraphs[0] else ""
    rest = paragraphs[1:]
    trailers: tuple[Trailer, ...] = ()
    if rest:
        found = [_trailer(line) for line in rest[-1].splitlines()]
        if found and all(t is not None for t in found):
            trailers = tuple(t for t in found if t is not None)
            rest = rest[:-1]
    body = tuple("\n\n".join(rest).splitlines()) if rest else ()
    return CommitMessage(subject, body, trailers)


def _image_lines(changes: Sequence[ImageChange], width: int) -> list[str]:
    return [f"  {c.image.ljust(width)}  {short_sha(c.old)} -> {short_sha(c.new)}"
            + (f" @{c.new_digest}" if c.new_digest else "") for c in changes]


def bump_message(changes: Sequence[ImageChange], tag: str, sha: str | None,
                 extra: Sequence[Trailer] = (), changelog: Sequence[str] = ()) -> str:
    """Subject `deploy(envs): images -> tag`, a block per environment, the app commits it
    carries (`changelog` lines, when known), and the trailers: Source-Commit names the app
    commit (Source-Tag the tag, for a tag scheme of versions), `extra` comes before the standard
    Environment and Change-Kind ones."""
    envs = list(dict.fromkeys(c.env for c in changes))
    images = list(dict.fromkeys(c.image for c in changes))
    rolled_back = sorted({c.env for c in changes if c.rollback})
    verb, kind = ("rollback", ChangeKind.ROLLBACK) if rolled_back else ("deploy", ChangeKind.BUMP)
    body: list[str] = []
    if rolled_back:
        what = (f"app commit {sha[:SHORT]} is not a descendant of" if sha
                else f"{tag} goes back from")
        body += [f"This is a rollback: {what} what {', '.join(rolled_back)} runs now.", ""]
    width = max(len(c.image) for c in changes)
    for env in envs:
        body.append(f"{env}:")
        body += _image_lines([c for c in changes if c.env == env], width)
    if changelog:
        body += ["", *changelog]
    trailers = [(SOURCE_COMMIT, sha) if sha else (SOURCE_TAG, tag)]
    trailers += [(PREVIOUS_TAG, f"{c.env}/{c.image}={c.old or 'none'}") for c in changes]
    return CommitMessage(f"{verb}({','.join(envs)}): {', '.join(images)} -> {short_sha(tag)}",
                         tuple(body), (*trailers, *extra, *change_trailers(envs, kind))).text()


def state_message(verb: str, kind: ChangeKind, changes: Sequence[StateChange],
                  notes: Sequence[str], trailers: Sequence[Trailer]) -> str:
    """A promotion's or rollback's message: what moved in each environment it changes."""
    envs = [change.env for change in changes]
    images = list(dict.fromkeys(c.image for change in changes for c in change.images))
    moved = next((change.images[0] for change in changes if change.images), None)
    if moved is not None:
        subject = f"{verb}({','.join(envs)}): {', '.join(images)} -> {short_sha(moved.new)}"
    else:
        keys = dict.fromkeys(c.what for change in changes for c in change.config)
        subject = f"{verb}({','.join(envs)}): {', '.join(keys)}"
    body = [*notes, ""] if notes else []
    width = max(len(name) for change in changes
                for name in [*(c.image for c in change.images), *(c.what for c in change.config)])
    previous: list[Trailer] = []
    for change in changes:
        body.append(f"{change.env}:")
        body += _image_lines(change.images, width)
        body += [f"  {c.what.ljust(width)}  {c.old} -> {c.new}" for c in change.config]
        previous += [(PREVIOUS_TAG, f"{change.env}/{c.image}={c.old or 'none'}")
                     for c in change.images]
    return CommitMessage(subject, tuple(body),
                         (*previous, *trailers, *change_trailers(envs, kind))).text()


def env_message(env: str, subject: str, paragraph: str = "",
                extra: Sequence[Trailer] = ()) -> str:
    """A change to an environment's definition (new, settings, delete)."""
    body = (paragraph,) if paragraph else ()
    return CommitMessage(f"env({env}): {subject}", body,
                         (*extra, *change_trailers([env], ChangeKind.ENV))).text()


def cluster_message(name: str, subject: str, paragraph: str) -> str:
    """A change to the clusters gitops.yaml names (no environment moves with it)."""
    return CommitMessage(f"cluster({name}): {subject}", (paragraph,),
                         ((CHANGE_KIND, ChangeKind.CLUSTER.value),)).text()
