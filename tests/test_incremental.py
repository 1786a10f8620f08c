"""Incremental builds: only what changed is rendered, and the result is always exactly
what a fresh build makes (never a stale page, never a stray file); the search index
finds exactly what a fresh build's finds, its few edited issues in an overlay."""

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
from teibuild.incremental import ENTRIES, MANIFEST, STATE
from teibuild.incremental import build as build_with_search

FIXTURE = Path(__file__).parent / "fixtures" / "mini-issue.xml"
REGISTERS = Path(__file__).resolve().parents[1] / "tei"
EDITION = Edition(slug="hongkou", title="虹口报", subtitle="虹口报数字编辑版",
                  publisher="上海市虹口区融媒体中心", licence="CC BY 4.0")
NUMBERS = (1845, 1846, 1847, 1848, 1849)


def build(*args, **kwargs):
    """The build without its search index (made by Pagefind, slow for a test); the tests
    that concern the index say so."""
    return build_with_search(*args, **{"search": False, **kwargs})


def corpus(folder: Path) -> Path:
    """Five weekly issues made from the fixture, with the project's registers."""
    tei = folder / "tei"
    tei.mkdir()
    text = FIXTURE.read_text(encoding="utf-8")
    for week, number in enumerate(NUMBERS):
        day = 25 + 7 * week
        date = f"2022-03-{day}" if day <= 31 else f"2022-04-{day - 31:02d}"
        (tei / f"hongkou-{number}.xml").write_text(
            text.replace("hongkou-1845", f"hongkou-{number}").replace("1845", str(number))
            .replace("2022-03-25", date), encoding="utf-8")
    for name in ("persons.xml", "places.xml", "orgs.xml"):
        shutil.copy(REGISTERS / name, tei / name)
    return tei


def snapshot(out: Path) -> dict[str, tuple[bytes, int]]:
    """Every edition file with its content and mtime."""
    return {p.relative_to(out).as_posix(): (p.read_bytes(), p.stat().st_mtime_ns)
            for top in ("html", "txt") for p in sorted((out / top).rglob("*")) if p.is_file()}


def contents(out: Path) -> dict[str, bytes]:
    return {rel: data for rel, (data, _) in snapshot(out).items()}


def fresh(tei: Path, folder: Path, edition: Edition = EDITION) -> dict[str, bytes]:
    build(tei, folder, edition, jobs=1)
    return contents(folder)


@pytest.fixture
def site(tmp_path):
    tei = corpus(tmp_path)
    out = tmp_path / "out"
    first = build(tei, out, EDITION, jobs=1)
    assert first.rendered_issues == len(NUMBERS) and first.site_rendered
    return tei, out


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


def test_register_pages_rerender_only_for_entries_the_edit_concerns(site, tmp_path):
    tei, out = site
    first = tei / "hongkou-1845.xml"
    first.write_text(first.read_text(encoding="utf-8").replace(
        '<persName ref="persons.xml#qian-jing">钱晶</persName>',
        '<persName ref="persons.xml#qian-jing-2">钱静</persName>'), encoding="utf-8")
    build(tei, out, EDITION, jobs=1)
    only_1845 = "html/registers/persons/qian-jing-2.html"
    everywhere = "html/registers/persons/du-songquan.html"
    before = snapshot(out)
    assert only_1845 in before and everywhere in before
    edited = tei / "hongkou-1847.xml"
    edited.write_text(edited.read_text(encoding="utf-8").replace("出席会议", "出席了会议"),
                      encoding="utf-8")
    build(tei, out, EDITION, jobs=1)
    after = snapshot(out)
    assert after[only_1845] == before[only_1845]          # not even rewritten
    assert "出席了会议" in after[everywhere][0].decode()     # its mention in 1847 changed
    assert contents(out) == fresh(tei, tmp_path / "fresh")


