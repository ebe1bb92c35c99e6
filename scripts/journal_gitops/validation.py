"""Validation of the repository: render every environment, check schemas and rules, and report
every problem found. `gitops validate` shows it; every change is checked by it before commit."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from concurrent.futures import Future
from dataclasses import dataclass
from pathlib import Path

from .adapters import kustomize
from .adapters.schema_cache import CachedSchemaChecker as SchemaChecker
from .argocd import app_sources, norm_path, read_manifests, same_repo
from .config import Config
from .errors import GitopsError
from .resources import Resource, parse_documents
from .rules import PLAINTEXT_SECRET, EnvContext, RuleId, all_rules, project_problems
from .rules.synced_files import applies, unsynced_files


@dataclass(frozen=True)
class Finding:
    rule: str
    message: str
    env: str | None  # None: the Argo CD manifests shared by all environments
    resource: str | None  # Kind/namespace/name
    file: str  # where to look, relative to the repository root


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

    @property
    def ok(self) -> bool:
        return not self.findings


def _schema_findings(checker: SchemaChecker, resources: Iterable[Resource], env: str | None,
                     file: str | None) -> list[Finding]:
    return [
        Finding(found.rule, found.message, env, resource.ref, file or resource.source)
        for resource in resources
        for found in checker.check(resource)
    ]


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
                    RuleId.APPLICATION,
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
            findings += [Finding(RuleId.PROJECT_PERMITS, problem, None, app.ref, app.source)
                         for problem in project_problems(app, projects, deployed)]
    return findings


def _check_env(config: Config, checker: SchemaChecker, render: kustomize.Render, env: str,
               apps: list[Resource], projects: dict[str, Resource]) -> tuple[int, list[Finding]]:
    overlay_file = config.overlay_file(env)
    if render.error is not None:
        message = kustomize.error_text(render.error, config.root)
        return 0, [Finding(RuleId.RENDER, message, env, None, overlay_file)]
    findings = [Finding(RuleId.KUSTOMIZE_WARNING, w, env, None, overlay_file)
                for w in render.warnings]
    try:
        resources = parse_documents(render.manifests, config.overlay_rel(env))
    except GitopsError as exc:
        return 0, [*findings, Finding(RuleId.RENDER, str(exc), env, None, overlay_file)]
    findings += _schema_findings(checker, resources, env, overlay_file)
    ctx = EnvContext(config, env, resources, apps, projects)
    for rule in all_rules():
        if rule.check is None:
            continue
        for resource, message in rule.check(ctx):
            file = resource.source if resource is not None and resource.source.endswith(
                (".yaml", ".yml")) else overlay_file
            findings.append(Finding(rule.id, message, env,
                                    resource.ref if resource is not None else None, file))
    return len(resources), findings


def validate(config: Config, envs: Sequence[str] | None = None, crds: Path | None = None,
             renders: Mapping[str, Future[kustomize.Render]] | None = None) -> Report:
    """Schemas and rules on every environment's render (`renders`, if the caller started them
    already, else started here), and on the Argo CD manifests while the renders run."""
    selected = config.select(envs)
    if renders is None:
        overlays = {env: config.overlay_rel(env) for env in selected}
        with kustomize.render_many(config.root, overlays) as started:
            return validate(config, envs, crds, started)
    checker = SchemaChecker(config.kubernetes_versions, crds or config.crds)
    manifests = read_manifests(config.root, config)
    argocd = list(manifests.resources)
    findings = [Finding(RuleId.YAML, e.message, None, None, e.file) for e in manifests.errors]
    apps, projects = manifests.applications, manifests.projects
    findings += _schema_findings(checker, argocd, None, None)
    findings += [Finding(RuleId.PLAINTEXT_SECRET, PLAINTEXT_SECRET, None, r.ref, r.source)
                 for r in argocd if r.kind == "Secret" and r.group == ""]
    if not envs:
        findings += _orphan_apps(config, apps)
        findings += _app_of_apps(config, apps, argocd, projects)
        findings += [Finding(RuleId.SYNCED_FILES, message, None, None, file)
                     for file, message in unsynced_files(config, manifests)]
    summaries = []
    for env in selected:
        count, env_findings = _check_env(config, checker, renders[env].result(), env, apps,
                                         projects)
        findings += env_findings
        summaries.append(EnvSummary(env, count, len(env_findings)))
    return Report(tuple(summaries), tuple(findings), config.kubernetes_versions)
