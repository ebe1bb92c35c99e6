"""Tag schemes in memory: the orders of versions (semantic-version precedence against the
spec's rules written out pairwise, numbers, text), the schemes gitops.yaml names, and the errors
of a bad one through the real command line."""

from __future__ import annotations

from itertools import pairwise
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from conftest import Runner
from journal_gitops.config.gates import same_tag
from journal_gitops.config.tags import parse_tag_scheme
from journal_gitops.config.versions import Order, SemVer, before, numbers, placed
from journal_gitops.errors import ConfigError

# semver.org's own example of precedence, oldest first.
SPEC_CHAIN = ("1.0.0-alpha", "1.0.0-alpha.1", "1.0.0-alpha.beta", "1.0.0-beta", "1.0.0-beta.2",
              "1.0.0-beta.11", "1.0.0-rc.1", "1.0.0", "1.0.1", "1.1", "v1.2.3", "2.0")


def test_semver_precedence_follows_the_spec_example() -> None:
    for older, newer in pairwise(SPEC_CHAIN):
        assert before(Order.SEMVER, older, newer) is True, (older, newer)
        assert before(Order.SEMVER, newer, older) is False, (older, newer)


@pytest.mark.parametrize(("text", "version"), [
    ("1.2.3", SemVer(1, 2, 3, True)),
    ("v1.2.3", SemVer(1, 2, 3, True)),
    ("2.0", SemVer(2, 0, 0, True)),
    ("1.2.3-rc.1", SemVer(1, 2, 3, False, ((1, 0, "rc"), (0, 1, "")))),
    ("0.0.0-0a.-", SemVer(0, 0, 0, False, ((1, 0, "0a"), (1, 0, "-")))),
    ("1", None), ("01.2.3", None), ("1.02", None), ("1.2.3-rc.01", None), ("1.2.3-", None),
    ("1.2.3+build", None), ("V1.2.3", None), ("1.2.3.4", None), ("latest", None),
    ("1.٢.3", None),  # a digit of another script is no version number
])
def test_semver_parse(text: str, version: SemVer | None) -> None:
    assert SemVer.parse(text) == version


def test_equal_precedence_is_not_before() -> None:
    assert (before(Order.SEMVER, "v2.0", "2.0.0"), before(Order.SEMVER, "2.0.0", "v2.0")) == (
        False, False)


def test_numeric_lexical_and_history_orders() -> None:
    assert numbers("build-10") == (10,) and numbers("2024.05.01-3") == (2024, 5, 1, 3)
    assert numbers("latest") is None
    assert (before(Order.NUMERIC, "build-9", "build-10"), before(Order.LEXICAL, "build-9",
                                                                 "build-10")) == (True, False)
    assert before(Order.NUMERIC, "latest", "build-10") is None
    assert before(Order.LEXICAL, "2024-04-30", "2024-05-01") is True
    assert before(Order.HISTORY, "a", "b") is None
    assert [placed(order, "latest") for order in Order] == [False, False, True, True]


# --- the spec's rules, pairwise, against the ordering ---------------------------------------

IDENTIFIERS = st.one_of(st.integers(0, 12).map(str),
                        st.sampled_from(["alpha", "beta", "rc", "a1", "1a", "-", "x-y", "RC"]))
VERSIONS = st.tuples(st.integers(0, 3), st.integers(0, 3), st.integers(0, 3), st.booleans(),
                     st.booleans(), st.lists(IDENTIFIERS, max_size=3))


def _text(parts: tuple[int, int, int, bool, bool, list[str]]) -> str:
    major, minor, patch, prefixed, two_parts, pre = parts
    core = f"{major}.{minor}" if two_parts and patch == 0 else f"{major}.{minor}.{patch}"
    return ("v" if prefixed else "") + core + (f"-{'.'.join(pre)}" if pre else "")


def _compare_identifiers(a: str, b: str) -> int:
    """semver.org 11.4.1-3: numbers as numbers, below any text; text in ASCII order."""
    if a.isdigit() and b.isdigit():
        return (int(a) > int(b)) - (int(a) < int(b))
    if a.isdigit() != b.isdigit():
        return -1 if a.isdigit() else 1
    return (a > b) - (a < b)


