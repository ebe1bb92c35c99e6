"""Which environments read a path, looked up by its folders, is what a scan of every reach
finds: the lookup that keeps history linear in the number of environments is not a second,
different answer."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from journal_gitops.config import CONFIG_FILE
from journal_gitops.history.walker import Reach, Reaches

SEGMENTS = st.sampled_from(["base", "overlays", "dev", "prod", "redis", "a", "a.yaml"])
FOLDERS = st.lists(SEGMENTS, min_size=1, max_size=3).map("/".join)


def _scan(reaches: Reaches, path: str) -> set[str]:
    return {env for env, r in reaches.items() if path in (r.app, CONFIG_FILE) or any(
        path == folder or path.startswith(f"{folder}/") for folder in (r.own, *r.shared))}


@given(st.lists(st.tuples(FOLDERS, st.lists(FOLDERS, max_size=3), st.one_of(st.none(), FOLDERS)),
                min_size=1, max_size=4),
       st.lists(FOLDERS, min_size=1, max_size=6))
def test_readers_are_those_a_scan_finds(found: list[tuple[str, list[str], str | None]],
                                        paths: list[str]) -> None:
    reaches = Reaches((f"env{i}", Reach(own, tuple(shared), app))
                      for i, (own, shared, app) in enumerate(found))
    for path in [*paths, CONFIG_FILE]:
        assert reaches.readers(path) == _scan(reaches, path)
        for env in reaches:
            reach = reaches[env]
            assert reaches.owns(env, path) == (path.startswith(f"{reach.own}/") or (
                path not in (reach.app, CONFIG_FILE) and _scan(reaches, path) == {env}))
