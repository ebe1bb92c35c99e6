"""Rules end to end: a copy of the repository, broken on purpose, validated with kustomize and
every schema, gives exactly its findings.

One case per rule family, plus what only a real render shows: kustomize warnings, schemas,
generated names, overlay replicas, and the Argo CD manifests in apps/ and argocd/. Each rule's
own cases, failing and near-miss, are in tests/validation/test_rules.py.

Every case runs twice over: with the cache (each command run twice, the second from a warm
cache, and both must answer the same) and with GITOPS_NO_CACHE=1. The expected answer is the
same for all three.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import Result

from conftest import SHARED_CRDS, Runner, edit_yaml, findings, run_gitops

Mutation = Callable[[Path], None]


@pytest.fixture(params=["cache", "no-cache"])
def gitops(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Runner:
    """The CLI, with the cache (run twice: cold or warm, then warm) or without it."""
    if request.param == "no-cache":
        monkeypatch.setenv("GITOPS_NO_CACHE", "1")
        return run_gitops

    def twice(*args: str, **kwargs: Any) -> Result:
        first, second = run_gitops(*args, **kwargs), run_gitops(*args, **kwargs)
        assert (second.exit_code, second.output) == (first.exit_code, first.output)
        return second

    return twice
DEV_FRONTEND = "Deployment/journal-dev/frontend"
DEV_FILESERVER = "Deployment/journal-dev/fileserver"
REPO_URL = "https://github.com/journal-app/journal-gitops.git"


def _container(docs: list[Any], index: int = 0) -> dict[str, Any]:
    container: dict[str, Any] = docs[0]["spec"]["template"]["spec"]["containers"][index]
    return container


def _frontend(change: Callable[[list[Any]], None]) -> Mutation:
    return lambda repo: edit_yaml(repo / "base/frontend/deployment.yaml", change)


def _replace(rel: str, old: str, new: str) -> Mutation:
    def mutate(repo: Path) -> None:
        path = repo / rel
        text = path.read_text()
        assert old in text, f"{old!r} not in {rel}"
        path.write_text(text.replace(old, new, 1))

    return mutate


def _add_resource(name: str, text: str, folder: str = "base/secrets") -> Mutation:
    def mutate(repo: Path) -> None:
        (repo / folder / name).write_text(text)
        _replace(f"{folder}/kustomization.yaml", "resources:\n", f"resources:\n  - {name}\n")(repo)

    return mutate


def _both(*mutations: Mutation) -> Mutation:
    def mutate(repo: Path) -> None:
        for m in mutations:
            m(repo)

    return mutate


def _delete(rel: str) -> Mutation:
    return lambda repo: (repo / rel).unlink()


SERVICE_MONITOR = """apiVersion: monitoring.coreos.com/v1
kind: ServiceMonitor
metadata:
  name: frontend
spec:
  endpoints:
    - port: http
