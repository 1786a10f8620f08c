"""Incremental builds of the search index (`incremental.plan_search`): the shards whose
issues changed are indexed again, a few edited issues in an overlay beside their
shard, and the search finds exactly what a fresh build's finds."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from teibuild.incremental import STATE
from tests.incremental_site import (EDITION, NUMBERS, assert_as_fresh, build, build_with_search,
                                    built_site, contents, contents_of_fresh, corpus, searchable,
                                    snapshot, two_shard_corpus)


@pytest.fixture
def site(tmp_path):
    """Five issues built once (`incremental_site.built_site`): (their TEI, the edition)."""
    return built_site(tmp_path)


def test_a_build_removes_what_a_killed_search_index_left(site):
    """`tei-build search-index` killed outright leaves its staging folder beside html/
    (older versions: in it); any build, one with nothing to do included, removes it,
    and leaves alone the folder of a run still going."""
    from hostile.harness import ended_pid

    tei, out = site
    before = snapshot(out)
    left = [out / f".search-{ended_pid()}-x", out / "html" / f".search-{ended_pid()}-y"]
    running = out / f".search-{os.getppid()}-z"
    for folder in (*left, running):
        (folder / "new" / "pagefind").mkdir(parents=True)
        (folder / "new" / "pagefind" / "pagefind.js").write_bytes(b"//")
    again = build(tei, out, EDITION, jobs=1)
    assert (again.rendered_issues, again.written) == (0, 0)
    assert not any(folder.exists() for folder in left) and running.is_dir()
    assert snapshot(out) == before


def test_the_search_index_takes_register_names_from_the_pages_not_a_stale_cache(tmp_path):
    """The register names the search filters show are cached with each page's size and mtime:
    a page changed by hand is read again (and rendered again), and a torn cache is ignored."""
    import json

    from teibuild.incremental import NAMES

    tei, out = corpus(tmp_path), tmp_path / "out"
    build_with_search(tei, out, EDITION, jobs=1)
    cache = out / STATE / NAMES
    names = json.loads(cache.read_text(encoding="utf-8"))["pages"]
    assert names["html/registers/persons/guo-fang.html"][2] == "郭芳"
    page = out / "html" / "registers" / "persons" / "guo-fang.html"
    page.write_text(page.read_text(encoding="utf-8").replace("郭芳", "郭 芳"), encoding="utf-8")
    edited = tei / "hongkou-1847.xml"
    edited.write_text(edited.read_text(encoding="utf-8").replace(
        "防控工作领导小组会议召开", "防控工作领导小组全体会议召开"), encoding="utf-8")
    again = build_with_search(tei, out, EDITION, jobs=1)
    assert again.search_rendered and again.rendered_entries >= 1
    assert_as_fresh(out, tei, tmp_path / "fresh")
    cache.write_text(json.dumps({"stamp": "another", "pages": {
        rel: [size, mtime, "Wrong"] for rel, (size, mtime, _) in names.items()}}),
        encoding="utf-8")
    edited.write_text(edited.read_text(encoding="utf-8").replace("全体会议", "会议"),
                      encoding="utf-8")
    assert build_with_search(tei, out, EDITION, jobs=1).search_rendered
    assert contents(out) == contents_of_fresh(tei, tmp_path / "fresh-2")


def test_an_edited_issue_is_indexed_in_an_overlay_of_its_shard(tmp_path):
    """Issues 1845–1849 are one shard of the index (1800–1849), 1900 is in another: an edit
    of 1847 leaves both shards' bundles as they were and indexes 1847 alone beside its
    shard, superseding its records there; the search finds what a fresh build's finds."""
    tei, out = two_shard_corpus(tmp_path), tmp_path / "out"
    build_with_search(tei, out, EDITION, jobs=1)
    before = snapshot(out)
    edited = tei / "hongkou-1847.xml"
    edited.write_text(edited.read_text(encoding="utf-8").replace(
        "防控工作领导小组会议召开", "防控工作领导小组全体会议召开"), encoding="utf-8")
    again = build_with_search(tei, out, EDITION, jobs=1)
    assert again.search_rendered and again.rendered_issues == 1
    after = snapshot(out)
    for shard in ("n001800", "n001900"):   # not even rewritten
        files = [rel for rel in after if rel.startswith(f"html/pagefind/{shard}/")]
        assert files and all(after[rel] == before[rel] for rel in files)
    overlay = json.loads((out / "html" / "pagefind" / "n001800-edits" / "shard.json").read_bytes())
    assert overlay["supersedes"] == ["hongkou-1847"] and overlay["indexed"] > 0
    data = json.loads((out / "html" / "search-data.json").read_bytes())
    assert data["shards"] == ["n001800", "n001800-edits", "n001900"]
    assert data["superseded"] == {"n001800": ["hongkou-1847"]}
    assert_as_fresh(out, tei, tmp_path / "fresh")
    records = searchable(out)["records"]
    assert sum("全体会议" in r for r in records) == 1 and not any("组会议召开" in r for r in records
                                                              if "hongkou-1847" in r)


