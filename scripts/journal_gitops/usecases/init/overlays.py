"""The environments of a repository: its overlays, and their promotion order."""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from ...adapters.kustomize import KUSTOMIZATION_FILES
from ...errors import GitopsError, UsageError
from ...kube.names import is_dns_label
from ...overlays import inputs
from .found import FOUND, GIVEN, GUESSED, Env, Fact

PARENT_NAMES = ("overlays", "envs", "environments", "env", "environment")
# The place of an environment in the promotion order, by its name (or one word of it).
RANKS = {"dev": 0, "development": 0, "test": 1, "qa": 1, "stage": 2, "staging": 2, "uat": 2,
         "prod": 3, "production": 3}


def _kustomizations(root: Path, files: Sequence[str]) -> dict[str, dict[str, Any]]:
    """Every kustomization folder and its data (a file kustomize cannot read: no data)."""
    found: dict[str, dict[str, Any]] = {}
    for rel in files:
        folder, _, name = rel.rpartition("/")
        if name in KUSTOMIZATION_FILES and folder not in found:
            data, _ = inputs.load(root / rel)
            found[folder] = data if isinstance(data, dict) else {}
    return found


def _loads(folder: str, data: dict[str, Any], known: Iterable[str]) -> list[str]:
    """The kustomization folders of the repository a kustomization loads directly."""
    out = []
    for _, entry, fetchable in inputs.entries(data):
        target = os.path.normpath(os.path.join(folder or ".", entry))  # noqa: PTH118
        if fetchable and target in known:
            out.append(target)
    return out


def _env_name(folder: str) -> str:
    name = re.sub(r"[^a-z0-9-]+", "-", folder.rpartition("/")[2].lower()).strip("-")
    if not is_dns_label(name):
        raise GitopsError(f"{folder}: its name does not make an environment name (a DNS-1123 "
                          f"label)")
    return name


def find_overlays(root: Path, files: Sequence[str]) -> list[Env]:
    """The environments' overlays, with the base they load and the namespace they set."""
    kustomizations = _kustomizations(root, files)
    loads = {f: _loads(f, d, kustomizations) for f, d in kustomizations.items()}
    loaded = {target for targets in loads.values() for target in targets}
    groups: dict[str, list[str]] = {}
    for folder in kustomizations:
        if folder and folder not in loaded:
            groups.setdefault(folder.rpartition("/")[0], []).append(folder)

    def shared(members: list[str]) -> set[str]:
        return set.intersection(*(set(loads[m]) for m in members))

    candidates = {parent: sorted(members) for parent, members in groups.items()
                  if parent.rpartition("/")[2] in PARENT_NAMES
                  or (len(members) > 1 and shared(members))}
    named = {p: m for p, m in candidates.items() if p.rpartition("/")[2] in PARENT_NAMES}
    candidates = named or candidates
    if not candidates:
        raise GitopsError(f"no environment overlays in {root}: gitops init looks for "
                          f"kustomization folders side by side in one folder (overlays/ENV, "
                          f"envs/ENV, apps/APP/overlays/ENV) that load a common base")
    if len(candidates) > 1:
        raise GitopsError(f"environment overlays in {len(candidates)} folders "
                          f"({', '.join(sorted(p or '.' for p in candidates))}): gitops.yaml "
                          f"describes one overlay per environment")
    members = next(iter(candidates.values()))
    common = sorted(shared(members))
    envs = [Env(_env_name(m), m, common[0] if common else None,
                 _text(kustomizations[m].get("namespace"))) for m in members]
    names = [env.name for env in envs]
    twice = next((n for n in names if names.count(n) > 1), None)
    if twice is not None:
        raise GitopsError(f"two overlays make the environment name {twice}: rename one folder")
    return envs


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def _rank(name: str) -> int | None:
    if name in RANKS:
        return RANKS[name]
    ranks = {RANKS[word] for word in re.split(r"[-_.]", name) if word in RANKS}
    return ranks.pop() if len(ranks) == 1 else None


def promotion_order(names: Sequence[str], order: str | None) -> tuple[list[list[str]], Fact]:
    """The promotion stages: as --order gives them, else by the names."""
    if order is not None:
        stages = [[n.strip() for n in part.split("+")] for part in order.split(",")]
        given = [n for stage in stages for n in stage]
        if any(not n for n in given):
            raise UsageError(f"--order {order!r}: write the environments as ENV,ENV,... "
                             f"(ENV+ENV for one stage deployed in parallel)")
        twice = next((n for n in given if given.count(n) > 1), None)
        unknown = next((n for n in given if n not in names), None)
        missing = [n for n in names if n not in given]
        found = ", ".join(names)
        if twice is not None:
            raise UsageError(f"--order names {twice} twice")
        if unknown is not None:
            raise UsageError(f"--order names {unknown}, which is not an environment found "
                             f"(found: {found})")
        if missing:
            raise UsageError(f"--order leaves out {', '.join(missing)} (found: {found})")
        return stages, Fact("environments", _stages_text(stages), GIVEN, "--order")
    ranks = {name: _rank(name) for name in names}
    if any(rank is None for rank in ranks.values()):
        raise UsageError(f"the promotion order of {', '.join(sorted(names))} does not follow "
                         f"from their names: give it with --order, first stage first "
                         f"(--order ENV,ENV,...; ENV+ENV for a stage deployed in parallel)")
    stages = [sorted(n for n in names if ranks[n] == rank)
              for rank in sorted(set(ranks.values()), key=lambda r: r or 0)]
    parallel = [stage for stage in stages if len(stage) > 1]
    if parallel:
        return stages, Fact("environments", _stages_text(stages), GUESSED,
                            f"{' and '.join(parallel[0])} in parallel: one stage by their names")
    return stages, Fact("environments", _stages_text(stages), FOUND, "the folder names")


def _stages_text(stages: Sequence[Sequence[str]]) -> str:
    return ", ".join("+".join(stage) for stage in stages)
