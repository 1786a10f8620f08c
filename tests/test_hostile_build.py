"""The HTML edition under attack and under faults: no script gets in, no identifier
writes outside the output folder, and a failed or interrupted build (or a second one
at the same time) leaves the previous edition exactly as it was."""

from __future__ import annotations

import errno
import json
import subprocess
import sys
from pathlib import Path

import pytest
from lxml import html as lhtml

from hostile.harness import EDITION, HERE, assert_refused, ended_pid, run, snapshot, tei_folder
from teibuild.errors import TeiBuildError
from teibuild.lock import folder_lock
from teibuild.websafe import CONTENT_SECURITY_POLICY, check_relative_path, safe_url

URL_ATTRIBUTES = ("href", "src", "action", "formaction", "data", "poster", "cite", "background")


def build(tei: Path, out: Path):
    return run("build", "--tei", tei, "--out", out, "--edition", EDITION, "-q", "-j", "1")


@pytest.fixture(scope="module")
def hostile_site(tmp_path_factory) -> Path:
    tmp = tmp_path_factory.mktemp("hostile-site")
    tei = tei_folder(tmp, HERE / "html-injection.xml")
    outcome = build(tei, tmp / "editions")
    assert outcome.code == 0, outcome
    return tmp / "editions" / "html"


def _pages(site: Path) -> list[Path]:
    pages = sorted(site.rglob("*.html"))
    assert len(pages) > 10
    return pages


def test_no_unsafe_url_in_any_link(hostile_site):
    for page in _pages(hostile_site):
        doc = lhtml.fromstring(page.read_bytes())
        for el in doc.iter():
            for name in URL_ATTRIBUTES:
                value = el.get(name)
                if value is not None:
                    assert safe_url(value) == value, (page, el.tag, name, value)


def test_no_event_handler_attributes_and_no_inline_script(hostile_site):
    for page in _pages(hostile_site):
        doc = lhtml.fromstring(page.read_bytes())
        for el in doc.iter():
            if not isinstance(el.tag, str):
                continue
            assert not [a for a in el.attrib if a.lower().startswith("on")], (page, el.tag)
            if el.tag == "script":
                kind = el.get("type", "")
                if kind == "application/ld+json":
                    json.loads(el.text)   # data, not code, and intact
                    assert "</" not in el.text
                else:
                    assert el.get("src") and not (el.text or "").strip(), (page, "inline script")


def test_markup_in_tei_text_is_shown_as_text(hostile_site):
    page = hostile_site / "articles" / "hongkou-1845-a01.html"
    doc = lhtml.fromstring(page.read_bytes())
    assert "<script>alert(3)</script>" in doc.text_content()
    assert not doc.xpath("//img[@onerror]")
    assert not doc.xpath("//script[not(@type='application/ld+json')][contains(., 'alert')]")


def test_every_page_carries_the_content_security_policy(hostile_site):
    for page in _pages(hostile_site):
        doc = lhtml.fromstring(page.read_bytes())
        csp = doc.xpath("//head/meta[@http-equiv='Content-Security-Policy']/@content")
        assert csp == [CONTENT_SECURITY_POLICY], page


@pytest.mark.parametrize("url,kept", [
    ("https://example.org/a?b=1", True), ("http://x.cn/", True), ("mailto:a@b.cn", True),
    ("#hongkou-1845-a01", True), ("../issues/x.html", True),
    ("javascript:alert(1)", False), ("JaVaScRiPt:alert(1)", False), (" javascript:x", False),
    ("java\tscript:x", False), ("java\nscript:x", False), ("\x01javascript:x", False),
    ("\u200bjavascript:x", False), ("data:text/html,<script>", False), ("vbscript:x", False),
    ("file:///etc/passwd", False), ("//evil.example/", False), ("\\\\evil\\x", False),
])
def test_safe_url(url, kept):
    assert safe_url(url) == (url if kept else "")


def test_active_content_in_a_published_tei_file_is_refused(tmp_path):
    """The TEI files are published beside the HTML; XHTML or SVG script inside one
    would run when a reader opens it, so the build refuses it."""
    tei = tei_folder(tmp_path, HERE / "active-content.xml")
    out = tmp_path / "editions"
    outcome = build(tei, out)
    assert_refused(outcome, tei / "hongkou-1845.xml", 69, "<script>", "XHTML")
    assert not snapshot(out)


def test_xml_stylesheet_instruction_is_refused(tmp_path):
    data = (HERE.parent / "fixtures" / "mini-issue.xml").read_bytes().replace(
        b"?>\n", b'?>\n<?xml-stylesheet type="text/xsl" href="evil.xsl"?>\n', 1)
    tei = tei_folder(tmp_path, data)
    outcome = build(tei, tmp_path / "editions")
    assert_refused(outcome, tei / "hongkou-1845.xml", 2, "xml-stylesheet")


