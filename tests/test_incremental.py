"""Incremental builds: only what changed is rendered, and the result is always exactly
what a fresh build makes (never a stale page, never a stray file): what a build finds
stale, its manifest and caches, and its move into place. The register entries' pages
are tested in test_incremental_entries, the search index in test_incremental_search,
random sequences of edits in test_incremental_sequences."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from dataclasses import asdict
from pathlib import Path
from unittest import mock

import pytest

from teibuild.edition import Edition
from teibuild.errors import TeiBuildError
from teibuild.incremental import MANIFEST, STATE
from tests.incremental_site import (EDITION, NUMBERS, build, build_with_search, built_site,
                                    contents, corpus, fresh, snapshot)


@pytest.fixture
def site(tmp_path):
    """Five issues built once (`incremental_site.built_site`): (their TEI, the edition)."""
    return built_site(tmp_path)


def test_first_build_is_the_whole_site_rendered_at_once(tmp_path):
    from teibuild.render import render_site
    from teibuild.search import search_files

    tei, out = corpus(tmp_path), tmp_path / "out"
    first = build_with_search(tei, out, EDITION, jobs=1)
    assert first.search_rendered and first.rendered_issues == len(NUMBERS)
    site = render_site(tei, EDITION, jobs=1).files
    site.update(search_files(site, EDITION.opencc)[0])
    assert contents(out) == site
    assert (out / STATE / ".gitignore").read_text() == "*\n"


def test_progress_counts_each_step_by_its_time_and_ends_at_its_total(tmp_path):
    """An issue rendered counts ISSUE_STEPS, a register page ENTRY_STEPS and each issue a
    shard of the search index indexes ISSUE_STEPS (indexing an issue takes about as long
    as rendering it), so that the bar's estimate of the time left holds throughout."""
    from teibuild.incremental import ENTRY_STEPS, ISSUE_STEPS

    tei, out = corpus(tmp_path), tmp_path / "out"
    calls = []
    build_with_search(tei, out, EDITION, jobs=1, progress=lambda *call: calls.append(call))
    rendering = [(done, total, what) for done, total, what in calls
                 if not what.startswith("read ")]
    counted = {what: done - before for (before, _, _), (done, _, what)
               in zip([(0, 0, "")] + rendering, rendering)}
    assert [counted[f"hongkou-{n}"] for n in NUMBERS] == [ISSUE_STEPS] * len(NUMBERS)
    entries = [what for what in counted if what.startswith(("persons/", "places/", "orgs/"))]
    assert len(entries) > 10 and {counted[what] for what in entries} == {ENTRY_STEPS}
    shards = [what for what in counted if what.startswith("search index ")]
    assert len(shards) == 1 and counted[shards[0]] == ISSUE_STEPS * len(NUMBERS)
    assert [d for d, _, _ in rendering] == sorted(d for d, _, _ in rendering)
    assert rendering[-1][2] == "search index" and rendering[-1][0] == rendering[-1][1]


def test_after_many_issues_the_whole_editions_pages_render_in_a_worker_as_they_would_here(
        site, tmp_path, monkeypatch):
    """The pages listing every issue and entry, and the search index's common files, are
    made in a worker after many issues (all that goes into them, made here, would stay in
    this process's memory to its end)."""
    import teibuild.incremental.plan as plan
    import teibuild.render.build as render_build
    import teibuild.search as search

    tei, _ = site
    monkeypatch.setattr(plan, "FORKSERVER_FROM", 1)   # five issues are many
    noted = tmp_path / "pids"

    def noting(real, what):
        def noted_call(*args, **kwargs):   # (a forked worker has it too)
            with noted.open("a", encoding="utf-8") as fh:
                fh.write(f"{what} {os.getpid()}\n")
            return real(*args, **kwargs)
        return noted_call

    monkeypatch.setattr(render_build, "_site_pages", noting(render_build._site_pages, "site"))
    monkeypatch.setattr(search, "common_files", noting(search.common_files, "common"))
    build_with_search(tei, tmp_path / "many", EDITION, jobs=2)
    calls = noted.read_text(encoding="utf-8").split("\n")[:-1]
    assert sorted(call.split()[0] for call in calls) == ["common", "site"]
    assert str(os.getpid()) not in {call.split()[1] for call in calls}
    noted.unlink()
    build_with_search(tei, tmp_path / "one", EDITION, jobs=1)
    assert set(noted.read_text(encoding="utf-8").split()[1::2]) == {str(os.getpid())}
    assert contents(tmp_path / "many") == contents(tmp_path / "one")


