"""`gitops validate` starts its kustomize builds before the command line is imported.

Importing click, the rules and the schemas takes about as long as kustomize takes to build, so
the builds start first and the command takes them over when it gets to them (a build is taken
only for the very same command line, see adapters.kustomize_runs).

What to start is remembered in a plan, in the cache: each environment's overlay folder and
whether its inputs are refused, and the kustomize command, with the fingerprints of everything
that decided them: gitops.yaml, every place the search for kustomize looks, the tooling's own
files, and everything the check that a build fetches nothing looked at (see
kustomize_inputs.depends_on). A plan is good only for the repository, Python and kustomize
search it was made for. While every fingerprint holds, the builds start after a few hundred
`stat` calls, with only os, json, subprocess and threading loaded. Otherwise gitops.yaml is read,
the overlays checked, the builds started and the plan made again; a plan that started builds
the command did not take is dropped.

The command line is read here only as far as it names the repository and the environments;
anything else (help, a misspelt option) starts nothing, and the command line then says what is
wrong. A clone with a branch move to finish starts nothing either: the recovery changes files.
"""

from __future__ import annotations

import contextlib
import os
import sys
import time
import zlib
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from .adapters import kustomize_runs
from .adapters.cache import cache_dir, read_json, write_json
from .errors import CONFIG_FILE, GitopsError
from .fingerprints import fingerprints, presences, present_as, settled, unchanged
from .pending_move import pending
from .repo_root import find

PLAN_VERSION = 3
_SEARCH = ("PATH", "GITOPS_KUSTOMIZE")  # what decides which kustomize is found

_VALUED = {"--repo", "--output", "-o", "--env", "--crds"}
_BEFORE_COMMAND = {"--repo", "--output", "-o"}


def _options(argv: Sequence[str]) -> tuple[list[tuple[bool, str, str]], str | None] | None:
    """(after the command?, option, value) of each option, and the command; None for
    anything this reading does not know."""
    found: list[tuple[bool, str, str]] = []
    command: str | None = None
    i = 0
    while i < len(argv):
        arg = argv[i]
        name, eq, value = arg.partition("=")
        if arg.startswith("-o") and not arg.startswith("--") and len(arg) > 2:
            name, eq, value = "-o", "=", arg[2:]
        if arg.startswith("-"):
            allowed = _VALUED if command else _BEFORE_COMMAND
            if name not in allowed:
                return None
            if not eq:
                i += 1
                if i == len(argv):
                    return None
                value = argv[i]
            found.append((command is not None, name, value))
        elif command is None:
            command = arg
        else:
            return None
        i += 1
    return found, command


def _repo(options: list[tuple[bool, str, str]]) -> str | None:
    """--repo after the command, else $GITOPS_REPO, else --repo before it (click's order)."""
    after = [v for later, name, v in options if later and name == "--repo"]
    before = [v for later, name, v in options if not later and name == "--repo"]
    given = (after[-1:] or [os.environ.get("GITOPS_REPO") or ""])[0] or (before[-1:] or [""])[0]
    return given or None


def start_renders(argv: Sequence[str]) -> None:
    """For `gitops validate`: start building the environments it will check. Whatever goes
    wrong here starts nothing more, and the command reports it in its own words."""
    parsed = _options(argv)
    if parsed is None or parsed[1] != "validate":
        return
    options = parsed[0]
    envs = [value for _, name, value in options if name == "--env"]
    try:
        repo = _repo(options)
        root = Path(repo).resolve() if repo else find(Path.cwd())
        if root is None or pending(root):
            return
        commands = planned(root, envs)
        if commands is not None:
            kustomize_runs.start(commands)
            return
        saved = plan(root, envs, kustomize_runs.start)
        path = _plan_file(root)
        if saved is not None and path is not None:
            write_json(path, saved)
    except Exception:  # a shortcut only: the command checks everything again, and says why
        return


def _plan_file(root: Path) -> Path | None:
    """Named by a cheap hash of the root; the plan's key holds the root itself."""
    folder = cache_dir("prestart")
    return folder / f"{zlib.crc32(str(root).encode()):08x}.json" if folder else None


def drop_plan(root: Path) -> None:
    """Forget the plan of `root`: it started builds the command did not take."""
    path = _plan_file(root)
    if path is not None:
        with contextlib.suppress(OSError):  # a cache that cannot be written is only slower
            path.unlink(missing_ok=True)


def _key(root: Path) -> list[str]:
    """What a plan is only good for: this repository, this Python installation and copy of
    the tooling, and this kustomize search."""
    return [str(PLAN_VERSION), str(root), sys.prefix, str(Path(__file__).parent),
            *(os.environ.get(name, "") for name in _SEARCH)]