"""

CASES: list[tuple[str, Mutation, list[tuple[Any, ...]]]] = [
    (
        "tag-scheme-unpinned",
        _replace(
            "overlays/dev/kustomization.yaml",
            "  - name: journal-fileserver\n",
            "  - name: not-this-image\n",
        ),
        [
            (
                "dev",
                "image-tag",
                DEV_FILESERVER,
                "container fileserver: image journal-fileserver has no tag",
            ),
            (
                "dev",
                "tag-scheme",
                DEV_FILESERVER,
                "container fileserver: image journal-fileserver is not set by the overlay's images: list",
            ),
        ],
    ),
    (
        "pod-security-caps",
        _frontend(
            lambda docs: _container(docs)["securityContext"].update(
                capabilities={"add": ["SYS_ADMIN"]}, runAsNonRoot=False
            )
        ),
        [
            (
                "dev",
                "pod-security",
                DEV_FRONTEND,
                "container frontend: capabilities.drop must include ALL",
            ),
            (
                "dev",
                "pod-security",
                DEV_FRONTEND,
                "container frontend: capability SYS_ADMIN may not be added (only NET_BIND_SERVICE)",
            ),
            (
                "dev",
                "pod-security",
                DEV_FRONTEND,
                "container frontend: runAsNonRoot must be true (pod or container)",
            ),
        ],
    ),
    (
        "config-ref-key",
        _replace("base/frontend/deployment.yaml", "key: journalEntries", "key: journalEntriez"),
        [
            (
                "dev",
                "config-ref",
                DEV_FRONTEND,
                "container frontend: ConfigMap frontend-config-HASH has no key journalEntriez",
            )
        ],
    ),
    (
        "service-write-ordinal",
        _replace("base/redis/service-write.yaml", "pod-name: redis-0", "pod-name: redis-1"),
        [
            (
                "dev",
                "service-selector",
                "Service/journal-dev/redis-write",
                "selector app.kubernetes.io/name=redis,app.kubernetes.io/part-of=journal,"
                "statefulset.kubernetes.io/pod-name=redis-1 matches no pod in the environment",
            )
        ],
    ),
    (
        "pdb-missing",
        _both(
            _delete("base/fileserver/pdb.yaml"),
            _replace("base/fileserver/kustomization.yaml", "  - pdb.yaml\n", ""),
            _replace(
                "overlays/dev/kustomization.yaml",
                "name: fileserver\n    count: 1",
                "name: fileserver\n    count: 2",
            ),
        ),
        [("dev", "pdb", DEV_FILESERVER, "2 replicas but no PodDisruptionBudget")],
    ),
    (
        "schema",
        _frontend(lambda docs: docs[0]["spec"].update(replica=2)),
        [
            (
                "dev",
                "schema",
                DEV_FRONTEND,
                "spec: Additional properties are not allowed ('replica' was unexpected)",
            )
        ],
    ),
    (
        "custom-schema",
        _replace(
            "base/secrets/redis-password.yaml", "creationPolicy: Owner", "creationPolicy: Sometimes"
        ),
        [
            (
                "dev",
                "custom-schema",
                "ExternalSecret/journal-dev/redis-password",
                "spec.target.creationPolicy: 'Sometimes' is not one of ['Owner', 'Orphan', 'Merge', "
                "'None', 'CreateOrMerge'] (schema)",
            )
        ],
    ),
    (
        "unknown-kind",
        _both(_add_resource("monitor.yaml", SERVICE_MONITOR)),
        [
            (
                "dev",
                "unknown-kind",
                "ServiceMonitor/journal-dev/frontend",
                "no schema for monitoring.coreos.com/v1 ServiceMonitor in the project's schemas "
                "(pass --crds to use upstream CRDs)",
            ),
            (
                "dev",
                "project-permits",
                "Application/argocd/journal-dev",
                "AppProject journal does not allow ServiceMonitor (monitoring.coreos.com)",
            ),
        ],
    ),
    (
        "kind-values",
        _frontend(lambda docs: docs[0]["spec"]["template"]["spec"].update(restartPolicy="Never")),
        [("dev", "kind-values", DEV_FRONTEND, "restartPolicy 'Never' is not one of Always, the "
                                              "values a Deployment's pods may have")],
    ),
    (
        "required-lists",
        _replace("base/frontend/service.yaml", "  ports:\n    - name: http\n      port: 8080\n"
                 "      targetPort: http\n      protocol: TCP", "  ports: []"),
        [("dev", "required-lists", "Service/journal-dev/frontend",
          "no ports: a ClusterIP Service needs at least one (headless ones may have none)"),
         ("dev", "ingress-backend", "Ingress/journal-dev/journal",
          "backend Service frontend has no port 8080")],
    ),
    (
        "list-keys",
        _frontend(lambda docs: _container(docs)["env"].append(
            {"name": "REDIS_HOST", "value": "redis-write"})),
        [("dev", "list-keys", DEV_FRONTEND, "container frontend: env var REDIS_HOST is listed "
                                            "twice (entries 1 and 2)")],
    ),
    (
        "object-refs",
        _frontend(lambda docs: docs[0]["spec"]["template"]["spec"].update(
            serviceAccountName="journal")),
        [("dev", "object-refs", DEV_FRONTEND,
          "serviceAccountName journal is not a ServiceAccount of the environment")],
    ),
    (
        "secret-value",
        _frontend(lambda docs: _container(docs)["env"].append(
            {"name": "UPLOAD_ID", "value": "AKIAIOSFODNN7EXAMPLE"})),
        [("dev", "secret-value", DEV_FRONTEND,
          "container frontend: env UPLOAD_ID holds an AWS access key id")],
    ),
    (
        "kustomize-warning",
        _replace(
            "overlays/dev/kustomization.yaml",
            "replicas:\n",
            "commonLabels:\n  team: journal\nreplicas:\n",
        ),
        [
            (
                "dev",
                "kustomize-warning",
                None,
                "'commonLabels' is deprecated. Please use 'labels' instead. Run 'kustomize "
                "edit fix' to update your Kustomization automatically.",
            )
        ],
    ),
]


@pytest.mark.parametrize(
    ("mutation", "expected"), [(m, e) for _, m, e in CASES], ids=[c[0] for c in CASES]
)
def test_rule_finds_breakage(
    repo: Path, gitops: Runner, mutation: Mutation, expected: list[tuple[Any, ...]]
) -> None:
    assert _unhash(_broken(repo, gitops, mutation, "--env", "dev")) == expected


def _broken(repo: Path, gitops: Runner, mutation: Mutation, *args: str) -> list[tuple[Any, ...]]:
    """The findings of `gitops validate` (which must fail) once `mutation` broke the repo."""
    mutation(repo)
    result = gitops("validate", *args, "--output", "json", repo=repo)
    assert result.exit_code == 1, result.output
    return findings(result)


def _unhash(found: list[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
    """Generated ConfigMap names carry a content hash; the cases name it HASH."""
    import re

    return [
        tuple(
            re.sub(r"((?:frontend|redis)-config)-[a-z0-9]{10}", r"\1-HASH", v) if isinstance(v, str) else v
            for v in f
        )
        for f in found
    ]


APP_DEV = "apps/journal-dev.yaml"
APP_PROD = "apps/journal-prod.yaml"


def _app(rel: str, change: Callable[[dict[str, Any]], None]) -> Mutation:
    return lambda repo: edit_yaml(repo / rel, lambda docs: change(docs[0]))


def _copy_app(repo: Path) -> None:
    text = (repo / APP_DEV).read_text().replace("name: journal-dev\n", "name: journal-dev-2\n")
    (repo / "apps/journal-dev-2.yaml").write_text(text)


REPO_CREDS = """apiVersion: v1
kind: Secret
metadata:
  name: repo-creds
  namespace: argocd
