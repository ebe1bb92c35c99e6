"""Edits of gitops.yaml's promotion stages (`environments`) and `clusters` that environment and
cluster changes make. Like every edit, only the lines concerned change."""

from __future__ import annotations

from collections.abc import Sequence

from ..adapters.yamlload import MappingNode, Node, ScalarNode, SequenceNode
from ..adapters.yamltext import YamlText
from ..errors import GitopsError
from ..kube.destinations import IN_CLUSTER, IN_CLUSTER_SERVER
from ..timing.clock import iso
from . import CONFIG_FILE
from .clusters import CLUSTERS, Cluster
from .gates import FREEZES, HOLDS, MIN_SOAK, Freeze, Hold

ENVIRONMENTS = "environments"


def _mapping(node: Node | None, what: str) -> MappingNode:
    if not isinstance(node, MappingNode):
        raise GitopsError(f"{CONFIG_FILE}: {what} is not a mapping")
    return node


def _stages(doc: YamlText) -> SequenceNode:
    envs = doc.get(doc.root, ENVIRONMENTS)
    if not isinstance(envs, SequenceNode):
        raise GitopsError(f"{CONFIG_FILE}: '{ENVIRONMENTS}' is not a list")
    return envs


def _names(doc: YamlText, stage: Node) -> list[str | None]:
    items = stage.value if isinstance(stage, SequenceNode) else [stage]
    return [doc.scalar(node) for node in items]


def _stage_index(doc: YamlText, stages: SequenceNode, env: str) -> int:
    return next(i for i, stage in enumerate(stages.value) if env in _names(doc, stage))


def insert_env(text: str, name: str, after: str | None = None, beside: str | None = None
               ) -> str:
    """gitops.yaml with `name` as a stage of its own after `after`'s stage, or in `beside`'s
    stage (deployed in parallel with it)."""
    doc = YamlText(text, CONFIG_FILE)
    stages = _stages(doc)
    if beside is not None:
        stage = stages.value[_stage_index(doc, stages, beside)]
        if isinstance(stage, SequenceNode):
            doc.append(stage, name)
        else:
            doc.replace(stage, f"[{doc.format(beside, stage)}, {doc.format(name)}]", raw=True)
    else:
        index = _stage_index(doc, stages, str(after))
        doc.insert_after(stages, index, [doc.format(name)])
    return doc.result()


def remove_env(text: str, name: str) -> str:
    """gitops.yaml without `name` in the promotion stages, nor on its cluster."""
    doc = YamlText(text, CONFIG_FILE)
    stages = _stages(doc)
    index = _stage_index(doc, stages, name)
    stage = stages.value[index]
    if isinstance(stage, SequenceNode) and stage.flow_style and len(stage.value) == 2:
        kept = next(node for node in stage.value if doc.scalar(node) != name)
        doc.replace(stage, doc.text[kept.start_mark.index:kept.end_mark.index], raw=True)
    elif isinstance(stage, SequenceNode) and len(stage.value) > 1:
        doc.remove_item(stage, _names(doc, stage).index(name))
    else:
        doc.remove_item(stages, index)
    _unplace(doc, name)
    return doc.result()


def _unplace(doc: YamlText, name: str) -> None:
    """Take `name` off the `environments` list of its cluster."""
    clusters = doc.get(doc.root, CLUSTERS)
    if isinstance(clusters, MappingNode):
        for _, body in clusters.value:
            members = doc.get(body, ENVIRONMENTS)
            if isinstance(members, SequenceNode) and name in _names(doc, members):
                doc.remove_item(members, _names(doc, members).index(name))


