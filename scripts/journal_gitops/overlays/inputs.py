"""Every input of a kustomization tree is a file or folder of this repository.

kustomize fetches a `resources:` (or `bases:`, `components:`) entry it cannot find on disk as a
remote: a URL, a `git@` or `file://` location, `github.com/org/repo//path?ref=...`, or a path it
does not find locally. The render then depends on what another place serves and needs the
network. `inspect` reads the kustomization files themselves, before any render, and an overlay
with any problem is not built (render.refusal), so no build ever fetches anything.

A kustomization is read here as strictly as kustomize reads it, or more: one YAML document of
UTF-8 text, a mapping, no custom tags, no key written twice. A file that cannot be read that way
is itself a problem, never skipped: kustomize might still read it, and fetch what it names.
"""

from __future__ import annotations

import dataclasses
import errno
import os
import stat
import threading
from collections.abc import Collection, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..adapters.files import resolved
from ..adapters.kustomize import KUSTOMIZATION_FILES
from ..adapters.yamlload import load as load_yaml
from ..cache.parsed import parsed
from ..config import CONFIG_FILE
from ..errors import GitopsError

REMOTE_MARKERS = ("://", "git@", "?ref=", "?version=", "?timeout=", "?submodules=")
REMOTE_HOSTS = ("github.com/", "gitlab.com/", "bitbucket.org/", "dev.azure.com/")
FOLDER_FIELDS = ("resources", "bases", "components")  # may be kustomizations, fetched if remote
FILE_LIST_FIELDS = ("crds", "configurations", "generators", "transformers", "validators",
                    "patchesStrategicMerge")


@dataclass(frozen=True)
class InputProblem:
    file: str  # the kustomization file, relative to the repository root
    line: int  # of the entry, 0 when not found
    message: str


_parsed: dict[str, dict[str, Any] | str] = {}  # text -> data or why not: content-keyed
_lock = threading.Lock()


def _parse(text: str, name: str) -> dict[str, Any] | str:
    """A kustomization text's data, or why kustomize cannot read it."""
    try:
        data = parsed("kustomization", text, lambda t: load_yaml(t, name))
    except GitopsError as exc:
        return str(exc).removeprefix(f"{name}: ")
    return data if isinstance(data, dict) else "it is not a mapping of kustomization fields"


def load(path: Path) -> tuple[dict[str, Any] | str, str]:
    """A kustomization file's data and text, or why it cannot be read as kustomize reads it."""
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        return "it is not UTF-8 text", ""
    except OSError as exc:
        return f"it cannot be read: {exc.strerror}", ""
    with _lock:
        if text in _parsed:
            return _parsed[text], text
    found = _parse(text, path.name)
    with _lock:
        _parsed[text] = found
    return found, text


def repository_root(directory: Path) -> Path:
    """The folder holding gitops.yaml (or .git) at or above `directory` as it is named (a link
    on the way is not followed: the repository is the one the path is in); else `directory`."""
    start = Path(os.path.normpath(directory.absolute()))
    for folder in [start, *start.parents]:
        if (folder / CONFIG_FILE).is_file() or (folder / ".git").exists():
            return folder.resolve()
    return start.resolve()


def kustomization_file(folder: Path) -> Path | None:
    return next((folder / n for n in KUSTOMIZATION_FILES if (folder / n).is_file()), None)