def test_after_many_issues_this_process_leaves_opencc_to_the_workers(site, tmp_path,
                                                                     monkeypatch):
    """OpenCC is loaded here before the issues render only for workers forked from here,
    which share it (a few issues); many issues' workers start from a forkserver and load
    their own, and its dictionaries (41 MB) would stay here to the end for nothing."""
    import sys

    import teibuild.incremental.plan as plan
    from teibuild.render import hant

    tei, _ = site
    callers = []
    real = hant.converter

    def converter(*args, **kwargs):
        callers.append(sys._getframe(1).f_code.co_name)
        return real(*args, **kwargs)

    monkeypatch.setattr(hant, "converter", converter)
    monkeypatch.setattr(plan, "FORKSERVER_FROM", 1)   # five issues are many
    build(tei, tmp_path / "many", EDITION, jobs=2)
    assert "_start_issues" not in callers
    monkeypatch.setattr(plan, "FORKSERVER_FROM", 16)
    build(tei, tmp_path / "few", EDITION, jobs=2)
    assert "_start_issues" in callers
    assert contents(tmp_path / "many") == contents(tmp_path / "few")


def test_no_op_rebuild_renders_and_writes_nothing(site):
    """(It is known to be one from the quick record, which holds the manifest's digest.)"""
    import hashlib

    from teibuild.incremental import QUICK

    tei, out = site
    quick = json.loads((out / STATE / QUICK).read_bytes())
    assert quick["manifest"] == hashlib.sha256((out / STATE / MANIFEST).read_bytes()).hexdigest()
    before = snapshot(out)
    again = build(tei, out, EDITION, jobs=2)
    assert (again.rendered_issues, again.site_rendered, again.written, again.removed) == \
        (0, False, 0, 0)
    assert again.issues == len(NUMBERS) and again.files == len(before)
    assert snapshot(out) == before


def test_the_same_folders_reached_by_another_path_are_the_same_edition(site, monkeypatch):
    """The command line is given relative folders, a script absolute ones: one build
    follows the other without rendering anything again, and pages made from the caches
    read the TEI where it is now."""
    tei, out = site
    before = snapshot(out)
    monkeypatch.chdir(tei.parent)
    again = build(Path("tei"), Path("out"), EDITION, jobs=1)
    assert (again.rendered_issues, again.rendered_entries, again.site_rendered,
            again.written) == (0, 0, False, 0)
    assert snapshot(out) == before
    moved = tei.parent / "moved"
    tei.parent.joinpath("tei").rename(moved)
    (moved / "hongkou-1849.xml").write_text((moved / "hongkou-1849.xml").read_text(
        encoding="utf-8").replace("防控工作领导小组会议召开", "防控工作领导小组全体会议召开"),
        encoding="utf-8")
    (out / "html/issues/hongkou-1848.html").unlink()
    edited = build(Path("moved"), Path("out"), EDITION, jobs=1)
    # 1848 is rendered again from its cache (a page of it was deleted), its TEI copied
    # from where it is now
    assert edited.rendered_issues == 2 and not edited.site_rendered
    assert "全体会议召开" in (out / "html/issues/hongkou-1849.html").read_text(encoding="utf-8")
    assert contents(out) == fresh(moved, tei.parent / "fresh")


def test_editing_one_issue_rerenders_it_and_its_neighbours_only(site, tmp_path):
    tei, out = site
    before = snapshot(out)
    edited = tei / "hongkou-1847.xml"
    edited.write_text(edited.read_text(encoding="utf-8").replace(
        "防控工作领导小组会议召开", "防控工作领导小组全体会议召开"), encoding="utf-8")
    again = build(tei, out, EDITION, jobs=2)
    # its neighbours link to it, but show only its heading data: unchanged; so are the
    # lists of issues and entries, and all but the one entry whose mention changed
    assert (again.rendered_issues, again.rendered_entries, again.site_rendered) == (1, 1, False)
    after = snapshot(out)
    page = after["html/issues/hongkou-1847.html"][0].decode()
    assert "全体会议召开" in page
    assert "全体会议召开" in after["txt/zh-Hans/hongkou-1847.txt"][0].decode()
    assert "全體會議召開" in after["txt/zh-Hant/hongkou-1847.txt"][0].decode()
    untouched = [rel for rel in before if "hongkou-1847" not in rel]
    rewritten = [rel for rel in untouched if after[rel] != before[rel]]
    assert rewritten == ["html/registers/persons/lu-xuejiao.html",
                         "html/zh-Hant/registers/persons/lu-xuejiao.html"]
    assert "全体" in after[rewritten[0]][0].decode()  # in the context of its mention
    assert {rel: data for rel, (data, _) in after.items()} == fresh(tei, tmp_path / "fresh")


def test_a_changed_heading_rerenders_the_neighbours_and_the_lists(site, tmp_path):
    tei, out = site
    edited = tei / "hongkou-1847.xml"
    edited.write_text(edited.read_text(encoding="utf-8").replace(
        'n="1847"', 'n="1847A"'), encoding="utf-8")
    again = build(tei, out, EDITION, jobs=1)
    assert again.rendered_issues == 3 and again.site_rendered  # 1846, 1847, 1848
    page = (out / "html" / "issues" / "hongkou-1848.html").read_text(encoding="utf-8")
    assert "上一期：第1847A期" in page
    assert contents(out) == fresh(tei, tmp_path / "fresh")


