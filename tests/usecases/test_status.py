"""gitops status: what runs where, from the overlays and their history; the HTML page opened
in headless Chromium."""

from __future__ import annotations

import json
import subprocess
from html.parser import HTMLParser
from pathlib import Path

from conftest import A, B, Runner, require
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
                "frozen": None, "soakRemaining": None, "holds": []})
    assert rows == expected
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


def test_the_page_renders_in_chromium(gitops: Runner, repo_with_history: Path,
                                      tmp_path: Path) -> None:
    require("chromium")
    repo = repo_with_history
    result = gitops("status", "--output", "html", repo=repo)
    assert result.exit_code == 0
    page = tmp_path / "status.html"
    page.write_text(result.output)
    assert "<script" not in result.output and "src=" not in result.output
    assert 'rel="stylesheet"' not in result.output
    profile = tmp_path / "profile"
    done = subprocess.run([*CHROMIUM, f"--user-data-dir={profile}", "--dump-dom",
                           page.as_uri()], capture_output=True, text=True, timeout=120,
                          check=False)
    assert done.returncode == 0, done.stderr
    console = [line for line in done.stderr.splitlines() if "CONSOLE" in line]
    assert console == []
    cells = _Cells()
    cells.feed(done.stdout)
    last = git(repo, "rev-parse", "--short=7", "HEAD")
    first = git(repo, "rev-list", "--max-parents=0", "HEAD")
    assert cells.rows[0] == ["env", "image", "tag", "app commit", "since", "by", "pending",
                             "frozen", "soak left", "held"]
    assert cells.rows[1] == [
        "dev", "journal-server", "bbbbbbb", "bbbbbbb", "2026-03-05 10:00",
        f"{last} / deploy(dev,staging): journal-server, journal-fileserver -> bbbbbbb",
        "-", "-", "-", "-"]
    assert cells.rows[5][:2] + cells.rows[5][5:] == [
        "prod", "journal-server", f"{first[:7]} / initial", "bbbbbbb", "-", "-", "-"]
    assert len(cells.rows) == 7
    shot = tmp_path / "status.png"
    done = subprocess.run([*CHROMIUM, f"--user-data-dir={profile}", f"--screenshot={shot}",
                           "--window-size=1200,800", page.as_uri()], capture_output=True,
                          text=True, timeout=120, check=False)
    assert done.returncode == 0 and shot.stat().st_size > 0, done.stderr


def test_status_shows_freezes_and_the_soak_left(gitops: Runner, repo_with_history: Path) -> None:
    repo = repo_with_history
    friday = {"GITOPS_NOW": "2026-03-06T16:00:00Z"}
    assert gitops("env", "set", "prod", "--min-soak", "5d", "--in-place", repo=repo,
                  env=friday).exit_code == 0
    assert gitops("freeze", "prod", "--reason", "release weekend", "--until",
                  "2026-03-09T08:00:00Z", "--in-place", repo=repo, env=friday).exit_code == 0
    result = gitops("status", "--output", "json", repo=repo, env=friday)
    rows = {(r["env"], r["image"]): (r["frozen"], r["soakRemaining"])
            for r in json.loads(result.output)["images"]}
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
