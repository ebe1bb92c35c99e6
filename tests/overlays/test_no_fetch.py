"""No command ever fetches what an overlay names: a loopback listener stands for a remote
server, and dev's kustomization names it with every trick a kustomization can play on a reader
less strict than kustomize. The input check refuses each one; the builds run with no network
behind it."""

from __future__ import annotations

import socket
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from conftest import MakeRepo, Runner
from journal_gitops.adapters.kustomize import isolation
from support import git

OVERLAY = "overlays/dev/kustomization.yaml"


class Listener:
    """A TCP server on the loopback that counts the connections it is offered."""

    def __init__(self) -> None:
        self.server = socket.create_server(("127.0.0.1", 0))
        self.server.settimeout(0.2)
        self.port = self.server.getsockname()[1]
        self.connections = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                client, _ = self.server.accept()
            except TimeoutError:
                continue
            self.connections += 1
            client.close()

    def close(self) -> None:
        self._stop.set()
        self._thread.join()
        self.server.close()


@pytest.fixture
def listener() -> Iterator[Listener]:
    found = Listener()
    yield found
    found.close()


def _resource(text: str, entry: str) -> str:
    return text.replace("  - namespace.yaml\n", f"  - namespace.yaml\n  - {entry}\n", 1)


Trick = Callable[[str, str], "str | bytes"]
TRICKS: dict[str, Trick] = {
    "a URL": lambda text, url: _resource(text, f"{url}/x.yaml"),
    "a second document": lambda text, url: _resource(text, f"{url}/x.yaml") + "---\n{}\n",
    "UTF-16": lambda text, url: _resource(text, f"{url}/x.yaml").encode("utf-16"),
    "a custom tag": lambda text, url: _resource(text, f"{url}/x.yaml").replace(
        "namespace: journal-dev", "namespace: !ns journal-dev", 1),
    "a Python tag": lambda text, url: _resource(text, f"{url}/x.yaml").replace(
        "namespace: journal-dev", "namespace: !!python/str journal-dev", 1),
    "an impossible date": lambda text, url: _resource(text, f"{url}/x.yaml")
    + "namePrefix: 2024-02-30\n",
    "a key written twice": lambda text, url: _resource(text, f"{url}/x.yaml")
    + "namespace: journal-dev\n",
    "a host without a scheme": lambda text, url: _resource(text, url.removeprefix("http://")
                                                           + "/x"),
    "a git URL": lambda text, url: _resource(text, f"git::{url}/repo.git//x?ref=main"),
    "a component": lambda text, url: text + f"components:\n  - {url}/component\n",
    "a patch": lambda text, url: text + f"patches:\n  - path: {url}/patch.yaml\n",
    "a generator file": lambda text, url: text.replace(
        "configMapGenerator:\n", f"configMapGenerator:\n  - name: fetched\n    files:\n"
                                 f"      - {url}/file.txt\n", 1),
    "an OpenAPI schema": lambda text, url: text + f"openapi:\n  path: {url}/schema.json\n",
    "a link to it": lambda text, url: _resource(text, "remote"),
}


@pytest.mark.parametrize("trick", TRICKS)
def test_no_command_fetches_what_an_overlay_names(gitops: Runner, make_repo: MakeRepo,
                                                  listener: Listener, trick: str) -> None:
    repo = make_repo()
    overlay = repo / OVERLAY
    url = f"http://127.0.0.1:{listener.port}"
    changed = TRICKS[trick](overlay.read_text(), url)
    if trick == "a link to it":  # a folder link whose target reads as a host to kustomize
        (repo / "overlays/dev/remote").symlink_to(f"127.0.0.1:{listener.port}/x")
    if isinstance(changed, bytes):
        overlay.write_bytes(changed)
    else:
        overlay.write_text(changed)
    checked = gitops("validate", repo=repo)
    assert checked.exit_code == 1
    # A link to nowhere is kustomize's own error (it fetches nothing); the rest are refused.
    rule = "render" if trick == "a link to it" else "kustomize-input"
    assert f"dev  {rule}  " in checked.output, checked.output
    git(repo, "add", "--all")
    git(repo, "commit", "--quiet", "-m", f"dev names {trick}")
    for args in (("render", "dev"), ("diff", "--base", "HEAD^"), ("compare", "dev", "staging"),
                 ("env", "new", "qa", "--from", "dev"),
                 ("bump", "--commit", "1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d")):
        assert gitops(*args, repo=repo).exit_code != 0, args
    assert listener.connections == 0


def _connect(prefix: tuple[str, ...], port: int) -> subprocess.CompletedProcess[str]:
    code = f"import socket; socket.create_connection(('127.0.0.1', {port}), timeout=2)"
    return subprocess.run([*prefix, sys.executable, "-c", code], capture_output=True,
                          text=True, check=False)


@pytest.mark.skipif(not isolation(), reason="no network namespace can be made here")
def test_builds_run_with_no_network(listener: Listener, tmp_path: Path) -> None:
    """The second guard, on its own: what runs in the builds' namespace reaches nothing, not
    even the loopback, where the same command outside it does."""
    assert _connect((), listener.port).returncode == 0
    refused = _connect(isolation(), listener.port)
    assert refused.returncode != 0 and "Error" in refused.stderr
    assert listener.connections == 1
