"""What is learnt about a program file is remembered only while it is the very same file: a file
rewritten in place, even with its size and modification time restored, is learnt again."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from journal_gitops.adapters import kustomize
from journal_gitops.cache import binaries
from support import bin_with


def rewrite_keeping_times(path: Path, text: str) -> None:
    """New content of the same size, in the same inode, with the old modification time."""
    before = path.stat()
    assert len(text.encode()) == before.st_size
    with path.open("r+", encoding="utf-8") as handle:
        handle.write(text)
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
    after = path.stat()
    assert (after.st_ino, after.st_size, after.st_mtime_ns) == (
        before.st_ino, before.st_size, before.st_mtime_ns)


def test_a_file_rewritten_in_place_is_learnt_again(cache: Path, tmp_path: Path) -> None:
    program = tmp_path / "tool"
    program.write_text("version one\n")
    learnt: list[str] = []

    def learn() -> str:
        learnt.append(program.read_text())
        return program.read_text().strip()

    assert binaries.remember("version", str(program), learn) == "version one"
    binaries._seen.clear()  # a later run: only the cache folder remembers
    assert binaries.remember("version", str(program), learn) == "version one"
    assert len(learnt) == 1
    rewrite_keeping_times(program, "version two\n")
    binaries._seen.clear()
    assert binaries.remember("version", str(program), learn) == "version two"
    assert binaries.sha256(str(program)) == kustomize.sha256_of(program)


FAKE = 'if [ "$1" = version ]; then echo "{Version:kustomize/v5.0.0}"; exit 0; fi\nexit 1'


def test_a_kustomize_rewritten_in_place_is_probed_again(cache: Path, tmp_path: Path) -> None:
    """Each run in its own process, as a user runs them: the second finds the file changed
    although it has the same size, inode and modification time."""
    path = bin_with(tmp_path / "bin", kustomize=FAKE)
    program = tmp_path / "bin" / "kustomize"
    probe = ("from journal_gitops.cache import binaries\n"
             "from journal_gitops.adapters.kustomize import find_kustomize\n"
             "try:\n    tool = find_kustomize(binaries.remember)\n    print(tool.command[0], tool.version)\n"
             "except Exception as error:\n    print(error)\n")
    env = {**os.environ, "PATH": path, "GITOPS_CACHE_DIR": str(cache)}
    env.pop("GITOPS_KUSTOMIZE", None)

    def run() -> str:
        return subprocess.run([sys.executable, "-c", probe], env=env, capture_output=True,
                              text=True, check=True).stdout.strip()

    assert run() == f"{program} 5.0.0"
    rewrite_keeping_times(program, program.read_text().replace("v5.0.0", "v4.0.0"))
    bundled = kustomize.bundled_kubectl()  # what the search falls back to, when installed
    assert run() == (f"kustomize 4.0.0 is too old: {kustomize.INSTALL_HINT}" if bundled is None
                     else f"{bundled} {kustomize._kubectl_version(str(bundled))}")