def _member_list(doc: YamlText, body: MappingNode, env: str) -> None:
    """Add `env` to a cluster's `environments` (made when absent or empty)."""
    members = doc.get(body, ENVIRONMENTS)
    if isinstance(members, SequenceNode) and (members.value or members.flow_style):
        doc.append(members, env)
    elif members is None or (isinstance(members, ScalarNode)
                             and members.value in ("", "~", "null")):
        doc.set(body, ENVIRONMENTS, f"[{doc.format(env)}]", raw=True)
    else:
        raise GitopsError(f"{CONFIG_FILE}: the environments of a cluster are not a list")


def place_env(text: str, cluster: str, env: str) -> str:
    """gitops.yaml with `env` on `cluster` (no edit for the implicit in-cluster)."""
    doc = YamlText(text, CONFIG_FILE)
    clusters = doc.get(doc.root, CLUSTERS)
    if clusters is None and cluster == IN_CLUSTER:
        return text
    clusters = _mapping(clusters, f"'{CLUSTERS}'")
    _member_list(doc, _mapping(doc.get(clusters, cluster), f"cluster {cluster}"), env)
    return doc.result()


def move_env(text: str, env: str, cluster: str) -> str:
    """gitops.yaml with `env` taken off its cluster and put on `cluster` (declared)."""
    doc = YamlText(text, CONFIG_FILE)
    _unplace(doc, env)
    return place_env(doc.result(), cluster, env)


def _cluster_lines(doc: YamlText, cluster: Cluster, envs: Sequence[str]) -> list[str]:
    key, value = next(iter(cluster.destination.items()))
    field = "argocdName" if key == "name" else key
    members = ", ".join(doc.format(env) for env in envs)
    return [f"{cluster.name}:", f"  {field}: {doc.format(value)}",
            f"  {ENVIRONMENTS}: [{members}]"]


def add_cluster(text: str, cluster: Cluster, everyone: Sequence[str]) -> str:
    """gitops.yaml with a new cluster (running no environment yet). Without `clusters:`, the
    section is made, with the implicit in-cluster written out as running `everyone`."""
    doc = YamlText(text, CONFIG_FILE)
    root = _mapping(doc.root, CONFIG_FILE)
    clusters = doc.get(root, CLUSTERS)
    if isinstance(clusters, MappingNode) and clusters.value and not clusters.flow_style:
        doc.insert_lines(clusters, _cluster_lines(doc, cluster, ()))
        return doc.result()
    if clusters is not None:
        raise GitopsError(f"{CONFIG_FILE}: write '{CLUSTERS}' as a block mapping to add to it")
    local = Cluster(IN_CLUSTER, IN_CLUSTER_SERVER, None)
    lines = ["", "# Clusters the environments deploy to: Argo CD knows each by its API server URL",
             "# (server) or by the name it was registered under (argocdName).", f"{CLUSTERS}:"]
    for entry, members in ((local, everyone), (cluster, ())):
        lines += [f"  {line}" for line in _cluster_lines(doc, entry, members)]
    doc.insert_lines(root, lines)
    return doc.result()


def remove_cluster(text: str, name: str) -> str:
    """gitops.yaml without the cluster `name` (which runs no environment)."""
    doc = YamlText(text, CONFIG_FILE)
    clusters = _mapping(doc.get(doc.root, CLUSTERS), f"'{CLUSTERS}'")
    doc.remove(clusters, name)
    return doc.result()


INTENDED = "intendedDifferences"


def _intended(doc: YamlText) -> SequenceNode | None:
    found = doc.get(doc.root, INTENDED)
    return found if isinstance(found, SequenceNode) and found.value else None


def _file_under(doc: YamlText, item: Node, folder: str) -> str | None:
    """The entry's `file` when it is inside `folder` (an overlay), else None."""
    file = doc.scalar(doc.get(item, "file"))
    return file if file is not None and file.startswith(f"{folder}/") else None


