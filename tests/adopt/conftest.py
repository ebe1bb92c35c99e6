"""Four repositories laid out as public Kustomize + Argo CD repositories commonly are, each built
afresh in git for a test: what `gitops init` must find its way around.

Every one deploys a small app the way a careful team writes it (a Deployment with requests,
a memory limit, probes and the restricted security context, a Service on a named port, a
PodDisruptionBudget), and each pins its images and keeps its Applications in its own way.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from support import git, init_git

Shape = Callable[..., Path]

# The tags each shape's app image runs, by environment.
SEMVER_TAGS = {"dev": "1.3.0", "staging": "1.2.1", "prod": "1.2.0"}
SHORT_TAGS = {"dev": "4e7d21a", "prod": "9b03c5f"}
BUILD_TAGS = {"dev": "build-142", "preprod": "build-139", "prod": "build-131"}
FULL_TAGS = {"dev": "3c9a1f0e5b7d2c4a6e8f0b1d3c5e7a9b2d4f6a8c",
             "qa": "a1b2c3d4e5f60718293a4b5c6d7e8f9012345678",
             "prod": "0f1e2d3c4b5a69788796a5b4c3d2e1f001234567"}


def recommended_labels(name: str, part_of: str, component: str, indent: int) -> str:
    """The app.kubernetes.io labels, as lines indented by `indent`."""
    return "".join(f"{' ' * indent}app.kubernetes.io/{key}: {value}\n" for key, value in (
        ("name", name), ("component", component), ("part-of", part_of)))


def deployment(name: str, image: str, part_of: str, component: str = "server",
               port: int = 8080) -> str:
    """A Deployment as a careful team writes it."""
    labels = recommended_labels(name, part_of, component, 4)
    pod_labels = recommended_labels(name, part_of, component, 8)
    return f"""apiVersion: apps/v1
kind: Deployment
metadata:
  name: {name}
  labels:
{labels}spec:
  replicas: 1
  revisionHistoryLimit: 5
  selector:
    matchLabels:
      app.kubernetes.io/name: {name}
  template:
    metadata:
      labels:
{pod_labels}    spec:
      automountServiceAccountToken: false
      securityContext:
        runAsNonRoot: true
        runAsUser: 10001
        seccompProfile:
          type: RuntimeDefault
      containers:
        - name: {name}
          image: {image}
          ports:
            - name: http
              containerPort: {port}
          readinessProbe:
            httpGet:
              path: /readyz
              port: http
            periodSeconds: 5
          livenessProbe:
            httpGet:
              path: /healthz
              port: http
            initialDelaySeconds: 10
          resources:
            requests:
              cpu: 100m
              memory: 128Mi
            limits:
              memory: 256Mi
          securityContext:
            allowPrivilegeEscalation: false
            readOnlyRootFilesystem: true
            capabilities:
              drop: [ALL]
"""


def service(name: str, part_of: str, component: str = "server") -> str:
    return f"""apiVersion: v1
kind: Service
metadata:
  name: {name}
  labels:
{recommended_labels(name, part_of, component, 4)}spec:
  selector:
    app.kubernetes.io/name: {name}
  ports:
    - name: http
      port: 80
      targetPort: http
"""


def disruption_budget(name: str) -> str:
    return f"""apiVersion: policy/v1
kind: PodDisruptionBudget
metadata:
  name: {name}
spec:
  maxUnavailable: 1
  selector:
    matchLabels:
      app.kubernetes.io/name: {name}
