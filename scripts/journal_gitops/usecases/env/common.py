"""What the env commands share: an environment's state as its files give it, the values
--replicas and --set take, and the validation every env change must pass before it commits."""

from __future__ import annotations

import re
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from ...adapters.files import FileEdit, read_file
from ...adapters.kustomize import error_text
from ...argocd.manifests import automated, environment_applications
from ...changes.delivery import Delivery, DeliveryOptions, Planner, Proposal, Verifier, deliver
from ...config.load import load_config
from ...config.model import Config
from ...errors import GitopsError, UsageError
from ...kube.objects import Resource, parse_render
from ...overlays.images import Pin
from ...overlays.inputs import touched_by
from ...overlays.kustomization import Kustomization, read_values
from ...overlays.render import RenderJob, render_many, render_or_raise
from ...overlays.snapshot import ValueChange

MAX_REPLICAS = 2**31 - 1  # replicas is an int32
RESERVED = {"argocd"}  # `gitops diff` reports the Argo CD manifests under this name


@dataclass(frozen=True)
class EnvState:
    name: str
    namespace: str | None
    replicas: dict[str, int]
    config: dict[str, str]
    images: dict[str, Pin]
    automated: bool | None  # None: no Application found
    app_file: str | None


@dataclass(frozen=True)
class EnvChange:
    """What `env new`, `env set` or `env delete` changes."""

    env: str
    action: str  # new, set or delete
    changes: tuple[ValueChange, ...]  # for set: each setting from, to
    files: tuple[str, ...]  # every file the commit adds, changes or removes


def read_state(tree: Path, config: Config, env: str,
               apps: dict[str, Resource] | None = None) -> EnvState:
    """What an environment's overlay and Application say (`apps`: every environment's
    Application, when the caller has read them already)."""
    rel = config.overlay_file(env, tree)
    values = read_values(read_file(tree, rel), rel)
    app = (apps if apps is not None else environment_applications(tree, config)).get(env)
    images = {e.name: Pin(e.new_tag, e.digest) for e in values.images()
              if any(i.name == e.name for i in config.app_images)}
    return EnvState(env, values.namespace, values.replicas, values.config, images,
                    automated(app) if app else None, app.source if app else None)


# --- parsing of --replicas and --set ---------------------------------------------------------


def parse_assignments(pairs: Sequence[str], option: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key or not value:
            raise UsageError(f"{option} takes KEY=VALUE, not '{pair}'")
        if key in out:
            raise UsageError(f"{option} sets {key} twice ({key}={out[key]}, {pair}): give it "
                             f"once")
        out[key] = value
    return out


def parse_replicas(pairs: Sequence[str]) -> dict[str, int]:
    out: dict[str, int] = {}
    for key, value in parse_assignments(pairs, "--replicas").items():
        if not re.fullmatch(r"[0-9]+", value) or int(value) > MAX_REPLICAS:
            raise UsageError(f"--replicas {key}={value}: the count must be a whole number from "
                             f"0 to {MAX_REPLICAS}")
        out[key] = int(value)
    return out


def render_env(tree: Path, config: Config, env: str) -> list[Resource]:
    overlay = config.overlay_rel(env)
    return parse_render(render_or_raise(tree, overlay), overlay)


@dataclass
class TreeRenders:
    """The renders of every environment made on a tree before a change is written there, kept
    for the check after it: an environment whose inputs the change does not touch builds the
    same (see overlays.inputs.touched_by), so its render is not started again."""

    tree: Path | None = None
    jobs: dict[str, tuple[str, RenderJob]] = field(default_factory=dict)  # env: overlay, job

    def all(self, tree: Path, config: Config) -> dict[str, str]:
        """Every environment's render, rendered at once (the first failure, in order, is the
        error)."""
        overlays = {env: config.overlay_rel(env) for env in config.environments}
        with render_many(tree, overlays) as started:
            done = {env: job.result() for env, job in started.items()}
        self.tree = tree
        self.jobs = {env: (overlays[env], job) for env, job in started.items()}
        out = {}
        for env, render in done.items():
            if render.error is not None:
                raise GitopsError(f"{overlays[env]}: {error_text(render.error, tree)}")
            out[env] = render.manifests
        return out

    def still(self, tree: Path, config: Config, changed: Collection[str]
              ) -> dict[str, RenderJob]:
        """The renders that hold after `changed` files were written in `tree`."""
        if tree != self.tree:
            return {}
        return {env: job for env, (overlay, job) in self.jobs.items()
                if env in config.environments and config.overlay_rel(env) == overlay
                and not touched_by(job.found, tree, overlay, changed)}


def ingress_hosts(manifests: str, source: str) -> list[str]:
    """The hosts of a render's Ingresses. Only the documents that name an Ingress are read:
    kustomize writes one `---` line between documents, so each is found without the others."""
    wanted = [doc for doc in manifests.split("\n---\n") if "Ingress" in doc]
    hosts = []
    for resource in parse_render("\n---\n".join(wanted), source):
        rules = resource.spec.get("rules") if resource.kind == "Ingress" else None
        for rule in rules if isinstance(rules, list) else []:
            if isinstance(rule, dict) and rule.get("host"):
                hosts.append(str(rule["host"]))
    return hosts


def components(resources: Sequence[Resource]) -> list[str]:
    """Workloads the overlay renders (what --replicas may name)."""
    return sorted(r.name for r in resources if r.kind in ("Deployment", "StatefulSet"))


def edit_overlay(kustomization: Kustomization, components: list[str],
                  replicas: dict[str, int], values: dict[str, str]) -> None:
    for component, count in replicas.items():
        if component not in components:
            raise UsageError(f"unknown component '{component}' (components: "
                             f"{', '.join(components)})")
        kustomization.set_replicas(component, count)
    known = kustomization.config()
    for key, value in values.items():
        if key not in known:
            raise UsageError(f"unknown config key '{key}' (keys: {', '.join(sorted(known))})")
        kustomization.set_config(key, value)


def validate_tree(tree: Path, what: str, renders: TreeRenders | None = None,
                  changed: Collection[str] = ()) -> None:
    """The changed repository must validate clean, or nothing is written (`renders`: made
    before the `changed` files were written)."""
    from ...validation.run import validate  # the rules and schemas: only when a change is made

    config = load_config(tree)
    kept = renders.still(tree, config, changed) if renders else {}
    overlays = {env: config.overlay_rel(env) for env in config.environments if env not in kept}
    with render_many(tree, overlays) as started:
        report = validate(config, renders={**kept, **started})
    if report.findings:
        first = report.findings[0]
        more = f" (and {len(report.findings) - 1} more)" if len(report.findings) > 1 else ""
        where = f"{first.env}: " if first.env else ""
        raise GitopsError(f"{what} would not validate: {where}{first.rule}: {first.message}{more}")


def verifier(what: str, renders: TreeRenders | None = None) -> Verifier[EnvChange]:
    def verify(tree: Path, proposal: Proposal[EnvChange]) -> None:
        validate_tree(tree, what, renders, [edit.path for edit in proposal.edits])
    return verify


def files_of(edits: Sequence[FileEdit]) -> tuple[str, ...]:
    return tuple(edit.path for edit in edits)


def deliver_env(config: Config, planner: Planner[EnvChange], checked: str, branch: str,
                options: DeliveryOptions, renders: TreeRenders | None = None
                ) -> Delivery[EnvChange]:
    """Every env change: validated as a whole repository before it is committed (`renders`:
    those the planner made, before its edits)."""
    return deliver(config.root, planner, verifier(checked, renders), options, lambda p: branch)
