"""An AppProject's destinations as Argo CD matches them, whatever mix of exact entries, patterns
and `!` entries: the lookup of exact entries answers as matching every entry in turn does."""

from __future__ import annotations

import fnmatch
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from journal_gitops.kube.objects import Resource
from journal_gitops.validation.rules.argocd import _Destinations

SERVERS = st.sampled_from(["https://a", "https://b", "https://*", "*", ""])
NAMES = st.sampled_from(["in-cluster", "east", "e*", ""])
NAMESPACES = st.sampled_from(["journal-dev", "journal-prod", "journal-*", "!journal-prod",
                              "!*-dev", "*", "kube-system"])


def _one_by_one(destinations: list[dict[str, str]], server: str | None, name: str | None,
                namespace: str) -> bool:
    allowed = False
    for dest in destinations:
        pattern = dest["namespace"]
        cluster = (server is not None and fnmatch.fnmatchcase(server, dest["server"])) or (
            name is not None and fnmatch.fnmatchcase(name, dest["name"]))
        if cluster and fnmatch.fnmatchcase(namespace, pattern.removeprefix("!")):
            if pattern.startswith("!"):
                return False
            allowed = True
    return allowed


@given(st.lists(st.fixed_dictionaries({"server": SERVERS, "name": NAMES,
                                        "namespace": NAMESPACES}), max_size=6),
       st.sampled_from(["https://a", "https://b", None]),
       st.sampled_from(["in-cluster", "east", None]),
       st.sampled_from(["journal-dev", "journal-prod", "kube-system"]))
def test_a_lookup_answers_as_matching_each_entry(destinations: list[dict[str, Any]],
                                                 server: str | None, name: str | None,
                                                 namespace: str) -> None:
    project = Resource({"kind": "AppProject", "spec": {"destinations": destinations}}, "p")
    assert _Destinations.of(project).allow(server, name, namespace) == _one_by_one(
        destinations, server, name, namespace)
