"""Git operations the tooling needs, through GitPython and the git command line it drives.

Commits go through `git commit`, so hooks, signing and the user's identity apply as they would
for a commit made by hand.
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
import os
import re
import shutil
import subprocess
import threading
import uuid
from collections.abc import Collection, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, NoReturn

from ..errors import GitopsError, ToolMissingError, UsageError
from .files import unsafe_folder
from .gitdirs import STATE_DIR

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


def has_file(repo: git.Repo, ref: str, path: str) -> bool:
    """Whether the commit `ref` names holds a file at `path`."""
    status, _, _ = repo.git.execute(["git", "cat-file", "-e", f"{ref}:{path}"],
                                    with_extended_output=True, with_exceptions=False)
    return bool(status == 0)


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
    """A name git takes as a branch of that name and nothing else: not `@` or `HEAD` (which
    git reads as the current commit), `FETCH_HEAD` and the like, an option, a full ref, or a
    remote's branch."""
    status, out, _ = repo.git.execute(["git", "check-ref-format", "--branch", name],
                                      with_extended_output=True, with_exceptions=False,
                                      strip_newline_in_stdout=True)
    special = name == "@" or re.fullmatch(r"[A-Z_]*HEAD", name) or name.startswith(
        ("-", "refs/")) or "@{" in name
    remotes = run(repo, "remote").split()
    if status != 0 or out != name or special or any(name.startswith(f"{r}/") for r in remotes):
        raise UsageError(f"'{name}' is not a valid branch name (git would read it as "
                         f"something else)" if status == 0 else
                         f"'{name}' is not a valid branch name")


def branch_exists(repo: git.Repo, branch: str) -> bool:
    return f"refs/heads/{branch}" in {ref.path for ref in repo.heads}


def dirty_paths(repo: git.Repo, paths: list[str]) -> list[str]:
    """Which of `paths` have staged or unstaged changes."""
    out = run(repo, "status", "--porcelain", "--untracked-files=no", "--", *paths)
    return [line[3:] for line in out.splitlines() if line.strip()]


def common_dir(repo: git.Repo) -> Path:
    """The git directory shared by every worktree of the clone."""
    return Path(repo.common_dir).resolve()


def state_dir(repo: git.Repo) -> Path:
    """Where the tooling keeps its own state (lock, journal, temporary worktrees): inside the
    git directory, so that it never shows in the working tree and goes with the clone."""
    folder = common_dir(repo) / STATE_DIR
    try:
        folder.mkdir(exist_ok=True)
    except (FileExistsError, NotADirectoryError):
        raise GitopsError(f"{folder} is not a folder: remove it") from None
    return folder


class Busy(GitopsError):
    """Another gitops process holds the clone's lock."""


def _flock(path: Path, shared: bool = False) -> int | None:
    """An open descriptor holding a flock on `path`, or None when another process holds it.

    The kernel releases the lock when its holder dies, however it dies: a lock never goes stale.
    """
    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    except IsADirectoryError:
        raise GitopsError(f"{path} is a folder, not the lock file: remove it") from None
    except OSError as exc:
        raise GitopsError(f"cannot open the lock {path}: {exc.strerror}") from None
    try:
        fcntl.flock(fd, (fcntl.LOCK_SH if shared else fcntl.LOCK_EX) | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        return None
    return fd


@contextlib.contextmanager
def lock(repo: git.Repo) -> Iterator[None]:
    """One change at a time per clone: an exclusive flock on a file in the git directory."""
    path = common_dir(repo) / "gitops.lock"
    fd = _flock(path)
    if fd is None:
        try:
            holder = path.read_text().strip()
        except OSError:
            holder = ""
        who = f" (process {holder})" if holder.isdigit() else ""
        raise Busy(f"another change is in progress in this clone{who}: wait for it")
    try:
        os.ftruncate(fd, 0)
        os.write(fd, str(os.getpid()).encode())  # for the message above; the flock decides
        yield
    finally:
        os.close(fd)


@contextlib.contextmanager
def _worktrees_mutex(repo: git.Repo) -> Iterator[Path]:
    """The folder of temporary worktrees, held by this process alone: a prune never sees a
    lock file before its owner holds it, and git's `worktree prune` never runs while another
    process's `worktree add` is half done (it would take that worktree for a broken one)."""
    folder = state_dir(repo) / "worktrees"
    folder.mkdir(exist_ok=True)
    try:
        fd = os.open(folder.with_suffix(".lock"), os.O_RDWR | os.O_CREAT, 0o644)
    except OSError as exc:
        raise GitopsError(f"cannot open the lock {folder}.lock: {exc.strerror}") from None
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)  # held for moments: waiting is right
        yield folder
    finally:
        os.close(fd)


