"""--verify-registry and --pin-digest against a real OCI registry on 127.0.0.1 (Debian's
docker-registry), holding an image that skopeo copied from an OCI layout made by umoci."""

from __future__ import annotations

import base64
import contextlib
import http.server
import json
import os
import socket
import subprocess
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from conftest import MakeRepo, Runner, require
from journal_gitops.adapters import registry
from journal_gitops.errors import GitopsError
from support import git

TAG = "1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d"
MISSING = "0" * 40


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextlib.contextmanager
def running_registry(folder: Path, auth: str = "", creds: str | None = None,
                     images: tuple[str, ...] = ("journal-server",)) -> Iterator[str]:
    """host:port of Debian's docker-registry on loopback (with the given `auth:` section),
    holding journal-app/<image>:TAG for each image, copied there by skopeo from an OCI layout
    made with umoci."""
    port = _free_port()
    config = folder / "config.yml"
    config.write_text(
        "version: 0.1\nlog:\n  level: error\n"
        f"storage:\n  filesystem:\n    rootdirectory: {folder / 'data'}\n"
        f"http:\n  addr: 127.0.0.1:{port}\n{auth}")
    server = subprocess.Popen(["docker-registry", "serve", str(config)],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        _wait(port, server)
        layout = folder / "layout"
        subprocess.run(["umoci", "init", "--layout", str(layout)], check=True)
        subprocess.run(["umoci", "new", "--image", f"{layout}:{TAG}"], check=True)
        host = f"127.0.0.1:{port}"
        login = ["--dest-creds", creds] if creds else []
        for name in images:
            subprocess.run(["skopeo", "copy", "--quiet", "--dest-tls-verify=false", *login,
                            f"oci:{layout}:{TAG}", f"docker://{host}/journal-app/{name}:{TAG}"],
                           check=True)
        yield host
    finally:
        server.terminate()
        server.wait(timeout=10)


def _wait(port: int, server: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 20
    while True:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/v2/", timeout=1).close()
            return
        except urllib.error.HTTPError:
            return  # it answers (401: it wants credentials)
        except OSError:
            if time.monotonic() > deadline or server.poll() is not None:
                raise RuntimeError("docker-registry did not start") from None
            time.sleep(0.1)


@pytest.fixture(scope="module")
def local_registry(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """An anonymous registry holding journal-server:TAG and journal-fileserver:TAG."""
    require("docker-registry", "skopeo", "umoci")
    with running_registry(tmp_path_factory.mktemp("registry"),
                          images=("journal-server", "journal-fileserver")) as host:
        yield host


def _digest(host: str, name: str) -> str:
    out = subprocess.run(["skopeo", "inspect", "--tls-verify=false",
                          f"docker://{host}/journal-app/{name}:{TAG}"],
                         capture_output=True, text=True, check=True).stdout
    return str(json.loads(out)["Digest"])


@pytest.fixture
def registry_repo(make_repo: MakeRepo, local_registry: str) -> Path:
    """A GitOps repository whose app images live in the local registry."""
    repo = make_repo()
    for rel in ("gitops.yaml", *(f"overlays/{e}/kustomization.yaml"
                                 for e in ("dev", "staging", "prod"))):
        path = repo / rel
        path.write_text(path.read_text().replace("ghcr.io/journal-app",
                                                 f"{local_registry}/journal-app"))
    git(repo, "commit", "--quiet", "-am", "local registry")
    return repo


def test_manifest_digest_of_a_real_registry(local_registry: str) -> None:
    ref = registry.parse_reference(f"{local_registry}/journal-app/journal-server", TAG)
    assert registry.manifest_digest(ref) == _digest(local_registry, "journal-server")
    missing = registry.parse_reference(f"{local_registry}/journal-app/journal-server", MISSING)
    assert registry.manifest_digest(missing) is None


def test_verify_registry_passes_for_a_pushed_tag(gitops: Runner, registry_repo: Path) -> None:
    result = gitops("bump", "--commit", TAG, "--verify-registry", "--in-place",
                    repo=registry_repo)
    assert result.exit_code == 0, result.output
    assert "digest" not in git(registry_repo, "show", "HEAD")


def test_pin_digest_writes_the_registry_digest(gitops: Runner, registry_repo: Path,
                                              local_registry: str) -> None:
    result = gitops("bump", "--commit", TAG, "--verify-registry", "--pin-digest", "--in-place",
                    repo=registry_repo)
    assert result.exit_code == 0, result.output
    added = [line for line in git(registry_repo, "show", "--format=", "-U0", "HEAD").splitlines()
             if line.startswith("+    digest:")]
    assert added == [f"+    digest: {_digest(local_registry, name)}"
                     for name in ("journal-server", "journal-fileserver")]
    rendered = gitops("render", "dev", repo=registry_repo).output
    server = _digest(local_registry, "journal-server")
    assert f"image: {local_registry}/journal-app/journal-server:{TAG}@{server}\n" in rendered
    again = gitops("bump", "--commit", TAG, "--verify-registry", "--pin-digest",
                   repo=registry_repo)
    assert (again.exit_code, again.output) == (0, f"already at {TAG}\n")


def test_missing_tag_is_refused(gitops: Runner, registry_repo: Path,
                                local_registry: str) -> None:
    head = git(registry_repo, "rev-parse", "HEAD")
    result = gitops("bump", "--commit", MISSING, "--verify-registry", repo=registry_repo)
    assert (result.exit_code, result.output) == (
        1, f"Error: journal-server: {local_registry}/journal-app/journal-server:{MISSING} is "
           f"not in the registry\n")
    assert git(registry_repo, "for-each-ref", "refs/heads") == (
        f"{head} commit\trefs/heads/main")


def test_unreachable_registry(gitops: Runner, make_repo: MakeRepo) -> None:
    repo = make_repo()
    port = _free_port()
    path = repo / "overlays/dev/kustomization.yaml"
    path.write_text(path.read_text().replace("ghcr.io/journal-app", f"127.0.0.1:{port}/j"))
    git(repo, "commit", "--quiet", "-am", "nowhere")
    result = gitops("bump", "--commit", TAG, "--verify-registry", repo=repo)
    assert result.exit_code == 1
    assert result.output.startswith(f"Error: registry 127.0.0.1:{port} unreachable: ")


def test_docker_hub_names() -> None:
    assert registry.parse_reference("redis", "7") == registry.ImageRef(
        "docker.io", "library/redis", "7")
    assert registry.parse_reference("ghcr.io/a/b", "t") == registry.ImageRef("ghcr.io", "a/b", "t")
    assert registry.parse_reference("localhost:5000/a", "t") == registry.ImageRef(
        "localhost:5000", "a", "t")


USER, PASSWORD = "deployer", "s3cret-pass"


@pytest.fixture(scope="module")
def private_registry(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A registry that wants a password (htpasswd, basic auth), holding journal-server:TAG."""
    require("docker-registry", "skopeo", "umoci", "htpasswd")
    folder = tmp_path_factory.mktemp("private")
    users = subprocess.run(["htpasswd", "-Bbn", USER, PASSWORD], capture_output=True,
                           text=True, check=True).stdout
    (folder / "htpasswd").write_text(users)
    auth = f"auth:\n  htpasswd:\n    realm: journal\n    path: {folder / 'htpasswd'}\n"
    with running_registry(folder, auth, f"{USER}:{PASSWORD}") as host:
        yield host


def _ref(host: str) -> registry.ImageRef:
    return registry.parse_reference(f"{host}/journal-app/journal-server", TAG)


def _refusal(host: str) -> str:
    """The message of the error that looking up journal-server:TAG in the registry raises."""
    with pytest.raises(GitopsError) as error:
        registry.manifest_digest(_ref(host))
    return str(error.value)


def _docker_config(folder: Path, host: str, password: str = PASSWORD) -> None:
    """A Docker config.json in `folder` with a login (`auths`) for the registry at `host`."""
    token = base64.b64encode(f"{USER}:{password}".encode()).decode()
    (folder / "config.json").write_text(json.dumps({"auths": {host: {"auth": token}}}))


def test_private_registry_without_credentials(private_registry: str, tmp_path: Path,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DOCKER_CONFIG", str(tmp_path))
    assert _refusal(private_registry) == (
        f"registry {private_registry} needs credentials for journal-app/journal-server: "
        f"docker login {private_registry}")


def test_private_registry_with_docker_config_auths(private_registry: str, tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    _docker_config(tmp_path, private_registry)
    monkeypatch.setenv("DOCKER_CONFIG", str(tmp_path))
    digest = registry.manifest_digest(_ref(private_registry))
    assert digest is not None and digest.startswith("sha256:")
    _docker_config(tmp_path, private_registry, password="nope")
    assert _refusal(private_registry) == (
        f"registry {private_registry} denied access to journal-app/journal-server (401)")


def test_private_registry_with_a_credential_helper(private_registry: str, tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    """Docker's credential-helper protocol: `docker-credential-NAME get`, host on stdin."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    helper = bin_dir / "docker-credential-journal"
    helper.write_text(
        "#!/bin/sh\nread host\n"
        f'[ "$host" = "{private_registry}" ] || exit 1\n'
        f"printf '{{\"ServerURL\":\"%s\",\"Username\":\"{USER}\",\"Secret\":\"{PASSWORD}\"}}' "
        '"$host"\n')
    helper.chmod(0o755)
    monkeypatch.setenv("PATH", f"{bin_dir}:{os.environ['PATH']}")
    (tmp_path / "config.json").write_text(json.dumps({"credsStore": "journal"}))
    monkeypatch.setenv("DOCKER_CONFIG", str(tmp_path))
    assert registry.manifest_digest(_ref(private_registry)) is not None
    (tmp_path / "config.json").write_text(json.dumps(
        {"credsStore": "missing-helper", "credHelpers": {private_registry: "journal"}}))
    assert registry.manifest_digest(_ref(private_registry)) is not None


SERVICE, ISSUER = "journal-registry", "journal-test-issuer"


def _b64url(data: bytes) -> str:

    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


class _TokenServer:
    """The token service of a registry's bearer auth (as ghcr.io or Docker Hub run one): it
    hands out JWTs signed with a key whose certificate the registry trusts, to one user."""

    def __init__(self, folder: Path) -> None:
        import http.server
        import threading

        self.folder = folder
        subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout",
                        str(folder / "key.pem"), "-out", str(folder / "cert.pem"), "-days", "1",
                        "-subj", "/CN=journal-token"], check=True, capture_output=True)
        self.cert_der = subprocess.run(
            ["openssl", "x509", "-in", str(folder / "cert.pem"), "-outform", "DER"],
            capture_output=True, check=True).stdout
        server = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # the http.server API
                import urllib.parse

                expected = "Basic " + base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode()
                if self.headers.get("Authorization") != expected:
                    self.send_response(401)
                    self.end_headers()
                    return
                query = urllib.parse.parse_qs(urllib.parse.urlsplit(self.path).query)
                access = []
                for scope in query.get("scope", []):
                    kind, name, actions = scope.split(":")
                    access.append({"type": kind, "name": name, "actions": actions.split(",")})
                body = json.dumps({"token": server.sign(access)}).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                return

        self.http = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.http.server_address[1]
        self.thread = threading.Thread(target=self.http.serve_forever, daemon=True)
        self.thread.start()

    def sign(self, access: list[dict[str, Any]]) -> str:
        import uuid

        header = {"typ": "JWT", "alg": "RS256", "x5c": [base64.b64encode(self.cert_der).decode()]}
        now = int(time.time())
        claims = {"iss": ISSUER, "sub": USER, "aud": SERVICE, "exp": now + 300, "nbf": now - 10,
                  "iat": now, "jti": uuid.uuid4().hex, "access": access}
        signing = (f"{_b64url(json.dumps(header).encode())}."
                   f"{_b64url(json.dumps(claims).encode())}")
        signature = subprocess.run(["openssl", "dgst", "-sha256", "-sign",
                                    str(self.folder / "key.pem")], input=signing.encode(),
                                   capture_output=True, check=True).stdout
        return f"{signing}.{_b64url(signature)}"

    def close(self) -> None:
        self.http.shutdown()
        self.http.server_close()


@pytest.fixture(scope="module")
def token_registry(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A registry with bearer-token auth, holding journal-server:TAG."""
    require("docker-registry", "skopeo", "umoci", "openssl")
    folder = tmp_path_factory.mktemp("token")
    tokens = _TokenServer(folder)
    auth = (f"auth:\n  token:\n    realm: http://127.0.0.1:{tokens.port}/token\n"
            f"    service: {SERVICE}\n    issuer: {ISSUER}\n"
            f"    rootcertbundle: {folder / 'cert.pem'}\n")
    try:
        with running_registry(folder, auth, f"{USER}:{PASSWORD}") as host:
            yield host
    finally:
        tokens.close()


def test_bearer_token_auth(token_registry: str, tmp_path: Path,
                           monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DOCKER_CONFIG", str(tmp_path))
    assert _refusal(token_registry) == (
        f"registry {token_registry} refused a token (401) for journal-app/journal-server")
    _docker_config(tmp_path, token_registry)
    digest = registry.manifest_digest(_ref(token_registry))
    assert digest is not None and digest.startswith("sha256:")
    missing = registry.parse_reference(f"{token_registry}/journal-app/journal-server", MISSING)
    assert registry.manifest_digest(missing) is None


@contextlib.contextmanager
def http_server(answer: Any) -> Iterator[tuple[str, list[dict[str, str]]]]:
    """A small HTTP server on loopback; `answer(handler)` replies to every request. Yields its
    host:port and the headers of each request it got."""
    seen: list[dict[str, str]] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_HEAD(self) -> None:  # the http.server API
            seen.append(dict(self.headers))
            answer(self)

        do_GET = do_HEAD

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"127.0.0.1:{server.server_address[1]}", seen
    finally:
        server.shutdown()
        server.server_close()


def test_credentials_are_not_forwarded_to_another_host(private_registry: str, tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    """The image names a registry that redirects to another host (here the real, password-
    protected registry under the name `localhost`): the password goes to the named registry
    only, so the other host answers 401."""
    port = private_registry.rsplit(":", 1)[1]

    def redirect(handler: Any) -> None:
        handler.send_response(307)
        handler.send_header("Location", f"http://localhost:{port}{handler.path}")
        handler.end_headers()

    with http_server(redirect) as (front, seen):
        _docker_config(tmp_path, front)
        monkeypatch.setenv("DOCKER_CONFIG", str(tmp_path))
        ref = _ref(front)
        with pytest.raises(GitopsError) as error:
            registry.manifest_digest(ref)
        assert str(error.value) == (f"registry {front} denied access to "
                                    f"journal-app/journal-server (401)")
        assert [("Authorization" in headers) for headers in seen] == [False, True]
        # The same request with urllib's plain redirects would have sent the password on,
        # and the registry would have answered: the check above can fail.
        monkeypatch.setattr(registry, "_OPENER", urllib.request.build_opener())
        assert registry.manifest_digest(ref) == _digest_with_password(private_registry)


def _digest_with_password(host: str) -> str:
    request = urllib.request.Request(
        f"http://{host}/v2/journal-app/journal-server/manifests/{TAG}", method="HEAD",
        headers={"Accept": registry.MANIFEST_TYPES,
                 "Authorization": "Basic " + base64.b64encode(
                     f"{USER}:{PASSWORD}".encode()).decode()})
    with urllib.request.urlopen(request, timeout=10) as response:
        return str(response.headers["Docker-Content-Digest"])


@pytest.mark.parametrize("digest", ["sha256:NOTHEX", "md5:1234", "sha256:" + "A" * 64, ""])
def test_a_digest_that_is_not_a_digest_is_refused(digest: str) -> None:
    def answer(handler: Any) -> None:
        handler.send_response(200)
        if digest:
            handler.send_header("Docker-Content-Digest", digest)
        handler.end_headers()

    with http_server(answer) as (host, _), pytest.raises(GitopsError) as error:
        registry.manifest_digest(_ref(host))
    ref = f"{host}/journal-app/journal-server:{TAG}"
    assert str(error.value) == (
        f"registry {host} sent {digest!r} as the digest of {ref}, which is not "
        f"sha256:<64 lowercase hex>" if digest else f"registry {host} sent no digest for {ref}")