def _compare(x: tuple[int, int, int, bool, bool, list[str]],
             y: tuple[int, int, int, bool, bool, list[str]]) -> int:
    """semver.org 11: the numbers, then a pre-release below its release, then the pre-release
    identifiers in turn, a longer one above its prefix."""
    for number, other in zip(x[:3], y[:3], strict=True):
        if number != other:
            return -1 if number < other else 1
    x_release, y_release = not x[5], not y[5]
    if x_release or y_release:
        return x_release - y_release
    for a, b in zip(x[5], y[5], strict=False):  # the shorter one's identifiers
        found = _compare_identifiers(a, b)
        if found:
            return found
    return (len(x[5]) > len(y[5])) - (len(x[5]) < len(y[5]))


@given(VERSIONS, VERSIONS)
def test_semver_order_is_the_specs(x: tuple[int, int, int, bool, bool, list[str]],
                                   y: tuple[int, int, int, bool, bool, list[str]]) -> None:
    first, second = _text(x), _text(y)
    assert placed(Order.SEMVER, first) and placed(Order.SEMVER, second)
    expected = _compare(x, y)
    assert (before(Order.SEMVER, first, second), before(Order.SEMVER, second, first)) == (
        expected < 0, expected > 0)


@given(VERSIONS, VERSIONS, VERSIONS)
def test_semver_order_is_transitive(x: tuple[int, int, int, bool, bool, list[str]],
                                    y: tuple[int, int, int, bool, bool, list[str]],
                                    z: tuple[int, int, int, bool, bool, list[str]]) -> None:
    a, b, c = _text(x), _text(y), _text(z)
    if before(Order.SEMVER, a, b) and before(Order.SEMVER, b, c):
        assert before(Order.SEMVER, a, c)
    assert not before(Order.SEMVER, a, a)


@given(st.integers(0, 10**6), st.integers(0, 10**6))
def test_numeric_order_is_the_numbers(a: int, b: int) -> None:
    assert before(Order.NUMERIC, f"build-{a}", f"build-{b}") is (a < b)


# --- the schemes gitops.yaml names ------------------------------------------------------------


def test_schemes_of_commits_are_as_before() -> None:
    full, short, template = (parse_tag_scheme("full"), parse_tag_scheme("short", 8),
                             parse_tag_scheme("sha-{short}"))
    assert [s.label for s in (full, short, template, parse_tag_scheme(None))] == [
        "full", "short", "sha-{short}", "full"]
    assert full.regex().pattern == "^(?P<sha>[0-9a-f]{40})$"
    assert template.make("1234567" + "0" * 33) == "sha-1234567"
    assert (template.commit_of("sha-1234567"), short.commit_of("12345678")) == (
        "1234567", "12345678")
    assert full.before("a" * 40, "b" * 40) is None  # the history decides
    assert (full.accepts("a" * 40), full.accepts("1.0")) == (True, False)


def test_semver_and_pattern_schemes() -> None:
    semver = parse_tag_scheme("semver")
    assert [semver.accepts(tag) for tag in ("1.2.3", "v1.2.3", "2.0", "1.2.3-rc.1", "a" * 40,
                                            "latest", None)] == [
        True, True, True, True, False, False, False]
    assert (semver.of_commits, semver.commit_of("1.2.3"), semver.before("1.0", "2.0")) == (
        False, None, True)
    assert semver.before("1.0", "a" * 40) is None  # a commit's tag from before: history decides
    release = parse_tag_scheme({"pattern": r"release-(?P<version>.+)", "order": "semver"})
    assert release.label == "{pattern: release-(?P<version>.+), order: semver}"
    assert (release.accepts("release-1.4.0"), release.accepts("release-next"),
            release.accepts("1.4.0")) == (True, False, False)
    assert release.before("release-1.10.0", "release-1.9.0") is False
    builds = parse_tag_scheme({"pattern": "build-[0-9]+", "order": "numeric"})
    assert (builds.accepts("build-10"), builds.accepts("build-10 "), builds.accepts("x/y")) == (
        True, False, False)
    assert builds.before("build-9", "build-10") is True