def entries(data: dict[str, Any]) -> list[tuple[str, str, bool]]:
    """(field, entry, is a folder that may be fetched) of every path a kustomization names."""
    out: list[tuple[str, str, bool]] = []

    def strings(value: Any) -> list[str]:
        items = value if isinstance(value, list) else [value] if isinstance(value, str) else []
        return [str(v) for v in items if isinstance(v, str | int) and "\n" not in str(v)]

    for field in FOLDER_FIELDS:
        out += [(field, entry, True) for entry in strings(data.get(field))]
    for field in FILE_LIST_FIELDS:
        out += [(field, entry, False) for entry in strings(data.get(field))]
    for field in ("patches", "patchesJson6902", "replacements"):
        for item in data.get(field) or [] if isinstance(data.get(field), list) else []:
            if isinstance(item, dict):
                out += [(field, entry, False) for entry in strings(item.get("path"))]
    for field in ("configMapGenerator", "secretGenerator"):
        for item in data.get(field) or [] if isinstance(data.get(field), list) else []:
            if not isinstance(item, dict):
                continue
            for entry in strings(item.get("files")):
                out.append((field, entry.split("=", 1)[-1], False))
            out += [(field, entry, False) for entry in [*strings(item.get("envs")),
                                                          *strings(item.get("env"))]]
    openapi = data.get("openapi")
    if isinstance(openapi, dict):
        out += [("openapi", entry, False) for entry in strings(openapi.get("path"))]
    return out


def _line(text: str, entry: str) -> int:
    for number, line in enumerate(text.splitlines(), 1):
        if entry in line and not line.lstrip().startswith("#"):
            return number
    return 0


def _remote(entry: str) -> bool:
    return any(m in entry for m in REMOTE_MARKERS) or entry.startswith(REMOTE_HOSTS) or (
        "//" in entry.lstrip("/"))


def _host_like(entry: str) -> bool:
    """kustomize reads a missing `host.tld/org/repo` path as a git repository to clone; a
    missing `nope.yaml` or `sub/dir` is only an error it reports itself."""
    first = entry.split("/", 1)[0]
    return "/" in entry and "." in first.strip(".")


@dataclass(frozen=True)
class _Folder:
    """One kustomization as the walk needs it: its inputs' problems and its local folders."""

    file: Path
    data: dict[str, Any]
    text: str
    problems: tuple[InputProblem, ...]
    children: tuple[Path, ...]
    absent: tuple[Path, ...] = ()  # entries inside the repository that are not there


def _kind(folder: str, entry: str) -> tuple[str, bool, bool] | None:
    """An entry of a kustomization in `folder` (resolved) with its links resolved, whether it
    is a folder and whether it exists; None for a loop of links (or a name no file can
    have)."""
    target = os.path.join(folder, entry)  # noqa: PTH118 (strings: every entry of every walk)
    try:
        target = resolved(folder, entry)
        mode = os.stat(target).st_mode  # noqa: PTH116 (strings: every entry of every walk)
    except FileNotFoundError:
        return target, False, False
    except (OSError, ValueError) as exc:
        if isinstance(exc, OSError) and exc.errno != errno.ELOOP:
            return target, False, False  # not a folder we can walk: as if absent
        return None
    return target, stat.S_ISDIR(mode), True


def _analyse(folder: Path, file: Path, base: Path, data: dict[str, Any] | str, text: str
             ) -> _Folder:
    """The entries of one kustomization file (as `load` read it), each resolved and checked."""
    rel = file.relative_to(base).as_posix() if file.is_relative_to(base) else str(file)
    if isinstance(data, str):
        problem = InputProblem(rel, 0, f"cannot be read as kustomize reads it: {data}")
        return _Folder(file, {}, text, (problem,), ())
    found, children, absent = [], [], []
    top = str(base)
    for field, entry, fetchable in entries(data):
        kind = _kind(str(folder), entry)
        if kind is None:
            found.append(InputProblem(rel, _line(text, entry),
                                      f"{field} entry {entry} is a loop of links"))
            continue
        target, is_dir, exists = kind
        inside = target == top or target.startswith(top + os.sep)
        message = None
        if _remote(entry):
            message = f"{field} entry {entry} is a remote location (URL, git or file://)"
        elif entry.startswith("/"):
            message = f"{field} entry {entry} is an absolute path"
        elif not inside:
            message = f"{field} entry {entry} is outside this repository"
        elif fetchable and is_dir:
            children.append(Path(target))
        elif not exists:
            absent.append(Path(target))
        if fetchable and message is None and not exists and _host_like(entry):
            message = (f"{field} entry {entry} does not exist in this repository (kustomize "
                       f"would try to fetch it)")
        if message:
            found.append(InputProblem(rel, _line(text, entry), message))
    return _Folder(file, data, text, tuple(found), tuple(children), tuple(absent))


