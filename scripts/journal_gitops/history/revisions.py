"""The two sides of a change, as `gitops diff` and `gitops gate` read them: `--base` (default:
the merge-base with origin/main, or main) and `--head` (default: the working tree)."""

from __future__ import annotations

from ..adapters import gitrepo
from ..errors import UsageError


def default_base(repo: gitrepo.Repo) -> str:
    """The merge-base with origin/main, or main when there is no such remote branch."""
    upstream = gitrepo.rev(repo, "origin/main")
    if upstream is not None:
        return gitrepo.run(repo, "merge-base", "HEAD", upstream).strip()
    main = gitrepo.rev(repo, "main")
    if main is None:
        raise UsageError("no base to compare with: neither origin/main nor main exists; "
                         "pass --base")
    return main


def sides(repo: gitrepo.Repo, base: str | None, head: str | None) -> tuple[str, str | None]:
    """The base commit, and the head commit (None: the working tree)."""
    base_sha = gitrepo.rev(repo, base) if base else default_base(repo)
    if base_sha is None:
        raise UsageError(f"--base {base} is not a commit")
    head_sha = gitrepo.rev(repo, head) if head else None
    if head and head_sha is None:
        raise UsageError(f"--head {head} is not a commit")
    return base_sha, head_sha
