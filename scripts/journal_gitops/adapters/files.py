"""The files of a working tree: read exactly as stored, written all together or not at all, and
never outside the tree, even through a symbolic link."""

from __future__ import annotations

import os
import stat
import tempfile
from dataclasses import dataclass
from pathlib import Path

from ..errors import GitopsError


@dataclass(frozen=True)
class FileEdit:
    path: str  # relative to the repository root
    before: str | None  # None: the file is new
    after: str | None  # None: the file is deleted


def unsafe_folder(folder: Path, others: int = 0o022) -> str | None:
    """Why a folder is not this user's own (a link, not a folder, another user's, open to
    others by the `others` mode bits), or None: where what is kept may be trusted."""
    try:
        info = folder.lstat()
    except OSError as exc:
        return f"cannot read {folder}: {exc.strerror}"
    if stat.S_ISLNK(info.st_mode):
        return f"{folder} is a symbolic link"
    if not stat.S_ISDIR(info.st_mode):
        return f"{folder} is not a folder"
    if info.st_uid != os.geteuid():
        return f"{folder} belongs to another user"
    if info.st_mode & others:
        return f"{folder} may be written by other users (chmod 700 it)"
    return None


def resolved(folder: str, rel: str) -> str:
    """`os.path.realpath` of `rel` inside `folder`, for a folder with no link on its own path:
    only the parts of `rel` are looked up (one `lstat` each, none for `..`), where realpath
    looks up every part of the folder's path again. Walks of many overlays resolve thousands
    of entries this way."""
    if rel.startswith("/"):
        return os.path.realpath(rel)
    current, parts = folder, rel.split("/")
    for index, part in enumerate(parts):
        if part in ("", "."):
            continue
        if part == "..":
            current = os.path.dirname(current)  # noqa: PTH120 (strings, as realpath takes)
            continue
        candidate = os.path.join(current, part)  # noqa: PTH118
        try:
            linked = stat.S_ISLNK(os.lstat(candidate).st_mode)
        except (OSError, ValueError):
            linked = True  # missing or odd: realpath says what it makes of the rest
        if linked:
            return os.path.realpath(os.path.join(candidate, *parts[index + 1:]))  # noqa: PTH118
        current = candidate
    return current


def real_path(root: Path, rel: str) -> str:
    """`rel` with symbolic links resolved, relative to `root`; refused when a link leads out of
    the repository (an edit must never reach a file elsewhere on the machine)."""
    top = root.resolve()
    target = (root / rel).resolve()
    if target != top and top not in target.parents:
        raise GitopsError(f"{rel} leads out of the repository through a symbolic link: refused")
    return target.relative_to(top).as_posix()


def read_file(root: Path, rel: str) -> str:
    """A file's text exactly as stored (line endings included), for editing in place."""
    path = root / real_path(root, rel)
    try:
        with path.open(encoding="utf-8", newline="") as handle:
            return handle.read()
    except FileNotFoundError:
        raise GitopsError(f"{rel} does not exist") from None
    except UnicodeDecodeError:
        raise GitopsError(f"{rel} is not UTF-8 text") from None
    except IsADirectoryError:
        raise GitopsError(f"{rel} is a folder, not a file") from None
    except NotADirectoryError:
        raise GitopsError(f"{rel}: a folder on its path is a file") from None
    except OSError as exc:
        raise GitopsError(f"cannot read {rel}: {exc.strerror}") from None


def write_files(root: Path, edits: tuple[FileEdit, ...]) -> list[str]:
    """All files change or none does: every new text is staged beside its file first. A
    symbolic link inside the repository is kept: its target is written. Returns the paths
    written, links resolved (what git must commit)."""
    staged: list[tuple[Path, Path | None]] = []
    written: list[str] = []
    try:
        for edit in edits:
            link = root / edit.path
            if edit.after is None:
                real_path(root, str(Path(edit.path).parent))  # the folder must be ours
                staged.append((link, None))
                written.append(edit.path)
                continue
            rel = real_path(root, edit.path)
            target = root / rel
            if target.is_dir():  # checked before anything is replaced: all or nothing
                raise GitopsError(f"cannot write {rel}: it is a folder")
            target.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.")
            with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
                handle.write(edit.after)
            if target.exists():
                Path(tmp).chmod(target.stat().st_mode & 0o777)
            staged.append((target, Path(tmp)))
            written.append(rel)
    except OSError as exc:
        for _, tmp_path in staged:
            if tmp_path is not None:
                tmp_path.unlink(missing_ok=True)
        raise GitopsError(f"cannot write {exc.filename}: {exc.strerror}") from None
    except GitopsError:
        for _, tmp_path in staged:
            if tmp_path is not None:
                tmp_path.unlink(missing_ok=True)
        raise
    for target, tmp_path in staged:
        if tmp_path is None:
            target.unlink(missing_ok=True)
            _remove_empty_parents(target.parent, root)
        else:
            tmp_path.replace(target)
    return list(dict.fromkeys(written))


def _remove_empty_parents(folder: Path, root: Path) -> None:
    """A deleted environment leaves no empty folders behind."""
    while folder != root and folder.is_dir() and not any(folder.iterdir()):
        folder.rmdir()
        folder = folder.parent
