"""`gitops validate` starts its kustomize renders before the command line is imported.

Importing click and the commands takes about as long as kustomize takes to start, so the renders
begin straight after gitops.yaml is read, and the command takes them over when it gets to them
(adapters.kustomize.render_many takes a render only if it is the very same build). The command
line is read here only as far as it names the repository and the environments; anything else
(help, a misspelt option) starts nothing, and the command line then says what is wrong.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

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


def _repo(options: list[tuple[bool, str, str]]) -> Path | None:
    """--repo after the command, else $GITOPS_REPO, else --repo before it (click's order)."""
    after = [v for later, name, v in options if later and name == "--repo"]
    before = [v for later, name, v in options if not later and name == "--repo"]
    given = (after[-1:] or [os.environ.get("GITOPS_REPO") or ""])[0] or (before[-1:] or [""])[0]
    return Path(given) if given else None


def start_renders(argv: Sequence[str]) -> None:
    """For `gitops validate`: start rendering the environments it will check."""
    parsed = _options(argv)
    if parsed is None or parsed[1] != "validate":
        return
    options = parsed[0]
    envs = [value for _, name, value in options if name == "--env"]
    from .adapters import kustomize
    from .branch_move import pending
    from .config import find_root, load_config
    from .errors import GitopsError

    try:
        repo = _repo(options)
        root = repo.resolve() if repo else find_root(Path.cwd())
        if pending(root):  # the command recovers the clone first: its files may change
            return
        config = load_config(root)
        kustomize.start_early(config.root,
                              [config.overlay_rel(env) for env in config.select(envs or None)])
    except (GitopsError, OSError, ValueError):
        return
