"""Where a rendered object, or a field of it, is written when kustomizations rename it
(namePrefix, nameSuffix): small trees on disk, objects as kustomize renders them (each tree
checked against `kustomize build` once by hand), and one real repository end to end."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path
from typing import Any

from conftest import MakeRepo, Runner
from journal_gitops.kube.objects import Resource
from journal_gitops.overlays.affixes import chains
from journal_gitops.validation.source_lines import SourceIndex

CONTAINERS = ("spec", "template", "spec", "containers")


def _tree(root: Path, files: dict[str, str]) -> Path:
    for rel, text in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(textwrap.dedent(text))
    return root


def _deployment(name: str, image: str, extra: str = "") -> str:
    return (f"apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {name}\nspec:\n"
            f"  replicas: 1\n  template:\n    spec:\n      containers:\n        - name: main\n"
            f"          image: {image}\n{extra}")


def _rendered(kind: str, name: str, spec: dict[str, Any] | None = None) -> Resource:
    return Resource({"apiVersion": "v1", "kind": kind, "metadata": {"name": name},
                     **({"spec": spec} if spec is not None else {})}, "ov")


def _pod(**container: Any) -> dict[str, Any]:
    return {"replicas": 1, "template": {"spec": {"containers": [
        {"name": "main", "image": "x", **container}]}}}


def _line(path: Path, text: str) -> int:
    return next(n for n, line in enumerate(path.read_text().splitlines(), 1) if text in line)


def test_each_rendered_name_is_traced_through_the_prefixes_to_its_own_document(
        tmp_path: Path) -> None:
    root = _tree(tmp_path, {
        "base/kustomization.yaml": "namePrefix: app-\nresources: [web.yaml]\n",
        "base/web.yaml": _deployment("web", "base:1"),
        "ov/kustomization.yaml": "namePrefix: dev-\nresources: [../base, web.yaml]\n"
                                 "patches:\n  - path: patch.yaml\n",
        "ov/web.yaml": _deployment("web", "own:1"),
        "ov/patch.yaml": "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: app-web\n"
                         "spec:\n  replicas: 3\n",
    })
    index = SourceIndex.of(root, [root / "ov"])
    from_base, own = _rendered("Deployment", "dev-app-web", _pod()), \
        _rendered("Deployment", "dev-web", _pod())
    image = (*CONTAINERS, 0, "image")
    assert [index.locate(from_base, image), index.locate(own, image),
            index.locate(from_base, ("spec", "replicas")), index.locate(own, ("spec", "replicas")),
            index.locate(_rendered("Deployment", "web", _pod()), image)] == [
        ("base/web.yaml", 11), ("ov/web.yaml", 11), ("ov/patch.yaml", 6), ("ov/web.yaml", 6),
        None]


def test_a_patch_changes_only_objects_of_its_own_kustomization_or_its_components_parent(
        tmp_path: Path) -> None:
    resources = "          resources:\n            limits:\n              memory: 1Gi\n"
    root = _tree(tmp_path, {
        "one/kustomization.yaml": "namePrefix: one-\nresources: [api.yaml]\n",
        "one/api.yaml": _deployment("api", "one:1", resources),
        "two/kustomization.yaml": "namePrefix: two-\nresources: [api.yaml]\n"
                                  "patchesStrategicMerge: [patch.yaml]\n",
        "two/api.yaml": _deployment("api", "two:1"),
        "two/patch.yaml": "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: api\n"
                          "spec:\n  template:\n    spec:\n      containers:\n"
                          "        - name: main\n" + resources,
        "mixin/kustomization.yaml": "apiVersion: kustomize.config.k8s.io/v1alpha1\n"
                                    "kind: Component\npatchesStrategicMerge: [probe.yaml]\n",
        "mixin/probe.yaml": "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: one-api\n"
                            "spec:\n  template:\n    spec:\n      containers:\n"
                            "        - name: main\n          readinessProbe:\n"
                            "            tcpSocket: {port: 80}\n",
        "ov/kustomization.yaml": "namePrefix: dev-\nresources: [../one, ../two]\n"
                                 "components: [../mixin]\n",
    })
    index = SourceIndex.of(root, [root / "ov"])
    limits = {"limits": {"memory": "1Gi"}}
    one = _rendered("Deployment", "dev-one-api", _pod(resources=limits, readinessProbe={}))
    two = _rendered("Deployment", "dev-two-api", _pod(resources=limits))
    assert [index.locate(one, (*CONTAINERS, 0, "resources")),
            index.locate(two, (*CONTAINERS, 0, "resources")),
            index.locate(one, (*CONTAINERS, 0, "readinessProbe"))] == [
        ("one/api.yaml", 12), ("two/patch.yaml", 10), ("mixin/probe.yaml", 10)]


def test_generated_unprefixed_and_entries_named_before_the_prefix_and_suffix(
        tmp_path: Path) -> None:
    kustomization = """\
        namePrefix: dev-
        nameSuffix: -v1
        resources: [../base, namespace.yaml]
        configMapGenerator:
          - name: settings
            literals: [a=1]
        replicas:
          - name: web
            count: 2
        patches:
          - target:
              kind: Deployment
              name: web
            patch: |-
              - op: replace
                path: /spec/template/spec/containers/0/image
                value: web:2
          - target:
              kind: Deployment
              name: web
            patch: |-
              apiVersion: apps/v1
              kind: Deployment
              metadata:
                name: web
              spec:
                minReadySeconds: 5
        """
    root = _tree(tmp_path, {
        "base/kustomization.yaml": "resources: [web.yaml]\n",
        "base/web.yaml": _deployment("web", "web:1"),
        "ov/namespace.yaml": "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: team\n",
        "ov/kustomization.yaml": kustomization,
    })
    file = root / "ov/kustomization.yaml"
    index = SourceIndex.of(root, [root / "ov"])
    web = _rendered("Deployment", "dev-web-v1", {**_pod(), "minReadySeconds": 5})
    assert [index.locate(_rendered("ConfigMap", "dev-settings-v1-h29d89cmmt")),
            index.locate(_rendered("Namespace", "team")),
            index.locate(web, ("spec", "replicas")),
            index.locate(web, (*CONTAINERS, 0, "image")),
            index.locate(web, ("spec", "minReadySeconds")),
            index.locate(web, ("spec", "paused"))] == [
        ("ov/kustomization.yaml", _line(file, "- name: settings")),
        ("ov/namespace.yaml", 1),
        ("ov/kustomization.yaml", _line(file, "- name: web")),
        ("ov/kustomization.yaml", _line(file, "- op: replace")),
        ("ov/kustomization.yaml", _line(file, "minReadySeconds: 5")),
        ("base/web.yaml", 5)]


def test_chains_follow_every_way_to_a_folder_and_components_take_their_parents(
        tmp_path: Path) -> None:
    root = _tree(tmp_path, {
        "shared/kustomization.yaml": "nameSuffix: -s\nresources: []\n",
        "mid/kustomization.yaml": "namePrefix: mid-\nresources: [../shared]\n",
        "mixin/kustomization.yaml": "kind: Component\nnamePrefix: ignored-\n"
                                    "resources: [../shared]\n",
        "ov/kustomization.yaml": "namePrefix: dev-\nresources: [../mid, ../shared, ../ov]\n"
                                 "components: [../mixin]\n",
    })
    folders = {name: (root / name).resolve() for name in ("ov", "mid", "shared", "mixin")}
    found = chains(root, root / "ov")
    top = (folders["ov"], "dev-", "")
    assert {name: found[path] for name, path in folders.items()} == {
        "ov": ((top,),),
        "mid": ((top, (folders["mid"], "dev-mid-", "")),),
        "shared": ((top, (folders["shared"], "dev-", "-s")),
                   (top, (folders["mid"], "dev-mid-", ""), (folders["shared"], "dev-mid-", "-s"))),
        "mixin": ((top,),),
    }


def test_validate_finds_a_base_defect_on_its_line_under_a_name_prefix(
        make_repo: MakeRepo, gitops: Runner) -> None:
    repo = make_repo()
    overlay, deployment = repo / "overlays/dev/kustomization.yaml", \
        repo / "base/frontend/deployment.yaml"
    service = repo / "base/redis/service-write.yaml"
    overlay.write_text(overlay.read_text().replace(
        "namespace: journal-dev\n", "namespace: journal-dev\nnamePrefix: dev-\n", 1))
    deployment.write_text(deployment.read_text().replace("cpu: 100m", "cpu: 100mm", 1))
    result = gitops("validate", "--env", "dev", "--output", "json", repo=repo)
    assert result.exit_code == 1, result.output
    found = [(f["rule"], f["resource"], f["file"], f["line"])
             for f in json.loads(result.output)["findings"]]
    assert found == [
        ("quantity", "Deployment/journal-dev/dev-frontend", "base/frontend/deployment.yaml",
         _line(deployment, "cpu: 100mm")),
        ("service-host-env", "Deployment/journal-dev/dev-frontend",
         "base/frontend/deployment.yaml", _line(deployment, "value: redis-write")),
        ("service-selector", "Service/journal-dev/dev-redis-write",
         "base/redis/service-write.yaml", _line(service, "apiVersion: v1")),
    ]