@pytest.mark.parametrize("rel", ["../x.html", "html/../../x", "/etc/x", "html//x", "html/./x",
                                 "html\\..\\x", "html/x/.."])
def test_paths_outside_the_output_folder_are_refused(rel):
    with pytest.raises(TeiBuildError):
        check_relative_path(rel)


def test_writer_refuses_a_path_outside_the_output_folder(tmp_path):
    from teibuild.render.writer import write_tree

    out = tmp_path / "editions"
    with pytest.raises(TeiBuildError):
        write_tree(out, {"html/index.html": b"ok", "html/../../escaped.html": b"x"})
    assert not (tmp_path / "escaped.html").exists()
    assert not (out / "html").exists()


# --- faults: the previous edition survives ------------------------------------------

@pytest.fixture()
def built(tmp_path):
    tei = tei_folder(tmp_path)
    out = tmp_path / "editions"
    assert build(tei, out).code == 0
    # the next build would change every page: a new paragraph text
    issue = tei / "hongkou-1845.xml"
    issue.write_bytes(issue.read_bytes().replace("晚，区疫情".encode(), "晚，新区疫情".encode()))
    return tei, out


def _failing_after(count: int, fault: BaseException):
    calls = {"n": 0}

    def maybe_fail():
        calls["n"] += 1
        if calls["n"] > count:
            raise fault
    return maybe_fail


FAULTS = {"disk-full": OSError(errno.ENOSPC, "No space left on device"),
          "ctrl-c": KeyboardInterrupt(), "exception": RuntimeError("bug halfway")}


@pytest.mark.parametrize("fault", sorted(FAULTS))
def test_fault_while_writing_leaves_previous_edition(built, monkeypatch, fault):
    tei, out = built
    before = snapshot(out)
    _fail_staged_writes(monkeypatch, fault)
    outcome = build(tei, out)
    assert outcome.code != 0 and len(outcome.error_lines) == 1, outcome
    assert "Traceback" not in outcome.stderr
    monkeypatch.undo()
    assert snapshot(out) == before


def _fail_staged_writes(monkeypatch, fault: str) -> None:
    """The edition's pages and texts fail to be written (as they are staged) after five."""
    from teibuild.render import writer

    check = _failing_after(5, FAULTS[fault])

    def opening(path, *args, **kwargs):   # (the writer's own `open`: each staged file's)
        if "staging-" in str(path):
            check()
        return open(path, *args, **kwargs)

    monkeypatch.setattr(writer, "open", opening, raising=False)


@pytest.mark.parametrize("fault", sorted(FAULTS))
def test_fault_while_rendering_leaves_previous_edition(built, monkeypatch, fault):
    import teibuild.render.build as render_build

    tei, out = built
    before = snapshot(out)
    check = _failing_after(3, FAULTS[fault])
    real = render_build.render_page

    def render_page(*args, **kwargs):
        check()
        return real(*args, **kwargs)

    monkeypatch.setattr(render_build, "render_page", render_page)
    outcome = build(tei, out)
    assert outcome.code != 0 and len(outcome.error_lines) == 1, outcome
    monkeypatch.undo()
    assert snapshot(out) == before


@pytest.mark.parametrize("fail_on", ["html", "txt"])
def test_fault_while_swapping_in_leaves_previous_edition(built, monkeypatch, fail_on):
    """New files move in one by one; a failure halfway puts every old one back."""
    tei, out = built
    before = snapshot(out)
    import os

    real = os.replace
    failed = []

    def replace(src, dst, *args, **kwargs):   # the 3rd new file moved into out/<fail_on> fails
        moving_in = "staging-" in str(src) and str(dst).startswith(str(out / fail_on))
        if moving_in and len(failed) < 3:
            failed.append(dst)
            if len(failed) == 3:
                raise OSError(errno.EIO, "Input/output error")
        return real(src, dst, *args, **kwargs)

    monkeypatch.setattr(os, "replace", replace)
    outcome = build(tei, out)
    assert failed and outcome.code != 0 and len(outcome.error_lines) == 1, outcome
    monkeypatch.undo()
    assert snapshot(out) == before


@pytest.mark.parametrize("fault", sorted(FAULTS))
def test_failed_first_build_leaves_nothing_behind(tmp_path, monkeypatch, fault):
    """Not even the build's own records: the output folder is not there at all."""
    tei, out = tei_folder(tmp_path), tmp_path / "editions"
    _fail_staged_writes(monkeypatch, fault)
    outcome = build(tei, out)
    assert outcome.code != 0 and len(outcome.error_lines) == 1, outcome
    assert not out.exists()