"""


def base(name: str, image: str, part_of: str) -> dict[str, str]:
    """A base folder's files: the app's Deployment, Service and budget."""
    return {
        "kustomization.yaml": ("apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\n"
                               "resources:\n  - deployment.yaml\n  - service.yaml\n"
                               "  - pdb.yaml\n"),
        "deployment.yaml": deployment(name, image, part_of),
        "service.yaml": service(name, part_of),
        "pdb.yaml": disruption_budget(name),
    }


def replicas_patch(name: str, count: int) -> str:
    return (f"apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {name}\nspec:\n"
            f"  replicas: {count}\n")


def write(root: Path, files: dict[str, str], under: str = "") -> None:
    for rel, text in files.items():
        path = root / under / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)


def commit(root: Path, origin: str | None) -> Path:
    """The folder as a git repository on main, with `origin` (a URL) as its remote."""
    init_git(root)
    if origin is not None:
        git(root, "remote", "add", "origin", origin)
    return root


# (a) ------------------------------------------------------------------------------------------

PROMOTION_ORIGIN = "https://github.com/acme/web-deploy.git"


def build_promotion_example(root: Path) -> Path:
    """envs/{dev,staging,prod} over base/, each pinning the image in a patch file of its own
    (semantic versions); the Applications are made outside git."""
    image = "ghcr.io/acme/web"
    write(root, base("web", f"{image}:1.0.0", "web"), "base")
    for env, tag in SEMVER_TAGS.items():
        files = {
            "kustomization.yaml": (
                "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\n"
                f"namespace: web-{env}\nresources:\n  - ../../base\npatches:\n"
                "  - path: version.yaml\n"
                + ("  - path: replicas.yaml\n" if env == "prod" else "")),
            "version.yaml": (
                "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n"
                "  template:\n    spec:\n      containers:\n        - name: web\n"
                f"          image: {image}:{tag}\n"),
        }
        if env == "prod":
            files["replicas.yaml"] = replicas_patch("web", 3)
        write(root, files, f"envs/{env}")
    return commit(root, PROMOTION_ORIGIN)


# (b) ------------------------------------------------------------------------------------------

AUTOPILOT_REPO = "https://github.com/acme/storefront-gitops.git"


def _project_file(env: str) -> str:
    """projects/ENV.yaml: the environment's AppProject and the ApplicationSet that makes an
    Application of every app with a config.json for ENV. The project allows any namespace,
    as generated projects often do."""
    return f"""apiVersion: argoproj.io/v1alpha1
kind: AppProject
metadata:
  name: {env}
  namespace: argocd
spec:
  description: {env} environment
  sourceRepos:
    - {AUTOPILOT_REPO}
  destinations:
    - server: https://kubernetes.default.svc
      namespace: '*'
  namespaceResourceWhitelist:
    - group: apps
      kind: Deployment
    - group: ""
      kind: Service
    - group: policy
      kind: PodDisruptionBudget
---
apiVersion: argoproj.io/v1alpha1
kind: ApplicationSet
metadata:
  name: {env}
  namespace: argocd
spec:
  goTemplate: false
  generators:
    - git:
        repoURL: {AUTOPILOT_REPO}
        revision: main
        files:
          - path: apps/**/{env}/config.json
  template:
    metadata:
      name: '{env}-{{{{appName}}}}'
      namespace: argocd
      labels:
        app.kubernetes.io/managed-by: applicationset
    spec:
      project: {env}
      source:
        repoURL: '{{{{srcRepoURL}}}}'
        targetRevision: '{{{{srcTargetRevision}}}}'
        path: '{{{{srcPath}}}}'
      destination:
        server: '{{{{destServer}}}}'
        namespace: '{{{{destNamespace}}}}'
"""


def build_autopilot_like(root: Path) -> Path:
    """apps/web/{base,overlays/dev,overlays/prod} with the image in each overlay's images:
    (short commit tags), projects/ENV.yaml holding the AppProject and the ApplicationSet of
    each environment, and bootstrap/ with the root Application that syncs projects/."""
    image = "ghcr.io/acme/storefront"
    write(root, base("storefront", f"{image}:0000000", "storefront"), "apps/web/base")
    for env, tag in SHORT_TAGS.items():
        files = {
            "kustomization.yaml": (
                "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\n"
                "resources:\n  - ../../base\nimages:\n"
                f"  - name: {image}\n    newTag: {tag}\n"
                + ("patches:\n  - path: replicas.yaml\n" if env == "prod" else "")),
            "config.json": json.dumps({
                "appName": "web", "userGivenName": "web",
                "destNamespace": f"storefront-{env}",
                "destServer": "https://kubernetes.default.svc",
                "srcPath": f"apps/web/overlays/{env}", "srcRepoURL": AUTOPILOT_REPO,
                "srcTargetRevision": "main"}, indent=2) + "\n",
        }
        if env == "prod":
            files["replicas.yaml"] = replicas_patch("storefront", 2)
        write(root, files, f"apps/web/overlays/{env}")
        write(root, {f"projects/{env}.yaml": _project_file(env)})
    write(root, {"bootstrap/root.yaml": f"""apiVersion: argoproj.io/v1alpha1