def test_the_index_common_files_come_from_the_sums_the_last_build_kept(tmp_path, monkeypatch):
    """`search-data.json` is made from the sums of the shards' summaries the last build kept
    (`search.Sums`), brought up to date with the summaries made this time, not from every
    summary read again; without those sums, or with a summary in place not as it was
    summed, from every summary. Each time, the search finds what a fresh build's finds."""
    import teibuild.search as search
    from teibuild.incremental.caches import SEARCH_SUMS

    tei, out = two_shard_corpus(tmp_path), tmp_path / "out"
    build_with_search(tei, out, EDITION, jobs=1)
    read = []
    real = search.read_summaries
    monkeypatch.setattr(search, "read_summaries", lambda *args: read.append(args) or real(*args))
    steps = [(1847, None, False), (1900, "torn", True), (1848, None, False),
             (1849, "summary", True)]
    for n, (number, damage, all_read) in enumerate(steps):
        edited = tei / f"hongkou-{number}.xml"
        edited.write_text(edited.read_text(encoding="utf-8").replace(
            "领导小组", f"领导小组（{n}）", 1), encoding="utf-8")
        if damage == "torn":
            (out / STATE / SEARCH_SUMS).write_bytes(b"torn")
        elif damage == "summary":   # (the overlay the last edits made: summed, now changed)
            summary = out / "html" / "pagefind" / "n001800-edits" / "shard.json"
            stat = summary.stat()
            summary.write_bytes(summary.read_bytes().replace(b"1848", b"1844"))
            os.utime(summary, ns=(stat.st_atime_ns, stat.st_mtime_ns))   # (unseen by its stamp)
        read.clear()
        build_with_search(tei, out, EDITION, jobs=1)
        assert bool(read) == all_read, (number, damage)
        assert_as_fresh(out, tei, tmp_path / f"fresh-{n}")


def test_an_edited_heading_overlays_its_issue_alone_not_its_neighbours(tmp_path):
    """The neighbours' pages do not show an edited heading (their links to it show its
    number and date): the overlay holds the edited issue alone, and the search finds what
    a fresh build's finds."""
    tei, out = corpus(tmp_path), tmp_path / "out"
    build_with_search(tei, out, EDITION, jobs=1)
    edited = tei / "hongkou-1847.xml"
    edited.write_text(edited.read_text(encoding="utf-8").replace(
        "确保不漏一户、不落一人", "确保不漏一户、不落一人（编者改）"), encoding="utf-8")
    again = build_with_search(tei, out, EDITION, jobs=1)
    assert again.rendered_issues == 1
    overlay = json.loads((out / "html" / "pagefind" / "n001800-edits" / "shard.json").read_bytes())
    assert overlay["supersedes"] == ["hongkou-1847"]
    assert_as_fresh(out, tei, tmp_path / "fresh")
    assert sum("（编者改）" in r for r in searchable(out)["records"]) >= 1


