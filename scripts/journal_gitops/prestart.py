"""`gitops validate` starts its kustomize builds before the command line is imported.

Importing click, the rules and the schemas takes about as long as kustomize takes to build, so
the builds start first and the command takes them over when it gets to them (a build is taken
only for the very same command line, see adapters.kustomize_runs).

What to start is remembered in a plan, in the cache: the build command line of every
environment, with the fingerprints of everything that decided it (gitops.yaml, the kustomize
binary and the folders of the PATH it was found on) and of everything the check that the build
fetches nothing read (see kustomize_inputs.depends_on). While every fingerprint holds, the builds
start after a few `stat` calls, with only os, json, subprocess and threading loaded. Otherwise
gitops.yaml is read, every overlay checked, the builds started and the plan written again.

The command line is read here only as far as it names the repository and the environments;
anything else (help, a misspelt option) starts nothing, and the command line then says what is
wrong. A clone with a branch move to finish starts nothing either: the recovery changes files.
"""

from __future__ import annotations

import os
import time
import zlib
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from .adapters import kustomize_runs
from .adapters.cache import cache_dir, read_json, write_json
from .errors import CONFIG_FILE, GitopsError
from .fingerprints import fingerprints, settled, unchanged
from .pending_move import pending
from .repo_root import find

PLAN_VERSION = 1
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
    """For `gitops validate`: start building the environments it will check."""
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
        commands, saved = plan(root, envs)
        kustomize_runs.start(commands)
        if saved is not None:
            _write_plan(root, saved)
    except (OSError, ValueError):
        return


def _plan_file(root: Path) -> Path | None:
    """Named by a cheap hash of the root; the root is stored inside and compared on reading."""
    folder = cache_dir("prestart")
    return folder / f"{zlib.crc32(str(root).encode()):08x}.json" if folder else None


def _search() -> dict[str, str]:
    return {name: os.environ.get(name, "") for name in _SEARCH}


def planned(root: Path, envs: Sequence[str]) -> list[list[str]] | None:
    """The build command lines of `envs` (default: all), when the plan for `root` still holds."""
    path = _plan_file(root)
    saved: Any = read_json(path) if path else None
    try:
        if (saved["version"], saved["root"], saved["search"]) != (PLAN_VERSION, str(root),
                                                                   _search()):
            return None
        environments = saved["environments"]
        chosen = list(dict.fromkeys(envs)) if envs else list(environments)
        if not all(env in environments for env in chosen) or not unchanged(saved["shared"]):
            return None
        if not all(unchanged(environments[env]["inputs"]) for env in chosen):
            return None
        commands = [list(environments[env]["args"]) for env in chosen]
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None
    # Only the binary the plan fingerprinted is ever started from it.
    if all(isinstance(arg, str) for args in commands for arg in args) and all(
            args and args[0] in saved["shared"] for args in commands):
        return commands
    return None


def plan(root: Path, envs: Sequence[str]) -> tuple[list[list[str]], dict[str, Any] | None]:
    """Read gitops.yaml and check every environment's inputs: the build command lines of `envs`
    (default: all) that may start, and the plan to save (None when what it would rest on had not
    settled). A problem here starts nothing: the command reports it."""
    from .adapters import kustomize
    from .config import load_config
    from .kustomize_inputs import depends_on

    since = time.time_ns()  # a fingerprint is kept only if it had settled before anything was read
    try:
        config = load_config(root)
        tool = kustomize.find_kustomize()
        selected = config.select(envs or None)
    except GitopsError:
        return [], None
    environments: dict[str, dict[str, Any]] = {}
    commands = []
    for env in config.environments:
        directory = config.root / config.overlay_rel(env)
        if kustomize.refusal(directory) is not None:
            continue  # the command renders it itself, and reports why it is refused
        args = tool.build_args(directory)
        inputs = fingerprints(depends_on(directory))
        if env in selected:
            commands.append(args)
        if settled(inputs, since):
            environments[env] = {"args": args, "inputs": inputs}
    search = os.environ.get("PATH", "").split(os.pathsep)
    shared = fingerprints([str(config.root / CONFIG_FILE), tool.command[0], *search])
    if not settled(shared, since):
        return commands, None
    return commands, {"version": PLAN_VERSION, "root": str(root), "search": _search(),
                      "shared": shared, "environments": environments}


def _write_plan(root: Path, saved: dict[str, Any]) -> None:
    path = _plan_file(root)
    if path is not None:
        write_json(path, saved)
