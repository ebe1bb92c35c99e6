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
from typing import Any

from ..errors import GitopsError
from .digests import DIGEST

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
    if not isinstance(found, dict):
        return None
    user, secret = found.get("Username"), found.get("Secret")
    return f"{user}:{secret}" if user and secret else None


def _mapping(value: object, where: str) -> dict[str, object]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise GitopsError(f"{where} must be a mapping")
    return value


def _docker_credentials(registry: str) -> str | None:
    """user:password for a registry from the Docker config (~/.docker/config.json, or
    $DOCKER_CONFIG): a credHelpers entry, an `auths` entry, or the credsStore, in that order."""
    folder = Path(os.environ.get("DOCKER_CONFIG") or Path.home() / ".docker")
    path = folder / "config.json"
    try:
        config = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError):
        raise GitopsError(f"{path} is not readable JSON") from None
    config = _mapping(config, f"{path}")
    helper = _mapping(config.get("credHelpers"), f"{path}: credHelpers").get(registry)
    if helper:
        return _from_helper(str(helper), registry)
    auths = _mapping(config.get("auths"), f"{path}: auths")
    keys = [registry, f"https://{registry}", f"http://{registry}"]
    if registry == "docker.io":
        keys += ["https://index.docker.io/v1/", "index.docker.io"]
    for key in keys:
        entry = _mapping(auths.get(key), f"{path}: auths entry {key}")
        if entry.get("auth"):
            try:
                return base64.b64decode(str(entry["auth"]), validate=True).decode()
            except (ValueError, UnicodeDecodeError):
                raise GitopsError(f"{path}: auths entry {key} is not base64 user:password"
                                  ) from None
        if entry.get("username") and entry.get("password"):
            return f"{entry['username']}:{entry['password']}"
    store = config.get("credsStore")
    return _from_helper(str(store), registry) if store else None


def _challenge(header: str) -> tuple[str, dict[str, str]]:
    scheme, _, params = header.partition(" ")
    return scheme.lower(), dict(re.findall(r'(\w+)="([^"]*)"', params))


def _request(url: str, method: str, headers: dict[str, str]) -> urllib.request.Request:
    return urllib.request.Request(url, method=method, headers=headers)


class _SameHostCredentials(urllib.request.HTTPRedirectHandler):
    """Follow redirects, but send credentials only to the host they were meant for: a
    registry may redirect blob and manifest requests to storage elsewhere."""

    def redirect_request(self, req: urllib.request.Request, fp: Any, code: int, msg: str,
                         headers: Any, newurl: str) -> urllib.request.Request | None:
        new = super().redirect_request(req, fp, code, msg, headers, newurl)
        if new is None:
            return None
        old_url, new_url = urllib.parse.urlsplit(req.full_url), urllib.parse.urlsplit(newurl)
        if (old_url.scheme, old_url.netloc) != (new_url.scheme, new_url.netloc):
            for name in list(new.headers):
                if name.lower() == "authorization":
                    del new.headers[name]
            new.unredirected_hdrs.pop("Authorization", None)
        if req.get_method() == "HEAD":  # keep the method: a HEAD must not become a GET
            new.method = "HEAD"
        return new


_OPENER = urllib.request.build_opener(_SameHostCredentials)


def _open(request: urllib.request.Request) -> tuple[int, dict[str, str], bytes]:
    try:
        with _OPENER.open(request, timeout=TIMEOUT) as response:
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
    realm = urllib.parse.urlsplit(params["realm"])
    if realm.scheme != "https" and not (realm.scheme == "http" and _plain_http(realm.netloc)):
        raise GitopsError(f"registry {ref.registry} names a token service that is not https "
                          f"({realm.scheme}://{realm.netloc}): credentials are not sent there")
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
    if not DIGEST.match(digest):
        raise GitopsError(f"registry {ref.registry} sent {digest[:80]!r} as the digest of "
                          f"{ref.display}, which is not sha256:<64 lowercase hex>")
    return digest