def test_a_heading_is_indexed_while_the_register_pages_render_and_checked_after(
        tmp_path, monkeypatch):
    """A corrected heading leaves the names of the register pages it renders as they were,
    so the search index is made from the pages in place while those render; the names
    are checked once they have, and if one was not as foreseen the index is made again."""
    from teibuild.incremental.plan import _Plan

    tei, out = corpus(tmp_path), tmp_path / "out"
    build_with_search(tei, out, EDITION, jobs=1)
    checked = []
    real_check, real_names = _Plan._names_as_foreseen, _Plan._register_names
    monkeypatch.setattr(_Plan, "_names_as_foreseen", lambda self, work, names: checked.append(
        real_check(self, work, names)) or checked[-1])
    edited = tei / "hongkou-1847.xml"
    edited.write_text(edited.read_text(encoding="utf-8").replace(
        "确保不漏一户、不落一人", "确保不漏一户、不落一人（编者改）"), encoding="utf-8")
    again = build_with_search(tei, out, EDITION, jobs=1)
    assert again.rendered_entries >= 1 and again.search_rendered and checked == [True]
    assert_as_fresh(out, tei, tmp_path / "fresh")
    # a name foreseen wrongly: found out, and the index made again with the pages' names
    calls = []

    def foreseen_wrongly(self, manifest, **kwargs):
        names = real_names(self, manifest, **kwargs)
        calls.append(1)
        return {key: "错名" for key in names} if len(calls) == 1 else names
    monkeypatch.setattr(_Plan, "_register_names", foreseen_wrongly)
    checked.clear()
    edited.write_text(edited.read_text(encoding="utf-8").replace("（编者改）", ""),
                      encoding="utf-8")
    build_with_search(tei, out, EDITION, jobs=1)
    assert checked == [False] and len(calls) == 2
    assert_as_fresh(out, tei, tmp_path / "fresh-2")


def test_an_overlay_goes_when_its_edits_are_undone_or_too_many(tmp_path, monkeypatch):
    """Undone, the edit leaves the shard's own bundle, exactly a fresh build's index; more
    issues edited than an overlay holds, or one removed, and the shard is indexed again
    whole, again exactly as a fresh build indexes it."""
    import teibuild.search

    monkeypatch.setattr(teibuild.search, "OVERLAY_ISSUES", 2)
    tei, out = corpus(tmp_path), tmp_path / "out"
    build_with_search(tei, out, EDITION, jobs=1)
    edited = tei / "hongkou-1847.xml"
    original = edited.read_text(encoding="utf-8")
    edited.write_text(original.replace("会议召开", "全体会议召开"), encoding="utf-8")
    build_with_search(tei, out, EDITION, jobs=1)
    assert (out / "html" / "pagefind" / "n001800-edits").is_dir()
    edited.write_text(original, encoding="utf-8")
    assert build_with_search(tei, out, EDITION, jobs=1).search_rendered
    assert not (out / "html" / "pagefind" / "n001800-edits").exists()
    assert contents(out) == contents_of_fresh(tei, tmp_path / "fresh")

    for number in NUMBERS[:3]:   # (each edit changes its issue's pages, not its neighbours')
        path = tei / f"hongkou-{number}.xml"
        path.write_text(path.read_text(encoding="utf-8").replace("会议召开", "全体会议召开"),
                        encoding="utf-8")
    build_with_search(tei, out, EDITION, jobs=1)
    assert not (out / "html" / "pagefind" / "n001800-edits").exists()
    assert contents(out) == contents_of_fresh(tei, tmp_path / "fresh-2")

    edited.write_text(original, encoding="utf-8")
    build_with_search(tei, out, EDITION, jobs=1)
    assert (out / "html" / "pagefind" / "n001800-edits").is_dir()
    (tei / "hongkou-1849.xml").unlink()
    build_with_search(tei, out, EDITION, jobs=1)
    assert not (out / "html" / "pagefind" / "n001800-edits").exists()
    assert contents(out) == contents_of_fresh(tei, tmp_path / "fresh-3")