def prune_worktrees(repo: git.Repo) -> None:
    """Remove the temporary worktrees that processes which died left behind (each live one is
    held by its owner's flock), and git's records of them, locked or not."""
    with _worktrees_mutex(repo) as folder:
        _prune(repo, folder)


def _prune(repo: git.Repo, folder: Path) -> None:
    stale = False
    for entry in sorted(folder.glob("*.lock")):
        fd = _flock(entry)
        if fd is None:
            continue  # its process is alive
        try:
            _discard(repo, entry.with_suffix(""))
            entry.unlink(missing_ok=True)
            stale = True
        finally:
            os.close(fd)
    for tree in folder.iterdir():  # one whose lock file was never written
        if tree.suffix != ".lock" and not tree.with_suffix(".lock").exists():
            _discard(repo, tree)
            stale = True
    if stale:
        with contextlib.suppress(GitopsError):
            run(repo, "worktree", "prune")
    _orphans()


def _orphans() -> None:
    """Remove the scratch worktrees of clones that are gone (deleted after a kill left a
    worktree there): nothing else would, and they hold memory until the machine restarts."""
    scratch = _scratch_folder()
    if unsafe_folder(scratch, PRIVATE) is not None:
        return
    for tree in scratch.glob("tree-*"):
        record = _record(tree)  # None: being made, or not a worktree: left alone
        if record is not None and not record.parent.parent.exists():  # the clone's git dir
            shutil.rmtree(tree, ignore_errors=True)


def _record(tree: Path) -> Path | None:
    """Where a worktree's `.git` file says git keeps its record (None: it has none)."""
    try:
        return Path((tree / ".git").read_text().strip().removeprefix("gitdir: "))
    except OSError:
        return None


# Temporary checkouts go to memory when they are small: making a checkout's files costs many
# times more on disk, and it grows with every environment of the repository.
SCRATCH = Path("/dev/shm")
SCRATCH_LIMIT = 64 * 2**20  # the most bytes of files a checkout may put there
PRIVATE = 0o077  # no one else may read the scratch folder, let alone write it


def _scratch_folder() -> Path:
    return SCRATCH / f"gitops-{os.getuid()}"


def _scratch(repo: git.Repo, commit: str) -> Path | None:
    """This user's folder on the memory file system, when there is one that is this user's
    alone (0700, owned, not a link), where programs may run (the repository's hooks run from
    the worktree), with room for `commit`'s files; None: on disk."""
    folder = _scratch_folder()
    try:
        folder.mkdir(mode=0o700, exist_ok=True)
        noexec = bool(os.statvfs(folder).f_flag & os.ST_NOEXEC)
    except OSError:
        return None
    if unsafe_folder(folder, PRIVATE) is not None or noexec:
        return None
    sizes = [f.split()[3] for f in run(repo, "ls-tree", "-r", "-l", "-z", commit).split("\0")
             if f.count(" ") >= 3]
    total = sum(int(size) for size in sizes if size.isdigit())
    return folder if total <= SCRATCH_LIMIT and total * 4 < shutil.disk_usage(folder).free \
        else None


def _ours(repo: git.Repo, tree: Path) -> bool:
    """Whether a scratch folder is one of this repository's worktrees (its `.git` file points
    into this clone's git directory), or an empty one a killed `git worktree add` left; never
    another clone's (a copied clone's links point at the original's trees)."""
    if tree.parent != _scratch_folder() or not tree.name.startswith("tree-"):
        return False
    record = _record(tree)
    if record is not None:
        return os.path.realpath(record.parent) == os.path.realpath(common_dir(repo) / "worktrees")
    try:
        return not any(tree.iterdir())
    except OSError:  # gone, or no folder
        return False


def _discard(repo: git.Repo, entry: Path) -> None:
    """A temporary worktree's files and git's record of it. `entry` is the worktree, or the
    link that stands for one in the scratch folder: its tree goes first, then the link, so that
    a kill in between leaves the link for the next prune to follow."""
    if entry.is_symlink():
        tree = entry.readlink()
        if _ours(repo, tree):
            _forget_worktree(repo, tree)
            shutil.rmtree(tree, ignore_errors=True)
        entry.unlink(missing_ok=True)
        return
    _forget_worktree(repo, entry)
    shutil.rmtree(entry, ignore_errors=True)


