"""Release gates on real repositories with dated commits and a set clock: freezes (one-off and
recurring, across a weekend and a daylight-saving change), soak, order, rollbacks by the
environment's own history, the AppProject's sync windows, and `gitops gate` at merge time."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from conftest import SHARED_CRDS, A, B, Runner
from journal_gitops.config.gates import Freeze, GateConfig
from journal_gitops.errors import UsageError
from journal_gitops.timing.clock import now, parse_instant
from journal_gitops.timing.cron import parse_schedule, window_end, zone
from journal_gitops.timing.durations import format_duration, parse_duration
from support import START, assert_refused, git

PROD = "overlays/prod/kustomization.yaml"


def clock(moment: str) -> dict[str, str]:
    return {"GITOPS_NOW": moment}


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=timezone.utc)


# --- clock and cron ------------------------------------------------------------------------


def test_durations_and_the_settable_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    assert [parse_duration(t, "d") for t in ("30m", "24h", "2d", "64h", "1d12h", "0")] == [
        timedelta(minutes=30), timedelta(hours=24), timedelta(days=2), timedelta(hours=64),
        timedelta(hours=36), timedelta(0)]
    assert [format_duration(timedelta(hours=h)) for h in (64, 1.5, 0)] == ["64h", "1h30m", "0s"]
    for bad in ("24", "h", "1.5h", "-2h", "2 d"):
        with pytest.raises(UsageError, match="is not a duration such as 30m, 24h or 2d"):
            parse_duration(bad, "--for")
    monkeypatch.setenv("GITOPS_NOW", "2026-03-06T17:00:00+01:00")
    assert now() == utc("2026-03-06T16:00:00")
    assert parse_instant("2026-03-09T08:00:00", "--until") == utc("2026-03-09T08:00:00")
    monkeypatch.setenv("GITOPS_NOW", "friday")
    with pytest.raises(UsageError, match="GITOPS_NOW 'friday' is not an ISO-8601 time"):
        now()


def test_cron_fields_lists_ranges_and_steps() -> None:
    schedule = parse_schedule("*/15 9-17/4 1,15 * 1-5")
    assert sorted(schedule.minutes) == [0, 15, 30, 45]
    assert sorted(schedule.hours) == [9, 13, 17]
    assert sorted(schedule.days) == [1, 15] and sorted(schedule.weekdays) == [1, 2, 3, 4, 5]
    assert sorted(parse_schedule("0 0 * * 0").weekdays) == [0]
    # Both day fields restricted: either matches (cron's rule).
    either = parse_schedule("0 12 13 * 5")
    tz = zone("UTC")
    assert either.next_after(utc("2026-03-01T00:00:00"), tz) == utc("2026-03-06T12:00:00")
    assert either.next_after(utc("2026-03-12T13:00:00"), tz) == utc("2026-03-13T12:00:00")
    for bad, message in (("0 16 * *", "needs 5 fields"), ("60 * * * *", "minute '60'"),
                         ("0 5-3 * * *", "hour range 5-3 runs backwards"),
                         ("0 0 * * mon", "day of week 'mon'")):
        with pytest.raises(UsageError, match=message):
            parse_schedule(bad)


def test_a_weekend_window_across_a_time_zone_change() -> None:
    """Every Friday 16:00 in Berlin for 64 hours: 15:00 UTC in winter, 14:00 UTC in summer;
    the length is real time, so the weekend the clocks go forward it ends at 09:00 local."""
    weekend = Freeze("prod", "weekend", schedule="0 16 * * 5", duration="64h",
                     time_zone="Europe/Berlin")
    cases = [
        ("2026-03-20T14:59:59", (False, None)),
        ("2026-03-20T15:00:00", (True, utc("2026-03-23T07:00:00"))),  # Monday 08:00 CET
        ("2026-03-23T06:59:59", (True, utc("2026-03-23T07:00:00"))),
        ("2026-03-23T07:00:00", (False, None)),
        ("2026-03-27T15:00:00", (True, utc("2026-03-30T07:00:00"))),  # Monday 09:00 CEST
        ("2026-03-30T06:30:00", (True, utc("2026-03-30T07:00:00"))),
        ("2026-04-03T13:59:59", (False, None)),
        ("2026-04-03T14:00:00", (True, utc("2026-04-06T06:00:00"))),  # Monday 08:00 CEST
        ("2026-04-06T06:00:00", (False, None)),
    ]
    for moment, expected in cases:
        assert weekend.end_if_active(utc(moment)) == expected, moment
    # Windows that overlap run on to the later end.
    early_week = parse_schedule("0 0 * * 1,2")
    assert window_end(early_week, timedelta(hours=30), zone(None),
                      utc("2026-03-02T01:00:00")) == utc("2026-03-04T06:00:00")
    gates = GateConfig((weekend, Freeze("prod", "release", until=utc("2026-03-23T12:00:00"))))
    active = gates.active("prod", utc("2026-03-21T00:00:00"))
    assert active is not None and active.message("prod") == (
        "prod is frozen until 2026-03-23T12:00:00Z: release")


# --- freezes on the commands -----------------------------------------------------------------


def test_freeze_promote_break_glass_unfreeze(gitops: Runner, repo_with_history: Path) -> None:
    repo = repo_with_history
    friday = clock("2026-03-06T16:00:00Z")
    frozen = gitops("freeze", "prod", "--reason", "release weekend", "--until",
                    "2026-03-09T08:00:00Z", "--in-place", repo=repo, env=friday)
    assert frozen.exit_code == 0, frozen.output
    commit = git(repo, "rev-parse", "--short=7", "HEAD")
    assert frozen.output == ("prod  frozen  until 2026-03-09T08:00:00Z  release weekend\n\n"
                             f"committed {commit} on main\n")
    assert git(repo, "log", "-1", "--format=%B") == (
        "freeze(prod): release weekend\n\n"
        "Freezes prod until 2026-03-09T08:00:00Z: a change to it needs a Break-Glass trailer "
        "then.\n\nEnvironment: prod\nChange-Kind: freeze")
    assert (repo / "gitops.yaml").read_text().endswith(
        "\n# Release gates: freezes (gitops freeze / unfreeze). While one holds, a change\n"
        "# to the environment needs a Break-Glass trailer.\n"
        "freezes:\n"
        "  - env: prod\n"
        '    reason: "release weekend"\n'
        '    since: "2026-03-06T16:00:00Z"\n'
        '    until: "2026-03-09T08:00:00Z"\n')
    refusal = ("Error: prod is frozen until 2026-03-09T08:00:00Z: release weekend; pass "
               "--break-glass REASON to change it anyway\n")
    for command in (("promote", "--from", "staging", "--to", "prod"), ("rollback", "prod"),
                    ("env", "set", "prod", "--set", "journalEntries=90")):
        assert_refused(lambda c=command: gitops(*c, repo=repo,  # type: ignore[misc]
                                                env=clock("2026-03-09T07:59:59Z")),
                       1, refusal, repo)
    listed = gitops("env", "list", repo=repo, env=clock("2026-03-07T00:00:00Z")).output
    assert listed.splitlines()[3].endswith(
        "manual  until 2026-03-09T08:00:00Z  -     -     images, config")
    broken = gitops("promote", "--from", "staging", "--to", "prod", "--break-glass",
                    "checkout outage", "--in-place", repo=repo, env=friday)
    assert broken.exit_code == 0, broken.output
    assert "Break-Glass: checkout outage\nEnvironment: prod\nChange-Kind: promotion" in git(
        repo, "log", "-1", "--format=%B")
    # At the end of the freeze the gate is open again, without breaking glass.
    at_end = gitops("env", "set", "prod", "--set", "journalEntries=90", "--dry-run", repo=repo,
                    env=clock("2026-03-09T08:00:00Z"))
    assert at_end.exit_code == 0, at_end.output
    lifted = gitops("unfreeze", "prod", "--in-place", repo=repo, env=friday)
    assert lifted.exit_code == 0, lifted.output
    assert lifted.output.splitlines()[0] == (
        "prod  unfrozen  until 2026-03-09T08:00:00Z  release weekend")
    assert "freezes" not in (repo / "gitops.yaml").read_text()
    assert_refused(lambda: gitops("unfreeze", "prod", repo=repo), 0,
                   "nothing to unfreeze: no such freeze (recurring windows stay without "
                   "--recurring)\n", repo)


@pytest.mark.parametrize(("args", "message"), [
    (("prod", "--reason", "x", "--until", "2026-03-06T15:59:59Z"),
     "--until 2026-03-06T15:59:59Z is not in the future (now: 2026-03-06T16:00:00Z)"),
    (("prod", "--reason", "x", "--until", "monday"),
     "--until 'monday' is not an ISO-8601 time such as 2026-03-09T08:00:00Z"),
    (("prod", "--reason", "x", "--until", "2026-03-09T08:00:00Z", "--for", "2d"),
     "--until and --for do not go together"),
    (("prod", "--reason", "x", "--for", "2x"), "--for '2x' is not a duration such as 30m, 24h "
                                               "or 2d"),
    (("prod", "--reason", " "), "--reason needs a reason on one line, without control characters"),
    (("prod", "--reason", "x", "--schedule", "0 16 * * 5"),
     "a recurring freeze needs both --schedule and --duration"),
    (("prod", "--reason", "x", "--schedule", "0 16 * * 5", "--duration", "64h",
      "--time-zone", "Mars/Olympus"),
     "unknown time zone 'Mars/Olympus' (an IANA name such as Europe/Berlin)"),
    (("qa", "--reason", "x"), "unknown environment 'qa' (known: dev, staging, prod)"),
    (("--reason", "x"), "name the environments to freeze"),
    (("prod", "--reason", "x", "--for", ""), "--for needs a value"),
    (("prod", "--reason", "x", "--for", "99999999999d"), "--for '99999999999d' is longer than a "
                                                         "century"),
    (("prod", "--reason", "\x1b[31mred", "--for", "2h"),
     "--reason needs a reason on one line, without control characters"),
    *[(("prod", "--reason", "x", "--until", until),
       f"--until {until!r} is not between the years 1970 and 9000")
      for until in ("0001-01-01T00:00:00+05:00", "9999-12-31T23:00:00-05:00")],
    (("prod", "--reason", "x", "--until", " "), "--until needs a value"),
    (("prod", "--reason", "x", "--schedule", "0 16 * * 5", "--duration", "1h",
      "--time-zone", ""), "--time-zone needs a value"),
    *[(("prod", "--reason", "x", "--schedule", schedule, "--duration", "1h"),
       f"cron schedule {schedule!r}: {problem}")
      for schedule, problem in (
          ("0 16 * * \u0661", "day of week '\u0661' is not a number from 0 to 6"),
          ("0 16 * * \U0001d7d9", "day of week '\U0001d7d9' is not a number from 0 to 6"),
          ("0 \u00b2 * * 5", "hour '\u00b2' is not a number from 0 to 23"),
          ("*/ 16 * * 5", "minute step '' is not a number from 1 to 59"),
          ("0 16 * * 7", "day of week '7' is not a number from 0 to 6"))],
    *[(("prod", "--reason", "x", "--schedule", "0 16 * * 5", "--duration", "1h",
        "--time-zone", name), f"unknown time zone {name!r} (an IANA name such as Europe/Berlin)")
      for name in ("localtime", "posixrules", "Factory", "posix/UTC", "../UTC")],
])
def test_freeze_bad_input(gitops: Runner, repo_with_history: Path, args: tuple[str, ...],
                          message: str) -> None:
    assert_refused(lambda: gitops("freeze", *args, repo=repo_with_history,
                                  env=clock("2026-03-06T16:00:00Z")),
                   2, f"Error: {message}\n", repo_with_history)


# --- soak, order and rollbacks ---------------------------------------------------------------


def test_soak_refuses_until_the_tags_have_run_long_enough(gitops: Runner,
                                                          repo_with_history: Path) -> None:
    """staging got B with the commit of 5 March 10:00 UTC; prod wants 24h of it."""
    repo = repo_with_history
    soaked = gitops("env", "set", "prod", "--min-soak", "24h", "--in-place", repo=repo)
    assert soaked.exit_code == 0, soaked.output
    assert soaked.output.splitlines()[0] == "prod  min soak  (none) -> 24h"
    bump_commit = git(repo, "log", "--format=%h", "-1", "--", "overlays/staging")
    assert_refused(
        lambda: gitops("promote", "--from", "staging", "--to", "prod", repo=repo,
                       env=clock("2026-03-06T09:59:59Z")),
        1, f"Error: prod needs 24h of soak in staging: bbbbbbb live there since "
           f"2026-03-05T10:00:00Z (commit {bump_commit}); allowed from 2026-03-06T10:00:00Z; "
           f"pass --skip-soak REASON to promote anyway\n", repo)
    on_time = gitops("promote", "--from", "staging", "--to", "prod", "--dry-run", repo=repo,
                     env=clock("2026-03-06T10:00:00Z"))
    assert on_time.exit_code == 0, on_time.output
    early = gitops("promote", "--from", "staging", "--to", "prod", "--skip-soak", "security fix",
                   "--in-place", repo=repo, env=clock("2026-03-05T11:00:00Z"))
    assert early.exit_code == 0, early.output
    assert "Skip-Soak: security fix\n" in git(repo, "log", "-1", "--format=%B")
    removed = gitops("env", "set", "prod", "--min-soak", "0", "--in-place", repo=repo)
    assert removed.output.splitlines()[0] == "prod  min soak  24h -> (none)"
    assert "minSoak" not in (repo / "gitops.yaml").read_text()


def test_bumps_keep_the_order_and_see_rollbacks(gitops: Runner, repo_with_history: Path) -> None:
    """dev ran A, then B: going back to A is a rollback even without --source-repo."""
    repo = repo_with_history
    assert_refused(lambda: gitops("bump", "--commit", A, "--env", "prod", repo=repo), 1,
                   "Error: bumps land in dev, first in promotion order: prod gets tags by "
                   "promotion; pass --skip-order REASON to bump anyway\n", repo)
    assert_refused(lambda: gitops("bump", "--commit", A, repo=repo), 1,
                   "Error: dev: journal-server ran aaaaaaa before and runs bbbbbbb now: moving "
                   "back is a rollback; pass --allow-rollback\n", repo)
    back = gitops("bump", "--commit", A, "--allow-rollback", "--in-place", repo=repo)
    assert back.exit_code == 0, back.output
    assert git(repo, "log", "-1", "--format=%s") == (
        "rollback(dev): journal-server, journal-fileserver -> aaaaaaa")
    # Forward again to B after the rollback is no rollback.
    forward = gitops("bump", "--commit", B, "--in-place", repo=repo)
    assert forward.exit_code == 0, forward.output
    skipped = gitops("bump", "--commit", B, "--env", "prod", "--skip-order", "hotfix",
                     "--in-place", repo=repo)
    assert skipped.exit_code == 0, skipped.output
    assert git(repo, "log", "-1", "--format=%B").endswith(
        "Skip-Order: hotfix\nEnvironment: prod\nChange-Kind: bump")


def test_promote_back_to_an_older_tag_is_a_rollback(gitops: Runner,
                                                    repo_with_history: Path) -> None:
    """staging ran A, then B; dev is put back to A; promoting dev to staging moves back."""
    repo = repo_with_history
    assert gitops("bump", "--commit", A, "--allow-rollback", "--in-place",
                  repo=repo).exit_code == 0
    assert_refused(lambda: gitops("promote", "--from", "dev", "--to", "staging", repo=repo), 1,
                   "Error: staging: journal-server ran aaaaaaa before and runs bbbbbbb now: "
                   "moving back is a rollback; pass --allow-rollback\n", repo)
    done = gitops("promote", "--from", "dev", "--to", "staging", "--allow-rollback",
                  "--in-place", repo=repo)
    assert done.exit_code == 0, done.output
    assert git(repo, "log", "-1", "--format=%B").endswith(
        "Allow-Rollback: staging\nEnvironment: staging\nChange-Kind: promotion")


# --- recurring freezes and Argo CD -----------------------------------------------------------

WINDOW = ("  # Deny windows written by `gitops freeze` from the recurring freezes in\n"
          "  # gitops.yaml: Argo CD holds automated syncs of those Applications then.\n"
          "  syncWindows:\n"
          "    - kind: deny\n"
          '      schedule: "0 16 * * 5"\n'
          "      duration: 64h\n"
          "      timeZone: Europe/Berlin\n"
          "      applications:\n"
          "        - journal-prod\n"
          "      manualSync: true\n"
          '      description: "no weekend deploys"\n')


@pytest.mark.skipif(not SHARED_CRDS.is_dir(), reason="needs ../shared/crds beside the project")
def test_recurring_freeze_is_an_argocd_sync_window(gitops: Runner,
                                                   repo_with_history: Path) -> None:
    repo = repo_with_history
    project = repo / "argocd/project.yaml"
    original = project.read_text()
    made = gitops("freeze", "prod", "--reason", "no weekend deploys", "--schedule", "0 16 * * 5",
                  "--duration", "64h", "--time-zone", "Europe/Berlin", "--in-place", repo=repo)
    assert made.exit_code == 0, made.output
    assert project.read_text() == original + WINDOW
    assert git(repo, "show", "--format=", "--name-only", "HEAD").splitlines() == [
        "argocd/project.yaml", "gitops.yaml"]
    checked = gitops("validate", "--crds", str(SHARED_CRDS), repo=repo)
    assert checked.exit_code == 0, checked.output
    # Friday 16:00 in Berlin is 15:00 UTC in March (before the clocks change).
    assert_refused(lambda: gitops("rollback", "prod", repo=repo,
                                  env=clock("2026-03-20T15:00:00Z")),
                   1, "Error: prod is frozen until 2026-03-23T07:00:00Z: no weekend deploys; "
                      "pass --break-glass REASON to change it anyway\n", repo)
    listed = json.loads(gitops("env", "list", "--output", "json", repo=repo,
                               env=clock("2026-03-21T00:00:00Z")).output)["environments"][2]
    assert (listed["frozen"], listed["minSoak"]) == (
        {"reason": "no weekend deploys", "until": "2026-03-23T07:00:00Z"}, None)
    assert listed["freezes"] == [{
        "env": "prod", "reason": "no weekend deploys", "since": None, "until": None,
        "recurring": True, "schedule": "0 16 * * 5", "duration": "64h",
        "timeZone": "Europe/Berlin"}]
    # A window edited by hand no longer agrees with gitops.yaml.
    project.write_text(project.read_text().replace("duration: 64h", "duration: 48h"))
    found = gitops("validate", "--env", "prod", "--output", "json", repo=repo)
    messages = [(f["env"], f["rule"], f["message"]) for f in json.loads(found.output)["findings"]]
    assert (found.exit_code, messages) == (1, [
        ("prod", "sync-windows", "recurring freeze of prod '0 16 * * 5' for 64h (Europe/Berlin) "
                                 "has no deny sync window for journal-prod in AppProject journal"),
        ("prod", "sync-windows", "deny sync window '0 16 * * 5' for 48h (Europe/Berlin) of "
                                 "AppProject journal holds journal-prod, but gitops.yaml has no "
                                 "such recurring freeze of prod")])
    git(repo, "checkout", "--", "argocd")
    kept = gitops("unfreeze", "prod", repo=repo)
    assert kept.output.startswith("nothing to unfreeze")
    lifted = gitops("unfreeze", "prod", "--recurring", "--in-place", repo=repo)
    assert lifted.exit_code == 0, lifted.output
    assert project.read_text() == original


def _own_project(repo: Path, env: str) -> tuple[str, str]:
    """`env`'s Application moved to an AppProject of its own, in the shared AppProject's file
    (the one the root app applies); the two documents' texts."""
    project = repo / "argocd/project.yaml"
    text = project.read_text()
    entry = "    - server: https://kubernetes.default.svc\n      namespace: journal-{}\n"
    shared = text.replace(entry.format(env), "")
    own = text.replace("name: journal\n", f"name: journal-{env}\n", 1)
    for other in ("dev", "staging", "prod"):
        own = own.replace(entry.format(other), "") if other != env else own
    project.write_text(f"{shared}---\n{own}")
    app = repo / f"apps/journal-{env}.yaml"
    app.write_text(app.read_text().replace("project: journal\n", f"project: journal-{env}\n"))
    config = repo / "gitops.yaml"
    config.write_text(config.read_text() + (
        f"layout:\n  environments:\n    {env}:\n      project: journal-{env}\n"))
    git(repo, "add", "-A")
    git(repo, "commit", "--quiet", "-m", f"{env} in a project of its own")
    return shared, own


