"""gitops status: what runs where, from the overlays and their history; the HTML page opened
in headless Chromium."""

from __future__ import annotations

import html
import json
import re
import subprocess
from datetime import datetime, timezone
from html.parser import HTMLParser
from pathlib import Path

from conftest import A, B, Runner, require
from journal_gitops.output.status import status_html
from journal_gitops.usecases.status import StatusReport
from support import START, git

KBP = "https://github.com/brendandburns/kbp-sample"
CHROMIUM = ["chromium", "--headless", "--no-sandbox", "--disable-gpu",
            "--disable-background-networking", "--disable-component-update", "--no-first-run",
            "--enable-logging=stderr", "--v=0"]


def test_status_of_a_history(gitops: Runner, repo_with_history: Path) -> None:
    repo = repo_with_history
    result = gitops("status", "--output", "json", repo=repo)
    assert result.exit_code == 0, result.output
    rows = json.loads(result.output)["images"]
    last = git(repo, "rev-parse", "HEAD")
    first = git(repo, "rev-list", "--max-parents=0", "HEAD")
    start = git(repo, "log", "-1", "--format=%aI", first)
    subject = "deploy(dev,staging): journal-server, journal-fileserver -> bbbbbbb"
    expected: list[dict[str, object]] = []
    for env in ("dev", "staging", "prod"):
        for image in ("journal-server", "journal-fileserver"):
            tag = START if env == "prod" else B
            expected.append({
                "env": env, "image": image, "tag": tag, "digest": None, "appCommit": tag,
                "appCommitUrl": f"{KBP}/commit/{tag}",
                "since": start if env == "prod" else "2026-03-05T10:00:00+00:00",
                "byCommit": first if env == "prod" else last,
                "bySubject": "initial" if env == "prod" else subject,
                "pendingPromotion": B if env == "prod" else None,
                "frozen": None, "soakRemaining": None, "holds": [],
                "cluster": "in-cluster", "freezeReason": None})
    assert rows == expected
    assert json.loads(result.output)["revision"] == last
    text = gitops("status", repo=repo)
    assert text.output.splitlines()[0:2] == [
        "ENV      IMAGE               TAG      APP COMMIT  SINCE             BY       PENDING  "
        "FROZEN  SOAK LEFT  HELD",
        f"dev      journal-server      bbbbbbb  bbbbbbb     2026-03-05 10:00  {last[:7]}  -"
        "        -       -          -"]
    assert A not in text.output


class _Cells(HTMLParser):
    """The text of every table cell, row by row."""

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[list[str]] = []
        self.cell: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "tr":
            self.rows.append([])
        elif tag in ("td", "th"):
            self.cell = []
        elif tag == "br" and self.cell is not None:
            self.cell.append(" / ")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "th") and self.cell is not None:
            self.rows[-1].append("".join(self.cell).strip())
            self.cell = None

    def handle_data(self, data: str) -> None:
        if self.cell is not None:
            self.cell.append(data)


# Run in the test's copy of the page only (the page itself has no script): whether anything
# sticks out to the right at this width, and where the freeze reason and the clusters are.
MEASURE = """<script>
const inside = el => { const r = el.getBoundingClientRect();
  return r.width > 0 && r.height > 0 && r.left >= 0 && r.right <= window.innerWidth; };
document.title = JSON.stringify({
  width: window.innerWidth,
  scrollWidth: document.documentElement.scrollWidth,
  frozen: [...document.querySelectorAll(".gate.frozen")].map(el => [el.textContent, inside(el)]),
  clusters: [...document.querySelectorAll(".cluster")].map(el => [el.textContent, inside(el)]),
  held: [...document.querySelectorAll(".gate.held")].map(el => inside(el)),
  cells: [...document.querySelectorAll("td")].every(inside)});
</script>"""


def _chromium(page: Path, profile: Path, *args: str) -> str:
    done = subprocess.run([*CHROMIUM, f"--user-data-dir={profile}", "--window-size=1280,900",
                           *args, page.as_uri()], capture_output=True, text=True, timeout=120,
                          check=False)
    assert done.returncode == 0, done.stderr
    assert [line for line in done.stderr.splitlines() if "CONSOLE" in line] == []
    return done.stdout