def test_a_new_heading_renders_the_pages_of_the_names_in_its_article_alone(site, tmp_path):
    """A register entry's page shows, of each issue, its number, its date and the headings
    of the articles the name is in: a new heading of one article leaves the pages of the
    names in the issue's other articles as they were, not even rewritten; the pages
    listing every issue show no heading but the latest issue's; and the issues before and
    after it show its number and date, not its headings."""
    tei, out = site
    edited = tei / "hongkou-1847.xml"
    text = edited.read_text(encoding="utf-8")
    old = "始终绷紧疫情防控这根弦"          # the heading of the article naming 钱晶, not 杜松全
    assert text.count(old) == 1
    edited.write_text(text.replace(old, "始终绷紧防控这根弦"), encoding="utf-8")
    before = snapshot(out)
    again = build(tei, out, EDITION, jobs=1)
    after = snapshot(out)
    in_article = "html/registers/persons/qian-jing.html"
    elsewhere = "html/registers/persons/du-songquan.html"   # named in the issue's first article
    assert "始终绷紧防控这根弦" in after[in_article][0].decode()
    assert after[elsewhere] == before[elsewhere]
    assert again.rendered_issues == 1 and 1 <= again.rendered_entries <= 3
    neighbours = [rel for rel in before if "hongkou-1846" in rel or "hongkou-1848" in rel]
    assert neighbours and all(after[rel] == before[rel] for rel in neighbours)
    assert not again.site_rendered
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


def test_an_entry_mentioned_everywhere_is_rendered_without_reading_the_other_issues(
        site, tmp_path, monkeypatch):
    """Its mentions in the issues not edited come from its own cache, the issues' headings
    from theirs: one edit costs the same with five issues or five thousand."""
    from teibuild.incremental import caches, plan_reads

    tei, out = site
    edited = tei / "hongkou-1847.xml"
    edited.write_text(edited.read_text(encoding="utf-8").replace("出席会议", "出席了会议"),
                      encoding="utf-8")
    loaded = []
    real = caches._cached_issue   # (what loads an issue's data from its cache)
    for module in (caches, plan_reads):
        monkeypatch.setattr(module, "_cached_issue", lambda state, name, *args:
                            loaded.append(name) or real(state, name, *args))
    again = build(tei, out, EDITION, jobs=1)
    assert again.rendered_issues == 1 and again.rendered_entries >= 1
    assert loaded == [edited.name]   # (from the cache it was written to when it was read)
    page = (out / "html" / "registers" / "persons" / "du-songquan.html").read_text(encoding="utf-8")
    assert "出席了会议" in page and page.count("<h3>") == len(NUMBERS)
    assert contents(out) == fresh(tei, tmp_path / "fresh")


def corpus_by_years(tmp_path: Path, monkeypatch) -> Path:
    """The corpus over three years, its entries given pages by year from two mentions."""
    import teibuild.render.build as render_build

    monkeypatch.setattr(render_build, "ENTRY_PAGE_MENTIONS", 2)
    tei = corpus(tmp_path)
    years = {1845: "2021-12-31", 1846: "2022-03-25", 1847: "2022-04-01", 1848: "2023-01-06",
             1849: "2023-01-13"}
    for number, date in years.items():
        path = tei / f"hongkou-{number}.xml"
        path.write_text(re.sub(r"2022-0[34]-\d\d", date, path.read_text(encoding="utf-8")),
                        encoding="utf-8")
    persons = tei / "persons.xml"   # (one of them not in the register: named as first printed)
    persons.write_text(re.sub(r'<person xml:id="qian-jing".*?</person>', "", persons.read_text(
        encoding="utf-8"), flags=re.S), encoding="utf-8")
    return tei


