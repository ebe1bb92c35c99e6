"""The lock files git leaves when a process is killed while it holds one (`index.lock`,
`HEAD.lock`, `refs/heads/<branch>.lock`): until they go, every later git command that needs
the lock fails, the user's plain `git commit` included.

git holds a lock by keeping the file open from its creation to its rename, so a lock file no
process has open is one a dead process left. Processes are looked up in /proc; a git process
whose open files cannot be read (another user's) might hold it, and then the lock stays.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

PROC = Path("/proc")


def _held(paths: set[str]) -> set[str] | None:
    """Which of `paths` some process has open; None when that cannot be known (no /proc)."""
    if not PROC.is_dir():
        return None
    held: set[str] = set()
    for entry in PROC.iterdir():
        if not entry.name.isdigit():
            continue
        try:
            links = [str(fd.readlink()) for fd in (entry / "fd").iterdir()]
        except PermissionError:
            try:
                name = (entry / "comm").read_text().strip()
            except OSError:
                continue
            if name.startswith("git"):
                return None  # a git process whose files we cannot see
            continue
        except OSError:  # gone meanwhile
            continue
        held.update(link for link in links if link in paths)
    return held


def remove_stale(candidates: Iterable[Path]) -> list[str]:
    """Remove the lock files among `candidates` that no process holds; what was removed."""
    present = {str(path.resolve()): path for path in candidates if path.is_file()}
    if not present:
        return []
    held = _held(set(present))
    if held is None:
        return []
    removed = []
    for real, path in present.items():
        if real not in held:
            path.unlink(missing_ok=True)
            removed.append(str(path))
    return removed