def test_recurring_freezes_go_to_each_environments_own_appproject(
        gitops: Runner, repo_with_history: Path) -> None:
    repo = repo_with_history
    project = repo / "argocd/project.yaml"
    shared, staging = _own_project(repo, "staging")
    staging_window = WINDOW.replace("journal-prod", "journal-staging")
    weekend = ("--reason", "no weekend deploys", "--schedule", "0 16 * * 5", "--duration", "64h",
               "--time-zone", "Europe/Berlin", "--in-place")
    made = gitops("freeze", "staging", *weekend, repo=repo)
    assert made.exit_code == 0, made.output
    assert project.read_text() == f"{shared}---\n{staging}{staging_window}"
    assert gitops("freeze", "prod", *weekend, repo=repo).exit_code == 0
    assert project.read_text() == f"{shared}{WINDOW}---\n{staging}{staging_window}"
    checked = gitops("validate", repo=repo)
    assert checked.exit_code == 0, checked.output
    # Both projects' windows go in one edit of their file, and come back in one.
    both = gitops("unfreeze", "staging", "prod", "--recurring", "--in-place", repo=repo)
    assert both.exit_code == 0, both.output
    assert project.read_text() == f"{shared}---\n{staging}"
    again = gitops("freeze", "staging", "prod", *weekend, repo=repo)
    assert again.exit_code == 0, again.output
    assert project.read_text() == f"{shared}{WINDOW}---\n{staging}{staging_window}"
    # Deleting staging takes its window out of its own project, and nothing out of prod's.
    gone = gitops("env", "delete", "staging", "--in-place", repo=repo,
                  env=clock("2026-03-18T12:00:00Z"))  # a Wednesday
    assert gone.exit_code == 0, gone.output
    assert project.read_text() == f"{shared}{WINDOW}---\n" + staging.replace(
        "  destinations:\n    - server: https://kubernetes.default.svc\n"
        "      namespace: journal-staging\n", "  destinations: []\n")
    lifted = gitops("unfreeze", "prod", "--recurring", "--in-place", repo=repo)
    assert lifted.exit_code == 0, lifted.output
    assert project.read_text().startswith(f"{shared}---\n")


