"""Where an overlay pins an image (overlays.pins), and the edit of a pin in a patch or manifest:
only the tag and digest characters change, whatever the layout."""

from __future__ import annotations

import re

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from journal_gitops.errors import GitopsError
from journal_gitops.overlays.images import ImageTarget, Pin
from journal_gitops.overlays.pins import (
    ImagePin,
    Pins,
    check_file_images,
    find_pins,
    pin_sources,
    set_file_images,
)

WEB = "ghcr.io/acme/web"
API = "ghcr.io/acme/api"
WANTED = (("web", (WEB, "web")), ("api", (API, "api")))
DIGEST = "sha256:" + "ab" * 32
TAGS = st.one_of(st.text("0123456789abcdef", min_size=7, max_size=40),
                 st.sampled_from(["1.4.2", "v2.0.0-rc.1", "1e10", "true", "007", "sha-1234567"]))
STYLES = st.sampled_from(["plain", "single", "double"])
TAIL = re.compile(r":[^\s\"'},]+")  # a reference's tag and digest, after its repository


def _scalar(value: str, style: str) -> str:
    return {"plain": value, "single": f"'{value}'", "double": f'"{value}"'}[style]


@st.composite
def manifests(draw: st.DrawFn) -> str:
    """A patch or manifest of one or two documents, in odd layouts, whose containers and init
    containers run web and api (each at one ref) and an image nobody manages."""
    indent = draw(st.sampled_from([2, 4]))
    pad = " " * indent
    refs = {name: f"{repo}:{draw(TAGS)}" + (f"@{DIGEST}" if draw(st.booleans()) else "")
            for name, repo in (("web", WEB), ("api", API))}
    documents = []
    for name in draw(st.permutations(["web", "api"])):
        comment = draw(st.sampled_from(["", "  # pinned here", " #x"]))
        style = draw(STYLES)
        lines = [draw(st.sampled_from(["", "# a patch\n"])), "apiVersion: apps/v1\n",
                 "kind: Deployment\n", f"metadata:\n{pad}name: {name}\n", "spec:\n",
                 f"{pad}template:\n", f"{pad * 2}spec:\n"]
        if draw(st.booleans()):  # an init container of the same image
            lines.append(f"{pad * 3}initContainers:\n{pad * 3}- name: init\n"
                         f"{pad * 3}  image: {_scalar(refs[name], style)}\n")
        lines.append(f"{pad * 3}containers:\n")
        if draw(st.booleans()):
            lines.append(f"{pad * 3}- {{name: {name}, image: {_scalar(refs[name], style)}}}"
                         f"{comment}\n")
        else:
            lines.append(f"{pad * 3}- name: {name}\n{pad * 3}  image: "
                         f"{_scalar(refs[name], style)}{comment}\n")
        lines.append(f"{pad * 3}- name: sidecar\n{pad * 3}  image: docker.io/library/envoy:1.30\n")
        documents.append("".join(lines))
    text = "---\n".join(documents)
    return text.replace("\n", "\r\n") if draw(st.booleans()) else text


@settings(max_examples=150, deadline=None)
@given(manifests(), st.data())
def test_only_the_tag_and_digest_change(text: str, data: st.DataObject) -> None:
    moved = data.draw(st.lists(st.sampled_from(["web", "api"]), min_size=1, unique=True))
    tag = data.draw(TAGS)
    digest = data.draw(st.sampled_from([None, DIGEST, "sha256:" + "12" * 32]))
    targets = [ImageTarget(n, {"web": WEB, "api": API}[n], tag, digest) for n in moved]
    after = set_file_images(text, "patch.yaml", targets)
    assert after.count("\r\n") == text.count("\r\n")
    old_lines, new_lines = text.splitlines(), after.splitlines()
    assert len(old_lines) == len(new_lines)
    for old, new in zip(old_lines, new_lines, strict=True):
        if old != new:
            repo = next(r for n, r in (("web", WEB), ("api", API)) if n in moved and r in old)
            # Up to the repository, and after the reference (its closing quote, a comment, the
            # rest of a flow mapping), the line is as it was.
            start = old.index(repo) + len(repo)
            old_tail, new_tail = TAIL.match(old, start), TAIL.match(new, start)
            assert old_tail is not None and new_tail is not None
            assert new[:start] == old[:start]
            assert new[new_tail.end():] == old[old_tail.end():]
            assert new_tail.group() == f":{tag}" + (f"@{digest}" if digest else "")
    before_docs = list(yaml.safe_load_all(text))
    after_docs = list(yaml.safe_load_all(after))
    for old_doc, new_doc in zip(before_docs, after_docs, strict=True):
        spec, new_spec = old_doc["spec"]["template"]["spec"], new_doc["spec"]["template"]["spec"]
        for key in ("initContainers", "containers"):
            for old_c, new_c in zip(spec.get(key, []), new_spec.get(key, []), strict=True):
                name = next((n for n, r in (("web", WEB), ("api", API))
                             if old_c["image"].startswith(f"{r}:")), None)
                want = (f"{WEB if name == 'web' else API}:{tag}" + (f"@{digest}" if digest
                                                                  else "")
                        if name in moved else old_c["image"])
                assert new_c == {**old_c, "image": want}
        assert {k: v for k, v in new_doc.items() if k != "spec"} == {
            k: v for k, v in old_doc.items() if k != "spec"}


