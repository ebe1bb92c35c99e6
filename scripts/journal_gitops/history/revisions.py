"""The two sides of a change, as `gitops diff` and `gitops gate` read them: `--base` (default:
the merge-base with the deploy branch on origin, or that branch here, or origin's HEAD) and
`--head` (default: the working tree)."""

from __future__ import annotations

from pathlib import Path

from ..adapters import gitrepo
from ..config import CONFIG_FILE
from ..config.load import load_config
from ..config.model import Config
from ..errors import ConfigError, GitopsError, UsageError


def default_base(repo: gitrepo.Repo, branch: str = "main") -> str:
    """The merge-base with origin/BRANCH (the deploy branch), else BRANCH, else the merge-base
    with the branch origin's HEAD names."""
    upstream = gitrepo.rev(repo, f"refs/remotes/origin/{branch}")
    local = gitrepo.rev(repo, f"refs/heads/{branch}")
    remote_head = gitrepo.rev(repo, "refs/remotes/origin/HEAD")
    if upstream is None and local is not None:
        return local
    found = upstream or remote_head
    if found is None:
        raise UsageError(f"no base to compare with: neither origin/{branch}, {branch} nor "
                         f"origin/HEAD exists; pass --base")
    return gitrepo.run(repo, "merge-base", "HEAD", found).strip()


def sides(repo: gitrepo.Repo, base: str | None, head: str | None, branch: str = "main"
          ) -> tuple[str, str | None]:
    """The base commit, and the head commit (None: the working tree); `branch`: the deploy
    branch, whose merge-base is the default base."""
    base_sha = gitrepo.rev(repo, base) if base else default_base(repo, branch)
    if base_sha is None:
        raise UsageError(f"--base {base} is not a commit")
    head_sha = gitrepo.rev(repo, head) if head else None
    if head and head_sha is None:
        raise UsageError(f"--head {head} is not a commit")
    return base_sha, head_sha


def config_at(root: Path, side: str) -> Config:
    """gitops.yaml of one side of a comparison (checked out at `root`), or one line saying
    which side lacks it or has a wrong one."""
    if not (root / CONFIG_FILE).is_file():
        raise GitopsError(f"the {side} revision has no {CONFIG_FILE} (one not committed, or not "
                          f"pushed yet): commit or push it, or give --{side}")
    try:
        return load_config(root)
    except ConfigError as exc:
        raise GitopsError(f"{side}: {exc}") from None
