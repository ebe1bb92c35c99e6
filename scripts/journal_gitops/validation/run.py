"""Validation of the repository: render every environment, check schemas and rules, and report
every problem found. `gitops validate` shows it; every change is checked by it before commit.

No shape of YAML may end in a traceback: the checks skip what they cannot read (the schemas
report the shape), and a check that still fails on an object is itself a finding naming the
environment, never an exception. Waivers from gitops.yaml are applied last.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from ..adapters.kustomize import Render, error_text
from ..adapters.schemas import Problem
from ..argocd.manifests import ArgocdManifests, app_sources, norm_path, read_manifests, same_repo
from ..config.model import Config
from ..errors import GitopsError
from ..kube.objects import Resource, parse_render
from ..overlays.inputs import inspect
from ..overlays.keys import SYMPTOM, bad_keys
from ..overlays.render import RenderJob, render_many
from .findings import Finding, WaivedFinding
from .kustomize_warnings import warning_findings
from .remembered import Checked, context_key, recall, remember
from .rules import all_rules, rules_off
from .rules.argocd import APPLICATION, PROJECT_PERMITS, project_problems
from .rules.config_refs import PLAINTEXT_SECRET, PLAINTEXT_SECRET_MESSAGE
from .rules.context import AppContext, EnvConfig, EnvContext, RenderSummary, RepoContext, deployers
from .rules.model import FieldPath
from .rules.pipeline import (
    CUSTOM_SCHEMA,
    KUSTOMIZE_INPUT,
    RENDER,
    SCHEMA,
    UNKNOWN_KIND,
)
from .rules.synced_files import SYNCED_FILES, applies, unsynced_files
from .schema_findings import SchemaFindings, schema_digests
from .waivers import apply_waivers

if TYPE_CHECKING:  # found lines are looked up only for findings
    from .source_lines import SourceIndex


@dataclass(frozen=True)
class EnvSummary:
    name: str
    resources: int
    findings: int


@dataclass(frozen=True)
class Report:
    environments: tuple[EnvSummary, ...]
    findings: tuple[Finding, ...]
    kubernetes_versions: tuple[str, ...]
    waived: tuple[WaivedFinding, ...] = ()
    profile: str = "strict"
    rules_off: tuple[tuple[str, str], ...] = ()  # rule id, why

    @property
    def ok(self) -> bool:
        return not self.findings


SCHEMA_RULES = {Problem.BUILTIN: SCHEMA.id, Problem.CUSTOM: CUSTOM_SCHEMA.id,
                Problem.UNKNOWN_KIND: UNKNOWN_KIND.id}
# An environment's findings in rule order (the schema rules as one: in object order).
RULE_ORDER = {rule.id: index for index, rule in enumerate(all_rules())}
RULE_ORDER.update(dict.fromkeys(SCHEMA_RULES.values(), RULE_ORDER[SCHEMA.id]))


def _manifest_schema_findings(checker: SchemaFindings, manifests: ArgocdManifests
                              ) -> list[Finding]:
    """The schema findings of the Argo CD manifests, file by file."""
    findings = []
    for file, text in manifests.texts:
        resources = [r for r in manifests.resources if r.source == file]
        for resource, found in zip(resources, checker.check_render(text, resources),
                                   strict=True):
            findings += [Finding(SCHEMA_RULES[f.problem], f.message, None, resource.ref, file)
                         for f in found]
    return findings


def _orphan_apps(config: Config, apps: list[Resource]) -> list[Finding]:
    """Applications pointing at an overlay folder that is not a configured environment."""
    envs = {config.overlay_rel(env) for env in config.environments}
    parents = config.overlay_parents()
    findings = []
    for app in apps:
        for source in app_sources(app):
            path = norm_path(source.get("path"))
            if path.rpartition("/")[0] in parents and path not in envs:
                findings.append(Finding(
                    APPLICATION.id,
                    f"deploys {path}, which is not an environment in gitops.yaml",
                    None, app.ref, app.source))
    return findings


def _app_of_apps(config: Config, apps: list[Resource], argocd: list[Resource],
                 projects: dict[str, Resource]) -> list[Finding]:
    """Applications that deploy the apps/ folder (the root app): their project must allow what
    they apply from apps/ and argocd/."""
    findings = []
    for app in apps:
        paths = [norm_path(s.get("path")) for s in app_sources(app)
                 if same_repo(s.get("repoURL"), config.repo_url)]
        if config.apps_dir in paths:
            deployed = [(r.group, r.kind) for r in argocd if applies(app, config, r.source)]
            findings += [Finding(PROJECT_PERMITS.id, problem, None, app.ref, app.source)
                         for problem in project_problems(app, projects, deployed)]
    return findings


def _hits(check: object, ctx: object) -> Iterator[tuple[Resource | None, str,
                                                                     FieldPath]]:
    """A check's hits as (resource, message, path); a check that fails on an odd shape the
    schemas did not stop gives one finding instead of a traceback."""
    try:
        for hit in check(ctx):  # type: ignore[operator]
            yield hit[0], hit[1], hit[2] if len(hit) > 2 else ()
    except (AttributeError, KeyError, IndexError, TypeError, ValueError) as exc:
        yield None, (f"could not be checked: an object has a shape this rule does not expect "
                     f"({type(exc).__name__})"), ()


def _locate(index: SourceIndex | None, resource: Resource | None, path: FieldPath,
            fallback: str) -> tuple[str, int | None]:
    if resource is None or index is None:
        return fallback, None
    found = index.locate(resource, path)
    return found if found is not None else (fallback, None)


def _located(config: Config, env: str, hits: list[tuple[str, Resource | None, str, FieldPath]],
             overlay_file: str, index: SourceIndex | None) -> list[Finding]:
    """Findings of hits, each on the line of the file its object (or field) is written at."""
    findings = []
    for rule_id, found, message, path in hits:
        fallback = found.source if found is not None and found.source.endswith(
            (".yaml", ".yml")) else overlay_file
        file, line = _locate(index, found, path, fallback)
        findings.append(Finding(rule_id, message, env,
                                found.ref if found is not None else None, file, line))
    return findings


def _render_findings(config: Config, checker: SchemaFindings, env: str, view: EnvConfig,
                     render: Render) -> Checked | list[Finding]:
    """What the render's schemas and rules find (a list of findings alone: it did not build
    or parse)."""
    overlay_file = config.overlay_file(env)
    if render.error is not None:
        if SYMPTOM in render.error:
            folders = list(inspect(config.root / config.overlay_rel(env), config.root).folders)
            keys = bad_keys(folders, config.root)
            if keys:
                return [Finding(RENDER.id, key.message(), env, None, key.file.as_posix(),
                                key.line) for key in keys]
        return [Finding(RENDER.id, error_text(render.error, config.root), env, None,
                        overlay_file)]
    findings = warning_findings(config.root, config.overlay_path(env), env, overlay_file,
                                render.warnings)
    try:
        resources = parse_render(render.manifests, config.overlay_rel(env))
    except GitopsError as exc:
        return [*findings, Finding(RENDER.id, str(exc), env, None, overlay_file)]
    hits: list[tuple[str, Resource | None, str, FieldPath]] = []
    for resource, schema in zip(resources, checker.check_render(render.manifests, resources),
                                strict=True):
        hits += [(SCHEMA_RULES[f.problem], resource, f.message, ()) for f in schema]
    ctx = EnvContext(view, env, resources)
    for rule in all_rules():
        if rule.check is not None:
            hits += [(rule.id, r, m, path) for r, m, path in _hits(rule.check, ctx)]
    index = None
    if hits:
        from .source_lines import SourceIndex

        index = SourceIndex.of(config.root, [config.overlay_path(env)])
    findings += _located(config, env, hits, overlay_file, index)
    return Checked(len(resources), tuple(findings), RenderSummary.of(resources),
                   schema_digests(checker.files(resources)))


def _app_findings(config: Config, env: str, view: EnvConfig, argocd: Argocd,
                  summary: RenderSummary) -> list[Finding]:
    """What the Argo CD rules find about the environment's Applications."""
    ctx = AppContext(view, env, argocd.deployers.get(view.overlay, ()), argocd.projects, summary)
    hits: list[tuple[str, Resource | None, str, FieldPath]] = []
    for rule in all_rules():
        if rule.app_check is not None:
            hits += [(rule.id, r, m, path) for r, m, path in _hits(rule.app_check, ctx)]
    if not hits:
        return []
    from .source_lines import SourceIndex

    return _located(config, env, hits, config.overlay_file(env),
                    SourceIndex(config.root.resolve()))


