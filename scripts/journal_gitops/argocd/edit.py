"""Edits of the Argo CD manifests that environment changes make: an Application's sync policy,
the AppProject's destinations and sync windows. Like every edit, only the lines concerned
change."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ..adapters.files import FileEdit, read_file
from ..adapters.yamlload import MappingNode, Node, ScalarNode, SequenceNode, load_all
from ..adapters.yamltext import YamlText
from ..config.clusters import Cluster
from ..config.gates import desired_window, window_key
from ..config.model import Config
from ..errors import GitopsError
from .manifests import environment_applications, read_manifests
from .templates import AUTO_SYNC, MANUAL_SYNC


class ProjectFile:
    """The file holding the environments' AppProject, with edits of its destinations pending."""

    def __init__(self, tree: Path, config: Config, name: str | None = None,
                 written: Mapping[str, str] | None = None) -> None:
        """`written`: files' texts as edits already pending leave them."""
        name = self.name = name or config.project
        self._written = written or {}
        folder = tree / config.argocd_dir
        files = [f"{config.argocd_dir}/{path.name}" for path in sorted(folder.glob("*.y*ml"))]
        if self._found(tree, files, name):
            return
        found = read_manifests(tree, config).projects.get(name)  # elsewhere Argo CD reads
        if found is None or not self._found(tree, [found.source], name):
            raise GitopsError(f"AppProject {name} is not in {config.argocd_dir}/ nor in the "
                              f"other folders Argo CD's files are read from")

    def _found(self, tree: Path, files: list[str], name: str) -> bool:
        """Take the AppProject named `name` from the first of the files that holds it."""
        for rel in files:
            text = self._written[rel] if rel in self._written else read_file(tree, rel)
            if "kind: AppProject" not in text:
                continue
            doc = YamlText(text, rel, many=True)
            for index, root in enumerate(doc.documents):  # it may share its file
                meta = doc.get(root, "metadata")
                spec = doc.get(root, "spec")
                if doc.scalar(doc.get(root, "kind")) == "AppProject" and doc.scalar(
                        doc.get(meta, "name")) == name and isinstance(spec, MappingNode):
                    self.rel, self.doc, self.spec, self.index = rel, doc, spec, index
                    return True
        return False

    @classmethod
    def of(cls, tree: Path, config: Config, name: str,
           written: Mapping[str, str] | None = None) -> ProjectFile | None:
        """The AppProject's file, wherever Argo CD's files are; None for Argo CD's built-in
        `default` project when the repository does not define it."""
        try:
            return cls(tree, config, name, written)
        except GitopsError:
            if name == "default":
                return None
            raise

    def _destinations(self) -> Node | None:
        return self.doc.get(self.spec, "destinations")

    def add_destination(self, cluster: Cluster, namespace: str) -> None:
        """Allow exactly this namespace on exactly this cluster."""
        destinations = self._destinations()
        if not isinstance(destinations, SequenceNode):
            raise GitopsError(f"{self.rel}: AppProject has no destinations")
        self.doc.append(destinations, {**cluster.destination, "namespace": namespace})

    def remove_destination(self, cluster: Cluster, namespace: str) -> bool:
        """Drop the entry that allows this namespace on this cluster (others stay)."""
        destinations = self._destinations()
        if not isinstance(destinations, SequenceNode):
            return False
        for index, node in enumerate(destinations.value):
            entry = {key: self.doc.scalar(self.doc.get(node, key))
                     for key in ("server", "name", "namespace")}
            if entry["namespace"] == namespace and cluster.matches(
                    {k: v for k, v in entry.items() if v is not None}):
                if len(destinations.value) == 1 and not destinations.flow_style:
                    self.doc.empty_list(self.spec, "destinations")
                else:
                    self.doc.remove_item(destinations, index)
                return True
        return False

    def set_deny_windows(self, wanted: list[dict[str, Any]], ours: set[str]) -> bool:
        """Make the deny sync windows over the Applications `ours` exactly `wanted`; other
        windows stay. Returns whether anything changed."""
        data = load_all(self.doc.text, self.rel)[self.index]
        spec = data.get("spec") if isinstance(data, dict) else None
        current = spec.get("syncWindows") if isinstance(spec, dict) else None
        return edit_windows(self.doc, self.spec, list(current or []), wanted, ours)

    def edit(self) -> FileEdit:
        return FileEdit(self.rel, self.doc.original, self.doc.result())


def sync_windows_edits(tree: Path, config: Config) -> list[FileEdit]:
    """Each AppProject's deny windows made to match the recurring freezes of the environments
    whose Applications it holds (nothing: they already do). Two AppProjects of one file make
    one edit of it."""
    edits: dict[str, FileEdit] = {}
    for name, (ours, wanted) in sorted(project_windows(tree, config).items()):
        try:
            project = ProjectFile(tree, config, name, {r: e.after or "" for r, e in edits.items()})
        except GitopsError:  # not in the repository (Argo CD's built-in default, or elsewhere)
            project = None
        if project is None:
            if wanted:
                held = sorted({a for w in wanted for a in w.get("applications", ())})
                raise GitopsError(
                    f"AppProject {name} is not in this repository's Argo CD files: the deny "
                    f"sync windows of a recurring freeze of {', '.join(held)} need it there")
            continue
        if project.set_deny_windows(wanted, ours):
            before = edits[project.rel].before if project.rel in edits else project.doc.original
            edits[project.rel] = FileEdit(project.rel, before, project.doc.result())
    return list(edits.values())