SHA = "1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d"


@pytest.mark.parametrize(("scheme", "held", "tag", "same"), [
    ("full", SHA, SHA, True),
    ("full", SHA, SHA[:7], True),  # a commit's short sha holds its full one, and back
    ("full", SHA[:7], SHA, True),
    ("full", SHA[:6], SHA, False),  # too short to name a commit
    ("short", SHA[:7], SHA[:8], True),
    ("semver", "2.0", "2.0", True),
    ("semver", "v1.10.0", "v1.10.0-rc.1", False),  # a version is only ever itself
    ("semver", "v1.10.0-rc.1", "v1.10.0", False),
    ({"pattern": "[0-9]+", "order": "numeric"}, "1234567", "12345678", False),
    ({"pattern": "[0-9]+", "order": "numeric"}, "1234567", "1234567", True),
    ("semver", SHA[:7], SHA, True),  # a full sha left from a scheme of commits
    ("sha-{short}", "sha-ab1", "sha-ab1c2d3", False),  # a tag's text is no sha
    ("build-{sha}", "build-0", "build-0" + SHA[1:], False),
    ("full", "v1.10.0", "v1.10.0-rc.1", False),
])
def test_which_tags_a_hold_holds(scheme: object, held: str, tag: str, same: bool) -> None:
    assert same_tag(held, tag, parse_tag_scheme(scheme)) is same


def test_a_bad_pattern_is_one_line() -> None:
    with pytest.raises(ConfigError) as raised:
        parse_tag_scheme({"pattern": "build-(\n", "order": "numeric"})
    assert str(raised.value) == (
        "gitops.yaml: tagScheme.pattern 'build-(\\n' is not a regular expression: missing ), "
        "unterminated subpattern at position 6 (line 1, column 7)")


@pytest.mark.parametrize(("scheme", "message"), [
    ("{pattern: 'build-[0-9]+', ordre: numeric}",
     "line 42: unknown key 'ordre' in tagScheme (did you mean 'order'?)"),
    ("{pattern: 'build-[0-9]+', order: newest}",
     "line 42: 'tagScheme.order' must be one of semver, numeric, lexical, history"),
    ("{pattern: '', order: lexical}",
     "line 42: tagScheme.pattern must be a non-empty regular expression, as text"),
    ("{pattern: 'build-(', order: numeric}",
     "tagScheme.pattern 'build-(' is not a regular expression: missing ), unterminated "
     "subpattern at position 6"),
    ("[semver]", "line 42: 'tagScheme' must be text or a mapping"),
    ("semvers", "'tagScheme' 'semvers' must be full, short, semver, a template with {sha} or "
                "{short}, or a pattern with an order"),
])
def test_config_errors_of_a_bad_scheme(gitops: Runner, repo: Path, scheme: str,
                                       message: str) -> None:
    path = repo / "gitops.yaml"
    path.write_text(path.read_text().replace("tagScheme: full", f"tagScheme: {scheme}"))
    result = gitops("validate", repo=repo)
    assert (result.exit_code, result.output) == (1, f"Error: gitops.yaml: {message}\n")


def test_a_missing_order_names_the_orders(gitops: Runner, repo: Path) -> None:
    path = repo / "gitops.yaml"
    path.write_text(path.read_text().replace("tagScheme: full",
                                             "tagScheme:\n  pattern: 'build-[0-9]+'"))
    result = gitops("validate", repo=repo)
    assert (result.exit_code, result.output) == (1, (
        "Error: gitops.yaml: line 42: 'order' is missing in tagScheme: which of two tags is "
        "older: semver (semantic-version precedence), numeric (the numbers in the tag, in turn: "
        "build-10 after build-9), lexical (as text: 2024-05-01 after 2024-04-30), or history "
        "(the environment's own history, as for commits)\n"))