@dataclass(frozen=True)
class Argocd:
    """What the Argo CD rules of every environment read: the Applications that deploy each
    folder of this repository, and the AppProjects by name."""

    deployers: dict[str, tuple[Resource, ...]]
    projects: dict[str, Resource]


def _check_env(config: Config, checker: SchemaFindings, job: RenderJob, env: str,
               argocd: Argocd, context: str) -> tuple[int, list[Finding]]:
    """An environment's resource count and findings. What its render gives is remembered
    (see remembered.py); the Argo CD rules, which also read the manifests in apps/ and argocd/,
    run every time on a summary of the render."""
    if job.found.problems:  # inputs that refuse the overlay: each one a finding
        return 0, [Finding(KUSTOMIZE_INPUT.id, f"{p.message}; the overlay is not rendered",
                           env, None, p.file, p.line or None) for p in job.found.problems]
    view = EnvConfig.of(config, env)
    checked = recall(context, job.key, view)
    if checked is None:
        worked = _render_findings(config, checker, env, view, job.result())
        if isinstance(worked, list):
            return 0, worked
        checked = worked
        remember(context, job.key, view, checked)
    findings = [*_app_findings(config, env, view, argocd, checked.summary), *checked.findings]
    return checked.resources, sorted(findings, key=lambda f: RULE_ORDER[f.rule])


