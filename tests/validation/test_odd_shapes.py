"""Property tests: whatever shape a manifest has, the checks return findings and never raise.

Hypothesis takes this repository's own rendered objects and Argo CD manifests, replaces random
subtrees by strings, numbers, lists, mappings or null, and runs every rule's check, the schema
check and the line tracing on the result.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from typing import Any

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import ROOT
from journal_gitops.adapters.schemas import SchemaChecker
from journal_gitops.argocd.manifests import ArgocdManifests, read_manifests
from journal_gitops.config.load import load_config
from journal_gitops.errors import GitopsError
from journal_gitops.kube.objects import Resource, parse_documents
from journal_gitops.overlays.render import render_or_raise
from journal_gitops.validation.rules import all_rules
from journal_gitops.validation.rules.context import (
    AppContext,
    EnvContext,
    RenderSummary,
    RepoContext,
)
from journal_gitops.validation.source_lines import SourceIndex

CONFIG = load_config(ROOT)
RENDERED = parse_documents(render_or_raise(ROOT, "overlays/prod"), "overlays/prod")
ARGOCD = list(read_manifests(ROOT, CONFIG).resources)
ODD = st.one_of(st.none(), st.integers(-3, 2**40), st.text(max_size=5), st.booleans(),
                st.lists(st.one_of(st.integers(), st.text(max_size=3), st.none()), max_size=3),
                st.dictionaries(st.text(max_size=3), st.integers(), max_size=2))
SCHEMAS = SchemaChecker(CONFIG.kubernetes_versions)


def _paths(node: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    yield path
    items = node.items() if isinstance(node, dict) else enumerate(node) if isinstance(
        node, list) else ()
    for key, child in items:
        yield from _paths(child, (*path, key))


def _replace(body: Any, path: tuple[Any, ...], value: Any) -> Any:
    if not path:
        return value
    node = body
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value
    return body


@st.composite
def mutated(draw: st.DrawFn, objects: list[Resource]) -> list[Resource]:
    """The objects with one to three random subtrees replaced by odd values."""
    bodies = [copy.deepcopy(r.body) for r in objects]
    for _ in range(draw(st.integers(1, 3))):
        index = draw(st.integers(0, len(bodies) - 1))
        paths = [p for p in _paths(bodies[index]) if p]
        path = draw(st.sampled_from(paths))
        bodies[index] = _replace(bodies[index], path, draw(ODD))
    return [Resource(b if isinstance(b, dict) else {"odd": b}, r.source)
            for b, r in zip(bodies, objects, strict=True)]


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutated(RENDERED), mutated(ARGOCD))
def test_no_check_raises_on_odd_rendered_objects(resources: list[Resource],
                                                 argocd: list[Resource]) -> None:
    manifests = ArgocdManifests(tuple(argocd), ())
    context = EnvContext.of(CONFIG, "prod", resources)
    apps = AppContext.of(CONFIG, "prod", manifests.applications, manifests.projects,
                         RenderSummary.of(resources))
    repo = RepoContext(CONFIG, manifests)
    for rule in all_rules():
        for hit in (rule.check(context) if rule.check else ()):
            assert isinstance(hit[1], str)
        for hit in (rule.app_check(apps) if rule.app_check else ()):
            assert isinstance(hit[1], str)
        for hit in (rule.repo_check(repo) if rule.repo_check else ()):
            assert isinstance(hit[1], str)
    index = SourceIndex.of(ROOT, [ROOT / "overlays/prod"])
    for resource in resources[:5]:
        assert all(isinstance(f.message, str) for f in SCHEMAS.check(
            resource.api_version, resource.kind, resource.body))
        index.locate(resource, ("spec", "template", "spec", "containers", 0, "image"))


@settings(max_examples=60, deadline=None)
@given(st.lists(st.one_of(ODD, st.just("x: [1"), st.just({"kind": "List", "apiVersion": "v1",
                                                           "items": ["a", 1]})), max_size=3))
def test_parsing_any_document_gives_objects_or_one_error(docs: list[Any]) -> None:
    text = "\n---\n".join(d if isinstance(d, str) else yaml.safe_dump(d) for d in docs)
    try:
        objects = parse_documents(text, "apps/odd.yaml")
    except GitopsError as exc:  # the one error the callers turn into a finding
        assert str(exc).startswith("apps/odd.yaml: ")
    else:
        assert all(isinstance(r.body, dict) for r in objects)


def test_a_value_yaml_cannot_build_is_an_error_not_a_traceback() -> None:
    from journal_gitops.adapters.yamlload import load as load_document
    from journal_gitops.adapters.yamlload import load_all as load_documents

    for load in (load_document, load_documents):
        try:
            load("when: 2026-13-45\n", "x.yaml")
        except GitopsError as exc:
            assert str(exc) == "x.yaml: invalid YAML value: month must be in 1..12"
        else:
            raise AssertionError("an impossible date parsed")


def test_an_input_that_is_a_loop_of_links_is_refused(tmp_path: Any) -> None:
    from journal_gitops.overlays.inputs import inspect

    (tmp_path / "gitops.yaml").write_text("{}\n")
    (tmp_path / "kustomization.yaml").write_text("resources:\n  - one/x\n")
    (tmp_path / "one").symlink_to("two")
    (tmp_path / "two").symlink_to("one")
    assert [(p.file, p.line, p.message) for p in inspect(tmp_path).problems] == [
        ("kustomization.yaml", 2, "resources entry one/x is a loop of links")]


def test_an_impossible_date_is_quoted_when_written_and_refused_when_read() -> None:
    from journal_gitops.adapters.yamltext import needs_quotes
    from journal_gitops.overlays.kustomization import _load

    assert needs_quotes("2024-13-45")  # YAML would read it as a date, and fail
    try:
        _load("images: []\nbuilt: 2024-13-45\n", "overlays/dev/kustomization.yaml")
    except GitopsError as exc:
        assert str(exc) == ("overlays/dev/kustomization.yaml: the edit would not parse; nothing "
                            "was written")
    else:
        raise AssertionError("an impossible date parsed")
