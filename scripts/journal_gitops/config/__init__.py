"""gitops.yaml: what the tooling knows about a repository that its manifests do not say.

model.py is the Config it reads into, load.py reads it (against schema.json, then the checks
across keys), edit.py changes it line by line; clusters.py and gates.py hold the keys of those
concepts. The file's name and the error of a key are here, for every module of the package.
"""

from __future__ import annotations

from ..errors import ConfigError

CONFIG_FILE = "gitops.yaml"


def invalid(message: str) -> ConfigError:
    """An error of one of gitops.yaml's keys, named as in the file."""
    return ConfigError(f"{CONFIG_FILE}: {message}")