def test_the_page_renders_in_chromium(gitops: Runner, repo_with_history: Path,
                                      tmp_path: Path) -> None:
    """With every gate on (a freeze, a soak, holds), at 1280 px wide: nothing overflows, and
    the freeze's reason and end, each environment's cluster and the holds are on screen."""
    require("chromium")
    repo = repo_with_history
    friday = {"GITOPS_NOW": "2026-03-06T16:00:00Z"}
    for args in (("env", "set", "prod", "--min-soak", "5d"),
                 ("freeze", "prod", "--reason", "release weekend", "--until",
                  "2026-03-09T08:00:00Z"),
                 ("hold", "staging", "--tag", "a" * 7, "--reason", "corrupts entries "
                  "written by the previous version of the journal server, see the incident")):
        assert gitops(*args, "--in-place", repo=repo, env=friday).exit_code == 0
    result = gitops("status", "--output", "html", repo=repo, env=friday)
    assert result.exit_code == 0
    assert "<script" not in result.output and "src=" not in result.output
    assert 'rel="stylesheet"' not in result.output
    head = git(repo, "rev-parse", "--short=7", "HEAD")
    assert (f'<p class="meta">Generated 2026-03-06 16:00 UTC from <code>{head}</code>.'
            in result.output)
    page = tmp_path / "status.html"
    page.write_text(result.output)
    profile = tmp_path / "profile"
    cells = _Cells()
    cells.feed(_chromium(page, profile, "--dump-dom"))
    last = git(repo, "rev-parse", "--short=7", "HEAD~3")
    first = git(repo, "rev-list", "--max-parents=0", "HEAD")
    assert cells.rows[0] == ["image", "tag", "app commit", "since", "by", "pending promotion"]
    assert cells.rows[1] == [
        "journal-server", "bbbbbbb", "bbbbbbb", "2026-03-05 10:00 UTC",
        f"{last} deploy(dev,staging): journal-server, journal-fileserver -> bbbbbbb", "-"]
    started = datetime.fromisoformat(git(repo, "log", "-1", "--format=%aI", first)).astimezone(
        timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    assert cells.rows[7:9] == [
        ["journal-server", "805c8cf", "805c8cf", started, f"{first[:7]} initial", "bbbbbbb"],
        ["journal-fileserver", "805c8cf", "805c8cf", started, f"{first[:7]} initial",
         "bbbbbbb"]]
    measured = tmp_path / "measured.html"
    measured.write_text(result.output.replace("</body>", f"{MEASURE}\n</body>"))
    title = re.search(r"<title>(.*)</title>", _chromium(measured, profile, "--dump-dom"))
    assert title is not None
    layout = json.loads(html.unescape(title[1]))
    assert layout.pop("width") == 1280 and layout.pop("scrollWidth") <= 1280
    assert layout == {
        "frozen": [["Frozen until 2026-03-09 08:00 UTC: release weekend", True]],
        "clusters": [["cluster in-cluster", True]] * 3,
        "held": [True, True], "cells": True}
    shot = tmp_path / "status.png"
    _chromium(page, profile, f"--screenshot={shot}")
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_the_page_says_when_no_image_runs() -> None:
    page = status_html(StatusReport(None, ()))
    assert ('<p class="empty">No environment runs an app image yet: once one is bumped, its '
            'images show here.</p>') in page
    assert "<table>" not in page and "Generated -." in page


def test_status_shows_freezes_and_the_soak_left(gitops: Runner, repo_with_history: Path) -> None:
    repo = repo_with_history
    friday = {"GITOPS_NOW": "2026-03-06T16:00:00Z"}
    assert gitops("env", "set", "prod", "--min-soak", "5d", "--in-place", repo=repo,
                  env=friday).exit_code == 0
    assert gitops("freeze", "prod", "--reason", "release weekend", "--until",
                  "2026-03-09T08:00:00Z", "--in-place", repo=repo, env=friday).exit_code == 0
    result = gitops("status", "--output", "json", repo=repo, env=friday)
    data = json.loads(result.output)
    assert data["generatedAt"] == "2026-03-06T16:00:00+00:00"
    assert {r["freezeReason"] for r in data["images"] if r["env"] == "prod"} == {
        "release weekend"}
    rows = {(r["env"], r["image"]): (r["frozen"], r["soakRemaining"]) for r in data["images"]}
    # B went live in staging on 2026-03-05 10:00: five days of soak end on 2026-03-10 10:00.
    assert rows == {
        **{("dev", i): (None, None) for i in ("journal-server", "journal-fileserver")},
        **{("staging", i): (None, None) for i in ("journal-server", "journal-fileserver")},
        **{("prod", i): ("until 2026-03-09T08:00:00Z", "90h")
           for i in ("journal-server", "journal-fileserver")}}
    later = gitops("status", "--output", "json", repo=repo,
                   env={"GITOPS_NOW": "2026-03-11T00:00:00Z"})
    assert {(r["frozen"], r["soakRemaining"]) for r in json.loads(later.output)["images"]
            if r["env"] == "prod"} == {(None, "0")}