stringData:
  password: not-in-git-please
"""


def _add_file(rel: str, text: str) -> Mutation:
    def mutate(repo: Path) -> None:
        (repo / rel).write_text(text)

    return mutate


def _json_app(repo: Path) -> None:
    import json

    import yaml

    app = yaml.safe_load((repo / APP_PROD).read_text())
    app["metadata"]["name"] = "journal-prod-2"
    app["spec"]["syncPolicy"]["automated"] = {"prune": True}
    (repo / "apps/journal-prod-2.json").write_text(json.dumps(app))


UNSYNCED = ("it is not a bootstrap file (the root app or its AppProject): a change to it never "
            "reaches the cluster")
ARGO_CASES: list[tuple[str, Mutation, list[tuple[Any, ...]]]] = [
    (
        "wrong-project",
        _app(APP_DEV, lambda app: app["spec"].update(project="journal-root")),
        [
            (
                "dev",
                "application",
                "Application/argocd/journal-dev",
                "project journal-root is not journal (gitops.yaml)",
            ),
            (
                "dev",
                "project-permits",
                "Application/argocd/journal-dev",
                "AppProject journal-root does not allow destination namespace journal-dev on "
                "https://kubernetes.default.svc",
            ),
            (
                "dev",
                "project-permits",
                "Application/argocd/journal-dev",
                "AppProject journal-root does not allow cluster-scoped Namespace (core)",
            ),
        ]
        + [
            (
                "dev",
                "project-permits",
                "Application/argocd/journal-dev",
                f"AppProject journal-root does not allow {k}",
            )
            for k in (
                "ConfigMap (core)",
                "Service (core)",
                "Deployment (apps)",
                "StatefulSet (apps)",
                "PodDisruptionBudget (policy)",
                "ExternalSecret (external-secrets.io)",
                "Ingress (networking.k8s.io)",
                "NetworkPolicy (networking.k8s.io)",
            )
        ],
    ),
    (
        "application-schema",
        _app(APP_DEV, lambda app: app["spec"].update(revisionHistoryLimit="10")),
        [
            (
                None,
                "custom-schema",
                "Application/argocd/journal-dev",
                "spec.revisionHistoryLimit: '10' is not of type 'integer' (schema)",
            )
        ],
    ),
    (
        "yaml-error",
        _replace(APP_DEV, "  project: journal\n", "  project: [journal\n"),
        [
            (None, "yaml", None, "YAML syntax error at line 17: did not find expected ',' or ']'"),
            ("dev", "application", None, f"no Application deploys overlays/dev from {REPO_URL}"),
        ],
    ),
    (
        "orphan-application",
        _both(
            _copy_app,
            _app(
                "apps/journal-dev-2.yaml",
                lambda app: app["spec"]["source"].update(path="overlays/qa"),
            ),
        ),
        [
            (
                None,
                "application",
                "Application/argocd/journal-dev-2",
                "deploys overlays/qa, which is not an environment in gitops.yaml",
            )
        ],
    ),
    ("secret-in-argocd", _add_file("argocd/repo-creds.yaml", REPO_CREDS),
     [(None, "plaintext-secret", "Secret/argocd/repo-creds",
       "Secret rendered from git: its values are in the repository"),
      (None, "synced-files", None,
       f"no Application applies argocd/repo-creds.yaml, and {UNSYNCED}")]),
    ("project-not-applied", _replace("argocd/root-app.yaml", "include: project.yaml",
                                     "include: '{root-app,project-root}.yaml'"),
     [(None, "synced-files", None,
       f"no Application applies argocd/project.yaml, and {UNSYNCED}")]),
    ("root-project-without-appproject",
     _replace("argocd/project-root.yaml",
              "    - group: argoproj.io\n      kind: AppProject\n", ""),
     [(None, "project-permits", "Application/argocd/journal-root",
       "AppProject journal-root does not allow AppProject (argoproj.io)")]),
    ("json-application", _json_app,
     [("prod", "application", None,
       "2 Applications deploy overlays/prod: journal-prod, journal-prod-2"),
      ("prod", "sync-policy", "Application/argocd/journal-prod-2",
       "automated sync on prod, in production (the last promotion stage): the Argo CD UI cannot roll it back")]),
]


@pytest.mark.parametrize(
    ("mutation", "expected"), [(m, e) for _, m, e in ARGO_CASES], ids=[c[0] for c in ARGO_CASES]
)
def test_argocd_rule_finds_breakage(
    repo: Path, gitops: Runner, mutation: Mutation, expected: list[tuple[Any, ...]]
) -> None:
    assert sorted(_broken(repo, gitops, mutation), key=str) == sorted(expected, key=str)


@pytest.mark.skipif(not SHARED_CRDS.is_dir(), reason="needs ../shared/crds beside the project")
def test_upstream_crd_catches_what_it_knows(repo: Path, gitops: Runner) -> None:
    _replace(
        "base/secrets/redis-password.yaml", "creationPolicy: Owner", "creationPolicy: Sometimes"
    )(repo)
    result = gitops(
        "validate", "--env", "dev", "--crds", str(SHARED_CRDS), "--output", "json", repo=repo
    )
    assert result.exit_code == 1
    messages = [f[3] for f in findings(result)]
    assert len(messages) == 2
    assert messages[0].endswith("(schema)")
    assert messages[1].startswith("spec.target.creationPolicy: 'Sometimes' is not one of [")
    assert messages[1].endswith("(CRD)")


HTTPROUTE_CRD = """apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: httproutes.gateway.networking.k8s.io
spec:
  group: gateway.networking.k8s.io
  names: {kind: HTTPRoute, plural: httproutes}
  scope: Namespaced
  versions:
    - name: v1
      served: true
      storage: true
      schema:
        openAPIV3Schema:
          type: object
          properties:
            apiVersion: {type: string}
            kind: {type: string}
            metadata: {type: object}
            spec:
              type: object
              required: [parentRefs]
              properties:
                parentRefs:
                  type: array
                  items: {type: object, properties: {name: {type: string}}}
