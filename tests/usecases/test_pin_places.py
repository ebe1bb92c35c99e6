"""Images pinned where a repository pins them: in a patch file or a manifest of the overlay's own
folder instead of its kustomization's `images:` list; and environments that do not run every app
image. Real git repositories, rendered with the real kustomize."""

from __future__ import annotations

import json
from pathlib import Path

from conftest import MakeRepo, Runner
from support import START, assert_refused, at, changed_files, git

NEW = "1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d"
SERVER = "ghcr.io/journal-app/journal-server"
FILESERVER = "ghcr.io/journal-app/journal-fileserver"
WORKER = "ghcr.io/journal-app/journal-worker"
ENVS = ("dev", "staging", "prod")
IMAGES_LIST = (
    "# Same immutable commit tag in every environment; CI bumps it per overlay.\n"
    "images:\n"
    "  - name: journal-server\n"
    f"    newName: {SERVER}\n"
    f"    newTag: {START}\n"
    "  - name: journal-fileserver\n"
    f"    newName: {FILESERVER}\n"
    f"    newTag: {START}\n"
    "\n")
# Two strategic-merge patches in one file: a plain scalar with a comment after it, and a
# double-quoted one.
PATCH = (
    "# The app images of this environment.\n"
    "apiVersion: apps/v1\n"
    "kind: Deployment\n"
    "metadata:\n"
    "  name: frontend\n"
    "spec:\n"
    "  template:\n"
    "    spec:\n"
    "      containers:\n"
    "        - name: frontend\n"
    f"          image: {SERVER}:{START}  # moved by bumps\n"
    "---\n"
    "apiVersion: apps/v1\n"
    "kind: Deployment\n"
    "metadata:\n"
    "  name: fileserver\n"
    "spec:\n"
    "  template:\n"
    "    spec:\n"
    "      containers:\n"
    "        - name: fileserver\n"
    f'          image: "{FILESERVER}:{START}"\n')
# A worker only dev runs: a manifest its overlay lists under resources:, with an init container
# of the same image.
WORKER_MANIFEST = (
    "apiVersion: apps/v1\n"
    "kind: Deployment\n"
    "metadata:\n"
    "  name: worker\n"
    "spec:\n"
    "  selector:\n"
    "    matchLabels: {app: worker}\n"
    "  template:\n"
    "    metadata:\n"
    "      labels: {app: worker}\n"
    "    spec:\n"
    "      initContainers:\n"
    "        - name: migrate\n"
    f"          image: '{WORKER}:{START}'\n"
    "      containers:\n"
    "        - name: worker\n"
    f"          image: {WORKER}:{START}\n")


def _patched(repo: Path, envs: tuple[str, ...] = ENVS) -> Path:
    """The repository with each environment's images pinned in overlays/ENV/images.yaml, a
    patch its kustomization lists, instead of its images: list."""
    for env in envs:
        path = repo / f"overlays/{env}/kustomization.yaml"
        text = path.read_text()
        assert IMAGES_LIST in text
        path.write_text(text.replace(IMAGES_LIST, "") + "  - path: images.yaml\n")
        (repo / f"overlays/{env}/images.yaml").write_text(PATCH)
    git(repo, "add", "-A")
    git(repo, "commit", "--quiet", "-m", "pin the images in a patch")
    return repo


def _with_worker(repo: Path) -> Path:
    """A third app image that only dev runs (from a manifest of its overlay folder)."""
    config = repo / "gitops.yaml"
    config.write_text(config.read_text().replace(
        "  - name: docker.io/library/redis\n",
        f"  - name: journal-worker\n    newName: {WORKER}\n    source: app\n"
        "  - name: docker.io/library/redis\n"))
    kustomization = repo / "overlays/dev/kustomization.yaml"
    kustomization.write_text(kustomization.read_text().replace(
        "  - namespace.yaml\n", "  - namespace.yaml\n  - worker.yaml\n"))
    (repo / "overlays/dev/worker.yaml").write_text(WORKER_MANIFEST)
    git(repo, "add", "-A")
    git(repo, "commit", "--quiet", "-m", "a worker in dev")
    return repo


def _diff(repo: Path, rev: str = "HEAD") -> list[str]:
    """The change a commit made, without context or index lines."""
    return [line for line in git(repo, "show", "--format=", "-U0", rev).splitlines()
            if not line.startswith("index ")]