def test_a_plain_value_stays_plain_and_a_comment_stays_put() -> None:
    text = ("spec:\n  containers:\n    - name: web\n      image: ghcr.io/acme/web:1.4.2  # ok\n"
            "    - name: api\n      image: 'ghcr.io/acme/api:1.0'\n")
    after = set_file_images(text, "p.yaml", [ImageTarget("web", WEB, "1.4.3", DIGEST),
                                             ImageTarget("api", API, "1.1", None)])
    assert after == text.replace("web:1.4.2", f"web:1.4.3@{DIGEST}").replace("api:1.0",
                                                                             "api:1.1")
    assert set_file_images(after, "p.yaml", [ImageTarget("web", WEB, "1.4.2", None),
                                             ImageTarget("api", API, "1.0", None)]) == text


def test_a_pin_with_an_anchor_or_a_tag_keeps_them() -> None:
    """An image written once with an anchor and used again by alias moves everywhere at once;
    a `!!str` tag stays."""
    text = ("spec:\n  initContainers:\n    - name: migrate\n      image: &web ghcr.io/acme/web:1\n"
            "  containers:\n    - name: web\n      image: *web\n"
            "    - name: api\n      image: !!str ghcr.io/acme/api:1.0\n")
    after = set_file_images(text, "p.yaml", [ImageTarget("web", WEB, "2", None),
                                             ImageTarget("api", API, "1.1", None)])
    assert after == text.replace("web:1", "web:2").replace("api:1.0", "api:1.1")


def test_an_edit_that_changes_anything_else_is_refused() -> None:
    before = "spec:\n  containers:\n    - name: web\n      image: ghcr.io/acme/web:1\n"
    target = [ImageTarget("web", WEB, "2", None)]
    check_file_images(before, before.replace(":1", ":2"), "p.yaml", target)
    with pytest.raises(GitopsError, match=r"^p.yaml: the edit changed more than the images; "
                                          r"nothing was written$"):
        check_file_images(before, before.replace(":1", ":2").replace("- name: web",
                                                                     "- name: www"),
                          "p.yaml", target)
    with pytest.raises(GitopsError, match=r"^p.yaml: the edit of web did not read back as "
                                          r"intended; nothing was written$"):
        check_file_images(before, before.replace(":1", ":3"), "p.yaml", target)
    with pytest.raises(GitopsError, match=r"^p.yaml: no image: field of api to edit$"):
        set_file_images(before, "p.yaml", [ImageTarget("api", API, "2", None)])


KUSTOMIZATION = """\
resources:
  - ../../base
  - namespace.yaml
  - workers
  - https://example.com/remote.yaml
patches:
  - path: patches/web.yaml
  - path: ../shared/api.yaml
  - patch: |-
      - op: replace
        path: /spec/replicas
        value: 2
patchesStrategicMerge:
  - ./api.yaml
  - |-
    apiVersion: apps/v1
    kind: Deployment
"""


def test_pin_sources_are_files_of_the_overlay_folder() -> None:
    assert pin_sources(KUSTOMIZATION, "overlays/dev/kustomization.yaml") == (
        "overlays/dev/patches/web.yaml", "overlays/dev/api.yaml",
        "overlays/dev/namespace.yaml", "overlays/dev/workers")
    assert pin_sources("resources: [a.yaml, ../b.yaml]\n", "kustomization.yaml") == ("a.yaml",)
    assert pin_sources("resources: [\n", "k.yaml") == ()
    assert pin_sources(None, "k.yaml") == ()


def _file(name: str, image: str) -> str:
    return f"kind: Deployment\nspec:\n  containers:\n    - name: {name}\n      image: {image}\n"


def test_an_images_entry_comes_first_then_the_files() -> None:
    listed = "images:\n  - name: web\n    newTag: '3'\npatches:\n  - path: p.yaml\n"
    files = (("o/p.yaml", _file("web", f"{WEB}:1") + "---\n" + _file("api", "api:2")),)
    assert find_pins(listed, "o/kustomization.yaml", files, WANTED) == Pins((
        ImagePin("web", Pin("3", None), None, ("o/kustomization.yaml",), True),
        ImagePin("api", Pin("2", None), "api", ("o/p.yaml",), False)))


def test_one_pin_in_several_fields_and_files() -> None:
    same = (("o/a.yaml", _file("web", f"{WEB}:1") + _file("x", "other:1").replace(
        "kind: Deployment\n", "---\n")), ("o/b.yaml", _file("init", f"{WEB}:1")))
    assert find_pins("{}\n", "o/k.yaml", same, WANTED).get("web") == ImagePin(
        "web", Pin("1", None), WEB, ("o/a.yaml", "o/b.yaml"), False)
    other = (same[0], ("o/b.yaml", _file("init", f"{WEB}:2")))
    with pytest.raises(GitopsError, match=r"^web is pinned in o/a.yaml \(ghcr.io/acme/web:1\) "
                                          r"and in o/b.yaml \(ghcr.io/acme/web:2\): pin it in "
                                          r"one place$"):
        find_pins("{}\n", "o/k.yaml", other, WANTED)
    twice = (("o/a.yaml", _file("web", f"{WEB}:1") + "---\n" + _file("web", f"{WEB}:2")),)
    with pytest.raises(GitopsError, match=r"^web is pinned in o/a.yaml, as ghcr.io/acme/web:1 "
                                          r"and as ghcr.io/acme/web:2: pin it in one place$"):
        find_pins("{}\n", "o/k.yaml", twice, WANTED)