def _repo_findings(config: Config, manifests: ArgocdManifests, complete: bool
                   ) -> list[Finding]:
    """The repository-wide rules on the Argo CD manifests, each finding on its file's line."""
    ctx = RepoContext(config, manifests, complete)
    findings = []
    for rule in all_rules():
        if rule.repo_check is None:
            continue
        for resource, message, path in _hits(rule.repo_check, ctx):
            file = resource.source if resource is not None else config.apps_dir
            line = None
            if resource is not None:
                from .source_lines import SourceIndex

                index = SourceIndex(config.root.resolve())
                index.add_file(config.root / resource.source)
                found = index.locate(resource, path)
                line = found[1] if found else None
            findings.append(Finding(rule.id, message, None,
                                    resource.ref if resource is not None else None, file, line))
    return findings


def validate(config: Config, envs: Sequence[str] | None = None, crds: Path | None = None,
             renders: Mapping[str, RenderJob] | None = None, repo: bool = False) -> Report:
    """Schemas and rules on every environment's render (`renders`, if the caller started them
    already, else started here), and on the Argo CD manifests while the renders run. With
    `envs`, only those are rendered, and the rules across environments stay quiet unless
    `repo` asks for every rule on the manifests (an empty `envs` then checks only them)."""
    selected = config.select(envs) if envs or not repo else []
    if renders is None:
        overlays = {env: config.overlay_rel(env) for env in selected}
        with render_many(config.root, overlays) as started:
            return validate(config, envs, crds, started, repo)
    checker = SchemaFindings(config.kubernetes_versions, crds or config.crds)
    manifests = read_manifests(config.root, config)
    argocd = list(manifests.resources)
    findings = [Finding(e.rule, e.message, None, None, e.file) for e in manifests.errors]
    apps, projects = manifests.applications, manifests.projects
    findings += _manifest_schema_findings(checker, manifests)
    findings += [Finding(PLAINTEXT_SECRET.id, PLAINTEXT_SECRET_MESSAGE, None, r.ref, r.source)
                 for r in argocd if r.kind == "Secret" and r.group == ""]
    whole = not envs or repo
    findings += _repo_findings(config, manifests, whole)
    if whole:
        findings += _orphan_apps(config, apps)
        findings += _app_of_apps(config, apps, argocd, projects)
        findings += [Finding(SYNCED_FILES.id, message, None, None, file)
                     for file, message in unsynced_files(config, manifests)]
    summaries = []
    context = context_key(checker)
    shared = Argocd(deployers(apps, config.repo_url), projects)
    for env in selected:
        count, env_findings = _check_env(config, checker, renders[env], env, shared, context)
        findings += env_findings
        summaries.append(EnvSummary(env, count, len(env_findings)))
    off = rules_off(config)
    kept, waived = apply_waivers(config, [f for f in findings if f.rule not in off],
                                 list(envs or ()) if envs or repo else None, off=frozenset(off))
    summaries = [EnvSummary(e.name, e.resources, sum(1 for f in kept if f.env == e.name))
                 for e in summaries]
    return Report(tuple(summaries), tuple(kept), config.kubernetes_versions, tuple(waived),
                  config.rules.profile, tuple(off.items()))