def carry_intended(text: str, source: str, target: str) -> str:
    """gitops.yaml where the intended differences caused by files of overlay `source` hold for
    the same files of its copy `target` too (appended, with the same object, field, reason)."""
    doc = YamlText(text, CONFIG_FILE)
    entries = _intended(doc)
    if entries is None or entries.flow_style:
        return text
    for item in list(entries.value):
        file = _file_under(doc, item, source)
        if file is None or not isinstance(item, MappingNode):
            continue
        pairs = []
        for key_node, value_node in item.value:
            written = doc.text[value_node.start_mark.index:value_node.end_mark.index]
            if key_node.value == "file":  # the other values are copied as written
                written = doc.format(target + file.removeprefix(source), value_node)
            pairs.append(f"{key_node.value}: {written}")
        doc.insert_after(entries, len(entries.value) - 1, pairs)
    return doc.result()


def add_layout(text: str, env: str, fields: Sequence[tuple[str, str]]) -> str:
    """gitops.yaml with a `layout.environments` entry for `env` (after the others), each field
    written as given (a value, or a flow mapping such as `{applicationSet: NAME}`)."""
    doc = YamlText(text, CONFIG_FILE)
    envs = doc.get(doc.get(_root(doc), "layout"), "environments")
    if not isinstance(envs, MappingNode) or envs.flow_style or not envs.value:
        raise GitopsError(f"{CONFIG_FILE}: layout.environments is not a block mapping to add "
                          f"{env} to")
    doc.insert_lines(envs, [f"{env}:", *(f"  {key}: {value}" for key, value in fields)])
    return doc.result()


def drop_layout(text: str, env: str) -> str:
    """gitops.yaml without `env`'s `layout.environments` entry (and without the mapping, or
    `layout:` itself, when that was all they held)."""
    doc = YamlText(text, CONFIG_FILE)
    root = _root(doc)
    layout = doc.get(root, "layout")
    envs = doc.get(layout, "environments")
    if not isinstance(envs, MappingNode) or doc.get(envs, env) is None:
        return text
    if envs.flow_style or not isinstance(layout, MappingNode) or layout.flow_style:
        raise GitopsError(f"{CONFIG_FILE}: layout is written in flow style ({{...}}): write it "
                          f"as a block mapping for {env}'s entry to be removed")
    if [k.value for k, _ in envs.value] != [env]:
        doc.remove(envs, env)
    elif [k.value for k, _ in layout.value] == ["environments"]:
        doc.remove(root, "layout")
    else:
        doc.remove(layout, "environments")
    return doc.result()


def drop_intended(text: str, folder: str) -> str:
    """gitops.yaml without the intended differences caused by files of overlay `folder`."""
    doc = YamlText(text, CONFIG_FILE)
    entries = _intended(doc)
    if entries is None:
        return text
    gone = [i for i, item in enumerate(entries.value) if _file_under(doc, item, folder)]
    if gone and len(gone) == len(entries.value):
        doc.remove(_mapping(doc.root, CONFIG_FILE), INTENDED)
    else:
        for index in gone:
            doc.remove_item(entries, index)
    return doc.result()


# --- release gates: freezes and minimum soak ---------------------------------------------


def _freeze_fields(doc: YamlText, freeze: Freeze) -> list[str]:
    fields: list[tuple[str, str | None]] = [
        ("env", freeze.env), ("reason", freeze.reason),
        ("since", iso(freeze.since) if freeze.since else None),
        ("until", iso(freeze.until) if freeze.until else None),
        ("schedule", freeze.schedule), ("duration", freeze.duration),
        ("timeZone", freeze.time_zone)]
    return [f"{key}: {doc.format(value)}" for key, value in fields if value is not None]


def _root(doc: YamlText) -> MappingNode:
    if not isinstance(doc.root, MappingNode):
        raise ValueError(f"{CONFIG_FILE} is not a mapping")
    return doc.root