def test_a_new_heading_in_the_latest_issue_renders_the_home_page(site, tmp_path):
    """The home page cites the latest issue's first article as its example."""
    tei, out = site
    edited = tei / f"hongkou-{NUMBERS[-1]}.xml"
    text = edited.read_text(encoding="utf-8")
    old = "确保不漏一户、不落一人"
    assert old in (out / "html" / "index.html").read_text(encoding="utf-8")
    edited.write_text(text.replace(old, "确保不漏一户"), encoding="utf-8")
    again = build(tei, out, EDITION, jobs=1)
    assert again.site_rendered
    home = (out / "html" / "index.html").read_text(encoding="utf-8")
    assert "<dd>确保不漏一户</dd>" in home and old not in home
    assert contents(out) == fresh(tei, tmp_path / "fresh")


def test_titles_romanised_before_are_not_segmented_again(site, tmp_path, monkeypatch):
    """The segmenter's dictionary (for romanised Chicago titles) takes longer to load than a
    one-issue rebuild: an edit that leaves the titles alone does not load it. A cache that
    is torn or of another build is not used."""
    import json

    from teibuild.cite import romanize
    from teibuild.incremental import ROMANIZED

    tei, out = site
    cache = out / STATE / ROMANIZED
    kept = json.loads(cache.read_text(encoding="utf-8"))["texts"]
    assert kept and all(isinstance(words, list) for words in kept.values())
    edited = tei / "hongkou-1847.xml"
    edited.write_text(edited.read_text(encoding="utf-8").replace("出席会议", "出席了会议"),
                      encoding="utf-8")
    monkeypatch.setattr(romanize, "_known", {})   # as in a new process
    romanize._segmenter.cache_clear()
    assert build(tei, out, EDITION, jobs=1).rendered_issues == 1
    assert romanize._segmenter.cache_info().currsize == 0
    assert json.loads(cache.read_text(encoding="utf-8"))["texts"] == kept
    assert contents(out) == fresh(tei, tmp_path / "fresh")
    for torn in ('{"stamp": "another", "texts": {}}', "{not json", '{"texts": 1}'):
        cache.write_text(torn.replace("{}", json.dumps({text: ["Wrong"] for text in kept})),
                         encoding="utf-8")
        monkeypatch.setattr(romanize, "_known", {})
        edited.write_text(edited.read_text(encoding="utf-8").replace("出席了", "出席了又", 1),
                          encoding="utf-8")
        assert build(tei, out, EDITION, jobs=1).rendered_issues == 1
        assert contents(out) == fresh(tei, tmp_path / f"fresh-{len(torn)}")


def test_removed_issue_stray_and_deleted_pages_are_put_right(site, tmp_path):
    tei, out = site
    (tei / "hongkou-1849.xml").unlink()
    (out / "html" / "stale.html").write_text("old", encoding="utf-8")
    (out / "txt" / "zh-Hans" / "hongkou-1845.txt").unlink()
    (out / "html" / "issues" / "hongkou-1846.html").write_text("edited by hand", encoding="utf-8")
    again = build(tei, out, EDITION, jobs=1)
    assert again.issues == len(NUMBERS) - 1 and again.removed > 1
    assert not list(out.rglob("*hongkou-1849*"))
    assert contents(out) == fresh(tei, tmp_path / "fresh")