def test_a_file_of_the_search_index_removed_or_changed_is_made_again(tmp_path):
    """A file of a bundle removed (or added, or renamed over): its shard is indexed again
    whole, the other left alone; the common files (Pagefind's runtime among them) are
    checked one by one. After each, the search finds what a fresh build's finds."""
    tei, out = two_shard_corpus(tmp_path), tmp_path / "out"
    build_with_search(tei, out, EDITION, jobs=1)
    bundle = out / "html" / "pagefind"
    fragment = sorted((bundle / "n001800" / "fragment").iterdir())[1]
    fragment.unlink()
    before = snapshot(out)
    again = build_with_search(tei, out, EDITION, jobs=1)
    assert again.search_rendered and again.rendered_issues == 0 and fragment.is_file()
    after = snapshot(out)
    assert all(after[rel] == before[rel] for rel in before if "/n001900/" in rel)
    assert_as_fresh(out, tei, tmp_path / "fresh")
    (bundle / "n001900" / "index" / "stray.pf_index").write_bytes(b"")
    (bundle / "pagefind.js").write_text("// changed by hand", encoding="utf-8")
    assert build_with_search(tei, out, EDITION, jobs=1).search_rendered
    assert not (bundle / "n001900" / "index" / "stray.pf_index").exists()
    assert_as_fresh(out, tei, tmp_path / "fresh-2")
    assert not build_with_search(tei, out, EDITION, jobs=1).search_rendered


def test_a_folders_listing_is_its_files_names_and_sizes_and_its_folders_names(tmp_path):
    """What `_unstamped` compares when a bundle folder's time changed: the same files give
    the same listing, whatever its subfolders went through (a folder's size tells how it
    grew, not what it holds); a file removed, added or of another size, another one."""
    from teibuild.incremental.indexing import _listing_digest

    def folder(name: str, churn: int = 0) -> Path:
        root = tmp_path / name
        (root / "fragment").mkdir(parents=True)
        for n in range(churn):
            (root / "fragment" / f"gone-{n:04d}-{'x' * 100}").write_bytes(b"")
        for n in range(churn):
            (root / "fragment" / f"gone-{n:04d}-{'x' * 100}").unlink()
        (root / "a.pf_meta").write_bytes(b"12345")
        return root

    plain, churned = folder("plain"), folder("churned", 500)
    assert _listing_digest(plain) == _listing_digest(churned)
    (churned / "a.pf_meta").write_bytes(b"1234")
    assert _listing_digest(plain) != _listing_digest(churned)
    (churned / "a.pf_meta").write_bytes(b"12345")
    (churned / "b.pf_meta").write_bytes(b"")
    assert _listing_digest(plain) != _listing_digest(churned)
    assert _listing_digest(plain / "a.pf_meta") is None


def test_an_index_made_again_by_search_index_is_not_made_a_third_time(tmp_path):
    """`tei-build search-index` writes the index the build would write, from the same pages:
    the next build sees the same bytes and leaves it; an index that is not the same is
    made again."""
    from teibuild.search import build_search_index

    tei, out = corpus(tmp_path), tmp_path / "out"
    build_with_search(tei, out, EDITION, jobs=1)
    build_search_index(out)
    before = snapshot(out)
    again = build_with_search(tei, out, EDITION, jobs=1)
    assert not again.search_rendered and snapshot(out) == before
    summary = out / "html" / "pagefind" / "n001800" / "shard.json"
    summary.write_bytes(summary.read_bytes().replace(b"1845", b"1844", 1))
    third = build_with_search(tei, out, EDITION, jobs=1)
    assert third.search_rendered
    assert contents(out) == contents_of_fresh(tei, tmp_path / "fresh")