def _forget_worktree(repo: git.Repo, tree: Path) -> None:
    """Unlock git's record of a worktree (`git worktree add` locks it while it runs)."""
    admin = common_dir(repo) / "worktrees"
    if not admin.is_dir():
        return
    real = os.path.realpath(tree)
    for record in admin.iterdir():
        try:
            gitdir = Path((record / "gitdir").read_text().strip()).parent
        except OSError:
            continue
        if os.path.realpath(gitdir) == real:
            (record / "locked").unlink(missing_ok=True)


@contextlib.contextmanager
def worktree(repo: git.Repo, commit: str, checkout: bool = True) -> Iterator[Path]:
    """A temporary detached checkout of `commit`, removed afterwards whatever happens; one left
    by a killed process is removed by the next `worktree()`. It is made in the scratch folder
    (memory) when it fits there, a link in the git directory standing for it; else inside the
    git directory. Without `checkout` its files are only those `check_out` brings."""
    with _worktrees_mutex(repo) as folder_root:
        _prune(repo, folder_root)
        entry = folder_root / f"tree-{uuid.uuid4().hex[:12]}"
        fd = _flock(entry.with_suffix(".lock"))  # first: an entry is never seen without it
        folder = entry
        try:
            scratch = _scratch(repo, commit)
            if scratch is not None:
                folder = scratch / entry.name
                entry.symlink_to(folder)  # before the folder: a kill leaves nothing unnamed
            run(repo, "worktree", "add", "--quiet", "--detach",
                *([] if checkout else ["--no-checkout"]), str(folder), commit)
        except BaseException:
            _teardown(repo, entry, folder, fd)
            raise
    try:
        yield folder
    finally:
        with _worktrees_mutex(repo):
            _teardown(repo, entry, folder, fd)


def _teardown(repo: git.Repo, entry: Path, folder: Path, fd: int | None) -> None:
    """A worktree of ours removed, with git's record of it and its lock (under the mutex)."""
    try:
        run(repo, "worktree", "remove", "--force", str(folder))
        removed = True
    except GitopsError:
        removed = False
    _discard(repo, entry)
    if not removed:  # git's record is left: its folder is gone now, so prune drops it
        with contextlib.suppress(GitopsError):
            run(repo, "worktree", "prune")
    entry.with_suffix(".lock").unlink(missing_ok=True)
    if fd is not None:
        os.close(fd)


def _git(tree: Path, args: Sequence[str], stdin: bytes = b"") -> bytes:
    done = subprocess.run(["git", *args], cwd=tree, input=stdin, capture_output=True,
                          check=False)
    if done.returncode != 0:
        raise GitopsError(f"git {args[0]}: {done.stderr.decode(errors='replace').strip()}")
    return done.stdout


def git_in(tree: Path, args: Sequence[str], stdin: bytes = b"") -> str:
    """git's output for `args` run in the worktree `tree` (its own index and HEAD)."""
    return _git(tree, args, stdin).decode()


def touched_since_head(repo: git.Repo, paths: Sequence[str]) -> list[str]:
    """Which of `paths` differ from HEAD in the index or the working tree, or are there
    untracked (ignored too): anything a user made of them."""
    if not paths:
        return []
    out = _git(Path(repo.working_tree_dir or "."), [
        "status", "--porcelain=v1", "-z", "--untracked-files=all", "--ignored=matching",
        "--no-renames", "--", *paths]).decode()
    return [entry[3:] for entry in out.split("\0") if len(entry) > 3]


def check_out(tree: Path, commit: str, paths: Collection[str]) -> None:
    """Bring the files of `commit` at or under `paths` (relative; ones it lacks are left out),
    and any file on their way (a link standing for a folder), into a worktree made without
    checkout."""
    wanted = {p.strip("/") for p in paths}
    if not wanted:
        return
    listed = _git(tree, ["ls-tree", "-r", "-z", "--name-only", commit]).decode().split("\0")
    everything = "" in wanted or "." in wanted
    ways = {"/".join(p.split("/")[:i]) for p in wanted for i in range(1, p.count("/") + 1)}
    chosen = [f for f in listed if f and (everything or f in wanted or f in ways or any(
        f.startswith(f"{p}/") for p in wanted))]
    for start in range(0, len(chosen), 500):  # on the command line: see branch_move._settle
        _git(tree, ["checkout", commit, "--", *chosen[start:start + 500]])


@dataclass(frozen=True)
class Changes:
    """The files that differ between two trees."""

    paths: tuple[str, ...]
    links: bool  # one of them is a symbolic link on either side
    one_sided: frozenset[str] = frozenset()  # those on one side only: added or deleted