def test_a_recurring_freeze_on_argocds_builtin_project_says_where_it_needs_a_window(
        gitops: Runner, repo_with_history: Path) -> None:
    repo = repo_with_history
    app = repo / "apps/journal-dev.yaml"
    app.write_text(app.read_text().replace("project: journal\n", "project: default\n"))
    config = repo / "gitops.yaml"
    config.write_text(config.read_text() + (
        "layout:\n  environments:\n    dev:\n      project: default\n"))
    git(repo, "commit", "--quiet", "-am", "dev on Argo CD's default project")
    assert_refused(lambda: gitops("freeze", "dev", "--reason", "x", "--schedule", "0 16 * * 5",
                                  "--duration", "1h", "--in-place", repo=repo), 1,
                   "Error: AppProject default is not in this repository's Argo CD files: the "
                   "deny sync windows of a recurring freeze of journal-dev need it there\n",
                   repo)


# --- the merge-time gate ---------------------------------------------------------------------


def test_gate_refuses_a_hand_edited_overlay(gitops: Runner, repo_with_history: Path) -> None:
    repo = repo_with_history
    friday = clock("2026-03-06T16:00:00Z")
    assert gitops("freeze", "prod", "--reason", "release weekend", "--until",
                  "2026-03-09T08:00:00Z", "--in-place", repo=repo, env=friday).exit_code == 0
    base = git(repo, "rev-parse", "HEAD")
    git(repo, "checkout", "--quiet", "-b", "by-hand")
    overlay = repo / PROD
    overlay.write_text(overlay.read_text().replace(START, A))
    git(repo, "commit", "--quiet", "-am", "prod: try A")
    result = gitops("gate", "--base", "main", "--head", "by-hand", repo=repo, env=friday)
    head = git(repo, "rev-parse", "HEAD")
    assert (result.exit_code, result.output) == (1, (
        "prod: freeze: prod is frozen until 2026-03-09T08:00:00Z: release weekend; a change "
        "needs a commit with a Break-Glass trailer for prod\n"
        "prod: order: prod gets aaaaaaa, but staging does not run them: a change out of "
        "promotion order needs a Skip-Order trailer\n"
        f"2 violations of the release gates ({base[:7]} -> {head[:7]} at 2026-03-06T16:00:00Z)\n"))
    github = gitops("gate", "--base", "main", "--output", "github", repo=repo, env=friday)
    assert github.output.splitlines()[0] == (
        "::error title=gitops gate freeze::prod: prod is frozen until 2026-03-09T08:00:00Z: "
        "release weekend; a change needs a commit with a Break-Glass trailer for prod")
    data = json.loads(gitops("gate", "--base", "main", "--output", "json", repo=repo,
                             env=clock("2026-03-09T08:00:00Z")).output)
    assert (data["ok"], data["changed"], [v["gate"] for v in data["violations"]]) == (
        False, ["prod"], ["order"])
    # The same move made by the tooling, with its reasons, passes.
    git(repo, "checkout", "--quiet", "main")
    git(repo, "checkout", "--quiet", "-b", "by-tool")
    assert gitops("promote", "--from", "staging", "--to", "prod", "--break-glass", "outage",
                  "--in-place", repo=repo, env=friday).exit_code == 0
    passed = gitops("gate", "--base", "main", repo=repo, env=friday)
    assert (passed.exit_code, passed.output) == (0, (
        f"ok: the change to prod passes every release gate ({base[:7]} -> working tree at "
        f"2026-03-06T16:00:00Z)\n"))