def test_an_edit_renders_one_year_of_an_entry_with_pages_by_year(tmp_path, monkeypatch):
    """An entry with pages by year (`render.build.year_pages`): a correction to one
    issue renders that year's page of it, not its other years' nor its own page; when
    its mentions become few again, its year pages go. The manifest keeps an entry's
    year pages' records packed together, and an edit takes over those of the entries
    it does not touch unread (`entry_records.EntryRecords`)."""
    from teibuild.incremental import entry_records
    from teibuild.incremental.caches import _unpickled
    from teibuild.render import render_site

    tei, out = corpus_by_years(tmp_path, monkeypatch), tmp_path / "out"
    first = build(tei, out, EDITION, jobs=1)
    before = snapshot(out)
    assert contents(out) == render_site(tei, EDITION, jobs=1).files   # the pages, made at once
    assert "钱晶" in before["html/registers/persons/qian-jing/2023.html"][0].decode()
    assert sorted(rel for rel in before if rel.startswith("html/registers/persons/du-songquan/")) \
        == [f"html/registers/persons/du-songquan/{y}.html" for y in ("2021", "2022", "2023")]
    assert first.register_entries == len([rel for rel in before if re.fullmatch(
        r"html/registers/\w+/[^/]+\.html", rel)])
    saved = _unpickled((out / STATE / MANIFEST).read_bytes())
    assert not [unit for unit in saved["entries"] if "@" in unit]
    packed = saved["years"]
    assert {"persons/du-songquan", "persons/qian-jing"} <= set(packed)
    edited = tei / "hongkou-1847.xml"
    edited.write_text(edited.read_text(encoding="utf-8").replace("出席会议", "出席了会议"),
                      encoding="utf-8")
    unpacked = []
    real = entry_records._unpacked
    monkeypatch.setattr(entry_records, "_unpacked", lambda entry, data:
                        unpacked.append(entry) or real(entry, data))
    again = build(tei, out, EDITION, jobs=1)
    assert unpacked == ["persons/du-songquan"]   # (the last build's records, read once)
    saved = _unpickled((out / STATE / MANIFEST).read_bytes())
    assert set(saved["years"]) == set(packed)   # (the others' bytes as they were)
    assert [e for e, p in saved["years"].items() if p != packed[e]] == ["persons/du-songquan"]
    after = snapshot(out)
    rewritten = [rel for rel in before if "hongkou-1847" not in rel and after[rel] != before[rel]]
    assert rewritten == ["html/registers/persons/du-songquan/2022.html",
                         "html/zh-Hant/registers/persons/du-songquan/2022.html"]
    assert "出席了会议" in after[rewritten[0]][0].decode()
    assert (again.rendered_issues, again.rendered_entries) == (1, 1)
    assert again.register_entries == first.register_entries
    assert contents(out) == fresh(tei, tmp_path / "fresh")
    caches = out / STATE / ENTRIES / "persons"
    assert sorted(p.name for p in caches.glob("du-songquan*")) == [
        f"du-songquan@{y}.pickle" for y in ("2021", "2022", "2023")]   # a mentions cache each
    kept = {number: (tei / f"hongkou-{number}.xml").read_bytes() for number in (1845, 1848, 1849)}
    for number in kept:
        (tei / f"hongkou-{number}.xml").unlink()
    build(tei, out, EDITION, jobs=1)
    assert not (out / "html/registers/persons/du-songquan").exists()
    assert "出席了会议" in (out / "html/registers/persons/du-songquan.html").read_text(
        encoding="utf-8")
    assert contents(out) == fresh(tei, tmp_path / "fresh-again")
    assert [p.name for p in caches.glob("du-songquan*")] == ["du-songquan.pickle"]
    for number, data in kept.items():   # many again: the one page's cache goes
        (tei / f"hongkou-{number}.xml").write_bytes(data)
    build(tei, out, EDITION, jobs=1)
    assert sorted(p.name for p in caches.glob("du-songquan*")) == [
        f"du-songquan@{y}.pickle" for y in ("2021", "2022", "2023")]
    assert contents(out) == contents(tmp_path / "fresh")


