"""A rendered diff too long for one pull request comment is split into several, in order:
nothing lost, each under GitHub's limit, each code block closed in the comment that opens it."""

from __future__ import annotations

from journal_gitops.kube.objdiff import Change, ObjectDiff
from journal_gitops.output.diff import MAX_CHARS, diff_markdown_parts
from journal_gitops.usecases.diff import DiffReport, EnvDiff

BASE, HEAD = "a" * 40, "b" * 40
GITHUB_LIMIT = 65_536


def _diff(env: str, n: int, lines: int) -> str:
    return "".join(f"+  {env}-object-{n}-line-{i:05d} " + "x" * 70 + "\n" for i in range(lines))


def _report(sizes: dict[str, list[int]]) -> DiffReport:
    envs = tuple(EnvDiff(env, tuple(ObjectDiff("ConfigMap", f"journal-{env}", f"c{n}",
                                               Change.CHANGED, _diff(env, n, lines))
                                    for n, lines in enumerate(objects)))
                 for env, objects in sizes.items())
    return DiffReport(BASE, HEAD, envs, ())


def _diff_lines(text: str) -> list[str]:
    return [line for line in text.splitlines() if line.startswith("+  ")]


def test_a_long_diff_becomes_several_comments_in_order() -> None:
    report = _report({"dev": [300, 300], "staging": [1500], "prod": [10]})
    parts = diff_markdown_parts(report)
    assert len(parts) == 4
    assert [p.splitlines()[0] for p in parts] == [
        f"<!-- gitops-diff part {n} of 4 -->" for n in range(1, 5)]
    assert all(len(p) <= MAX_CHARS < GITHUB_LIMIT for p in parts)
    assert "| dev | 0 | 2 | 0 |" in parts[0]
    expected = [line for env in report.environments for obj in env.objects
                for line in obj.diff.splitlines()]
    assert [line for p in parts for line in _diff_lines(p)] == expected
    for part in parts:
        fences = [line for line in part.splitlines() if line.startswith("```")]
        assert fences == ["```diff", "```"] * (len(fences) // 2)
        assert part.count("<details>") == part.count("</details>")
    assert "<b>staging</b>: 1 changed (continued)</summary>" in parts[2]


def test_a_short_diff_is_one_comment() -> None:
    parts = diff_markdown_parts(_report({"dev": [3]}))
    assert len(parts) == 1
    assert parts[0].startswith("<!-- gitops-diff part 1 of 1 -->\n### Rendered changes: "
                               "`aaaaaaa` → `bbbbbbb`\n")
    assert len(_diff_lines(parts[0])) == 3