def _add_items(text: str, key: str, header: Sequence[str], items: Sequence[list[str]]) -> str:
    """gitops.yaml with these items (each as `field: value` lines) added at the end of the
    list `key` (made, under the header comment, when absent)."""
    doc = YamlText(text, CONFIG_FILE)
    root = _root(doc)
    seq = doc.get(root, key)
    if isinstance(seq, SequenceNode) and (seq.value or seq.flow_style):
        for fields in items:
            if seq.flow_style or not seq.value:
                doc.append(seq, {k: v for k, _, v in (f.partition(": ") for f in fields)})
            else:
                doc.insert_after(seq, len(seq.value) - 1, fields)
        return doc.result()
    if seq is not None:
        doc.remove(root, key)
    lines = ["", *header, f"{key}:"]
    for fields in items:
        lines += [f"  - {fields[0]}", *(f"    {field}" for field in fields[1:])]
    doc.insert_lines(root, lines)
    return doc.result()


def _remove_items(text: str, key: str, indexes: Sequence[int]) -> str:
    """gitops.yaml without the items of the list `key` at these positions (and without the
    key when none is left)."""
    doc = YamlText(text, CONFIG_FILE)
    root = _root(doc)
    seq = doc.get(root, key)
    if not isinstance(seq, SequenceNode):
        return text
    if set(indexes) >= set(range(len(seq.value))):
        doc.remove(root, key)
    else:
        for index in sorted(indexes, reverse=True):
            doc.remove_item(seq, index)
    return doc.result()


def add_freezes(text: str, freezes: Sequence[Freeze]) -> str:
    """gitops.yaml with these freezes added at the end of `freezes` (made when absent)."""
    doc = YamlText(text, CONFIG_FILE)
    return _add_items(text, FREEZES, [
        "# Release gates: freezes (gitops freeze / unfreeze). While one holds, a change",
        "# to the environment needs a Break-Glass trailer."],
        [_freeze_fields(doc, freeze) for freeze in freezes])


def remove_freezes(text: str, indexes: Sequence[int]) -> str:
    """gitops.yaml without the freezes at these positions (and without the key when none is
    left)."""
    return _remove_items(text, FREEZES, indexes)


def add_holds(text: str, holds: Sequence[Hold]) -> str:
    """gitops.yaml with these holds added at the end of `holds` (made when absent)."""
    doc = YamlText(text, CONFIG_FILE)

    def fields(hold: Hold) -> list[str]:
        pairs = [("env", hold.env), ("image", hold.image), ("tag", hold.tag),
                 ("reason", hold.reason), ("by", hold.by),
                 ("since", iso(hold.since) if hold.since else None)]
        return [f"{key}: {doc.format(value)}" for key, value in pairs if value is not None]

    return _add_items(text, HOLDS, [
        "# Tags held out of an environment and every later stage (gitops rollback, hold,",
        "# release): bump, promote and the release gate refuse to bring one back."],
        [fields(hold) for hold in holds])


def remove_holds(text: str, indexes: Sequence[int]) -> str:
    """gitops.yaml without the holds at these positions."""
    return _remove_items(text, HOLDS, indexes)


def set_soak(text: str, env: str, value: str | None) -> str:
    """gitops.yaml with env's minimum soak set, or removed (None)."""
    doc = YamlText(text, CONFIG_FILE)
    root = _root(doc)
    soaks = doc.get(root, MIN_SOAK)
    if isinstance(soaks, MappingNode) and not soaks.flow_style and soaks.value:
        if value is not None:
            doc.set(soaks, env, value)
        elif [k.value for k, _ in soaks.value] == [env]:
            doc.remove(root, MIN_SOAK)
        else:
            doc.remove(soaks, env)
        return doc.result()
    if value is None:
        return text
    if soaks is not None:
        doc.remove(root, MIN_SOAK)
    doc.insert_lines(root, ["", "# Release gates: minimum soak. Tags are promoted into an "
                                "environment only after", "# running this long in the one they "
                                "come from (gitops env set ENV --min-soak).", f"{MIN_SOAK}:",
                            f"  {env}: {doc.format(value)}"])
    return doc.result()