def test_a_manifest_with_every_register_page_in_entries_is_read_as_before(tmp_path,
                                                                          monkeypatch):
    """A manifest written before the year pages' records were packed (every page's record
    in "entries", no "years") is read as it was meant: nothing is rendered again, and the
    next manifest keeps them packed."""
    import pickle

    from teibuild.incremental.caches import _unpickled
    from teibuild.incremental.entry_records import EntryRecords

    tei, out = corpus_by_years(tmp_path, monkeypatch), tmp_path / "out"
    build(tei, out, EDITION, jobs=1)
    before = snapshot(out)
    saved = _unpickled((out / STATE / MANIFEST).read_bytes())
    records = EntryRecords.loaded(saved["entries"], saved.pop("years"))
    flat = dict(sorted((unit, records[unit]) for unit in records))
    assert len(flat) > len(saved["entries"])
    (out / STATE / MANIFEST).write_bytes(pickle.dumps({**saved, "entries": flat}))
    again = build(tei, out, EDITION, jobs=1)
    assert (again.rendered_issues, again.rendered_entries) == (0, 0)
    assert snapshot(out) == before
    assert "years" in _unpickled((out / STATE / MANIFEST).read_bytes())
    assert contents(out) == fresh(tei, tmp_path / "fresh")


def test_a_damaged_part_of_an_entrys_cache_is_taken_from_the_issue_instead(site, tmp_path):
    """An entry's cache holds its mentions pickled issue by issue with their checksum; a
    part whose bytes are not those written is made again from that issue's data, like a
    missing one (it is not loaded by the worker, which would fail on it)."""
    import pickle

    tei, out = site
    path = out / STATE / ENTRIES / "persons" / "du-songquan.pickle"
    stamp, parts = pickle.loads(path.read_bytes())
    assert set(parts) == {f"hongkou-{n}" for n in NUMBERS}
    assert all(len(part) == 3 for part in parts.values())
    parts["hongkou-1845"][1] = b"\x80\x05damaged"
    path.write_bytes(pickle.dumps((stamp, parts)))
    edited = tei / "hongkou-1847.xml"   # so that the entry's page is made again
    edited.write_text(edited.read_text(encoding="utf-8").replace("出席会议", "出席了会议"),
                      encoding="utf-8")
    assert build(tei, out, EDITION, jobs=1).rendered_entries >= 1
    assert contents(out) == fresh(tei, tmp_path / "fresh")


def test_entries_go_to_the_workers_in_runs_of_bounded_weight():
    """The largest entries (the first given) go one by one, the small ones together."""
    from teibuild.incremental.workers import _runs

    weight = {"a": 5000, "b": 1500, "c": 400, "d": 200, "e": 1, "f": 1, "g": 1}
    assert _runs(list(weight), weight, most=2000, length=3) == \
        [["a"], ["b", "c"], ["d", "e", "f"], ["g"]]
    assert _runs([], weight) == []


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


def two_shard_corpus(folder: Path) -> Path:
    """The five issues (1845–1849, one shard of the index) and a copy of 1849 as 1900, a
    week later, in the next shard."""
    tei = corpus(folder)
    (tei / "hongkou-1900.xml").write_text(
        (tei / "hongkou-1849.xml").read_text(encoding="utf-8").replace("hongkou-1849", "hongkou-1900")
        .replace("1849", "1900").replace("2022-04-22", "2022-04-29"), encoding="utf-8")
    return tei


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
    indexes again only the shard whose bundle is not what it wrote (not the other), and
    the edition is then exactly a fresh build's."""
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
    assert again.search_rendered and again.rendered_issues == 0
    assert indexed == ["n001800"]
    assert contents(out) == contents_of_fresh(tei, tmp_path / "fresh-2")
    assert not build_with_search(tei, out, EDITION, jobs=1).search_rendered


def contents_of_fresh(tei: Path, folder: Path, edition: Edition = EDITION) -> dict[str, bytes]:
    build_with_search(tei, folder, edition, jobs=1)
    return contents(folder)