def changes(repo: git.Repo, base: str, head: str | None) -> Changes:
    """What differs between `base` and `head` (None: the working tree, with every file git
    does not track, ignored ones included: a render may read them)."""
    root = Path(repo.working_tree_dir or ".")
    raw = _git(root, ["diff", "--raw", "--no-renames", "--no-abbrev", "-z", base,
                      *([head] if head else [])]).decode().split("\0")
    paths, links, one_sided = [], False, set()
    for status, path in zip(raw[0::2], raw[1::2], strict=False):
        if status.startswith(":"):  # ":<mode> <mode> <sha> <sha> <letter>"
            paths.append(path)
            fields = status[1:].split()
            links = links or "120000" in fields[:2]
            if fields[-1] in ("A", "D"):
                one_sided.add(path)
    if head is None:
        others = _git(root, ["ls-files", "--others", "-z"]).decode().split("\0")
        for path in filter(None, others):
            paths.append(path)
            one_sided.add(path)
            links = links or (root / path).is_symlink()
    return Changes(tuple(paths), links, frozenset(one_sided))


def commit(tree: Path, paths: list[str], message: str) -> str:
    """Commit exactly `paths` with `git commit` (hooks and signing apply); returns the sha.

    The message goes through standard input: no temporary file to leave behind.
    """
    repo = git.Repo(tree)
    run(repo, "add", "--", *paths)
    done = subprocess.run(["git", "-C", str(tree), "commit", "--quiet", "-F", "-", "--", *paths],
                          input=message, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        lines = [ln for ln in done.stderr.splitlines() if ln.strip()]
        reason = next((ln.split(": ", 1)[1] for ln in lines
                       if ln.startswith(("fatal: ", "error: "))), lines[-1] if lines else "")
        raise GitopsError(f"git commit: {reason or 'failed'}")
    return str(repo.head.commit.hexsha)


def update_ref(repo: git.Repo, ref: str, new: str, old: str) -> None:
    """Move `ref` from `old` to `new` in one atomic step; refused when it moved meanwhile."""
    run(repo, "update-ref", "-m", "gitops", ref, new, old)


def push(repo: git.Repo, remote: str, branch: str, replacing: str | None = None) -> bool:
    """Push a branch; False when the remote rejected it (GitPython does not raise for that).

    `replacing`: the remote tip this push may overwrite, and only that one (a lease).
    """
    try:
        target = repo.remote(remote)
    except ValueError:
        raise GitopsError(f"no remote named {remote}") from None
    refspec = f"refs/heads/{branch}:refs/heads/{branch}"
    try:
        infos = (target.push(refspec, force_with_lease=f"refs/heads/{branch}:{replacing}")
                 if replacing else target.push(refspec))
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


def identity(tree: Path) -> str | None:
    """`Name <email>` git commits as in `tree` (None when git knows no one)."""
    try:
        ident = git_in(tree, ["var", "GIT_COMMITTER_IDENT"]).strip()
    except GitopsError:
        return None
    return ident.rsplit(" ", 2)[0] if ident.count(" ") >= 2 else ident or None


def last_with_subject(tree: Path, prefix: str) -> tuple[str, str] | None:
    """(short sha, subject) of the newest commit of `tree`'s HEAD whose subject starts with
    `prefix`, among the recent ones that mention it."""
    found = _git(tree, ["log", "-n", "50", "--format=%h%x00%s", "-F", f"--grep={prefix}"])
    for line in found.decode().splitlines():
        sha, _, subject = line.partition("\0")
        if subject.startswith(prefix):
            return sha, subject
    return None


def message(repo: git.Repo, commit: str) -> str:
    """The full message of a commit."""
    return run(repo, "log", "-1", "--format=%B", commit)


def parents(repo: git.Repo, commit: str) -> list[str]:
    return run(repo, "rev-list", "--parents", "-n", "1", commit).split()[1:]


def tree_of(repo: git.Repo, commit: str) -> str:
    return run(repo, "rev-parse", f"{commit}^{{tree}}").strip()


def checked_out(repo: git.Repo, branch: str) -> bool:
    """Whether some worktree of the clone has `branch` checked out."""
    listing = run(repo, "worktree", "list", "--porcelain")
    return f"branch refs/heads/{branch}" in listing.splitlines()


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


def has_commit(path: Path, sha: str) -> bool:
    """Whether the repository at `path` holds commit `sha`."""
    repo = open_repo(path)
    status = repo.git.execute(["git", "cat-file", "-e", f"{sha}^{{commit}}"],
                              with_extended_output=True, with_exceptions=False)[0]
    return status == 0


def log_range(path: Path, old: str, new: str, limit: int) -> tuple[list[tuple[str, ...]], int]:
    """The commits reachable from `new` and not from `old`, newest first, as (sha, subject,
    author, committer date in ISO 8601): at most `limit` of them, and how many there are."""
    repo = open_repo(path)
    span = f"{old}..{new}"
    total = int(run(repo, "rev-list", "--count", span).strip() or "0")
    out = run(repo, "log", f"--max-count={limit}", "--format=%H%x1f%s%x1f%an%x1f%cI", span)
    rows = [tuple(line.split("\x1f")) for line in out.splitlines() if line]
    return rows, total


def commit_date(path: Path, sha: str) -> str | None:
    """The committer date (ISO 8601) of a commit of the repository at `path`, or None."""
    if not has_commit(path, sha):
        return None
    return run(open_repo(path), "log", "-1", "--format=%cI", sha).strip()


def head_date(repo: git.Repo) -> str:
    """The committer date (ISO 8601) of HEAD: the repository's own "now"."""
    return run(repo, "log", "-1", "--format=%cI", "HEAD").strip()


def blobs(repo: git.Repo, specs: list[str]) -> list[str | None]:
    """The text of each `COMMIT:PATH` (None where there is no such file, or it is not text),
    read by one `git cat-file --batch` rather than one git process a file."""
    if not specs:
        return []
    done = subprocess.run(["git", "cat-file", "--batch"], cwd=repo.working_tree_dir or repo.git_dir,
                          input="".join(f"{spec}\n" for spec in specs).encode(),
                          capture_output=True, check=False)
    if done.returncode != 0:
        raise GitopsError(f"git cat-file: {done.stderr.decode(errors='replace').strip()}")
    out, at = done.stdout, 0
    found: list[str | None] = []
    for _ in specs:
        end = out.index(b"\n", at)
        header = out[at:end].split()
        at = end + 1
        if len(header) != 3 or header[1] != b"blob":
            found.append(None)
            if len(header) == 3:  # a tree or a commit: its body follows all the same
                at += int(header[2]) + 1
            continue
        size = int(header[2])
        body = out[at:at + size]
        at += size + 1
        try:
            found.append(body.decode("utf-8"))
        except UnicodeDecodeError:
            found.append(None)
    return found


class BlobReader:
    """`blobs` in rounds, through one `git cat-file --batch` kept open: for a walk whose next
    files depend on what the last round read (which files a kustomization lists), with one git
    process however many rounds."""

    def __init__(self, repo: git.Repo) -> None:
        self._cwd = repo.working_tree_dir or repo.git_dir
        self._process: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> BlobReader:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        if self._process is not None:
            process, self._process = self._process, None
            if process.stdin:
                with contextlib.suppress(OSError):
                    process.stdin.close()
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(timeout=10)
            if process.poll() is None:
                process.kill()
                process.wait()
            for stream in (process.stdout, process.stderr):
                if stream:
                    stream.close()

    def read(self, specs: Sequence[str]) -> list[str | None]:
        """The text of each `COMMIT:PATH`, as `blobs` gives it."""
        if not specs:
            return []
        if self._process is None:
            self._process = subprocess.Popen(["git", "cat-file", "--batch"], cwd=self._cwd,
                                             stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                             stderr=subprocess.PIPE)
        process = self._process
        assert process.stdin is not None and process.stdout is not None
        # Written from a thread while the answers are read: a round larger than the pipes
        # would otherwise leave both sides waiting for the other.
        writer = threading.Thread(target=_write_specs, args=(process.stdin, specs), daemon=True)
        writer.start()
        try:
            return [self._answer(process.stdout) for _ in specs]
        finally:
            writer.join()

    def _answer(self, stdout: IO[bytes]) -> str | None:
        header = stdout.readline()
        if not header.endswith(b"\n"):
            self._fail()
        if header.endswith((b" missing\n", b" ambiguous\n")):
            return None
        kind, size = header.split()[-2:]
        body = stdout.read(int(size) + 1)
        if kind != b"blob":
            return None
        try:
            return body[:-1].decode("utf-8")
        except UnicodeDecodeError:
            return None

    def _fail(self) -> NoReturn:
        process = self._process
        error = process.stderr.read() if process and process.stderr else b""
        self.close()
        raise GitopsError(f"git cat-file: {error.decode(errors='replace').strip()}")


def _write_specs(stdin: IO[bytes], specs: Sequence[str]) -> None:
    with contextlib.suppress(OSError):  # git stopped: the reader reports why
        stdin.write("".join(f"{spec}\n" for spec in specs).encode())
        stdin.flush()
