"""What tells a file or folder apart from its earlier states without reading it.

An answer learnt from files (this overlay needs nothing from the network, kustomize is this
binary) may be reused while every path it looked at keeps its fingerprint. A fingerprint holds
the inode, size, mode and both change times: any write, rename over, link or new entry in a
folder moves the change time, which never goes back. Clocks tick coarsely, so an answer is only
kept when nothing it looked at changed in the last SETTLE_NS before it was learnt (this takes
file times from the clock of this machine: a file server whose clock is behind by more than
that can make a fresh change look settled).

Nothing heavy is imported: `gitops validate` compares fingerprints before loading anything
else.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterable, Mapping

Fingerprint = list[int]  # [device, inode, mode, size, mtime ns, ctime ns], as JSON keeps it
SETTLE_NS = 2_000_000_000
_CTIME = 5


def fingerprint(path: str) -> Fingerprint | None:
    """The path as it is now (symbolic links followed), or None when nothing is there."""
    try:
        info = os.stat(path)  # noqa: PTH116 (hundreds per run: a Path for each costs more)
    except (OSError, ValueError):
        return None
    return [info.st_dev, info.st_ino, info.st_mode, info.st_size, info.st_mtime_ns,
            info.st_ctime_ns]


def fingerprints(paths: Iterable[str]) -> dict[str, Fingerprint | None]:
    return {path: fingerprint(path) for path in paths}


def presence(path: str) -> int | None:
    """What kind of thing is at the path (file, folder, ...; links followed), or None: for
    names only looked for, such as `.git`, whose times change with every git command."""
    try:
        return stat.S_IFMT(os.stat(path).st_mode)  # noqa: PTH116 (as in fingerprint)
    except (OSError, ValueError):
        return None


def presences(paths: Iterable[str]) -> dict[str, int | None]:
    return {path: presence(path) for path in paths}


def present_as(recorded: Mapping[str, int | None]) -> bool:
    """Every path holds the same kind of thing as when `recorded` was taken."""
    return all(presence(path) == known for path, known in recorded.items())


def unchanged(recorded: Mapping[str, Fingerprint | None]) -> bool:
    """Every path is as it was when `recorded` was taken."""
    return all(fingerprint(path) == known for path, known in recorded.items())


def settled(recorded: Mapping[str, Fingerprint | None], since_ns: int) -> bool:
    """Nothing recorded changed after `since_ns - SETTLE_NS`: what was read from these paths at
    or after `since_ns` is what they still hold while their fingerprints are unchanged."""
    limit = since_ns - SETTLE_NS
    return all(known is None or known[_CTIME] < limit for known in recorded.values())