def searchable(out: Path) -> dict:
    """What the search page of the edition in `out` can find: search-data.json but for the
    bundles it lists, and every record of every bundle it merges, less those an overlay
    supersedes (each record as Pagefind keeps it: words, filters, metadata), in order."""
    from teibuild.search.canonical import _decode, _raw

    data = json.loads((out / "html" / "search-data.json").read_bytes())
    bundles, superseded = data.pop("shards"), data.pop("superseded", {})
    records = []
    for bundle in bundles:
        folder = out / "html" / "pagefind" / bundle
        entry = json.loads((folder / "pagefind-entry.json").read_bytes())
        for info in entry["languages"].values():
            for fragment, _ in _decode((folder / f"pagefind.{info['hash']}.pf_meta").read_bytes())[1]:
                record = json.loads(_raw((folder / "fragment" / f"{fragment}.pf_fragment")
                                         .read_bytes()))
                if record["filters"]["issue"][0] not in superseded.get(bundle, ()):
                    records.append(json.dumps({k: v for k, v in record.items() if k != "url"},
                                              ensure_ascii=False, sort_keys=True))
    return {"data": data, "records": sorted(records)}


def assert_as_fresh(out: Path, tei: Path, folder: Path, edition: Edition = EDITION) -> None:
    """The edition in `out` is what a fresh build of `tei` makes, byte for byte but for
    the search index's bundles, and its search finds exactly what the fresh one's does."""
    index = ("html/pagefind/", "html/search-data.json")
    fresh_files = contents_of_fresh(tei, folder, edition)
    assert {rel: data for rel, data in contents(out).items() if not rel.startswith(index)} == \
        {rel: data for rel, data in fresh_files.items() if not rel.startswith(index)}
    assert searchable(out) == searchable(folder)


def test_the_search_index_is_where_the_search_stage_puts_it():
    from teibuild.incremental import SEARCH_INDEX
    from teibuild.search import BUNDLE, DATA_FILE

    assert SEARCH_INDEX == (f"html/{BUNDLE}", f"html/{DATA_FILE}")


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


def test_who_mentions_what_is_worked_out_for_the_edited_issues_only(site, tmp_path,
                                                                     monkeypatch):
    """The last build's table of the issues that mention each entry is brought up to
    date from the edited issues alone, as names move, appear and go."""
    from teibuild.incremental import manifest, plan_entries

    tei, out = site
    read = []
    real = manifest._unpack_names
    for module in (manifest, plan_entries):
        monkeypatch.setattr(module, "_unpack_names",
                            lambda value: read.append(value) or real(value))
    first = tei / "hongkou-1845.xml"
    first.write_text(first.read_text(encoding="utf-8").replace(
        '<persName ref="persons.xml#qian-jing">钱晶</persName>',
        '<persName ref="persons.xml#qian-jing-2">钱静</persName>'), encoding="utf-8")
    build(tei, out, EDITION, jobs=1)
    assert len(read) == 2   # the issue's names before and after the edit
    assert (out / "html" / "registers" / "persons" / "qian-jing-2.html").is_file()
    assert contents(out) == fresh(tei, tmp_path / "fresh")
    read.clear()
    (tei / "hongkou-1845.xml").unlink()   # its names go with it
    build(tei, out, EDITION, jobs=1)
    assert len(read) == 1
    assert not (out / "html" / "registers" / "persons" / "qian-jing-2.html").exists()
    assert contents(out) == fresh(tei, tmp_path / "fresh2")


def test_a_damaged_table_of_who_mentions_what_is_made_again(site, tmp_path):
    import sqlite3

    from teibuild.incremental import MENTIONED

    tei, out = site
    db = sqlite3.connect(out / STATE / MENTIONED)
    with db:
        assert db.execute("UPDATE mentions SET rows = 'damaged\x1frow\x1e'").rowcount > 0
    db.close()
    edited = tei / "hongkou-1847.xml"
    edited.write_text(edited.read_text(encoding="utf-8").replace("出席会议", "出席了会议"),
                      encoding="utf-8")
    build(tei, out, EDITION, jobs=1)
    assert contents(out) == fresh(tei, tmp_path / "fresh")