def test_gate_sees_soak_and_rollbacks(gitops: Runner, repo_with_history: Path) -> None:
    repo = repo_with_history
    assert gitops("env", "set", "prod", "--min-soak", "2d", "--in-place",
                  repo=repo).exit_code == 0
    git(repo, "checkout", "--quiet", "-b", "change")
    (repo / PROD).write_text((repo / PROD).read_text().replace(START, B))
    staging = repo / "overlays/staging/kustomization.yaml"
    staging.write_text(staging.read_text().replace(B, A))
    result = gitops("gate", "--output", "json", repo=repo, env=clock("2026-03-07T09:00:00Z"))
    assert [(v["env"], v["gate"], v["message"]) for v in json.loads(result.output)[
        "violations"]] == [
        ("staging", "rollback", "journal-server moves back to aaaaaaa, which staging ran before "
                                "(it runs bbbbbbb): a rollback needs a commit of kind rollback "
                                "or with an Allow-Rollback trailer for staging"),
        ("staging", "rollback", "journal-fileserver moves back to aaaaaaa, which staging ran "
                                "before (it runs bbbbbbb): a rollback needs a commit of kind "
                                "rollback or with an Allow-Rollback trailer for staging"),
        ("prod", "soak", "prod needs 2d of soak in staging: bbbbbbb live there since "
                         f"2026-03-05T10:00:00Z (commit "
                         f"{git(repo, 'log', '--format=%h', '-1', '--', 'overlays/staging')}); "
                         "allowed from 2026-03-07T10:00:00Z; a change sooner needs a Skip-Soak "
                         "trailer")]
    assert result.exit_code == 1
    git(repo, "checkout", "--quiet", "--", "overlays/staging")
    later = gitops("gate", repo=repo, env=clock("2026-03-07T10:00:00Z"))
    assert later.exit_code == 0, later.output
