"""What `gitops promote` and `gitops rollback` print: the moves of each environment changed,
where they were committed, and the pull request."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol, TypeVar

from ..adapters.shas import short_sha
from . import lines_of, table
from .changelog import changelog_json, changelog_markdown
from .delivery import delivery_json, delivery_text, short_answer
from .holds import hold_json_of

if TYPE_CHECKING:
    from ..changes.delivery import Delivery, DeliveryOptions
    from ..config.gates import Hold
    from ..history.changelog import Changelog
    from ..overlays.snapshot import StateChange


class Moves(Protocol):
    """A rollback (one environment's StateChange) or a promotion (one or several)."""

    @property
    def changes(self) -> tuple[StateChange, ...]: ...

    @property
    def changelog(self) -> tuple[Changelog, ...]: ...

    @property
    def unchanged(self) -> tuple[str, ...]: ...

    @property
    def rendered(self) -> tuple[str, ...]: ...  # what changes in the rendered manifests

    @property
    def restored(self) -> tuple[str, ...]: ...  # files put back as they were

    @property
    def holds(self) -> tuple[Hold, ...]: ...  # the holds the change sets


M = TypeVar("M", bound=Moves)


def state_rows(moves: Moves) -> str:
    """The aligned lines a promotion or rollback prints."""
    rows = []
    for change in moves.changes:
        rows += [(change.env, c.image, f"{short_sha(c.old)} -> {short_sha(c.new)}")
                 for c in change.images]
        rows += [(change.env, c.what, f"{c.old} -> {c.new}") for c in change.config]
    rows += [(env, "-", "already runs it") for env in moves.unchanged]
    envs = [change.env for change in moves.changes]
    rows += [(envs[0], path, "put back") for path in moves.restored]
    rows += [(hold.env, hold.image or "(app images)", f"held {short_sha(hold.tag)}")
             for hold in moves.holds]
    return table(("ENV", "WHAT", "CHANGE"), rows, header=False)


def state_markdown(moves: Moves, app_url: str | None = None) -> str:
    """A pull request body for a promotion or rollback."""
    lines: list[str] = []
    for change in moves.changes:
        lines += [*([""] if lines else []), f"Changes **{change.env}**.", "",
                  "| what | from | to |", "| --- | --- | --- |"]
        lines += [f"| {c.image} | `{short_sha(c.old)}` | `{short_sha(c.new)}` |"
                  for c in change.images]
        lines += [f"| {c.what} | `{c.old}` | `{c.new}` |" for c in change.config]
    if moves.rendered:
        lines += ["", "In the rendered manifests:", "",
                  *(f"- {line}" for line in moves.rendered)]
    if moves.holds:
        lines += ["", "Holds (until `gitops release`):", "",
                  *(f"- {hold.describe()}" for hold in moves.holds)]
    lines += changelog_markdown(moves.changelog, app_url)
    return lines_of(lines)


def state_text(done: Delivery[M], options: DeliveryOptions, nothing: str,
               app_url: str | None = None) -> str:
    short = short_answer(done, nothing)
    if short is not None or done.proposal is None:
        return short or ""
    moves = done.proposal.data
    return delivery_text(done, options, state_rows(moves), state_markdown(moves, app_url))


def state_json(done: Delivery[M], options: DeliveryOptions, nothing: str,
               app_url: str | None = None) -> str:
    """`env` is the first environment changed (the only one but for a promotion to several),
    `envs` all of them; each image and config entry names its environment."""
    moves = done.proposal.data if done.proposal else None
    data: dict[str, Any] = {"env": None, "envs": [], "images": [], "config": [],
                            "unchanged": [], "prBody": None, "changelog": [], "restored": [],
                            "rendered": [], "holds": []}
    if moves is not None:
        changes = moves.changes
        data = {
            "prBody": state_markdown(moves, app_url),
            "env": changes[0].env,
            "envs": [change.env for change in changes],
            "images": [{"env": change.env, "image": c.image, "old": c.old, "new": c.new,
                        "oldDigest": c.old_digest, "newDigest": c.new_digest}
                       for change in changes for c in change.images],
            "config": [{"env": change.env, "key": c.what, "old": c.old, "new": c.new}
                       for change in changes for c in change.config],
            "unchanged": list(moves.unchanged),
            "changelog": changelog_json(moves.changelog),
            "restored": list(moves.restored),
            "rendered": list(moves.rendered),
            "holds": [hold_json_of(hold) for hold in moves.holds],
        }
    return delivery_json(done, options, data)
