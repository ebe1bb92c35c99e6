"""Git operations the tooling needs, through GitPython and the git command line it drives.

Commits go through `git commit`, so hooks, signing and the user's identity apply as they would
for a commit made by hand.
"""

from __future__ import annotations

import contextlib
import logging
import os
import re
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

from ..errors import GitopsError, ToolMissingError, UsageError

try:
    import git
    from git import GitCommandError, InvalidGitRepositoryError, NoSuchPathError, PushInfo
except ImportError as exc:  # GitPython imports fine but needs the git binary
    raise ToolMissingError(f"git is not usable: {exc}") from None

# GitPython logs a rejected push as a warning; the rejection is reported through the result.
logging.getLogger("git").addHandler(logging.NullHandler())

Repo = git.Repo
PUSH_FAILED = (PushInfo.ERROR | PushInfo.REJECTED | PushInfo.REMOTE_REJECTED
               | PushInfo.REMOTE_FAILURE)


def _stderr(exc: GitCommandError) -> str:
    """git's own one-line reason, without GitPython's command dump."""
    text = exc.stderr if isinstance(exc.stderr, str) else str(exc)
    lines = [ln.strip().removeprefix("stderr: ").strip("'").strip()
             for ln in text.splitlines() if ln.strip()]
    for line in lines:
        for prefix in ("fatal: ", "error: "):
            if line.startswith(prefix):
                return line[len(prefix):]
    return lines[-1] if lines else "git failed"


def open_repo(path: Path) -> git.Repo:
    try:
        return git.Repo(path, search_parent_directories=False)
    except (InvalidGitRepositoryError, NoSuchPathError):
        raise GitopsError(f"{path} is not a git repository") from None


def run(repo: git.Repo, *args: str) -> str:
    try:
        return str(repo.git.execute(["git", *args], with_extended_output=False))
    except GitCommandError as exc:
        raise GitopsError(f"git {args[0]}: {_stderr(exc)}") from None


def rev(repo: git.Repo, ref: str) -> str | None:
    """The commit `ref` names, or None."""
    status, out, _ = repo.git.execute(["git", "rev-parse", "--verify", "--quiet",
                                       f"{ref}^{{commit}}"],
                                      with_extended_output=True, with_exceptions=False)
    return str(out).strip() if status == 0 else None


def resolve_commit(path: Path, sha: str) -> str:
    """The full sha of a (possibly short) commit in the repository at `path`."""
    repo = open_repo(path)
    candidates = repo.git.execute(["git", "rev-parse", "--disambiguate=" + sha],
                                  with_extended_output=True)[1].split()
    commits = [c for c in candidates
               if repo.git.execute(["git", "cat-file", "-t", c]).strip() == "commit"]
    if not commits:
        raise GitopsError(f"commit {sha} is not in {path}")
    if len(commits) > 1:
        raise GitopsError(f"commit {sha} is ambiguous in {path}: it matches {len(commits)} "
                          f"commits; give more characters")
    return commits[0]


def is_ancestor(path: Path, old: str, new: str) -> bool | None:
    """Whether `old` is an ancestor of `new`; None when `old` is not in the repository."""
    repo = open_repo(path)
    status = repo.git.execute(["git", "cat-file", "-e", f"{old}^{{commit}}"],
                              with_extended_output=True, with_exceptions=False)[0]
    if status != 0:
        return None
    code = repo.git.execute(["git", "merge-base", "--is-ancestor", old, new],
                            with_extended_output=True, with_exceptions=False)[0]
    return code == 0


def head_branch(repo: git.Repo) -> str | None:
    return None if repo.head.is_detached else repo.active_branch.name


def check_branch_name(repo: git.Repo, name: str) -> None:
    status = repo.git.execute(["git", "check-ref-format", "--branch", name],
                              with_extended_output=True, with_exceptions=False)[0]
    if status != 0:
        raise UsageError(f"'{name}' is not a valid branch name")


def branch_exists(repo: git.Repo, branch: str) -> bool:
    return f"refs/heads/{branch}" in {ref.path for ref in repo.heads}


def dirty_paths(repo: git.Repo, paths: list[str]) -> list[str]:
    """Which of `paths` have staged or unstaged changes."""
    out = run(repo, "status", "--porcelain", "--untracked-files=no", "--", *paths)
    return [line[3:] for line in out.splitlines() if line.strip()]


