"""`gitops hold`, `hold list` and `release`: tags held out of an environment and every later
stage, recorded in gitops.yaml with who held them, when and why. A rollback holds the tags it
rolled away from; bump, promote and the release gate refuse to bring a held tag back.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ..adapters import gitrepo
from ..adapters.files import FileEdit, read_file
from ..adapters.shas import branch_part, short_sha
from ..changes.delivery import Delivery, DeliveryOptions, Proposal, deliver
from ..config import CONFIG_FILE
from ..config.edit import add_holds, remove_holds
from ..config.gates import Hold
from ..config.load import load_config
from ..config.model import Config
from ..config.tags import TagScheme
from ..errors import UsageError
from ..history.trailers import (
    HOLD,
    RELEASED,
    ChangeKind,
    CommitMessage,
    change_trailers,
    hold_trailer,
    one_line,
)
from ..timing.clock import now


@dataclass(frozen=True)
class HoldChange:
    """Holds set or lifted in one environment."""

    env: str
    action: str  # hold or release
    holds: tuple[Hold, ...]
    reason: str  # why they were set, or lifted
    files: tuple[str, ...] = (CONFIG_FILE,)


def _checked(config: Config, env: str, tag: str, image: str | None, reason: str
             ) -> tuple[str, str | None, str]:
    config.require_env(env)
    tag = tag.strip()
    if not tag or not all(c.isalnum() or c in "._-" for c in tag):
        raise UsageError(f"--tag {tag!r} is not an image tag")
    if image is not None and image not in [i.name for i in config.app_images]:
        raise UsageError(f"unknown app image '{image}' (app images: "
                         f"{', '.join(i.name for i in config.app_images)})")
    return tag, image, one_line(reason, "--reason")


def _matches(hold: Hold, env: str, tag: str, image: str | None, scheme: TagScheme) -> bool:
    """Whether releasing `tag` (of `image`, or of every app image) in `env` lifts this hold:
    the tags match as bump and promote match them (Hold.covers)."""
    return hold.env == env and hold.covers(hold.image or image or "", tag, scheme) and (
        image is None or hold.image in (None, image))


def hold_message(action: str, env: str, holds: list[Hold], reason: str) -> str:
    what = ", ".join(f"{h.image or 'app images'} {short_sha(h.tag)}" for h in holds)
    key = HOLD if action == "hold" else RELEASED
    body = ((f"Keeps {what} out of {env} and every later stage until `gitops release`."
             if action == "hold" else f"Lets {what} into {env} again."),)
    return CommitMessage(f"{action}({env}): {what}: {reason}", body, (
        *(hold_trailer(key, h.env, h.image, h.tag, reason) for h in holds),
        *change_trailers([env], ChangeKind.HOLD if action == "hold" else ChangeKind.RELEASE),
    )).text()


def hold(config: Config, env: str, tag: str, image: str | None, reason: str,
         options: DeliveryOptions) -> Delivery[HoldChange]:
    """Hold a tag out of an environment and every later stage."""
    tag, image, reason = _checked(config, env, tag, image, reason)

    def plan(tree: Path) -> Proposal[HoldChange] | None:
        cfg = load_config(tree)
        added = cfg.gates.unheld(env, {image: tag}, reason, gitrepo.identity(tree), now())
        if not added:
            return None
        text = read_file(tree, CONFIG_FILE)
        return Proposal((FileEdit(CONFIG_FILE, text, add_holds(text, added)),),
                        hold_message("hold", env, added, reason),
                        HoldChange(env, "hold", tuple(added), reason))

    return deliver(config.root, plan, _verify, options, lambda p: f"hold/{env}/{branch_part(tag)}")


def release(config: Config, env: str, tag: str, image: str | None, reason: str,
            options: DeliveryOptions) -> Delivery[HoldChange]:
    """Lift the holds of a tag in an environment."""
    tag, image, reason = _checked(config, env, tag, image, reason)

    def plan(tree: Path) -> Proposal[HoldChange] | None:
        cfg = load_config(tree)
        gone = [i for i, h in enumerate(cfg.gates.holds)
                if _matches(h, env, tag, image, cfg.tag_scheme)]
        if not gone:
            return None
        lifted = [cfg.gates.holds[i] for i in gone]
        text = read_file(tree, CONFIG_FILE)
        return Proposal((FileEdit(CONFIG_FILE, text, remove_holds(text, gone)),),
                        hold_message("release", env, lifted, reason),
                        HoldChange(env, "release", tuple(lifted), reason))

    return deliver(config.root, plan, _verify, options,
                   lambda p: f"release/{env}/{branch_part(tag)}")


def _verify(tree: Path, proposal: Proposal[HoldChange]) -> None:
    """The edited gitops.yaml reads back with exactly those holds set, or gone."""
    cfg = load_config(tree)
    held = {(h.env, h.image, h.tag) for h in cfg.gates.holds}
    for h in proposal.data.holds:
        if ((h.env, h.image, h.tag) in held) != (proposal.data.action == "hold"):
            raise UsageError(f"{CONFIG_FILE}: the {proposal.data.action} of {short_sha(h.tag)} did "
                             f"not read back")


def hold_list(config: Config) -> tuple[Hold, ...]:
    return config.gates.holds