def test_failing_search_index_leaves_previous_pages_and_index(built, monkeypatch):
    """The index is made before anything moves, and moves in with the pages."""
    import teibuild.search

    tei, out = built
    before = snapshot(out)

    def shard_files(*args, **kwargs):
        raise TeiBuildError("Pagefind failed: out of memory", path=str(out))

    # (an edited issue is indexed in an overlay of its shard, a new shard whole)
    monkeypatch.setattr(teibuild.search, "shard_files", shard_files)
    monkeypatch.setattr(teibuild.search, "overlay_files", shard_files)
    outcome = build(tei, out)
    assert_refused(outcome, out, None, "Pagefind failed")
    monkeypatch.undo()
    assert snapshot(out) == before
    assert build(tei, out).code == 0
    assert "新区疫情" in (out / "html" / "issues" / "hongkou-1845.html").read_text(encoding="utf-8")
    after = snapshot(out)
    index = [path for path in after if "/html/pagefind/" in path and not path.endswith("/")]
    assert index and [after[path] for path in index] != [before.get(path) for path in index]


def test_what_a_killed_build_staged_is_removed_by_the_next(built):
    """A build killed outright cannot remove its staging folder; the next build removes
    it, and leaves alone one whose process still runs or whose name names none."""
    tei, out = built
    state = out / ".tei-build"
    running = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        left = {name: state / name for name in (
            f"staging-{ended_pid()}-abc", f"staging-{running.pid}-def", "staging-ghi")}
        for folder in left.values():
            (folder / "new" / "html").mkdir(parents=True)
            (folder / "new" / "html" / "index.html").write_text("half", encoding="utf-8")
        assert build(tei, out).code == 0
        assert [name for name, folder in left.items() if folder.exists()] == \
            [f"staging-{running.pid}-def", "staging-ghi"]
        assert sorted(p.name for p in state.glob("staging-*")) == \
            sorted([f"staging-{running.pid}-def", "staging-ghi"])
    finally:
        running.kill()
        running.wait()


@pytest.mark.parametrize("held,shared,command", [
    ("out", False, "build"),     # a second build of the same edition
    ("tei", False, "build"),     # a build while convert rewrites tei/
    ("tei", True, "convert"),    # a convert while a build reads tei/
])
def test_runs_at_the_same_time_are_refused(built, held, shared, command):
    from hostile.harness import SAMPLE

    tei, out = built
    folder = {"out": out, "tei": tei}[held]
    before = snapshot(tei, out)
    with folder_lock(folder, shared=shared):
        if command == "build":
            outcome = build(tei, out)
        else:
            outcome = run("convert", SAMPLE, "--out", tei, "--edition", EDITION, "-q")
    assert_refused(outcome, folder, None, "another tei-build")
    assert snapshot(tei, out) == before
    assert build(tei, out).code == 0   # and the lock went with its holder


def test_lock_leaves_no_folder_behind_when_the_run_fails(tmp_path):
    out = tmp_path / "new-editions"
    with pytest.raises(TeiBuildError):
        with folder_lock(out):
            raise TeiBuildError("failed")
    assert not out.exists()


def test_text_inside_an_empty_element_is_refused_not_dropped(tmp_path):
    """Found by fuzzing: `<lb>text</lb>` rendered as a bare line break, the text gone."""
    data = (HERE.parent / "fixtures" / "mini-issue.xml").read_bytes().replace(
        "区疫情<lb/>".encode(), "区疫情<lb>防控</lb>".encode(), 1)
    tei = tei_folder(tmp_path, data)
    outcome = build(tei, tmp_path / "editions")
    assert_refused(outcome, tei / "hongkou-1845.xml", 68, "<lb> must be empty", "防控")