def test_each_issues_mentions_are_kept_in_the_table_not_the_manifest(site, tmp_path,
                                                                     monkeypatch):
    """An issue's mentions by entry (half the manifest, read and written by every build)
    are kept beside the table of who mentions what, under its TEI's digest. A table made
    anew takes those of the unchanged issues from the table it replaces, whatever its
    stamp, and works out only what it cannot find there."""
    import sqlite3

    from teibuild.incremental import MENTIONED, manifest, plan, plan_entries, plan_reads
    from teibuild.incremental.caches import _unpickled

    tei, out = site
    record = _unpickled((out / STATE / MANIFEST).read_bytes())
    assert "names" not in next(iter(record["issues"].values()))
    db = sqlite3.connect(out / STATE / MENTIONED)
    kept = dict(db.execute("SELECT file, key FROM issues").fetchall())
    db.close()
    assert {name: key.rsplit(":", 1)[1] for name, key in kept.items()} == \
        {name: r["tei"] for name, r in record["issues"].items()}
    worked_out = []
    for module in (plan_reads, plan_entries):
        monkeypatch.setattr(module, "_issue_names", lambda issue: worked_out.append(
            issue.path.name) or manifest._issue_names(issue))

    def edit(name, old, new):
        path = tei / name
        path.write_text(path.read_text(encoding="utf-8").replace(old, new, 1), encoding="utf-8")

    def stamp(value):
        db = sqlite3.connect(out / STATE / MENTIONED)
        with db:
            db.execute("UPDATE stamp SET value = ?", (value,))
        db.close()

    # the table's stamp is not the manifest's: made anew, the issues' mentions as kept
    stamp("another build's")
    edit("hongkou-1847.xml", "出席会议", "出席了会议")
    build(tei, out, EDITION, jobs=1)
    assert worked_out == ["hongkou-1847.xml"]   # (read, as edited)
    assert contents(out) == fresh(tei, tmp_path / "fresh")
    # no table at all: every issue's mentions worked out from its data, which is not kept
    worked_out.clear()
    (out / STATE / MENTIONED).unlink()
    held = []
    real_mentioned = plan._Plan._mentioned
    monkeypatch.setattr(plan._Plan, "_mentioned", lambda self, *a: (
        real_mentioned(self, *a), held.append(sorted(self._loaded)))[0])
    edit("hongkou-1847.xml", "出席了会议", "出席会议")
    build(tei, out, EDITION, jobs=1)
    assert sorted(worked_out) == sorted(kept) and held == [[]]
    assert contents(out) == fresh(tei, tmp_path / "fresh2")
    # the edited issue's mentions missing from a table otherwise whole: made anew (else
    # the rows of the name it no longer has would stay)
    db = sqlite3.connect(out / STATE / MENTIONED)
    with db:
        assert db.execute("DELETE FROM issues WHERE file = 'hongkou-1845.xml'").rowcount == 1
    db.close()
    worked_out.clear()
    edit("hongkou-1845.xml", '<persName ref="persons.xml#qian-jing">钱晶</persName>',
         '<persName ref="persons.xml#qian-jing-2">钱静</persName>')
    build(tei, out, EDITION, jobs=1)
    assert worked_out == ["hongkou-1845.xml"]
    assert contents(out) == fresh(tei, tmp_path / "fresh3")
    assert build(tei, out, EDITION, jobs=1).written == 0


