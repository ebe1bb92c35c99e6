"""Does an image tag exist? A HEAD request for its manifest (OCI distribution API), with
anonymous or bearer-token auth and credentials from the Docker config when it has them."""

from __future__ import annotations

import base64
import ipaddress
import json
import os
import re
import subprocess
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from ..errors import GitopsError

MANIFEST_TYPES = ", ".join((
    "application/vnd.oci.image.index.v1+json",
    "application/vnd.oci.image.manifest.v1+json",
    "application/vnd.docker.distribution.manifest.list.v2+json",
    "application/vnd.docker.distribution.manifest.v2+json",
))
DOCKER_HUB = "registry-1.docker.io"
TIMEOUT = 20
INSECURE_ENV = "GITOPS_INSECURE_REGISTRIES"


@dataclass(frozen=True)
class ImageRef:
    registry: str  # host[:port] as written
    repository: str
    tag: str

    @property
    def display(self) -> str:
        return f"{self.registry}/{self.repository}:{self.tag}"


def parse_reference(name: str, tag: str) -> ImageRef:
    """Split `newName` into registry and repository the way Docker does."""
    first, _, rest = name.partition("/")
    if rest and ("." in first or ":" in first or first == "localhost"):
        return ImageRef(first, rest, tag)
    repository = name if "/" in name else f"library/{name}"
    return ImageRef("docker.io", repository, tag)


def _plain_http(host: str) -> bool:
    """Loopback registries speak plain HTTP, as Docker assumes; others need listing."""
    hostname = host.rsplit(":", 1)[0] if not host.startswith("[") else host[1:host.index("]")]
    listed = {h.strip() for h in os.environ.get(INSECURE_ENV, "").split(",") if h.strip()}
    if host in listed or hostname == "localhost":
        return True
    try:
        return ipaddress.ip_address(hostname).is_loopback
    except ValueError:
        return False


def _from_helper(helper: str, registry: str) -> str | None:
    """Ask a Docker credential helper (`docker-credential-<name> get`) for a registry."""
    try:
        done = subprocess.run([f"docker-credential-{helper}", "get"], input=registry,
                              capture_output=True, text=True, timeout=TIMEOUT, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return None
    if done.returncode != 0:
        return None
    try:
        found = json.loads(done.stdout)
    except ValueError:
        return None
    user, secret = found.get("Username"), found.get("Secret")
    return f"{user}:{secret}" if user and secret else None


def _docker_credentials(registry: str) -> str | None:
    """user:password for a registry from the Docker config (~/.docker/config.json, or
    $DOCKER_CONFIG): a credHelpers entry, an `auths` entry, or the credsStore, in that order."""
    folder = Path(os.environ.get("DOCKER_CONFIG") or Path.home() / ".docker")
    try:
        config = json.loads((folder / "config.json").read_text())
    except (OSError, ValueError):
        return None
    helper = (config.get("credHelpers") or {}).get(registry)
    if helper:
        return _from_helper(str(helper), registry)
    auths = config.get("auths") or {}
    keys = [registry, f"https://{registry}", f"http://{registry}"]
    if registry == "docker.io":
        keys += ["https://index.docker.io/v1/", "index.docker.io"]
    for key in keys:
        entry = auths.get(key) or {}
        if entry.get("auth"):
            try:
                return base64.b64decode(entry["auth"]).decode()
            except ValueError:
                return None
        if entry.get("username") and entry.get("password"):
            return f"{entry['username']}:{entry['password']}"
    store = config.get("credsStore")
    return _from_helper(str(store), registry) if store else None


def _challenge(header: str) -> tuple[str, dict[str, str]]:
    scheme, _, params = header.partition(" ")
    return scheme.lower(), dict(re.findall(r'(\w+)="([^"]*)"', params))


def _request(url: str, method: str, headers: dict[str, str]) -> urllib.request.Request:
    return urllib.request.Request(url, method=method, headers=headers)


def _open(request: urllib.request.Request) -> tuple[int, dict[str, str], bytes]:
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, dict(exc.headers), b""
    except (urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise GitopsError(f"registry {urllib.parse.urlsplit(request.full_url).netloc} "
                          f"unreachable: {reason}") from None


def _token(header: str, creds: str | None, ref: ImageRef) -> str:
    _, params = _challenge(header)
    if "realm" not in params:
        raise GitopsError(f"registry {ref.registry} sent a bearer challenge without a realm")
    query = {"service": params.get("service", ""),
             "scope": params.get("scope") or f"repository:{ref.repository}:pull"}
    url = params["realm"] + "?" + urllib.parse.urlencode({k: v for k, v in query.items() if v})
    headers = {}
    if creds:
        headers["Authorization"] = "Basic " + base64.b64encode(creds.encode()).decode()
    status, _, body = _open(_request(url, "GET", headers))
    if status != 200:
        raise GitopsError(f"registry {ref.registry} refused a token ({status}) for "
                          f"{ref.repository}")
    try:
        data = json.loads(body)
        token = str(data.get("token") or data.get("access_token") or "")
    except (ValueError, AttributeError):
        token = ""
    if not token:
        raise GitopsError(f"registry {ref.registry}'s token service sent no token")
    return token


def manifest_digest(ref: ImageRef) -> str | None:
    """The digest of the tag's manifest, or None when the registry has no such tag."""
    host = DOCKER_HUB if ref.registry == "docker.io" else ref.registry
    scheme = "http" if _plain_http(host) else "https"
    url = f"{scheme}://{host}/v2/{ref.repository}/manifests/{ref.tag}"
    headers = {"Accept": MANIFEST_TYPES}
    status, response_headers, _ = _open(_request(url, "HEAD", headers))
    if status == 401:
        challenge = {k.lower(): v for k, v in response_headers.items()}.get("www-authenticate", "")
        kind, _ = _challenge(challenge)
        creds = _docker_credentials(ref.registry)
        if kind == "bearer":
            headers["Authorization"] = f"Bearer {_token(challenge, creds, ref)}"
        elif kind == "basic" and creds:
            headers["Authorization"] = "Basic " + base64.b64encode(creds.encode()).decode()
        else:
            raise GitopsError(f"registry {ref.registry} needs credentials for {ref.repository}: "
                              f"docker login {ref.registry}")
        status, response_headers, _ = _open(_request(url, "HEAD", headers))
    if status == 404:
        return None
    if status in (401, 403):
        raise GitopsError(f"registry {ref.registry} denied access to {ref.repository} ({status})")
    if status != 200:
        raise GitopsError(f"registry {ref.registry} answered {status} for {ref.display}")
    lowered = {k.lower(): v for k, v in response_headers.items()}
    digest = lowered.get("docker-content-digest")
    if not digest:
        raise GitopsError(f"registry {ref.registry} sent no digest for {ref.display}")
    return digest
