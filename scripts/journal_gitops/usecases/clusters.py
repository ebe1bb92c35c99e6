"""The `gitops cluster` use cases: list, add and remove the clusters gitops.yaml names.

A cluster is where Argo CD deploys an environment, named by its API server URL or by the name
it was registered under. Adding one changes gitops.yaml only: the AppProject gains a
destination on it when an environment moves there (`gitops env new --cluster`), not before.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

from ..adapters import gitrepo
from ..adapters.files import FileEdit, read_file
from ..changes.delivery import Delivery, DeliveryOptions, Proposal, deliver
from ..config import CONFIG_FILE
from ..config.clusters import Cluster, server_problem
from ..config.edit import add_cluster, remove_cluster
from ..config.load import load_config
from ..config.model import Config
from ..errors import GitopsError, UsageError
from ..history.trailers import cluster_message
from ..kube.names import is_dns_label


@dataclass(frozen=True)
class ClusterChange:
    """What `cluster add` or `cluster remove` changed."""

    cluster: Cluster
    action: str  # add or remove
    files: tuple[str, ...]


def list_clusters(config: Config) -> tuple[Cluster, ...]:
    """Every cluster, its environments in promotion order."""
    order = {env: index for index, env in enumerate(config.environments)}
    return tuple(replace(c, environments=tuple(sorted(c.environments, key=order.__getitem__)))
                 for c in config.clusters)


def _new_cluster(name: str, server: str | None, argocd_name: str | None) -> Cluster:
    if not is_dns_label(name) or len(name) > 63:
        raise UsageError(f"cluster name '{name}' is not a DNS-1123 label")
    if (server is None) == (argocd_name is None):
        raise UsageError("give exactly one of --server and --argocd-name")
    problem = server_problem(server) if server is not None else None
    if problem:
        raise UsageError(f"--server {server!r} {problem}")
    if argocd_name is not None and not is_dns_label(argocd_name):
        raise UsageError(f"--argocd-name '{argocd_name}' is not a cluster name Argo CD accepts")
    return Cluster(name, server, argocd_name)


def _verify(tree: Path, proposal: Proposal[ClusterChange]) -> None:
    """gitops.yaml reads back with the cluster there (added) or gone (removed)."""
    wanted = proposal.data.cluster
    names = {c.name: c for c in load_config(tree).clusters}
    if proposal.data.action == "add":
        got = names.get(wanted.name)
        if got is None or (got.server, got.argocd_name) != (wanted.server, wanted.argocd_name):
            raise GitopsError(f"{CONFIG_FILE}: the new cluster {wanted.name} did not read back")
    elif wanted.name in names:
        raise GitopsError(f"{CONFIG_FILE}: cluster {wanted.name} is still there")


def add(config: Config, name: str, server: str | None, argocd_name: str | None,
        options: DeliveryOptions) -> Delivery[ClusterChange]:
    """Name a cluster in gitops.yaml, running no environment yet."""
    cluster = _new_cluster(name, server, argocd_name)

    def plan(tree: Path) -> Proposal[ClusterChange] | None:
        cfg = load_config(tree)
        for known in cfg.clusters:
            same = (known.server, known.argocd_name) == (cluster.server, cluster.argocd_name)
            if known.name == name and same and known.declared:
                return None  # already there, exactly so
            if known.name == name:
                raise UsageError(f"cluster {name} already exists ({known.label})")
            if known.identity == cluster.identity:
                raise UsageError(f"{cluster.label} is already cluster {known.name}"
                                 f"{'' if same else f' ({known.label})'}")
        text = read_file(tree, CONFIG_FILE)
        edit = FileEdit(CONFIG_FILE, text, add_cluster(text, cluster, cfg.environments))
        message = cluster_message(name, f"add ({cluster.label})",
                                  f"Environments deploy to it once placed there "
                                  f"(gitops env new --cluster {name}).")
        return Proposal((edit,), message, ClusterChange(cluster, "add", (CONFIG_FILE,)))

    return deliver(config.root, plan, _verify, options, lambda p: f"cluster/add-{name}")


def remove(config: Config, name: str, options: DeliveryOptions) -> Delivery[ClusterChange]:
    """Drop a cluster from gitops.yaml; refused while an environment deploys to it."""

    def plan(tree: Path) -> Proposal[ClusterChange] | None:
        cfg = load_config(tree)
        last = gitrepo.last_with_subject(tree, f"cluster({name}): ")
        if all(c.name != name for c in cfg.clusters) and last and \
                last[1] == f"cluster({name}): remove":
            return None  # removed already: the same answer as a second add
        cluster = cfg.cluster(name)
        if cluster.environments:
            raise UsageError(f"cluster {name} runs {', '.join(cluster.environments)}: delete or "
                             f"move {'it' if len(cluster.environments) == 1 else 'them'} first")
        text = read_file(tree, CONFIG_FILE)
        edit = FileEdit(CONFIG_FILE, text, remove_cluster(text, name))
        message = cluster_message(name, "remove", f"No environment deploys to {cluster.label}.")
        return Proposal((edit,), message, ClusterChange(cluster, "remove", (CONFIG_FILE,)))

    return deliver(config.root, plan, _verify, options, lambda p: f"cluster/remove-{name}")