def project_windows(tree: Path, config: Config
                    ) -> dict[str, tuple[set[str], list[dict[str, Any]]]]:
    """For each AppProject the environments' Applications are in: the names of every
    environment's Application (deny windows over them are the tooling's to write: one left in
    another project than its Application's holds nothing, and goes) and the deny windows the
    recurring freezes of its own environments call for."""
    apps = environment_applications(tree, config)
    recurring = [f for f in config.gates.freezes if f.recurring]
    for freeze in recurring:
        if freeze.env not in apps:
            raise GitopsError(f"no Application deploys {config.overlay_rel(freeze.env)}: its "
                              f"recurring freeze has no sync window to hold")
    names = {app.name for app in apps.values()}
    out: dict[str, tuple[set[str], list[dict[str, Any]]]] = {}
    for env, app in apps.items():
        _, wanted = out.setdefault(str(app.spec.get("project") or "default"), (names, []))
        wanted += [desired_window(f, app.name) for f in recurring if f.env == env]
    return out


def set_destination(text: str, source: str, cluster: Cluster) -> str:
    """An Application aimed at another cluster: `destination.server` or `.name` replaced, the
    namespace and everything else as they were."""
    doc = YamlText(text, source)
    destination = doc.get(doc.get(doc.root, "spec"), "destination")
    if not isinstance(destination, MappingNode) or destination.flow_style:
        raise GitopsError(f"{source}: has no destination block to change")
    (key, value), = cluster.destination.items()
    written = [(k, v) for k, v in destination.value if k.value in ("server", "name")]
    if written and isinstance(written[0][1], ScalarNode):
        old_key, old_value = written[0]  # the line stays where it is, key and value new
        doc.replace(old_key, key, raw=True)
        doc.replace(old_value, value)
        for other, _ in written[1:]:
            doc.remove(destination, other.value)
    else:
        doc.set(destination, key, value)
    return doc.result()


def set_sync(text: str, source: str, auto: bool) -> str:
    """Switch an Application between automated and manual sync, comments included."""
    doc = YamlText(text, source)
    spec = doc.get(doc.root, "spec")
    policy = doc.get(spec, "syncPolicy")
    if not isinstance(policy, MappingNode) or policy.flow_style or not policy.value:
        raise GitopsError(f"{source}: has no syncPolicy block to change")
    first_key = policy.value[0][0]
    key_line = text.rfind("\n", 0, first_key.start_mark.index) + 1
    policy_line = text.rfind("\n", 0, key_line - 1) + 1
    # The comment lines between `syncPolicy:` and its first key explain the policy.
    while policy_line > 0 and text[policy_line:key_line].lstrip().startswith("#"):
        policy_line = text.rfind("\n", 0, policy_line - 1) + 1
    start = text.index("\n", policy_line) + 1
    end = key_line
    # Either block replaces the `automated` block there is (switched on or off), with its comments.
    if doc.get(policy, "automated") is not None:
        rest = [k for k, _ in policy.value if k.value != "automated"]
        end = (text.rfind("\n", 0, rest[0].start_mark.index) + 1) if rest else len(text)
        end = _comment_start(text, end)
    block = AUTO_SYNC if auto else MANUAL_SYNC
    return text[:start] + block + text[end:]


def _comment_start(text: str, line: int) -> int:
    """Step back from the start of a line over the comment lines just above it."""
    while line > 0:
        prev = text.rfind("\n", 0, line - 1) + 1
        if text[prev:line].lstrip().startswith("#"):
            line = prev
        else:
            break
    return line


# --- the AppProject's sync windows ----------------------------------------------------------

WINDOWS = "syncWindows"


def _window_lines(doc: YamlText, window: dict[str, Any]) -> list[str]:
    lines = []
    for key, value in window.items():
        if isinstance(value, list):
            lines += [f"{key}:", *(f"  - {doc.format(str(v))}" for v in value)]
        elif isinstance(value, bool):
            lines.append(f"{key}: {'true' if value else 'false'}")
        else:
            lines.append(f"{key}: {doc.format(str(value))}")
    return lines


def edit_windows(doc: YamlText, spec: MappingNode, current: list[Any],
                 wanted: list[dict[str, Any]], ours: set[str]) -> bool:
    """Make the deny windows over `ours` (Application names) exactly `wanted`; other windows
    stay. Returns whether anything changed."""
    node = doc.get(spec, WINDOWS)
    items: list[Node] = list(node.value) if isinstance(node, SequenceNode) else []
    wanted_keys = [window_key(w) for w in wanted]
    remove = [i for i, w in enumerate(current)
              if (key := window_key(w)) is not None and key[3] and set(key[3]) <= ours
              and key not in wanted_keys]
    have = {window_key(w) for w in current}
    add = [w for w, key in zip(wanted, wanted_keys, strict=True) if key not in have]
    if not remove and not add:
        return False
    kept = len(items) - len(remove)
    if isinstance(node, SequenceNode) and not node.flow_style and (kept or not add) and items:
        if kept == 0:
            doc.remove(spec, WINDOWS)
        else:
            for index in remove:
                doc.remove_item(node, index)
            last = max(i for i in range(len(items)) if i not in remove)
            for window in add:
                doc.insert_after(node, last, _window_lines(doc, window))
        return True
    if node is not None:
        doc.remove(spec, WINDOWS)
    lines = ["# Deny windows written by `gitops freeze` from the recurring freezes in",
             "# gitops.yaml: Argo CD holds automated syncs of those Applications then.",
             f"{WINDOWS}:"]
    for window in [*(w for i, w in enumerate(current) if i not in remove), *add]:
        first, *rest = _window_lines(doc, window)
        lines += [f"  - {first}", *(f"    {line}" for line in rest)]
    doc.insert_lines(spec, lines)
    return True
