"""The Applications an ApplicationSet would make, as far as the repository's own files tell.

Its list elements, and its git generators' directories and files, are each one set of
parameters put into its template (Argo CD docs, "Generators"): enough to tell which
ApplicationSet deploys a folder of the repository, from which project and to where. Generators
that read a cluster or an SCM provider name nothing in git and make nothing here; a matrix or
merge generator is read one child at a time.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from ..adapters.yamlload import load
from ..errors import GitopsError
from ..kube.objects import Resource
from .manifests import norm_path

# {{name}}, {{ name }} and, with goTemplate, {{ .name }} or {{.path.path}}
PARAMETER = re.compile(r"\{\{-?\s*\.?([A-Za-z0-9_.\[\]-]+)\s*-?\}\}")
NESTING = ("matrix", "merge")


@dataclass(frozen=True)
class Generated:
    """One Application an ApplicationSet makes: the parameters, and its spec with them put in
    (what a template function would compute is left as written)."""

    params: dict[str, str]
    spec: dict[str, Any]

    def sources(self) -> list[dict[str, Any]]:
        spec = self.spec
        found = spec.get("sources") or ([spec["source"]] if isinstance(spec.get("source"), dict)
                                        else [])
        return [s for s in found if isinstance(s, dict)] if isinstance(found, list) else []

    def deploys(self, folder: str) -> bool:
        """Whether it deploys the folder: a source's path is it, or (a template this reading
        cannot fill) a parameter names it."""
        if any(norm_path(s.get("path")) == folder for s in self.sources()):
            return True
        return any(norm_path(value) == folder for value in self.params.values())


def fill(value: Any, params: dict[str, str]) -> Any:
    """The template with each parameter it names put in."""
    if isinstance(value, str):
        return PARAMETER.sub(lambda m: params.get(m.group(1), m.group(0)), value)
    if isinstance(value, dict):
        return {key: fill(item, params) for key, item in value.items()}
    if isinstance(value, list):
        return [fill(item, params) for item in value]
    return value


def flatten(data: Any, prefix: str = "") -> dict[str, str]:
    """A file's or element's values as parameters: nested keys joined by dots."""
    if not isinstance(data, dict):
        return {}
    out: dict[str, str] = {}
    for key, value in data.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            out.update(flatten(value, f"{name}."))
        elif value is not None and not isinstance(value, list):
            out[name] = str(value)
    return out


def path_params(folder: str, file: str | None = None) -> dict[str, str]:
    """The parameters of a git generator's folder (and of the file found there)."""
    parts = folder.split("/") if folder else []
    base = parts[-1] if parts else ""
    params = {"path": folder, "path.path": folder, "path.basename": base,
              "path.basenameNormalized": re.sub(r"[^a-z0-9-]", "-", base.lower())}
    params.update({f"path[{n}]": part for n, part in enumerate(parts)})
    if file is not None:
        name = file.rpartition("/")[2]
        params["path.filename"] = name
        params["path.filenameNormalized"] = re.sub(r"[^a-z0-9-]", "-", name.lower())
    return params


def glob_regex(pattern: str) -> re.Pattern[str]:
    """A git generator's path glob: `*` and `?` within one folder name, `**` across them."""
    out, i = [], 0
    while i < len(pattern):
        if pattern.startswith("**/", i):
            out.append("(?:.*/)?")
            i += 3
        elif pattern.startswith("**", i):
            out.append(".*")
            i += 2
        elif pattern[i] == "*":
            out.append("[^/]*")
            i += 1
        elif pattern[i] == "?":
            out.append("[^/]")
            i += 1
        else:
            out.append(re.escape(pattern[i]))
            i += 1
    return re.compile("".join(out) + r"\Z")


def _entries(value: Any) -> list[dict[str, Any]]:
    return [e for e in value if isinstance(e, dict)] if isinstance(value, list) else []


def _generators(spec: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """Every generator, those inside a matrix or merge one by one."""
    for generator in _entries(spec.get("generators")):
        yield generator
        for nesting in NESTING:
            inner = generator.get(nesting)
            if isinstance(inner, dict):
                yield from _generators(inner)


def _data(text: str, file: str) -> Any:
    try:
        return json.loads(text) if file.endswith(".json") else load(text, file)
    except (ValueError, GitopsError):
        return None


def parameter_sets(appset: Resource, files: Sequence[str],
                   read: Callable[[str], str | None]) -> Iterator[dict[str, str]]:
    """The parameters of every Application the ApplicationSet makes from what the repository
    holds (`files`: its files, relative to its root; `read`: a file's text, None if unread)."""
    folders = sorted({f.rpartition("/")[0] for f in files} - {""})
    for generator in _generators(appset.spec):
        listed = generator.get("list")
        if isinstance(listed, dict):
            yield from (flatten(e) for e in _entries(listed.get("elements")))
        git = generator.get("git")
        if not isinstance(git, dict):
            continue
        wanted = _entries(git.get("directories"))
        included = [glob_regex(norm_path(e.get("path"))) for e in wanted if not e.get("exclude")]
        excluded = [glob_regex(norm_path(e.get("path"))) for e in wanted if e.get("exclude")]
        for folder in folders:
            if any(p.match(folder) for p in included) and not any(
                    p.match(folder) for p in excluded):
                yield path_params(folder)
        for entry in _entries(git.get("files")):
            pattern = glob_regex(norm_path(entry.get("path")))
            for file in files:
                if pattern.match(file):
                    text = read(file)
                    data = _data(text, file) if text is not None else None
                    yield {**flatten(data), **path_params(file.rpartition("/")[0], file)}


def generated(appset: Resource, files: Sequence[str], read: Callable[[str], str | None]
              ) -> Iterator[Generated]:
    """The Applications the ApplicationSet makes, each with its spec filled in."""
    template = appset.spec.get("template")
    spec = template.get("spec") if isinstance(template, dict) else None
    for params in parameter_sets(appset, files, read):
        yield Generated(params, fill(spec, params) if isinstance(spec, dict) else {})