def test_search_index_folds_overlays_in_and_the_next_build_redoes_only_their_shards(
        tmp_path, monkeypatch):
    """`tei-build search-index` indexes every shard whole, overlays folded in; the next build
    finds the shard whose bundle is not what it wrote made from the pages it has
    (`search.made_from`) and indexes nothing again, and the edition is then exactly a
    fresh build's."""
    import teibuild.search
    from teibuild.search import build_search_index

    indexed = []

    def shard_files(shard, *args, **kwargs):
        indexed.append(shard)
        return real(shard, *args, **kwargs)

    real = teibuild.search.shard_files
    monkeypatch.setattr(teibuild.search, "shard_files", shard_files)

    tei, out = two_shard_corpus(tmp_path), tmp_path / "out"
    build_with_search(tei, out, EDITION, jobs=1)
    edited = tei / "hongkou-1847.xml"
    edited.write_text(edited.read_text(encoding="utf-8").replace("会议召开", "全体会议召开"),
                      encoding="utf-8")
    build_with_search(tei, out, EDITION, jobs=1)
    assert (out / "html" / "pagefind" / "n001800-edits").is_dir()
    build_search_index(out)
    assert not (out / "html" / "pagefind" / "n001800-edits").exists()
    assert contents(out) == contents_of_fresh(tei, tmp_path / "fresh")
    indexed.clear()
    again = build_with_search(tei, out, EDITION, jobs=1)
    assert again.rendered_issues == 0
    assert indexed == []   # n001800, made from the pages the build has, is taken as it is
    assert contents(out) == contents_of_fresh(tei, tmp_path / "fresh-2")
    assert not build_with_search(tei, out, EDITION, jobs=1).search_rendered


def test_the_search_index_is_where_the_search_stage_puts_it():
    from teibuild.incremental import SEARCH_INDEX
    from teibuild.search import BUNDLE, DATA_FILE

    assert SEARCH_INDEX == (f"html/{BUNDLE}", f"html/{DATA_FILE}")


def test_a_name_changed_in_the_edited_issue_alone_takes_an_overlay(tmp_path):
    """A register name that only the edited issue shows (here the name first printed of an
    entry not in the register, corrected) leaves its shard's bundle in place: the overlay
    indexes the issue anew and the search leaves its old records out. A name the other
    issues show too, renamed, indexes the shard again whole. Either way the search finds
    what a fresh build's finds."""
    tei, out = two_shard_corpus(tmp_path), tmp_path / "out"
    edited = tei / "hongkou-1847.xml"
    printed = '<persName ref="persons.xml#du-songquan">杜松<lb/>全</persName>'
    edited.write_text(edited.read_text(encoding="utf-8").replace(
        printed, printed.replace("du-songquan", "du-songquan-2")), encoding="utf-8")
    build_with_search(tei, out, EDITION, jobs=1)
    before = snapshot(out)
    page = out / "html/registers/persons/du-songquan-2.html"
    assert "杜松全" in page.read_text(encoding="utf-8")
    edited.write_text(edited.read_text(encoding="utf-8").replace("杜松<lb/>全", "杜松<lb/>泉"),
                      encoding="utf-8")
    again = build_with_search(tei, out, EDITION, jobs=1)
    assert again.search_rendered and "杜松泉" in page.read_text(encoding="utf-8")
    after = snapshot(out)
    files = [rel for rel in after if rel.startswith("html/pagefind/n001800/")]
    assert files and all(before.get(rel) == after[rel] for rel in files)   # not indexed again
    overlay = json.loads((out / "html/pagefind/n001800-edits/shard.json").read_bytes())
    assert overlay["supersedes"] == ["hongkou-1847"]
    assert_as_fresh(out, tei, tmp_path / "fresh")
    assert any("杜松泉" in r for r in searchable(out)["records"])
    # a name every issue shows, renamed with an edit: the shard is indexed again whole
    persons = tei / "persons.xml"
    name = '<persName xml:lang="zh-Hans">杜松全</persName>'
    persons.write_text(persons.read_text(encoding="utf-8").replace(name, name.replace("全", "荃")),
                       encoding="utf-8")
    edited.write_text(edited.read_text(encoding="utf-8").replace("出席会议", "出席了会议"),
                      encoding="utf-8")
    build_with_search(tei, out, EDITION, jobs=1)
    later = snapshot(out)
    assert any(later[rel] != after[rel] for rel in files if rel in later)
    assert not (out / "html/pagefind/n001800-edits").exists()
    assert_as_fresh(out, tei, tmp_path / "fresh-again")