def test_bump_edits_the_patch_file(gitops: Runner, make_repo: MakeRepo) -> None:
    repo = _patched(make_repo())
    result = gitops("bump", "--commit", NEW, "--in-place", repo=repo)
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[:2] == [
        "dev  journal-server      805c8cf -> 1a2b3c4",
        "dev  journal-fileserver  805c8cf -> 1a2b3c4"]
    assert _diff(repo) == [
        "diff --git a/overlays/dev/images.yaml b/overlays/dev/images.yaml",
        "--- a/overlays/dev/images.yaml",
        "+++ b/overlays/dev/images.yaml",
        "@@ -11 +11 @@ spec:",
        f"-          image: {SERVER}:{START}  # moved by bumps",
        f"+          image: {SERVER}:{NEW}  # moved by bumps",
        "@@ -22 +22 @@ spec:",
        f'-          image: "{FILESERVER}:{START}"',
        f'+          image: "{FILESERVER}:{NEW}"']
    assert (repo / "overlays/dev/images.yaml").read_text() == PATCH.replace(START, NEW)
    rendered = gitops("render", "dev", repo=repo).output
    assert f"image: {SERVER}:{NEW}\n" in rendered
    assert f"image: {FILESERVER}:{NEW}\n" in rendered
    assert_refused(lambda: gitops("bump", "--commit", NEW, repo=repo), 0,
                   f"already at {NEW}\n", repo)


def test_a_digest_is_written_in_the_patch_and_taken_out(gitops: Runner,
                                                        make_repo: MakeRepo) -> None:
    repo = _patched(make_repo())
    digest = "sha256:" + "ab" * 32
    pinned = gitops("bump", "--commit", NEW, "--image", "journal-fileserver", "--digest",
                    f"journal-fileserver={digest}", "--in-place", repo=repo)
    assert pinned.exit_code == 0, pinned.output
    assert _diff(repo)[-2:] == [f'-          image: "{FILESERVER}:{START}"',
                                f'+          image: "{FILESERVER}:{NEW}@{digest}"']
    back = gitops("bump", "--commit", START, "--image", "journal-fileserver", "--in-place",
                  "--allow-rollback", repo=repo)
    assert back.exit_code == 0, back.output
    assert (repo / "overlays/dev/images.yaml").read_text() == PATCH


def test_promote_history_status_and_rollback(gitops: Runner, make_repo: MakeRepo) -> None:
    repo = _patched(make_repo())
    bumped = gitops("bump", "--commit", NEW, "--in-place", repo=repo, env=at(2))
    assert bumped.exit_code == 0, bumped.output
    promoted = gitops("promote", "--from", "dev", "--to", "staging", "--in-place", repo=repo,
                      env=at(3))
    assert promoted.exit_code == 0, promoted.output
    assert promoted.output.splitlines()[:2] == [
        "staging  journal-server      805c8cf -> 1a2b3c4",
        "staging  journal-fileserver  805c8cf -> 1a2b3c4"]
    assert changed_files(repo) == ["overlays/staging/images.yaml"]
    assert (repo / "overlays/staging/images.yaml").read_text() == PATCH.replace(START, NEW)

    bump, promotion = git(repo, "rev-parse", "HEAD^", "HEAD").split()
    for env, commit, kind in (("dev", bump, "bump"), ("staging", promotion, "promotion")):
        rows = json.loads(gitops("history", env, "--output", "json", repo=repo).output)[
            "changes"]
        assert (rows[0]["commit"], rows[0]["kind"], rows[0]["images"], rows[0]["parts"],
                rows[0]["files"]) == (
            commit, kind, [{"image": "journal-server", "old": START, "new": NEW},
                           {"image": "journal-fileserver", "old": START, "new": NEW}],
            ["images"], [f"overlays/{env}/images.yaml"])
        # Moving the pins from images: to the patch moved no image.
        assert (rows[1]["subject"], rows[1]["images"], rows[1]["parts"]) == (
            "pin the images in a patch", [], ["overlay"])
    table = gitops("history", "staging", "--limit", "1", repo=repo).output.splitlines()
    assert table[1].endswith("promotion  journal-server 805c8cf -> 1a2b3c4, "
                             "journal-fileserver 805c8cf -> 1a2b3c4")

    status = json.loads(gitops("status", "--output", "json", repo=repo).output)["images"]
    assert [(r["env"], r["image"], r["tag"], r["byCommit"], r["pendingPromotion"])
            for r in status] == [
        ("dev", "journal-server", NEW, bump, None),
        ("dev", "journal-fileserver", NEW, bump, None),
        ("staging", "journal-server", NEW, promotion, None),
        ("staging", "journal-fileserver", NEW, promotion, None),
        ("prod", "journal-server", START, git(repo, "rev-list", "--max-parents=0", "HEAD"),
         NEW),
        ("prod", "journal-fileserver", START, git(repo, "rev-list", "--max-parents=0", "HEAD"),
         NEW)]
    envs = json.loads(gitops("env", "list", "--output", "json", repo=repo).output)
    assert [(e["name"], e["images"], e["differsFromPrevious"]) for e in envs["environments"]] == [
        (env, {"journal-server": {"tag": tag, "digest": None},
               "journal-fileserver": {"tag": tag, "digest": None}}, differs)
        for env, tag, differs in (("dev", NEW, None), ("staging", NEW, ["config"]),
                                  ("prod", START, ["images", "config"]))]

    rolled = gitops("rollback", "staging", "--in-place", repo=repo, env=at(4))
    assert rolled.exit_code == 0, rolled.output
    assert rolled.output.splitlines()[:2] == [
        "staging  journal-server      1a2b3c4 -> 805c8cf",
        "staging  journal-fileserver  1a2b3c4 -> 805c8cf"]
    assert changed_files(repo) == ["gitops.yaml", "overlays/staging/images.yaml"]
    assert (repo / "overlays/staging/images.yaml").read_text() == PATCH
    latest = json.loads(gitops("history", "staging", "--output", "json", repo=repo).output)[
        "changes"][0]
    assert (latest["kind"], latest["images"][0]) == (
        "rollback", {"image": "journal-server", "old": NEW, "new": START})