def test_an_issue_whose_cache_is_torn_inside_is_read_from_its_tei_to_render(site, tmp_path):
    """A worker is given the bytes an issue's cache holds, to load; if they do not load, it
    reads the issue's TEI instead."""
    import pickle

    from teibuild.incremental import ISSUES
    from teibuild.incremental.caches import _IssueData

    tei, out = site
    cache = out / STATE / ISSUES / "hongkou-1846.xml.pickle"
    with cache.open("rb") as fh:
        fingerprint, digest, data = _IssueData(fh).load()
    assert isinstance(data, bytes)
    cache.write_bytes(pickle.dumps((fingerprint, digest, data[:len(data) // 2])))
    (out / "html" / "issues" / "hongkou-1846.html").unlink()
    again = build(tei, out, EDITION, jobs=1)
    assert again.rendered_issues == 1
    assert contents(out) == fresh(tei, tmp_path / "fresh")


def test_caches_of_issues_removed_by_hand_are_made_again(site, tmp_path):
    tei, out = site
    shutil.rmtree(out / STATE / "issues")
    (out / "html" / "about.html").unlink()   # (a build that reads no issue)
    again = build(tei, out, EDITION, jobs=1)
    assert again.rendered_issues == 0 and again.site_rendered
    assert contents(out) == fresh(tei, tmp_path / "fresh")
    edited = tei / "hongkou-1846.xml"
    edited.write_text(edited.read_text(encoding="utf-8").replace("出席会议", "出席了会议"),
                      encoding="utf-8")
    assert build(tei, out, EDITION, jobs=1).rendered_issues >= 1
    assert contents(out) == fresh(tei, tmp_path / "fresh2")


def test_changed_edition_rebuilds_everything(site, tmp_path):
    tei, out = site
    renamed = Edition(**{**EDITION.__dict__, "title": "虹口周报"})
    again = build(tei, out, renamed, jobs=1)
    assert again.rendered_issues == len(NUMBERS) and again.site_rendered
    assert contents(out) == fresh(tei, tmp_path / "fresh", renamed)


def copy_of_teibuild(folder: Path) -> Path:
    """tei-build's code, templates, XSLT and schemas, copied into `folder` as an installed
    package lays them out: a copy to edit, as a scholar may edit their own."""
    import teibuild
    from teibuild.resources import resource_dir

    package = folder / "teibuild"
    shutil.copytree(Path(teibuild.__file__).parent, package,
                    ignore=shutil.ignore_patterns("__pycache__"))
    for name in ("xslt", "schemas"):
        if not (package / name).is_dir():
            shutil.copytree(resource_dir(name), package / name)
    return folder


def build_by(code: Path, tei: Path, out: Path) -> None:
    """A build (no search index) by the copy of tei-build in `code`, in a process of its own."""
    script = ("import sys; from pathlib import Path; import teibuild; "
              "from teibuild.edition import Edition; from teibuild.incremental import build; "
              "assert Path(teibuild.__file__).is_relative_to(sys.argv[1]), teibuild.__file__; "
              "build(Path(sys.argv[2]), Path(sys.argv[3]), Edition(**eval(sys.argv[4])), "
              "jobs=1, search=False)")
    subprocess.run([sys.executable, "-c", script, str(code), str(tei), str(out),
                    repr(asdict(EDITION))], check=True,
                   env={**os.environ, "PYTHONPATH": str(code)})


def test_an_edited_template_or_stylesheet_renders_everything_again(tmp_path):
    """Every page depends on the templates and the XSLT (`_fingerprint`): after an edit to
    the page template, then one to the text stylesheet, every page and text shows it,
    and the edition is the one a fresh build with them makes."""
    code, tei = copy_of_teibuild(tmp_path / "code"), corpus(tmp_path)
    out, again = tmp_path / "out", tmp_path / "again"
    build_by(code, tei, out)
    before = contents(out)
    pages = [rel for rel, data in before.items() if b'<footer class="site-footer">' in data]
    mastheads = [rel for rel, data in before.items()
                 if "[报头]".encode() in data or "[報頭]".encode() in data]
    assert len(pages) > 50 and len(mastheads) >= 2 * len(NUMBERS)

    def edit(path: Path, old: str, new: str) -> None:
        path.write_text(path.read_text(encoding="utf-8").replace(old, new), encoding="utf-8")

    edit(code / "teibuild" / "templates" / "base.html",
         '<footer class="site-footer">', '<footer class="site-footer" data-edited="yes">')
    build_by(code, tei, out)
    assert all(b'data-edited="yes"' in data for data in map(contents(out).get, pages))
    edit(code / "teibuild" / "xslt" / "tei2txt.xsl",
         "<xsl:text>[报头]</xsl:text>", "<xsl:text>[报头·改]</xsl:text>")
    build_by(code, tei, out)
    after = contents(out)
    assert all("[报头·改]".encode() in after[rel] or "[報頭·改]".encode() in after[rel]
               for rel in mastheads)
    build_by(code, tei, again)
    assert contents(again) == after


def test_register_change_rerenders_site_pages_not_issues(site, tmp_path):
    tei, out = site
    persons = tei / "persons.xml"
    data = persons.read_text(encoding="utf-8")
    assert 'xml:id="du-songquan"' in data
    edited = data.replace('<occupation resp="#tei-build">区委副书记</occupation>',
                          "<occupation>区委副书记（编者补充）</occupation>", 1)
    assert edited != data
    persons.write_text(edited, encoding="utf-8")
    again = build(tei, out, EDITION, jobs=1)
    assert again.rendered_issues == 0 and again.site_rendered
    assert contents(out) == fresh(tei, tmp_path / "fresh")


def test_bad_issue_leaves_the_edition_and_its_manifest_alone(site):
    tei, out = site
    before = snapshot(out)
    state = {p: (p.read_bytes(), p.stat().st_mtime_ns) for p in (out / STATE).iterdir()
             if p.is_file()}   # (the manifest, the quick record, the caches, .gitignore)
    (tei / "hongkou-1850.xml").write_text("<TEI>\n<broken>", encoding="utf-8")
    with pytest.raises(TeiBuildError) as err:
        build(tei, out, EDITION, jobs=2)
    assert "hongkou-1850.xml" in str(err.value) and err.value.line
    assert snapshot(out) == before
    assert {p: (p.read_bytes(), p.stat().st_mtime_ns) for p in state} == state
    assert [p.name for p in (out / STATE).iterdir() if p.name.startswith("staging")] == []
    (tei / "hongkou-1850.xml").unlink()
    assert build(tei, out, EDITION, jobs=1).rendered_issues == 0


def test_unreadable_manifest_means_a_full_build(site, tmp_path):
    tei, out = site
    (out / STATE / MANIFEST).write_text("{not json", encoding="utf-8")
    again = build(tei, out, EDITION, jobs=1)
    assert again.rendered_issues == len(NUMBERS)
    assert contents(out) == fresh(tei, tmp_path / "fresh")


def test_the_manifest_is_loaded_as_it_is_read_and_checked_against_its_digest(tmp_path):
    """The manifest of 10,000 issues is 135 MB: it is unpickled from the file, a frame at
    a time, not read whole first; its digest (the quick record's) is taken on the way, and
    a byte more or less after the pickle, or a torn one, is not the manifest expected."""
    import hashlib
    import io

    from teibuild.incremental import keys
    from teibuild.incremental.manifest import _dump_plainly, _Hashed, _load_record

    record = {"format": keys._FORMAT, "fingerprint": "f",
              "issues": {f"hongkou-{n}.xml": {"outputs": f"html/issues/hongkou-{n}.html\x1f1"}
                         for n in range(20000)}}
    path = tmp_path / "manifest.pickle"
    with path.open("wb") as fh:
        _dump_plainly(record, fh)
    data = path.read_bytes()
    digest = hashlib.sha256(data).hexdigest()
    sizes = []   # (of what each read gave)
    real_read, real_into = _Hashed.read, _Hashed.readinto

    def read(self, size=-1):
        sizes.append(len(got := real_read(self, size)))
        return got

    def readinto(self, buffer):
        sizes.append(got := real_into(self, buffer))
        return got

    with mock.patch.object(_Hashed, "read", read), \
            mock.patch.object(_Hashed, "readinto", readinto):
        loaded = _load_record(path, "f", digest, pickled=True)
    assert len(data) > 1_000_000 and sum(sizes) == len(data) and max(sizes) < 200_000
    assert loaded.pop("verified") and loaded.pop("digest") == digest
    loaded.pop("written_ns")
    assert loaded == record
    assert not _load_record(path, "f", hashlib.sha256(b"other").hexdigest(),
                            pickled=True)["verified"]
    assert _load_record(path, "other fingerprint", digest, pickled=True) == {}
    path.write_bytes(data + b"\0")
    assert not _load_record(path, "f", digest, pickled=True)["verified"]
    path.write_bytes(data[:len(data) // 2])
    assert _load_record(path, "f", digest, pickled=True) == {}
    assert _load_record(tmp_path / "none", "f", digest, pickled=True) == {}
    hashed = _Hashed(io.BytesIO(b"ab\ncd"), hashlib.sha256())
    assert hashed.readline() == b"ab\n" and hashed.read() == b"cd"
    assert hashed.digest.hexdigest() == hashlib.sha256(b"ab\ncd").hexdigest()


def test_an_issues_outputs_are_kept_compressed_and_read_back_as_stamped(site):
    """An issue's ~100 outputs packed (3.9 KB an issue, 39 MB of the manifest of 10,000)
    are kept compressed; a register page's two are not worth it."""
    import zlib

    from teibuild.incremental.caches import _unpickled
    from teibuild.incremental.manifest import _output, _outputs

    tei, out = site
    record = _unpickled((out / STATE / MANIFEST).read_bytes())
    issue = record["issues"]["hongkou-1845.xml"]
    assert isinstance(issue["outputs"], bytes)
    assert len(issue["outputs"]) * 3 < len(zlib.decompress(issue["outputs"]))
    files = _outputs(issue)
    assert len(files) > 20 and "html/issues/hongkou-1845.html" in files
    for rel, (size, mtime, *_) in files.items():
        st = (out / rel).stat()
        assert (st.st_size, st.st_mtime_ns) == (size, mtime)
        assert _output(issue, rel) == files[rel]
    assert _output(issue, "html/issues/nothing.html") is None
    entry = next(iter(record["entries"].values()))
    assert isinstance(entry["outputs"], str) and len(_outputs(entry)) == 2


def test_a_manifest_whose_stamp_holds_is_not_read_to_be_known(site, tmp_path):
    """The quick record keeps the manifest's stamp (size, times, inode) with its digest: a
    build knows the manifest as its own by the stamp, as it knows its inputs, and reads
    its bytes to know it only when the stamp does not hold (a copy of the edition, say)."""
    from teibuild.incremental import manifest

    tei, out = site
    path = out / STATE / MANIFEST
    hashed, read = [], []
    real_sha, real_read = manifest.sha256, manifest._Hashed.read

    def reading(self, size=-1):
        read.append(size)
        return real_read(self, size)

    with mock.patch.object(manifest, "sha256", lambda data: hashed.append(data) or
                           real_sha(data)), mock.patch.object(manifest._Hashed, "read", reading):
        assert build(tei, out, EDITION, jobs=1).rendered_issues == 0
        assert hashed == []                                     # (nothing to do)
        edited = tei / "hongkou-1847.xml"
        edited.write_text(edited.read_text(encoding="utf-8").replace("出席会议", "出席了会议"),
                          encoding="utf-8")
        first = build(tei, out, EDITION, jobs=1)
        assert first.rendered_issues == 1 and read == []        # (loaded, not hashed)
        data = path.read_bytes()
        path.write_bytes(data)   # the same bytes, another stamp: read to be known
        assert build(tei, out, EDITION, jobs=1).rendered_issues == 0
        assert hashed == [data]
        path.write_bytes(data)
        edited.write_text(edited.read_text(encoding="utf-8").replace("出席了会议", "出席会议"),
                          encoding="utf-8")
        report = build(tei, out, EDITION, jobs=1)
        assert read   # (hashed as it was loaded, and known: no more rendered than before)
        assert (report.rendered_issues, report.rendered_entries) == (1, first.rendered_entries)
    assert contents(out) == fresh(tei, tmp_path / "fresh")


def test_a_manifest_that_would_run_code_is_not_run_and_means_a_full_build(site, tmp_path):
    """The manifest is a pickle (faster to read than JSON); one planted in the output folder
    cannot name a function to call: it is unreadable, as a torn one is."""
    import os
    import pickle

    class Planted:
        def __reduce__(self):
            return os.system, (f"touch {tmp_path / 'ran'}",)

    tei, out = site
    (out / STATE / MANIFEST).write_bytes(pickle.dumps({"format": 6, "planted": Planted()}))
    again = build(tei, out, EDITION, jobs=1)
    assert not (tmp_path / "ran").exists()
    assert again.rendered_issues == len(NUMBERS)
    assert contents(out) == fresh(tei, tmp_path / "fresh")


def test_a_manifest_an_earlier_version_wrote_is_read_once_and_nothing_rendered_again(site):
    """An edition built before the manifest was pickled (it was JSON, its digest in the
    quick record) is brought up to date as any other, not rendered again."""
    import hashlib
    import zlib

    import orjson

    from teibuild.incremental import FORMER_MANIFEST, QUICK
    from teibuild.incremental.caches import _unpickled

    tei, out = site
    before = snapshot(out)
    manifest = _unpickled((out / STATE / MANIFEST).read_bytes())
    for record in [*manifest["issues"].values(), manifest["site"]]:   # (not compressed then)
        if isinstance(record["outputs"], bytes):
            record["outputs"] = zlib.decompress(record["outputs"]).decode("utf-8")
    data = orjson.dumps(manifest, option=orjson.OPT_SORT_KEYS)
    (out / STATE / FORMER_MANIFEST).write_bytes(data)
    (out / STATE / MANIFEST).unlink()
    quick = orjson.loads((out / STATE / QUICK).read_bytes())
    quick["manifest"] = hashlib.sha256(data).hexdigest()
    (out / STATE / QUICK).write_bytes(orjson.dumps(quick))
    again = build(tei, out, EDITION, jobs=1)
    assert again.rendered_issues == 0 and again.rendered_entries == 0 and again.written == 0
    assert snapshot(out) == before
    assert (out / STATE / MANIFEST).is_file() and not (out / STATE / FORMER_MANIFEST).exists()
    assert build(tei, out, EDITION, jobs=1).rendered_issues == 0


def test_what_earlier_versions_kept_is_removed(site):
    """(the manifest was JSON, and the table of who mentions what a pickle)"""
    from teibuild.incremental import FORMER

    tei, out = site
    for name in FORMER:
        (out / STATE / name).write_bytes(b"{}")
    edited = tei / "hongkou-1847.xml"
    edited.write_text(edited.read_text(encoding="utf-8").replace("出席会议", "出席了会议"),
                      encoding="utf-8")
    assert build(tei, out, EDITION, jobs=1).rendered_issues == 1
    assert not [name for name in FORMER if (out / STATE / name).exists()]


def test_a_failure_while_moving_in_puts_the_records_back(site, monkeypatch):
    """The manifest and the quick record are set aside while the new files move in, and
    put back if that fails: the next build knows the edition as it is."""
    from teibuild.render import writer

    tei, out = site
    before = {name: (out / STATE / name).read_bytes() for name in (MANIFEST, "quick.json")}
    pages = snapshot(out)
    issue = tei / "hongkou-1846.xml"
    original = issue.read_text(encoding="utf-8")
    issue.write_text(original.replace("出席会议", "出席了会议"), encoding="utf-8")

    def fail(*_args, **_kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(writer, "move_into_place", fail)
    with pytest.raises(OSError):
        build(tei, out, EDITION, jobs=1)
    assert {name: (out / STATE / name).read_bytes() for name in before} == before
    assert snapshot(out) == pages
    monkeypatch.undo()
    issue.write_text(original, encoding="utf-8")
    again = build(tei, out, EDITION, jobs=1)
    assert again.rendered_issues == 0 and snapshot(out) == pages


def test_an_edit_while_pages_were_changed_by_hand_is_put_right(site, tmp_path):
    """A changed issue starts the build before the disk has been read (it is read
    meanwhile); when the disk turns out not to be as the last build left it, the build
    is planned again from what is there."""
    tei, out = site
    edited = tei / "hongkou-1847.xml"
    edited.write_text(edited.read_text(encoding="utf-8").replace(
        "防控工作领导小组会议召开", "防控工作领导小组全体会议召开"), encoding="utf-8")
    (out / "txt" / "zh-Hans" / "hongkou-1845.txt").unlink()
    (out / "html" / "issues" / "hongkou-1849.html").write_text("edited by hand",
                                                               encoding="utf-8")
    (out / "html" / "stale.html").write_text("old", encoding="utf-8")
    again = build(tei, out, EDITION, jobs=1)
    assert again.rendered_issues == 3   # 1847 edited, 1845 and 1849 damaged
    assert contents(out) == fresh(tei, tmp_path / "fresh")
    assert build(tei, out, EDITION, jobs=1).written == 0


def test_the_heads_cache_is_kept_unless_a_heading_changed_and_read_head_by_head(
        site, tmp_path, monkeypatch):
    """An edit of a paragraph changes no issue's heading: the heads cache is not written
    again; the headings an edit needs are unpickled alone, and a torn one is read again
    from its issue."""
    import teibuild.incremental as incremental
    from teibuild.incremental import caches, keys, plan_reads, workers

    tei, out = site
    heads = out / incremental.STATE / incremental.HEADS
    before = heads.stat().st_mtime_ns, heads.read_bytes()
    unpickled = []
    real = caches._unpickled
    for module in (caches, plan_reads, workers):
        monkeypatch.setattr(module, "_unpickled",
                            lambda data: unpickled.append(data) or real(data))
    edited = tei / "hongkou-1847.xml"
    edited.write_text(edited.read_text(encoding="utf-8").replace("出席会议", "出席了会议"),
                      encoding="utf-8")
    build(tei, out, EDITION, jobs=1)
    by_the_edit = list(unpickled)   # (not those of the fresh build it is compared with)
    assert (heads.stat().st_mtime_ns, heads.read_bytes()) == before
    assert contents(out) == fresh(tei, tmp_path / "fresh")
    cached = caches._load_pickle(heads, (keys._fingerprint(EDITION),))
    assert sorted(cached) == [f"hongkou-{n}.xml" for n in NUMBERS]
    those = [d for d in by_the_edit if d in [pickled for _, pickled, _ in cached.values()]]
    assert those and len(those) == len(set(those))   # each at most once
    # a torn heading in the cache (its checksum no longer holds), or one that is not the
    # issue's: that issue's is read from its own cache instead
    cached["hongkou-1848.xml"][1] = b"torn"
    cached["hongkou-1846.xml"][0] = "a digest of other heading data"
    caches._dump_pickle(heads, (keys._fingerprint(EDITION),), cached)
    edited.write_text(edited.read_text(encoding="utf-8").replace("出席了会议", "出席会议"),
                      encoding="utf-8")
    build(tei, out, EDITION, jobs=1)
    assert contents(out) == fresh(tei, tmp_path / "fresh1")
    put_right = caches._load_pickle(heads, (keys._fingerprint(EDITION),))
    assert put_right["hongkou-1848.xml"][1] != b"torn"   # (and the cache put right)
    assert put_right["hongkou-1846.xml"][0] != "a digest of other heading data"
    before = heads.stat().st_mtime_ns, heads.read_bytes()
    # a heading changed: the cache is written again, and holds the new heading
    text = edited.read_text(encoding="utf-8")
    title = re.search(r'<head type="main">([^<]+)</head>', text)
    edited.write_text(text.replace(title.group(0), title.group(0).replace(
        title.group(1), title.group(1) + "（更正）"), 1), encoding="utf-8")
    build(tei, out, EDITION, jobs=1)
    assert heads.read_bytes() != before[1]
    assert "（更正）" in real(caches._load_pickle(
        heads, (keys._fingerprint(EDITION),))["hongkou-1847.xml"][1]).articles[0].title
    assert contents(out) == fresh(tei, tmp_path / "fresh2")


def test_heading_data_given_pickled_is_loaded_when_first_asked_for(monkeypatch):
    from teibuild.incremental import caches, workers

    loaded = []
    real = caches._unpickled
    monkeypatch.setattr(workers, "_unpickled", lambda data: loaded.append(data) or real(data))
    heads = workers._Heads({"a": caches._pickled({"title": "甲"}), "b": ["as it is"],
                            "c": b"torn"})
    assert sorted(heads) == ["a", "b", "c"] and len(heads) == 3 and not loaded
    assert heads["b"] == ["as it is"] and not loaded
    assert heads["a"] == {"title": "甲"} and heads["a"] == {"title": "甲"} and len(loaded) == 1
    with pytest.raises(TeiBuildError, match=r"issue c in the cache .*heads\.pickle cannot be read"):
        heads["c"]


def test_a_worker_names_the_heads_cache_of_its_edition(tmp_path):
    import teibuild.incremental as incremental
    from teibuild.incremental import workers

    new = tmp_path / "editions" / incremental.STATE / "staging-1-x" / "new"
    workers._start_worker(new, EDITION, {"hongkou-9": b"torn"})
    with pytest.raises(TeiBuildError) as err:
        workers._worker.issues["hongkou-9"]
    assert str(tmp_path / "editions" / incremental.STATE / incremental.HEADS) in err.value.message


def test_the_outputs_rendered_are_stamped_into_the_rows_the_manifest_keeps(tmp_path):
    """A record rendered this time holds its outputs' paths in one string (`_Made`);
    once in place they are stamped straight into the manifest's packed rows, and the
    files moved in are read back from those rows (`_MovedIn`), the site's dict with them."""
    from teibuild.incremental.commit import _MovedIn, _stamped
    from teibuild.incremental.manifest import _Made, _pack

    for rel, text in {"html/a.html": "aa", "txt/x/a.txt": "a", "html/index.html": "i"}.items():
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text(text, encoding="utf-8")
    made = _Made(["html/a.html", "txt/x/a.txt"])
    assert list(made) == ["html/a.html", "txt/x/a.txt"] and list(_Made([])) == []
    many = [f"html/articles/hongkou-1845-a{n:02d}.html" for n in range(100)]
    assert list(_Made(many)) == many   # (compressed: an issue's paths)
    assert len(_Made(many)._paths) < len("\n".join(many)) / 5
    packed = _stamped(tmp_path, made)
    stamps = {rel: [os.stat(tmp_path / rel).st_size, os.stat(tmp_path / rel).st_mtime_ns]
              for rel in ("html/a.html", "txt/x/a.txt", "html/index.html")}
    assert packed == _pack({rel: stamps[rel] for rel in made})
    site = {"outputs": {"html/index.html": [*stamps["html/index.html"], "sha"]}}
    moved = _MovedIn([{"outputs": packed}, site])
    assert dict(moved.items()) == {rel: tuple(stamp) for rel, stamp in stamps.items()}
    assert list(moved) == ["html/a.html", "txt/x/a.txt", "html/index.html"] and len(moved) == 3
    assert moved["txt/x/a.txt"] == tuple(stamps["txt/x/a.txt"]) and "html/b.html" not in moved


def test_a_count_changed_renders_the_page_of_its_initial_alone(tmp_path, monkeypatch):
    """A register listed a page per initial (`render.build.REGISTER_INDEX_ENTRIES`): a name
    linked no more in one issue changes its count on its initial's page, which alone of
    the pages listing issues or entries is rendered again, with the home page; the
    edition is what a fresh build makes."""
    import teibuild.render.build as render_build

    monkeypatch.setattr(render_build, "REGISTER_INDEX_ENTRIES", 3)
    tei, out = corpus(tmp_path), tmp_path / "out"
    build(tei, out, EDITION, jobs=1)
    before = snapshot(out)
    initials = sorted(rel for rel in before if re.fullmatch(r"html/registers/\w+-\w+\.html", rel))
    assert "html/registers/persons-d.html" in initials and len(initials) > 5
    rendered = []
    real = render_build.render_page
    monkeypatch.setattr(render_build, "render_page", lambda template, path, *a, **k: (
        rendered.append(path) if template not in ("issue.html", "article.html", "entry.html")
        else None) or
        real(template, path, *a, **k))
    edited = tei / "hongkou-1847.xml"
    edited.write_text(edited.read_text(encoding="utf-8").replace(
        '<persName ref="persons.xml#du-songquan">杜松<lb/>全</persName>', "杜松<lb/>全"),
        encoding="utf-8")
    build(tei, out, EDITION, jobs=1)
    after = snapshot(out)
    assert rendered == ["registers/persons-d.html", "index.html"]
    changed = [rel for rel in before if re.search(r"/registers/\w+-\w+\.html$", rel)
               and after[rel] != before[rel]]
    assert changed == ["html/registers/persons-d.html", "html/zh-Hant/registers/persons-d.html"]
    assert "4 处" in after[changed[0]][0].decode() and "5 处" in before[changed[0]][0].decode()
    assert contents(out) == fresh(tei, tmp_path / "fresh")
    # a page changed on disk is rendered again, though what it shows is the same
    (out / "html/registers/places-b.html").write_text("edited by hand", encoding="utf-8")
    (out / "html/zh-Hant/issues/index.html").unlink()
    rendered.clear()
    edited.write_text(edited.read_text(encoding="utf-8").replace("杜松<lb/>全", (
        '<persName ref="persons.xml#du-songquan">杜松<lb/>全</persName>'), 1), encoding="utf-8")
    build(tei, out, EDITION, jobs=1)
    # (planned twice: once as if the disk were as recorded, then as it is: see build)
    assert set(rendered) == {"registers/persons-d.html", "registers/places-b.html",
                             "issues/index.html", "index.html"}
    assert contents(out) == fresh(tei, tmp_path / "fresh-again")
    # a date corrected: the lists of issues change, the pages of initials do not
    rendered.clear()
    edited.write_text(edited.read_text(encoding="utf-8").replace("2022-04-08", "2022-04-09"),
                      encoding="utf-8")
    build(tei, out, EDITION, jobs=1)
    assert "issues/index.html" in rendered and "about.html" not in rendered
    assert not [path for path in rendered if path.startswith("registers/")]
    assert contents(out) == fresh(tei, tmp_path / "fresh-date")