def test_a_build_that_puts_the_index_off_leaves_it_and_the_next_brings_it_up_to_date(tmp_path):
    """`build --no-search` (`search=False`) renders the pages alone: the index already there
    is left byte for byte and file for file as it was; the next build with the index indexes
    again what changed meanwhile, and its search finds what a fresh build's finds."""
    tei, out = two_shard_corpus(tmp_path), tmp_path / "out"
    build_with_search(tei, out, EDITION, jobs=1)
    index = ("html/pagefind/", "html/search-data.json")
    before = {rel: v for rel, v in snapshot(out).items() if rel.startswith(index)}
    edited = tei / "hongkou-1847.xml"
    edited.write_text(edited.read_text(encoding="utf-8").replace(
        "防控工作领导小组会议召开", "防控工作领导小组全体会议召开"), encoding="utf-8")
    put_off = build(tei, out, EDITION, jobs=1)
    assert put_off.rendered_issues == 1 and not put_off.search_rendered
    assert {rel: v for rel, v in snapshot(out).items() if rel.startswith(index)} == before
    assert "全体会议" in (out / "html" / "issues" / "hongkou-1847.html").read_text(encoding="utf-8")
    again = build_with_search(tei, out, EDITION, jobs=1)
    assert again.search_rendered and again.rendered_issues == 0
    assert_as_fresh(out, tei, tmp_path / "fresh")
    records = searchable(out)["records"]
    assert sum("全体会议" in r for r in records) == 1
    assert build_with_search(tei, out, EDITION, jobs=1).written == 0   # and then nothing to do


def test_an_edition_first_built_without_its_index_gets_it_whole_from_the_next_build(tmp_path):
    tei, out = two_shard_corpus(tmp_path), tmp_path / "out"
    build(tei, out, EDITION, jobs=1)
    assert (out / "html" / "search.html").is_file()   # the page is there, saying it has no index
    assert not (out / "html" / "pagefind").exists() and not (out / "html" / "search-data.json").exists()
    again = build_with_search(tei, out, EDITION, jobs=1)
    assert again.search_rendered and again.rendered_issues == 0
    assert_as_fresh(out, tei, tmp_path / "fresh")


def test_a_build_takes_as_its_own_an_index_search_index_made_after_it_put_the_index_off(
        tmp_path):
    """`build --no-search`, an edit, `build --no-search`, `tei-build search-index`: the next
    build finds each shard made from the pages it has (`search.made_from`) and keeps it,
    not a file rewritten; then it has nothing to do. A shard whose pages changed after
    `search-index` is made again: the search finds what a fresh build's finds."""
    from teibuild.search import build_search_index

    tei, out = two_shard_corpus(tmp_path), tmp_path / "out"
    build(tei, out, EDITION, jobs=1)
    edited = tei / "hongkou-1847.xml"
    edited.write_text(edited.read_text(encoding="utf-8").replace(
        "防控工作领导小组会议召开", "防控工作领导小组全体会议召开"), encoding="utf-8")
    build(tei, out, EDITION, jobs=1)
    build_search_index(out, jobs=1)
    shards = {rel: v for rel, v in snapshot(out).items() if rel.count("/") >= 3
              and rel.startswith("html/pagefind/")}
    assert shards
    taken = build_with_search(tei, out, EDITION, jobs=1)
    assert taken.rendered_issues == 0
    assert {rel: v for rel, v in snapshot(out).items() if rel in shards} == shards
    assert build_with_search(tei, out, EDITION, jobs=1).written == 0
    assert_as_fresh(out, tei, tmp_path / "fresh")

    build_search_index(out, jobs=1)   # then one shard's pages change: that one is made again
    before = snapshot(out)
    edited.write_text(edited.read_text(encoding="utf-8").replace("全体会议", "会议"),
                      encoding="utf-8")
    again = build_with_search(tei, out, EDITION, jobs=1)
    after = snapshot(out)
    assert again.search_rendered
    assert {rel for rel in after if rel.startswith("html/pagefind/n001800")} != \
        {rel for rel in before if rel.startswith("html/pagefind/n001800")}
    assert all(after.get(rel) == before[rel] for rel in before
               if rel.startswith("html/pagefind/n001900/"))
    assert_as_fresh(out, tei, tmp_path / "fresh-2")