kind: Application
metadata:
  name: root
  namespace: argocd
spec:
  project: default
  source:
    repoURL: {AUTOPILOT_REPO}
    targetRevision: main
    path: projects
  destination:
    server: https://kubernetes.default.svc
    namespace: argocd
  syncPolicy:
    automated:
      prune: true
      selfHeal: true
"""})
    return commit(root, None)


# (c) ------------------------------------------------------------------------------------------

EXAMPLE_REPO = "https://github.com/acme/catalog-deploy.git"


def _application(env: str, automated: bool) -> str:
    policy = ("  syncPolicy:\n    automated:\n      prune: true\n      selfHeal: true\n"
              if automated else "")
    return f"""apiVersion: argoproj.io/v1alpha1
kind: Application
metadata:
  name: catalog-{env}
  namespace: argocd
spec:
  project: default
  source:
    repoURL: {EXAMPLE_REPO}
    targetRevision: HEAD
    path: catalog/overlays/{env}
  destination:
    server: https://kubernetes.default.svc
    namespace: catalog-{env}
{policy}"""


def build_example_apps_like(root: Path) -> Path:
    """catalog/{base,overlays/dev,overlays/preprod,overlays/prod} with build-number tags in
    each overlay's images:, and plain Applications in apps/ (Argo CD's default project,
    targetRevision HEAD); production syncs by hand."""
    image = "ghcr.io/acme/catalog"
    write(root, base("catalog", f"{image}:build-1", "catalog"), "catalog/base")
    for env, tag in BUILD_TAGS.items():
        write(root, {"kustomization.yaml": (
            "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\n"
            f"namespace: catalog-{env}\nresources:\n  - ../../base\nimages:\n"
            f"  - name: {image}\n    newTag: {tag}\n")}, f"catalog/overlays/{env}")
        write(root, {f"apps/catalog-{env}.yaml": _application(env, env != "prod")})
    return commit(root, "git@github.com:acme/catalog-deploy.git")


# (d) ------------------------------------------------------------------------------------------

EXTERNAL_ORIGIN = "https://gitlab.example.com/payments/api-deploy.git"
CACHE_IMAGE = "docker.io/library/memcached:1.6.29"


def build_external_apps(root: Path) -> Path:
    """base/ and overlays/{dev,qa,prod} with the app image in each overlay's images: (full
    commit tags) and a third-party cache pinned in base/; no Argo CD manifest at all."""
    files = base("api", "api", "payments")
    files["kustomization.yaml"] += "  - cache.yaml\n"
    files["cache.yaml"] = deployment("cache", CACHE_IMAGE, "payments", "cache", 11211).replace(
        "path: /readyz\n              port: http", "port: http").replace(
        "path: /healthz\n              port: http", "port: http").replace(
        "httpGet:", "tcpSocket:")
    write(root, files, "base")
    for env, tag in FULL_TAGS.items():
        write(root, {"kustomization.yaml": (
            "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\n"
            f"namespace: payments-{env}\nresources:\n  - ../../base\nimages:\n"
            f"  - name: api\n    newName: registry.example.com/payments/api\n"
            f"    newTag: {tag}\n")}, f"overlays/{env}")
    return commit(root, EXTERNAL_ORIGIN)


def _factory(tmp_path: Path, build: Callable[[Path], Path]) -> Shape:
    def make(name: str = "repo") -> Path:
        folder = tmp_path / name
        folder.mkdir()
        return build(folder)
    return make


@pytest.fixture
def promotion_example(tmp_path: Path) -> Shape:
    """(a) envs/ overlays over base/, images pinned in patch files, Applications outside git."""
    return _factory(tmp_path, build_promotion_example)


@pytest.fixture
def autopilot_like(tmp_path: Path) -> Shape:
    """(b) apps/<app>/overlays/<env>, an ApplicationSet and AppProject per environment."""
    return _factory(tmp_path, build_autopilot_like)


@pytest.fixture
def example_apps_like(tmp_path: Path) -> Shape:
    """(c) <app>/overlays/<env> and plain Applications in apps/."""
    return _factory(tmp_path, build_example_apps_like)


@pytest.fixture
def external_apps(tmp_path: Path) -> Shape:
    """(d) base/ and overlays/<env>, no Argo CD manifest."""
    return _factory(tmp_path, build_external_apps)
