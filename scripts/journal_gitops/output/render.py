"""What `gitops render` prints: the kustomize output as it is, or wrapped in the JSON contract."""

from __future__ import annotations

from . import json_document


def render_json(env: str, manifests: str) -> str:
    return json_document({"env": env, "manifests": manifests})


def render_text(env: str, manifests: str) -> str:
    """The manifests exactly as kustomize printed them."""
    return manifests