@contextlib.contextmanager
def lock(repo: git.Repo) -> Iterator[None]:
    """One change at a time per clone: a lock file in the git dir naming its process."""
    common = Path(run(repo, "rev-parse", "--git-common-dir"))
    path = (Path(repo.working_tree_dir or ".") / common).resolve() / "gitops.lock"
    for _ in range(2):
        try:
            fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
        except FileExistsError:
            try:
                pid = int(path.read_text().strip() or "0")
            except (OSError, ValueError):
                pid = 0
            if pid and _alive(pid):
                raise GitopsError(f"another change is in progress in this clone (process {pid}, "
                                  f"{path})") from None
            path.unlink(missing_ok=True)  # left by a process that died
            continue
        with os.fdopen(fd, "w") as handle:
            handle.write(str(os.getpid()))
        try:
            yield
        finally:
            path.unlink(missing_ok=True)
        return
    raise GitopsError(f"cannot take the lock {path}")


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


@contextlib.contextmanager
def worktree(repo: git.Repo, commit: str) -> Iterator[Path]:
    """A temporary detached checkout of `commit`, removed afterwards whatever happens."""
    folder = Path(tempfile.mkdtemp(prefix="gitops-worktree-"))
    run(repo, "worktree", "add", "--quiet", "--detach", str(folder), commit)
    try:
        yield folder
    finally:
        with contextlib.suppress(GitopsError):
            run(repo, "worktree", "remove", "--force", str(folder))
        shutil.rmtree(folder, ignore_errors=True)
        with contextlib.suppress(GitopsError):
            run(repo, "worktree", "prune")


def commit(tree: Path, paths: list[str], message: str) -> str:
    """Commit exactly `paths` with `git commit` (hooks and signing apply); returns the sha."""
    repo = git.Repo(tree)
    run(repo, "add", "--", *paths)
    with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False) as handle:
        handle.write(message)
    try:
        run(repo, "commit", "--quiet", "-F", handle.name, "--", *paths)
    finally:
        Path(handle.name).unlink(missing_ok=True)
    return str(repo.head.commit.hexsha)


def push(repo: git.Repo, remote: str, branch: str) -> bool:
    """Push a branch; False when the remote rejected it (GitPython does not raise for that)."""
    try:
        target = repo.remote(remote)
    except ValueError:
        raise GitopsError(f"no remote named {remote}") from None
    try:
        infos = target.push(f"refs/heads/{branch}:refs/heads/{branch}")
    except GitCommandError as exc:
        reason = _stderr(exc)
        if "rejected" in reason or "fetch first" in reason or "non-fast-forward" in reason:
            return False
        raise GitopsError(f"push to {remote} failed: {reason}") from None
    if not infos:
        raise GitopsError(f"push to {remote} failed: git reported nothing")
    return not any(info.flags & PUSH_FAILED for info in infos)


def fetch_branch(repo: git.Repo, remote: str, branch: str) -> str | None:
    """The remote's current tip of `branch`, fetched; None when the remote has no such branch."""
    try:
        out = repo.git.execute(["git", "ls-remote", "--heads", remote, f"refs/heads/{branch}"])
    except GitCommandError as exc:
        raise GitopsError(f"cannot reach {remote}: {_stderr(exc)}") from None
    if not str(out).strip():
        return None
    run(repo, "fetch", "--quiet", remote, f"refs/heads/{branch}")
    return str(out).split()[0]


def remote_url(repo: git.Repo, remote: str) -> str | None:
    try:
        return str(repo.remote(remote).url)
    except ValueError:
        return None


def web_url(url: str) -> str | None:
    """https://host/owner/repo for GitHub/GitLab style remotes (https or scp-like ssh)."""
    match = re.match(r"^(?:https?://(?:[^@/]+@)?|ssh://(?:[^@/]+@)?|[^@/]+@)([^/:]+)[:/](.+?)"
                     r"(?:\.git)?/?$", url)
    if not match:
        return None
    host, path = match.groups()
    if not re.match(r"^[\w.-]+$", host) or "/" not in path:
        return None
    return f"https://{host}/{path}"


def compare_url(url: str | None, base: str, branch: str) -> str | None:
    web = web_url(url) if url else None
    if web is None:
        return None
    if "gitlab" in web:
        return f"{web}/-/compare/{base}...{branch}"
    return f"{web}/compare/{base}...{branch}?expand=1"