def test_an_env_runs_only_the_images_it_runs(gitops: Runner, make_repo: MakeRepo) -> None:
    repo = _with_worker(_patched(make_repo()))
    bumped = gitops("bump", "--commit", NEW, "--in-place", repo=repo)
    assert bumped.exit_code == 0, bumped.output
    assert bumped.output.splitlines()[:3] == [
        "dev  journal-server      805c8cf -> 1a2b3c4",
        "dev  journal-fileserver  805c8cf -> 1a2b3c4",
        "dev  journal-worker      805c8cf -> 1a2b3c4"]
    assert changed_files(repo) == ["overlays/dev/images.yaml", "overlays/dev/worker.yaml"]
    # The manifest's container and init container move together.
    assert (repo / "overlays/dev/worker.yaml").read_text() == WORKER_MANIFEST.replace(START, NEW)

    # staging does not run the worker: a promotion carries the others.
    promoted = gitops("promote", "--from", "dev", "--to", "staging", "--in-place", repo=repo)
    assert promoted.exit_code == 0, promoted.output
    assert promoted.output.splitlines()[:3] == [
        "staging  journal-server      805c8cf -> 1a2b3c4",
        "staging  journal-fileserver  805c8cf -> 1a2b3c4", ""]
    assert changed_files(repo) == ["overlays/staging/images.yaml"]

    status = gitops("status", repo=repo).output.splitlines()
    assert [line.split()[:4] for line in status[1:]] == [
        ["dev", "journal-server", "1a2b3c4", "1a2b3c4"],
        ["dev", "journal-fileserver", "1a2b3c4", "1a2b3c4"],
        ["dev", "journal-worker", "1a2b3c4", "1a2b3c4"],
        ["staging", "journal-server", "1a2b3c4", "1a2b3c4"],
        ["staging", "journal-fileserver", "1a2b3c4", "1a2b3c4"],
        ["staging", "journal-worker", "-", "-"],
        ["prod", "journal-server", "805c8cf", "805c8cf"],
        ["prod", "journal-fileserver", "805c8cf", "805c8cf"],
        ["prod", "journal-worker", "-", "-"]]
    listing = gitops("env", "list", repo=repo).output.splitlines()
    assert [[cell for cell in line.split() if cell.startswith(("journal-server=",
                                                               "journal-fileserver=",
                                                               "journal-worker="))]
            for line in listing[1:]] == [
        ["journal-server=1a2b3c4", "journal-fileserver=1a2b3c4", "journal-worker=1a2b3c4"],
        ["journal-server=1a2b3c4", "journal-fileserver=1a2b3c4", "journal-worker=-"],
        ["journal-server=805c8cf", "journal-fileserver=805c8cf", "journal-worker=-"]]
    envs = json.loads(gitops("env", "list", "--output", "json", repo=repo).output)
    # What a promotion would carry: staging lacks nothing it runs (the worker it does not).
    assert [(e["images"]["journal-worker"], e["differsFromPrevious"])
            for e in envs["environments"]] == [
        ({"tag": NEW, "digest": None}, None), ({"tag": None, "digest": None}, ["config"]),
        ({"tag": None, "digest": None}, ["images", "config"])]

    assert_refused(lambda: gitops("bump", "--commit", NEW, "--env", "staging", "--image",
                                  "journal-worker", "--skip-order", "hotfix", repo=repo), 1,
                   "Error: nothing to bump: staging runs none of journal-worker\n", repo)


def test_two_places_pinning_an_image_differently_are_refused(gitops: Runner,
                                                             make_repo: MakeRepo) -> None:
    repo = _patched(make_repo(), ("dev",))
    kustomization = repo / "overlays/dev/kustomization.yaml"
    kustomization.write_text(kustomization.read_text() + "  - path: canary.yaml\n")
    canary = PATCH.split("---\n")[0].replace(START, NEW).replace("  # moved by bumps", "")
    (repo / "overlays/dev/canary.yaml").write_text(canary)
    git(repo, "add", "-A")
    git(repo, "commit", "--quiet", "-m", "a second pin")
    message = (f"Error: journal-server is pinned in overlays/dev/images.yaml ({SERVER}:{START}) "
               f"and in overlays/dev/canary.yaml ({SERVER}:{NEW}): pin it in one place\n")
    assert_refused(lambda: gitops("bump", "--commit", NEW, repo=repo), 1, message, repo)
    assert_refused(lambda: gitops("status", repo=repo), 1, message, repo)
