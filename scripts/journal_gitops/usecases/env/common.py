"""What the env commands share: an environment's state as its files give it, the values
--replicas and --set take, and the validation every env change must pass before it commits."""

from __future__ import annotations

import re
from collections.abc import Collection, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from ...adapters.files import FileEdit, read_file
from ...adapters.yamlload import load
from ...argocd.manifests import automated, environment_applications
from ...changes.delivery import Delivery, DeliveryOptions, Planner, Proposal, deliver
from ...config import CONFIG_FILE
from ...config.load import load_config, parse_config
from ...config.model import Config
from ...errors import GitopsError, UsageError
from ...kube.names import generated_base
from ...kube.objects import Resource, parse_render
from ...overlays.images import Pin
from ...overlays.inputs import Batch, inspect, touched_by
from ...overlays.kustomization import Kustomization, read_values
from ...overlays.pins import app_pins
from ...overlays.render import render_or_raise
from ...overlays.snapshot import ValueChange
from ...validation.findings import Finding

MAX_REPLICAS = 2**31 - 1  # replicas is an int32


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
    copy_of: str | None = None  # new: the environment it copies


def read_state(tree: Path, config: Config, env: str,
               apps: dict[str, Resource] | None = None) -> EnvState:
    """What an environment's overlay and Application say (`apps`: every environment's
    Application, when the caller has read them already)."""
    rel = config.overlay_file(env, tree)
    values = read_values(read_file(tree, rel), rel)
    app = (apps if apps is not None else environment_applications(tree, config)).get(env)
    images = app_pins(tree, config, env)
    return EnvState(env, values.namespace or config.layout(env).namespace, values.replicas,
                    values.config, images,
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


def _namespace(tree: Path, config: Config, env: str) -> str | None:
    rel = config.overlay_file(env, tree)
    try:
        return read_values(read_file(tree, rel), rel).namespace
    except GitopsError:
        return None


def _key(finding: Finding, words: Sequence[tuple[str, str]] = ()) -> tuple[str | None, ...]:
    """A finding without its line, each of `words` written as its placeholder and the hash
    kustomize gives a generated name left out: the same defect in a copy of an environment,
    or beside a changed literal of the same generator, has the same key."""
    name = (finding.resource or "").rpartition("/")[2]
    base = generated_base(name)
    hashed = [(name, f"{base}-{{hash}}")] if base is not None else []

    def sub(text: str | None) -> str | None:
        for word, placeholder in [*hashed, *words]:
            if text is not None and word:
                text = name_part(word).sub(placeholder, text)
        return text

    return (finding.rule, sub(finding.message), sub(finding.env), sub(finding.resource),
            sub(finding.file))


def name_part(word: str) -> re.Pattern[str]:
    """`word` wherever letters, digits and underscores do not go on around it (dev in
    apps/catalog-dev.yaml): how names are compared in findings about copies, and renamed in
    the names a copy is given."""
    return re.compile(rf"(?<![A-Za-z0-9_]){re.escape(word)}(?![A-Za-z0-9_])")


def token(word: str) -> re.Pattern[str]:
    """`word` as a whole name: not part of a longer one (prod in prod-us, or in prod.example.com;
    a full stop that ends a sentence ends the name)."""
    return re.compile(rf"(?<![A-Za-z0-9_.-]){re.escape(word)}(?![A-Za-z0-9_-]|\.[A-Za-z0-9_-])")


@dataclass(frozen=True)
class Baseline:
    """What validation found, before an env change, where the change reaches: the
    environments whose files, inputs, Application or view of gitops.yaml it changes (a new
    environment stands in for the one it copies), and the Argo CD manifests. The change is
    refused only for findings it adds, so a repository with findings of its own can still
    change an environment; and only those environments are rendered and checked again."""

    reached: tuple[str, ...]  # the environments to check after the change
    known: dict[str, frozenset[tuple[str | None, ...]]]  # each one's, from its stand-in
    shared: frozenset[tuple[str | None, ...]]  # of the Argo CD manifests
    about: dict[str, frozenset[tuple[str | None, ...]]]  # the manifests', about each one

    @classmethod
    def before(cls, tree: Path, proposal: Proposal[EnvChange]) -> Baseline:
        """Taken on the tree the proposal was planned on, before its edits are written."""
        from ...validation.run import validate  # the rules and schemas: only for a change

        config = load_config(tree)
        changed = [edit.path for edit in proposal.edits]
        after = _config_after(tree, config, proposal.edits)
        change = proposal.data
        envs = set(reached(tree, config, after, changed)) | (
            {change.env} & set(after.environments))
        stand_in = {env: (change.copy_of if env not in config.environments else env)
                    for env in envs}
        checked = sorted({e for e in stand_in.values() if e in config.environments},
                         key=config.environments.index)
        report = validate(config, checked, repo=True)
        words = {env: _words(tree, config, env) for env in checked}
        known, about = {}, {}
        for env, source in stand_in.items():
            if source is None or source not in words:
                continue
            known[env] = frozenset(_key(f, words[source]) for f in report.findings
                                   if f.env == source)
            about[env] = frozenset(_key(f, words[source]) for f in report.findings
                                   if f.env is None)
        shared = frozenset(_key(f) for f in report.findings if f.env is None)
        ordered = tuple(e for e in after.environments if e in envs)
        return cls(ordered, known, shared, about)

    def check(self, tree: Path, what: str) -> None:
        """The changed tree: every finding in what it reaches must be known from before."""
        from ...validation.run import validate

        config = load_config(tree)
        report = validate(config, self.reached, repo=True)
        words = {env: _words(tree, config, env) for env in self.reached}
        new = [f for f in report.findings if not self._known(f, words)]
        if new:
            first = new[0]
            more = f" (and {len(new) - 1} more)" if len(new) > 1 else ""
            where = f"{first.env}: " if first.env else ""
            raise GitopsError(f"{what} would not validate: {where}{first.rule}: "
                              f"{first.message}{more}")

    def _known(self, finding: Finding, words: dict[str, tuple[tuple[str, str], ...]]) -> bool:
        """Whether the finding was there before: in its own environment (or the one it is a
        copy of), or, for the manifests, as it was or about an environment the change reaches."""
        if finding.env is not None:
            return finding.env in words and _key(finding, words[finding.env]) in self.known.get(
                finding.env, frozenset())
        return _key(finding) in self.shared or any(
            _key(finding, words[env]) in self.about.get(env, frozenset()) for env in words)


ENV, NAMESPACE = "{env}", "{namespace}"


def _words(tree: Path, config: Config, env: str) -> tuple[tuple[str, str], ...]:
    """What names an environment in findings about it: its namespace, then its name."""
    namespace = _namespace(tree, config, env)
    return ((namespace, NAMESPACE), (env, ENV)) if namespace else ((env, ENV),)


def _config_after(tree: Path, config: Config, edits: Sequence[FileEdit]) -> Config:
    """gitops.yaml as the edits leave it."""
    edit = next((e for e in edits if e.path == CONFIG_FILE), None)
    if edit is None or edit.after is None:
        return config
    return parse_config(tree, load(edit.after, CONFIG_FILE), edit.after)


def reached(tree: Path, before: Config, after: Config, changed: Collection[str]
             ) -> Iterator[str]:
    """The environments of `after` a change of the `changed` files can make validate
    differently: it writes in their overlay folder or in a folder their build loads (or
    misses), or changes their view of gitops.yaml."""
    from ...validation.rules.context import EnvConfig

    batch, top = Batch(), tree.resolve()
    for env in after.environments:
        overlay = after.overlay_rel(env)
        if env not in before.environments or any(
                path.startswith(f"{overlay}/") for path in changed) or \
                EnvConfig.of(before, env) != EnvConfig.of(after, env):
            yield env
        else:
            folder = tree / before.overlay_rel(env)
            found = inspect(folder, tree, batch) if folder.is_dir() else None
            if found is None or touched_by(found, tree, overlay, changed, top):
                yield env


def files_of(edits: Sequence[FileEdit]) -> tuple[str, ...]:
    return tuple(edit.path for edit in edits)


def deliver_env(config: Config, planner: Planner[EnvChange], checked: str, branch: str,
                options: DeliveryOptions) -> Delivery[EnvChange]:
    """Every env change: checked before it is committed against what validation found before
    it (see Baseline), on the tree it was planned on."""
    taken: dict[Path, Baseline] = {}

    def plan(tree: Path) -> Proposal[EnvChange] | None:
        proposal = planner(tree)
        if proposal is not None:
            taken[tree] = Baseline.before(tree, proposal)
        return proposal

    def verify(tree: Path, proposal: Proposal[EnvChange]) -> None:
        taken[tree].check(tree, checked)

    return deliver(config.root, plan, verify, options, lambda p: branch)
