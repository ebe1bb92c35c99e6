"""Each rule, broken on purpose in a copy of the repository, gives exactly its finding."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from conftest import SHARED_CRDS, Runner, edit_yaml, findings

Mutation = Callable[[Path], None]
DEV_FRONTEND = "Deployment/journal-dev/frontend"
DEV_FILESERVER = "Deployment/journal-dev/fileserver"
DEV_REDIS = "StatefulSet/journal-dev/redis"
ENVS = ("dev", "staging", "prod")
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


def _set(key: str, value: Any) -> Callable[[list[Any]], None]:
    def change(docs: list[Any]) -> None:
        _container(docs)[key] = value

    return change


def _drop(*path: str) -> Callable[[list[Any]], None]:
    def change(docs: list[Any]) -> None:
        node = _container(docs)
        for key in path[:-1]:
            node = node[key]
        del node[path[-1]]

    return change


def _pod_spec(change: Callable[[dict[str, Any]], object]) -> Callable[[list[Any]], None]:
    def apply(docs: list[Any]) -> None:
        change(docs[0]["spec"]["template"]["spec"])

    return apply


SECRET = """apiVersion: v1
kind: Secret
metadata:
  name: leaked
stringData:
  password: hunter2
"""
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
        "image-latest",
        _replace(
            "base/redis/statefulset.yaml",
            "image: docker.io/library/redis:7.4.2",
            "image: docker.io/library/redis:latest",
        ),
        [
            (
                "dev",
                "image-tag",
                DEV_REDIS,
                "container config: image docker.io/library/redis:latest uses the latest tag",
            )
        ],
    ),
    (
        "image-no-tag",
        _replace(
            "base/redis/statefulset.yaml",
            "image: docker.io/library/redis:7.4.2\n          command:\n            - redis-server",
            "image: docker.io/library/redis\n          command:\n            - redis-server",
        ),
        [
            (
                "dev",
                "image-tag",
                DEV_REDIS,
                "container redis: image docker.io/library/redis has no tag",
            )
        ],
    ),
    (
        "tag-scheme",
        _replace(
            "overlays/dev/kustomization.yaml",
            "newTag: 805c8cf2d536af9137692c914ecddbe83a103304",
            "newTag: v1.2",
        ),
        [
            (
                "dev",
                "tag-scheme",
                DEV_FRONTEND,
                "container frontend: tag v1.2 of ghcr.io/journal-app/journal-server does not follow "
                "the tag scheme full",
            )
        ],
    ),
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
        "resources",
        _frontend(_drop("resources", "limits")),
        [("dev", "resources", DEV_FRONTEND, "container frontend: no limits.memory")],
    ),
    (
        "resources-requests",
        _frontend(_drop("resources", "requests")),
        [
            (
                "dev",
                "resources",
                DEV_FRONTEND,
                "container frontend: no requests.cpu, requests.memory",
            )
        ],
    ),
    (
        "probes",
        _frontend(_drop("readinessProbe")),
        [("dev", "probes", DEV_FRONTEND, "container frontend: no readinessProbe")],
    ),
    (
        "pod-security-escalation",
        _frontend(
            lambda docs: _container(docs)["securityContext"].update(allowPrivilegeEscalation=True)
        ),
        [
            (
                "dev",
                "pod-security",
                DEV_FRONTEND,
                "container frontend: allowPrivilegeEscalation must be false",
            )
        ],
    ),
    (
        "pod-security-root-hostpath",
        _frontend(
            _pod_spec(
                lambda spec: (
                    spec["securityContext"].update(runAsUser=0),
                    spec["volumes"].append({"name": "host", "hostPath": {"path": "/"}}),
                )
            )
        ),
        [
            ("dev", "pod-security", DEV_FRONTEND, "volume host: type hostPath is not allowed"),
            ("dev", "pod-security", DEV_FRONTEND, "securityContext.runAsUser must not be 0"),
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
        "labels",
        _replace("base/fileserver/service.yaml", "    app.kubernetes.io/component: web\n", ""),
        [
            (
                "dev",
                "labels",
                "Service/journal-dev/fileserver",
                "missing label app.kubernetes.io/component",
            )
        ],
    ),
    (
        "plaintext-secret",
        _add_resource("leaked.yaml", SECRET),
        [
            (
                "dev",
                "plaintext-secret",
                "Secret/journal-dev/leaked",
                "Secret rendered from git: its values are in the repository",
            ),
            (
                "dev",
                "project-permits",
                "Application/argocd/journal-dev",
                "AppProject journal does not allow Secret (core)",
            ),
        ],
    ),
    (
        "config-ref-secret",
        _replace(
            "base/frontend/deployment.yaml",
            "secretName: redis-password",
            "secretName: redis-pasword",
        ),
        [
            (
                "dev",
                "config-ref",
                DEV_FRONTEND,
                "volume redis-password: Secret redis-pasword is not in the environment",
            )
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
        "service-selector",
        _replace(
            "base/frontend/service.yaml",
            "app.kubernetes.io/name: frontend\n    app.kubernetes.io/part-of",
            "app.kubernetes.io/name: frontendx\n    app.kubernetes.io/part-of",
        ),
        [
            (
                "dev",
                "service-selector",
                "Service/journal-dev/frontend",
                "selector app.kubernetes.io/name=frontendx,app.kubernetes.io/part-of=journal matches no "
                "pod in the environment",
            ),
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
        "service-target-port",
        _replace("base/fileserver/service.yaml", "targetPort: http", "targetPort: web"),
        [
            (
                "dev",
                "service-target-port",
                "Service/journal-dev/fileserver",
                "port 80: targetPort web is not a container port of Deployment fileserver",
            )
        ],
    ),
    (
        "ingress-path-order",
        lambda repo: edit_yaml(
            repo / "base/ingress/ingress.yaml",
            lambda docs: docs[0]["spec"]["rules"][0]["http"]["paths"].reverse(),
        ),
        [
            (
                "dev",
                "ingress-path-order",
                "Ingress/journal-dev/journal",
                "host journal-dev.example.com: path / is listed before /api, which it prefixes",
            )
        ],
    ),
    (
        "ingress-backend",
        _replace("base/ingress/ingress.yaml", "number: 8080", "number: 8081"),
        [
            (
                "dev",
                "ingress-backend",
                "Ingress/journal-dev/journal",
                "backend Service frontend has no port 8081",
            )
        ],
    ),
    (
        "statefulset-service",
        _replace("base/redis/service-headless.yaml", "clusterIP: None", "type: ClusterIP"),
        [
            (
                "dev",
                "statefulset-service",
                DEV_REDIS,
                "serviceName redis is not a headless Service (clusterIP: None)",
            )
        ],
    ),
    (
        "pdb-blocks",
        _replace("base/frontend/pdb.yaml", "maxUnavailable: 1", "maxUnavailable: 0"),
        [
            (
                "dev",
                "pdb",
                "PodDisruptionBudget/journal-dev/frontend",
                "maxUnavailable 0 of Deployment frontend: no pod can ever be evicted, node drains hang",
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
        "tag-scheme-registry",
        _replace("overlays/dev/kustomization.yaml", "newName: ghcr.io/journal-app/journal-server",
                 "newName: docker.io/evil/journal-server"),
        [
            (
                "dev",
                "tag-scheme",
                DEV_FRONTEND,
                "container frontend: image docker.io/evil/journal-server is not "
                "ghcr.io/journal-app/journal-server, where gitops.yaml says it is built",
            )
        ],
    ),
    (
        "pdb-percentage",
        _replace("base/frontend/pdb.yaml", "maxUnavailable: 1", 'minAvailable: "50%"'),
        [
            (
                "dev",
                "pdb",
                "PodDisruptionBudget/journal-dev/frontend",
                "minAvailable 50% with 1 replicas of Deployment frontend: no pod can ever be "
                "evicted, node drains hang",
            )
        ],
    ),
    (
        "sync-options-annotation",
        _frontend(lambda docs: docs[0]["metadata"].setdefault("annotations", {}).update(
            {"argocd.argoproj.io/sync-options": "Prune=false,FooBar=true",
             "argocd.argoproj.io/sync-wave": "early"})),
        [
            ("dev", "sync-options", DEV_FRONTEND, "unknown sync option FooBar"),
            ("dev", "sync-options", DEV_FRONTEND,
             "argocd.argoproj.io/sync-wave 'early' is not a whole number"),
        ],
    ),
    (
        "sync-wave-order",
        _replace("base/redis/kustomization.yaml", 'sync-wave: "-1"', 'sync-wave: "0"'),
        [
            (
                "dev",
                "sync-wave-order",
                DEV_REDIS,
                "ConfigMap redis-config-HASH is in sync wave 0, after this workload's wave -1",
            )
        ],
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
    mutation(repo)
    result = gitops("validate", "--env", "dev", "--output", "json", repo=repo)
    assert result.exit_code == 1, result.output
    assert _unhash(findings(result)) == expected


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


ARGO_CASES: list[tuple[str, Mutation, list[tuple[Any, ...]]]] = [
    (
        "no-application",
        _delete("apps/journal-staging.yaml"),
        [
            (
                "staging",
                "application",
                None,
                f"no Application deploys overlays/staging from {REPO_URL}",
            )
        ],
    ),
    (
        "two-applications",
        _copy_app,
        [
            (
                "dev",
                "application",
                None,
                "2 Applications deploy overlays/dev: journal-dev, journal-dev-2",
            )
        ],
    ),
    (
        "wrong-namespace",
        _app(APP_DEV, lambda app: app["spec"]["destination"].update(namespace="journal-staging")),
        [
            (
                "dev",
                "application",
                "Application/argocd/journal-dev",
                "destination namespace journal-staging but overlays/dev renders into journal-dev",
            )
        ],
    ),
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
                "AppProject journal-root does not allow destination namespace journal-dev",
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
        "project-kind",
        _replace(
            "argocd/project.yaml", "    - group: networking.k8s.io\n      kind: Ingress\n", ""
        ),
        [
            (
                env,
                "project-permits",
                f"Application/argocd/journal-{env}",
                "AppProject journal does not allow Ingress (networking.k8s.io)",
            )
            for env in ENVS
        ],
    ),
    (
        "project-destination",
        _replace(
            "argocd/project.yaml", "      namespace: journal-dev\n", "      namespace: journal-qa\n"
        ),
        [
            (
                "dev",
                "project-permits",
                "Application/argocd/journal-dev",
                "AppProject journal does not allow destination namespace journal-dev",
            )
        ],
    ),
    (
        "project-repo",
        _replace(
            "argocd/project.yaml",
            f"  sourceRepos:\n    - {REPO_URL}",
            "  sourceRepos:\n    - https://github.com/someone/else.git",
        ),
        [
            (
                env,
                "project-permits",
                f"Application/argocd/journal-{env}",
                f"AppProject journal does not allow source repo {REPO_URL}",
            )
            for env in ENVS
        ],
    ),
    (
        "project-missing",
        _app(APP_DEV, lambda app: app["spec"].update(project="journal-x")),
        [
            (
                "dev",
                "application",
                "Application/argocd/journal-dev",
                "project journal-x is not journal (gitops.yaml)",
            ),
            (
                "dev",
                "project-permits",
                "Application/argocd/journal-dev",
                "AppProject journal-x is not defined in git",
            ),
        ],
    ),
    (
        "prod-automated",
        _app(
            APP_PROD,
            lambda app: app["spec"]["syncPolicy"].update(
                automated={"prune": True, "selfHeal": True}
            ),
        ),
        [
            (
                "prod",
                "sync-policy",
                "Application/argocd/journal-prod",
                "automated sync on prod, the last environment: the Argo CD UI cannot roll it back",
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
]


@pytest.mark.parametrize(
    ("mutation", "expected"), [(m, e) for _, m, e in ARGO_CASES], ids=[c[0] for c in ARGO_CASES]
)
def test_argocd_rule_finds_breakage(
    repo: Path, gitops: Runner, mutation: Mutation, expected: list[tuple[Any, ...]]
) -> None:
    mutation(repo)
    result = gitops("validate", "--output", "json", repo=repo)
    assert result.exit_code == 1, result.output
    assert sorted(findings(result), key=str) == sorted(expected, key=str)


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


MORE_ARGO_CASES: list[tuple[str, Mutation, list[tuple[Any, ...]]]] = [
    ("secret-in-argocd", _add_file("argocd/repo-creds.yaml", REPO_CREDS),
     [(None, "plaintext-secret", "Secret/argocd/repo-creds",
       "Secret rendered from git: its values are in the repository")]),
    ("json-application", _json_app,
     [("prod", "application", None,
       "2 Applications deploy overlays/prod: journal-prod, journal-prod-2"),
      ("prod", "sync-policy", "Application/argocd/journal-prod-2",
       "automated sync on prod, the last environment: the Argo CD UI cannot roll it back")]),
    ("application-sync-option",
     _replace(APP_DEV, "      - PruneLast=true\n", "      - PruneLast=yes\n"),
     [("dev", "sync-options", "Application/argocd/journal-dev",
       "sync option PruneLast=yes: expected one of false, true")]),
]


@pytest.mark.parametrize(("mutation", "expected"), [(m, e) for _, m, e in MORE_ARGO_CASES],
                         ids=[c[0] for c in MORE_ARGO_CASES])
def test_more_argocd_breakage(repo: Path, gitops: Runner, mutation: Mutation,
                              expected: list[tuple[Any, ...]]) -> None:
    mutation(repo)
    result = gitops("validate", "--output", "json", repo=repo)
    assert result.exit_code == 1, result.output
    assert sorted(findings(result), key=str) == sorted(expected, key=str)


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