"""
HTTPROUTE = """apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata:
  name: journal
spec:
  parentRef: gateway
"""


def test_a_crd_in_a_k8s_io_group_is_checked_by_its_crd(repo: Path, gitops: Runner,
                                                       tmp_path: Path) -> None:
    crds = tmp_path / "crds"
    crds.mkdir()
    (crds / "httproute.yaml").write_text(HTTPROUTE_CRD)
    _add_resource("route.yaml", HTTPROUTE)(repo)
    result = gitops("validate", "--env", "dev", "--crds", str(crds), "--output", "json",
                    repo=repo)
    assert [f for f in findings(result) if f[1] == "custom-schema"] == [
        ("dev", "custom-schema", "HTTPRoute/journal-dev/journal",
         "spec: 'parentRefs' is a required property (CRD)"),
        ("dev", "custom-schema", "HTTPRoute/journal-dev/journal",
         "spec: Additional properties are not allowed ('parentRef' was unexpected) (CRD)")]
    assert not [f for f in findings(result) if f[1] == "schema"]


def test_the_root_app_is_checked_against_its_project(repo: Path, gitops: Runner) -> None:
    _replace("argocd/project-root.yaml", "kind: Application\n", "kind: ApplicationSet\n")(repo)
    result = gitops("validate", "--output", "json", repo=repo)
    assert result.exit_code == 1
    assert findings(result) == [
        (None, "project-permits", "Application/argocd/journal-root",
         "AppProject journal-root does not allow Application (argoproj.io)")]


# --- what the API server, the app and Argo CD refuse; inputs; waivers; lines ---------------


def _github(result: Any) -> list[str]:
    return str(result.output).splitlines()


def test_api_server_and_app_breakers_are_annotated_on_their_source_lines(
        repo: Path, gitops: Runner) -> None:
    _replace("base/frontend/deployment.yaml", "cpu: 100m", "cpu: 100mm")(repo)
    _replace("base/frontend/deployment.yaml", "value: redis-write", "value: redis-wrte")(repo)
    _replace("overlays/dev/kustomization.yaml", "value: journal-dev.example.com\n      - op",
             "value: Journal_dev.example.com\n      - op")(repo)
    result = gitops("validate", "--env", "dev", "--output", "github", repo=repo)
    deployment = repo / "base/frontend/deployment.yaml"
    cpu, host = _line(deployment, "cpu: 100mm"), _line(deployment, "value: redis-wrte")
    assert (result.exit_code, _github(result)) == (1, [
        f"::error file=base/frontend/deployment.yaml,line={cpu},title=gitops quantity::[dev] "
        "Deployment/journal-dev/frontend: container frontend: requests.cpu '100mm' is not a "
        "quantity",
        f"::error file=base/frontend/deployment.yaml,line={host},title=gitops "
        "service-host-env::[dev] "
        "Deployment/journal-dev/frontend: container frontend: REDIS_HOST=redis-wrte names "
        "Service redis-wrte, which is not in the environment",
        "::error file=overlays/dev/kustomization.yaml,line=44,title=gitops ingress-host::[dev] "
        "Ingress/journal-dev/journal: host 'Journal_dev.example.com' is not a lowercase DNS name "
        "(letters, digits, '-' and '.')",
        "3 findings: in 1 of 1 environments",
    ])


def test_a_password_literal_in_an_overlay_generator(repo: Path, gitops: Runner) -> None:
    _replace("overlays/dev/kustomization.yaml", "      - journalEntries=20\n",
             "      - journalEntries=20\n      - redisPassword=hunter2\n")(repo)
    result = gitops("validate", "--env", "dev", "--output", "json", repo=repo)
    assert result.exit_code == 1
    assert [(f["rule"], f["message"], f["file"], f["line"])
            for f in json.loads(result.output)["findings"]] == [
        ("secret-literal", "key redisPassword is a literal value", "overlays/dev/kustomization.yaml",
         _line(repo / "overlays/dev/kustomization.yaml", "- name: frontend-config"))]


def _line(path: Path, text: str) -> int:
    return next(n for n, line in enumerate(path.read_text().splitlines(), 1) if text in line)


JSONNET_APP = "{ apiVersion: 'argoproj.io/v1alpha1', kind: 'Application' }\n"


def test_argocd_breakage_and_odd_shapes_are_findings_not_tracebacks(
        repo: Path, gitops: Runner) -> None:
    _replace("apps/journal-dev.yaml", "targetRevision: main", "targetRevision: mian")(repo)
    _replace("argocd/project.yaml", "  sourceRepos:\n", "  sourceRepos:\n    - '*'\n")(repo)
    _replace("apps/journal-staging.yaml", "  syncPolicy:\n", "  syncPolicy: manual\n  x:\n")(repo)
    (repo / "apps/extra.jsonnet").write_text(JSONNET_APP)
    (repo / "apps/list.yaml").write_text("apiVersion: v1\nkind: List\nitems: [a, 1]\n")
    (repo / "apps/latin1.yaml").write_bytes("name: caf\xe9\n".encode("latin-1"))
    tools = (repo / "apps/journal-dev.yaml").read_text().replace("journal-dev", "tools").replace(
        "path: overlays/dev", "path: tools/missing").replace("targetRevision: mian", "targetRevision: main")
    (repo / "apps/tools.yaml").write_text(tools)
    result = gitops("validate", "--output", "json", repo=repo)
    assert result.exit_code == 1, result.output
    got = {(f["rule"], f["resource"] or f["file"], f["message"])
           for f in json.loads(result.output)["findings"]}
    assert {
        ("unchecked-file", "apps/extra.jsonnet",
         "Argo CD applies jsonnet from this folder, which the rules cannot read"),
        ("yaml", "apps/list.yaml", "a List's items are not all Kubernetes objects"),
        ("yaml", "apps/latin1.yaml", "not UTF-8 text"),
        ("target-revision", "Application/argocd/journal-dev",
         "targetRevision 'mian' is not the deploy branch main (gitops.yaml deployBranch)"),
        ("project-wildcard", "AppProject/argocd/journal",
         "sourceRepos allows '*': a wildcard lifts the project's limit"),
        ("application-path", "Application/argocd/tools",
         "path tools/missing is not a folder of this repository"),
    } <= got
    assert any(rule == "custom-schema" and where == "Application/argocd/journal-staging"
               for rule, where, _ in got)


@pytest.mark.parametrize(("entry", "message"), [
    ("../../../elsewhere", "resources entry ../../../elsewhere is outside this repository"),
    ("https://github.com/org/repo//base?ref=v1",
     "resources entry https://github.com/org/repo//base?ref=v1 is a remote location (URL, git or "
     "file://)"),
    ("file:///tmp/other-repo", "resources entry file:///tmp/other-repo is a remote location "
                               "(URL, git or file://)"),
    ("example.com/org/repo", "resources entry example.com/org/repo does not exist in this "
                             "repository (kustomize would try to fetch it)"),
])
def test_non_local_kustomize_inputs_are_refused_before_rendering(
        repo: Path, gitops: Runner, entry: str, message: str) -> None:
    (repo.parent / "elsewhere").mkdir(exist_ok=True)
    (repo.parent / "elsewhere/kustomization.yaml").write_text("resources: []\n")
    _replace("base/secrets/kustomization.yaml", "resources:\n",
             f"resources:\n  - {entry}\n")(repo)
    result = gitops("validate", "--env", "dev", "--output", "json", repo=repo)
    assert result.exit_code == 1
    assert [(f["rule"], f["message"], f["file"], f["line"])
            for f in json.loads(result.output)["findings"]] == [
        ("kustomize-input", f"{message}; the overlay is not rendered",
         "base/secrets/kustomization.yaml", _line(repo / "base/secrets/kustomization.yaml",
                                                  entry))]
    rendered = gitops("render", "dev", repo=repo)
    assert (rendered.exit_code, rendered.output) == (
        1, f"Error: overlays/dev: not rendered: base/secrets/kustomization.yaml: {message}\n")


def _waive(repo: Path, text: str) -> None:
    path = repo / "gitops.yaml"
    path.write_text(path.read_text() + text)


def test_waivers_accept_findings_and_expire(repo: Path, gitops: Runner) -> None:
    _replace("base/frontend/deployment.yaml", "value: redis-write", "value: redis-wrte")(repo)
    _waive(repo, "waivers:\n  - rule: service-host-env\n    resource: Deployment/frontend\n"
                 "    reason: the alias is created by the platform team\n"
                 "    expires: 2999-12-31\n")
    result = gitops("validate", repo=repo)
    assert (result.exit_code, result.output) == (
        0, "ok: dev, staging, prod (60 resources) pass every rule on Kubernetes 1.29, 1.35; "
           "3 findings waived\n")
    data = json.loads(gitops("validate", "--env", "dev", "--output", "json", repo=repo).output)
    assert (data["ok"], data["waived"], data["waivedFindings"][0]["reason"],
            data["waivedFindings"][0]["expires"]) == (
        True, 1, "the alias is created by the platform team", "2999-12-31")
    config = repo / "gitops.yaml"
    config.write_text(config.read_text().replace("2999-12-31", "2001-02-03"))
    result = gitops("validate", "--env", "dev", "--output", "github", repo=repo)
    assert result.exit_code == 1
    assert _github(result)[-2] == (
        f"::error file=gitops.yaml,line={_line(config, '- rule: service-host-env')},"
        f"title=gitops waiver-expired::Deployment/frontend: waiver for service-host-env on "
        f"Deployment/frontend expired on 2001-02-03")


def test_an_unused_waiver_is_a_finding_and_a_bad_one_an_error(repo: Path, gitops: Runner
                                                              ) -> None:
    _waive(repo, "waivers:\n  - rule: probes\n    resource: Deployment/journal-dev/frontend\n"
                 "    env: dev\n    reason: r\n")
    result = gitops("validate", "--output", "json", repo=repo)
    assert result.exit_code == 1
    assert findings(result) == [("dev", "waiver-unused", "Deployment/journal-dev/frontend",
                                 "waiver for probes on Deployment/journal-dev/frontend matches "
                                 "no finding")]
    assert gitops("validate", "--env", "dev", repo=repo).exit_code == 1
    _waive(repo, "  - rule: probes\n    resource: Deployment/web\n")
    result = gitops("validate", repo=repo)
    assert (result.exit_code, result.output) == (
        1, "Error: gitops.yaml: line 70: 'reason' is missing in waivers[2]\n")
