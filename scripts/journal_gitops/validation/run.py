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

from ..adapters.kustomize import error_text
from ..adapters.schemas import Problem
from ..argocd.manifests import ArgocdManifests, app_sources, norm_path, read_manifests, same_repo
from ..config.model import Config
from ..errors import GitopsError
from ..kube.objects import Resource, parse_render
from ..overlays.render import RenderJob, render_many
from .findings import Finding, WaivedFinding
from .rules import all_rules
from .rules.argocd import APPLICATION, PROJECT_PERMITS, project_problems
from .rules.config_refs import PLAINTEXT_SECRET, PLAINTEXT_SECRET_MESSAGE
from .rules.context import EnvContext, RepoContext
from .rules.model import FieldPath
from .rules.pipeline import (
    CUSTOM_SCHEMA,
    KUSTOMIZE_INPUT,
    KUSTOMIZE_WARNING,
    RENDER,
    SCHEMA,
    UNKNOWN_KIND,
)
from .rules.synced_files import SYNCED_FILES, applies, unsynced_files
from .schema_findings import SchemaFindings
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

    @property
    def ok(self) -> bool:
        return not self.findings


SCHEMA_RULES = {Problem.BUILTIN: SCHEMA.id, Problem.CUSTOM: CUSTOM_SCHEMA.id,
                Problem.UNKNOWN_KIND: UNKNOWN_KIND.id}


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
    prefix = f"{config.overlays_dir}/"
    findings = []
    for app in apps:
        for source in app_sources(app):
            path = norm_path(source.get("path"))
            if path.startswith(prefix) and path not in envs:
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
            deployed = [r for r in argocd if applies(app, config, r.source)]
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


def _check_env(config: Config, checker: SchemaFindings, job: RenderJob, env: str,
               apps: list[Resource], projects: dict[str, Resource]) -> tuple[int, list[Finding]]:
    overlay_file = config.overlay_file(env)
    render = job.result()
    if job.problems:  # inputs that refuse the overlay: each one a finding
        return 0, [Finding(KUSTOMIZE_INPUT.id, f"{p.message}; the overlay is not rendered",
                           env, None, p.file, p.line or None) for p in job.problems]
    if render.error is not None:
        message = error_text(render.error, config.root)
        return 0, [Finding(RENDER.id, message, env, None, overlay_file)]
    findings = [Finding(KUSTOMIZE_WARNING.id, w, env, None, overlay_file)
                for w in render.warnings]
    try:
        overlay = config.overlay_rel(env)
        resources = parse_render(render.manifests, overlay)
    except GitopsError as exc:
        return 0, [*findings, Finding(RENDER.id, str(exc), env, None, overlay_file)]
    hits: list[tuple[str, Resource | None, str, FieldPath]] = []
    for resource, schema in zip(resources, checker.check_render(render.manifests, resources),
                                strict=True):
        hits += [(SCHEMA_RULES[f.problem], resource, f.message, ()) for f in schema]
    ctx = EnvContext(config, env, resources, apps, projects)
    for rule in all_rules():
        if rule.check is not None:
            hits += [(rule.id, r, m, path) for r, m, path in _hits(rule.check, ctx)]
    index = None
    if hits:
        from .source_lines import SourceIndex

        index = SourceIndex.of(config.root, [config.overlay_path(env)])
    for rule_id, found, message, path in hits:
        fallback = found.source if found is not None and found.source.endswith(
            (".yaml", ".yml")) else overlay_file
        file, line = _locate(index, found, path, fallback)
        findings.append(Finding(rule_id, message, env,
                                found.ref if found is not None else None, file, line))
    return len(resources), findings


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
             renders: Mapping[str, RenderJob] | None = None) -> Report:
    """Schemas and rules on every environment's render (`renders`, if the caller started them
    already, else started here), and on the Argo CD manifests while the renders run."""
    selected = config.select(envs)
    if renders is None:
        overlays = {env: config.overlay_rel(env) for env in selected}
        with render_many(config.root, overlays) as started:
            return validate(config, envs, crds, started)
    checker = SchemaFindings(config.kubernetes_versions, crds or config.crds)
    manifests = read_manifests(config.root, config)
    argocd = list(manifests.resources)
    findings = [Finding(e.rule, e.message, None, None, e.file) for e in manifests.errors]
    apps, projects = manifests.applications, manifests.projects
    findings += _manifest_schema_findings(checker, manifests)
    findings += [Finding(PLAINTEXT_SECRET.id, PLAINTEXT_SECRET_MESSAGE, None, r.ref, r.source)
                 for r in argocd if r.kind == "Secret" and r.group == ""]
    findings += _repo_findings(config, manifests, not envs)
    if not envs:
        findings += _orphan_apps(config, apps)
        findings += _app_of_apps(config, apps, argocd, projects)
        findings += [Finding(SYNCED_FILES.id, message, None, None, file)
                     for file, message in unsynced_files(config, manifests)]
    summaries = []
    for env in selected:
        count, env_findings = _check_env(config, checker, renders[env], env, apps,
                                         projects)
        findings += env_findings
        summaries.append(EnvSummary(env, count, len(env_findings)))
    kept, waived = apply_waivers(config, findings, envs)
    summaries = [EnvSummary(e.name, e.resources, sum(1 for f in kept if f.env == e.name))
                 for e in summaries]
    return Report(tuple(summaries), tuple(kept), config.kubernetes_versions, tuple(waived))