def planned(root: Path, envs: Sequence[str]) -> list[list[str]] | None:
    """The build command lines of `envs` (default: all) when the plan for `root` still holds;
    None when there is none, or it does not cover them all."""
    path = _plan_file(root)
    saved: Any = read_json(path) if path else None
    try:
        if saved["key"] != _key(root) or str(root / CONFIG_FILE) not in saved["shared"]:
            return None
        tool, environments = saved["tool"], saved["environments"]
        chosen = list(dict.fromkeys(envs)) if envs else list(environments)
        if not all(env in environments for env in chosen) or not _is_kustomize(tool, saved):
            return None
        if not unchanged(saved["shared"]) or not all(
                unchanged(environments[env]["inputs"]) and present_as(environments[env]["probes"])
                for env in chosen):
            return None
        overlays = [environments[env]["overlay"] for env in chosen
                    if not environments[env]["refused"]]  # the command reports why
        if not all(isinstance(rel, str) and _inside(rel) for rel in overlays):
            return None
        return [[*tool, str(root / rel)] for rel in overlays]
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None


def _is_kustomize(tool: Any, saved: Any) -> bool:
    """A plan only ever starts `kustomize build` or `kubectl kustomize` from a path it
    fingerprinted, whatever else a damaged or planted cache file holds."""
    return (isinstance(tool, list) and len(tool) == 2 and tool[0] in saved["shared"]
            and tool[1] in ("build", "kustomize") and isinstance(tool[0], str))


def _inside(rel: str) -> bool:
    path = Path(rel)
    return bool(rel) and not path.is_absolute() and ".." not in path.parts


def plan(root: Path, envs: Sequence[str],
         start: Callable[[list[list[str]]], None]) -> dict[str, Any] | None:
    """Read gitops.yaml and check the inputs of `envs` (default: all); `start` their builds,
    then check every other environment and return the plan to save (None when what it would
    rest on had not settled, or gitops.yaml or kustomize is not usable: the command says why)."""
    from .adapters import kustomize
    from .config import load_config
    from .kustomize_inputs import depends_on

    since = time.time_ns()  # a fingerprint is kept only if it had settled before anything was read
    try:
        config = load_config(root)
        tool = kustomize.find_kustomize()
        selected = config.select(envs or None)
    except GitopsError:
        return None
    directories = {env: config.root / config.overlay_rel(env) for env in config.environments}
    refused = {env: kustomize.refusal(directories[env]) is not None for env in selected}
    start([tool.build_args(directories[env]) for env in selected if not refused[env]])
    environments: dict[str, dict[str, Any]] = {}
    for env, directory in directories.items():
        paths, probes = depends_on(directory)
        inputs = fingerprints([*_named(directory, config.root), *paths])
        if not settled(inputs, since):
            return None  # planned again by a later run, once the files have settled
        if env not in refused:
            refused[env] = kustomize.refusal(directory) is not None
        environments[env] = {"overlay": config.overlay_rel(env), "refused": refused[env],
                             "inputs": inputs, "probes": presences(probes)}
    shared = fingerprints([str(config.root / CONFIG_FILE), *_tool_paths(tool.command[0]),
                           *_code_paths()])
    if len(tool.command) != 2 or not settled(shared, since):
        return None
    return {"key": _key(root), "tool": list(tool.command), "shared": shared,
            "environments": environments}


def _named(directory: Path, root: Path) -> list[str]:
    """The overlay folder as kustomize is given it, and each folder above it up to the
    repository: a link among them can be pointed elsewhere, even outside the repository."""
    return [str(folder) for folder in [directory, *directory.parents]
            if folder.is_relative_to(root)]


def _tool_paths(chosen: str) -> list[str]:
    """Every place the search for kustomize looks (kustomize then kubectl in each folder of
    the PATH, $GITOPS_KUSTOMIZE, the kubectl extra's binary) and the binary it chose."""
    from .adapters.kustomize import ENV_OVERRIDE, bundled_kubectl

    folders = os.environ.get("PATH", "").split(os.pathsep)
    paths = [chosen, *folders]
    paths += [str(Path(folder) / name) for folder in folders for name in ("kustomize", "kubectl")]
    override, bundled = os.environ.get(ENV_OVERRIDE), bundled_kubectl()
    return paths + ([override] if override else []) + ([str(bundled)] if bundled else [])


def _code_paths() -> list[str]:
    """The tooling's own files and folders: another version may check inputs differently."""
    files = sorted(Path(__file__).parent.rglob("*.py"))
    return [str(path) for path in [*files, *sorted({file.parent for file in files})]]