@pytest.mark.parametrize("text,line,words", [
    ('[edition]\nslug = "hongkou"\ntitle = "虹口报\n', 3, ("TOML",)),
    ('[edition]\nslug = "hongkou"\ntitle = "x"\nlicence_url = "javascript:alert(1)"\n', None,
     ("licence_url", "http")),
    ('[edition]\nslug = "hongkou"\ntitle = "x"\nbase_url = "data:text/html,x"\n', None,
     ("base_url",)),
    ('[edition]\nslug = "hongkou"\ntitle = 5\n', None, ("title",)),
    # named after the file given, not edition.toml, before anything is rendered
    ('[edition]\nslug = "hongkou"\ntitle = "x"\nopencc = "bogus"\n', None, ("opencc", "s2tw")),
    # a control character could not be printed (and would pass for a link of the other script)
    ('[edition]\nslug = "hongkou"\ntitle = "x"\n[citation]\naccessed = "2022\\u0001"\n', None,
     ("citation.accessed", "U+0001")),
    # a misspelt key or table would otherwise be ignored: every page would say 未命名报纸
    ('[edition]\nslug = "hongkou"\ntitel = "x"\n', 3, ("titel", "did you mean 'title'")),
    ('[edition]\nslug = "hongkou"\ntitle = "x"\n\n[citaton]\naccessed = "2022-01-01"\n', 5,
     ("[citaton]", "did you mean 'citation'")),
    ('[edition]\nslug = "hongkou"\ntitle = "x"\n[citation]\naccesed = "2022-01-01"\n', 5,
     ("accesed", "did you mean 'accessed'")),
    ('title = "x"\n[edition]\nslug = "hongkou"\n', 1, ("title", "[edition]")),
    ('[editon]\nslug = "hongkou"\ntitle = "x"\n', 1, ("[editon]", "did you mean 'edition'")),
])
def test_malformed_edition_toml_refuses_build(built, text, line, words):
    tei, out = built
    before = snapshot(out)
    edition = tei.parent / "bad-edition.toml"
    edition.write_text(text, encoding="utf-8")
    outcome = run("build", "--tei", tei, "--out", out, "--edition", edition, "-q", "-j", "1")
    assert_refused(outcome, edition, line, *words)
    assert snapshot(out) == before


class _Planted:
    """A pickle that would create a file when loaded: code execution, if it ever runs."""

    def __init__(self, marker: Path):
        self.marker = marker

    def __reduce__(self):
        return (Path.touch, (self.marker,))


def test_planted_build_cache_cannot_run_code(tmp_path):
    """The incremental build's cache lives in the output folder, which may come from
    anyone (a pull request); loading it may build issue data and nothing else."""
    import pickle

    from teibuild.incremental import ISSUES, STATE
    from teibuild.incremental import build as incremental_build
    from teibuild.edition import load_edition

    tei = tei_folder(tmp_path)
    out = tmp_path / "editions"
    edition = load_edition(EDITION)
    incremental_build(tei, out, edition, jobs=1)
    marker = tmp_path / "code-ran"
    caches = sorted((out / STATE / ISSUES).rglob("*.pickle"))
    assert caches
    for cache in caches:
        cache.write_bytes(pickle.dumps(_Planted(marker)))
    issue = tei / "hongkou-1845.xml"   # a change, so that the cache is read
    issue.write_bytes(issue.read_bytes().replace("晚，区疫情".encode(), "晚，新区疫情".encode()))
    incremental_build(tei, out, edition, jobs=1)
    assert not marker.exists()
    assert "新区疫情" in (out / "html" / "issues" / "hongkou-1845.html").read_text(encoding="utf-8")


def test_build_into_its_own_tei_folder_is_not_refused_by_its_own_lock(tmp_path):
    tei = tei_folder(tmp_path)
    outcome = build(tei, tei)
    assert outcome.code == 0, outcome
    assert (tei / "html" / "index.html").is_file()


def test_header_moved_into_the_body_is_refused_not_dropped(tmp_path):
    """Found by fuzzing: a teiHeader inside <body> was skipped, its text gone from the edition."""
    text = (HERE.parent / "fixtures" / "mini-issue.xml").read_text(encoding="utf-8")
    start, end = text.index("  <teiHeader>"), text.index("</teiHeader>") + len("</teiHeader>\n")
    header = text[start:end]
    moved = text[:start] + text[end:]
    moved = moved.replace("<body>\n", "<body>\n" + header, 1)
    tei = tei_folder(tmp_path, moved.encode("utf-8"))
    outcome = build(tei, tmp_path / "editions")
    assert_refused(outcome, tei / "hongkou-1845.xml", None, "teiHeader")


def test_articles_without_identifier_are_refused_not_merged(tmp_path):
    """Two articles without xml:id both became articles/.html: one overwrote the other."""
    data = (HERE.parent / "fixtures" / "mini-issue.xml").read_bytes().replace(
        b'<div type="article" xml:id="hongkou-1845-a01">', b'<div type="article">', 1)
    tei = tei_folder(tmp_path, data)
    outcome = build(tei, tmp_path / "editions")
    assert_refused(outcome, tei / "hongkou-1845.xml", 61, "article without xml:id")
    assert not snapshot(tmp_path / "editions")


def test_text_inside_a_gap_is_refused_not_dropped(tmp_path):
    """Found by fuzzing: text typed inside <gap> was replaced by the gap's label."""
    data = (HERE.parent / "fixtures" / "mini-issue.xml").read_bytes().replace(
        b'quantity="1"/>', "quantity=\"1\">第4版原文</gap>".encode(), 1)
    tei = tei_folder(tmp_path, data)
    outcome = build(tei, tmp_path / "editions")
    assert_refused(outcome, tei / "hongkou-1845.xml", 87, "<gap>", "第4版原文")