def test_the_table_of_who_mentions_what_is_always_the_one_a_fresh_build_makes(site, tmp_path):
    """The table is brought up to date in place, a row taken out and put back at its
    issue's place: after a text edit, an issue moved by a new date, one removed and one
    added, it is each time what a build from nothing makes."""
    import sqlite3

    from teibuild.incremental import MENTIONED

    def table(out):
        db = sqlite3.connect(out / STATE / MENTIONED)
        try:
            return dict(db.execute("SELECT entry, rows FROM mentions"))
        finally:
            db.close()

    def same_as_fresh(n):
        fresh_out = tmp_path / f"fresh{n}"
        build(tei, fresh_out, EDITION, jobs=1)
        assert table(out) == table(fresh_out)
        assert contents(out) == contents(fresh_out)

    tei, out = site
    edited = tei / "hongkou-1847.xml"
    edited.write_text(edited.read_text(encoding="utf-8").replace("出席会议", "出席了会议"),
                      encoding="utf-8")
    build(tei, out, EDITION, jobs=1)
    same_as_fresh(1)
    moved = tei / "hongkou-1846.xml"   # a week after the last issue: its rows go last
    moved.write_text(moved.read_text(encoding="utf-8").replace("2022-04-01", "2022-04-29"),
                     encoding="utf-8")
    build(tei, out, EDITION, jobs=1)
    same_as_fresh(2)
    (tei / "hongkou-1848.xml").unlink()
    shutil.copy(tei / "hongkou-1849.xml", tei / "hongkou-1850.xml")
    added = tei / "hongkou-1850.xml"
    added.write_text(added.read_text(encoding="utf-8").replace("hongkou-1849", "hongkou-1850")
                     .replace("1849", "1850").replace("2022-04-22", "2022-03-18"),
                     encoding="utf-8")
    build(tei, out, EDITION, jobs=1)
    same_as_fresh(3)


def test_pages_listing_entries_are_given_only_the_number_of_mentions_and_the_first_name():
    """The index and register-list pages show how often a name is mentioned and the name
    first printed; a build hands them just that (every mention of every issue is not
    gathered again), and anything more asked of it fails loudly instead of showing less."""
    from teibuild.incremental.workers import _Counted

    mentions = _Counted(3, "郭芳")
    assert len(mentions) == 3 and mentions[0].name == "郭芳" and mentions[-3].name == "郭芳"
    assert not _Counted(0, "")
    with pytest.raises(TypeError):
        list(mentions)
    with pytest.raises(IndexError):
        mentions[3]


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


def test_a_register_changed_brings_the_table_of_mentions_up_to_date(tmp_path, monkeypatch):
    """The table of who mentions what comes from the issues alone: a register entry renamed
    (as converting a source again may do) renders that entry's page and the pages listing
    entries, and the table is brought up to date rather than made anew from every issue
    (1.4 s on 19,450 entries)."""
    import teibuild.mention_table as mention_table
    import teibuild.render.site as site

    tei, out = corpus(tmp_path), tmp_path / "out"
    build(tei, out, EDITION, jobs=1)
    made, read = [], []
    real = mention_table.make_whole
    monkeypatch.setattr(mention_table, "make_whole", lambda *a: made.append(1) or real(*a))
    real_entry = site._entry
    monkeypatch.setattr(site, "_entry", lambda kind, key, el: read.append(key) or
                        real_entry(kind, key, el))
    persons = tei / "persons.xml"
    text = persons.read_text(encoding="utf-8")
    name = '<persName xml:lang="zh-Hans">杜松全</persName>'
    assert text.count(name) == 1
    persons.write_text(text.replace(name, name.replace("全", "荃")), encoding="utf-8")
    again = build(tei, out, EDITION, jobs=1)
    assert made == [] and again.rendered_issues == 0 and again.rendered_entries == 1
    # the registers are read again, but only the entry whose lines changed is worked out
    assert read == ["du-songquan"]
    assert "杜松荃" in (out / "html/registers/persons/du-songquan.html").read_text(encoding="utf-8")
    assert contents(out) == fresh(tei, tmp_path / "fresh")
    made.clear()   # (by the fresh build)
    # and an issue edited with it: its entries and the renamed one
    edited = tei / "hongkou-1847.xml"
    edited.write_text(edited.read_text(encoding="utf-8").replace("出席会议", "出席了会议"),
                      encoding="utf-8")
    persons.write_text(text, encoding="utf-8")
    again = build(tei, out, EDITION, jobs=1)
    assert made == [] and again.rendered_issues == 1
    assert contents(out) == fresh(tei, tmp_path / "fresh-again")


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