@dataclass
class Batch:
    """What walks made together share (the overlays of one command, started at once, while
    nothing is written): each folder's kustomization read and analysed once, each overlay's
    repository found once. An environment's bases are every environment's."""

    analysed: dict[tuple[Path, Path], _Folder | None] = dataclasses.field(default_factory=dict)
    roots: dict[Path, Path] = dataclasses.field(default_factory=dict)

    def root_of(self, directory: Path) -> Path:
        parent = Path(os.path.normpath(directory.absolute())).parent
        if parent not in self.roots:
            self.roots[parent] = repository_root(directory)
        return self.roots[parent]


def _read(folder: Path, base: Path) -> _Folder | None:
    """The kustomization of a folder, analysed (None: the folder has none)."""
    file = kustomization_file(folder)
    if file is None:
        return None
    data, text = load(file)
    return _analyse(folder, file, base, data, text)


def _visit(start: Path, base: Path, batch: Batch | None = None
           ) -> Iterator[tuple[Path, _Folder | None]]:
    """Every folder the walk looks in, each once, nearest first, with its kustomization as
    read (None: no kustomization file there)."""
    seen: set[Path] = set()
    pending = [start.resolve()]
    while pending:
        folder = pending.pop(0)
        if folder in seen:
            continue
        seen.add(folder)
        if batch is None:
            info = _read(folder, base)
        elif (folder, base) in batch.analysed:
            info = batch.analysed[(folder, base)]
        else:
            info = batch.analysed[(folder, base)] = _read(folder, base)
        yield folder, info
        if info is not None:
            pending.extend(info.children)


@dataclass(frozen=True)
class Inputs:
    """What a build of one overlay reads: every folder kustomize loads a kustomization from
    (each resolved), and the problems that refuse the build; `absent`: the entries inside the
    repository that are not there."""

    folders: tuple[Path, ...]
    problems: tuple[InputProblem, ...]
    absent: tuple[Path, ...] = ()


def inspect(directory: Path, root: Path | None = None, batch: Batch | None = None) -> Inputs:
    """The inputs of the kustomization in `directory` and of those it includes, each checked to
    be a path inside `root` (default: the repository around `directory`); `batch`: see
    _visit."""
    base = (root or (batch.root_of(directory) if batch else repository_root(directory))
            ).resolve()
    found = list(_visit(directory, base, batch))
    known = [info for _, info in found if info is not None]
    return Inputs(tuple(folder for folder, _ in found),
                  tuple(p for info in known for p in info.problems),
                  tuple(path for info in known for path in info.absent))


def walk(start: Path, root: Path) -> Iterator[tuple[Path, Path, dict[str, Any], str]]:
    """(folder, kustomization file, its data, its text) of every kustomization reached from
    `start` through entries that are folders inside `root`, each once, nearest first."""
    for folder, info in _visit(start, root.resolve()):
        if info is not None:
            yield folder, info.file, info.data, info.text


def touched_by(found: Inputs, root: Path, overlay: str, paths: Collection[str],
               top: Path | None = None) -> bool:
    """Whether a change to these files (relative to `root`; none of them a link) can change a
    build of the overlay at `overlay` whose inputs are `found`: one of them is in a folder the
    build loads or an entry it misses, or on the overlay's path itself (`top`: `root`
    resolved, when the caller asks about many overlays)."""
    base = os.fspath(top or root.resolve())
    inside = base.rstrip("/") + "/"
    prefixes = {overlay}
    for place in (*found.folders, *found.absent):  # each resolved, so plain text compares
        text = os.fspath(place)
        if text == base:
            return bool(paths)  # the whole repository
        if not text.startswith(inside):
            return True  # refused, or reaching out: always built afresh
        prefixes.add(text[len(inside):])
    return any(path == prefix or path.startswith(f"{prefix}/")
               for path in paths for prefix in prefixes)
