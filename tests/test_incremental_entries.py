"""Incremental builds of the register entries' pages: the table of which issues mention
each entry says which pages an edit renders (`incremental.plan_entries`), and the
pages rendered are always those a fresh build makes."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from teibuild.incremental import ENTRIES, MANIFEST, STATE
from tests.incremental_site import (EDITION, NUMBERS, build, built_site, contents, corpus, fresh,
                                    snapshot)


@pytest.fixture
def site(tmp_path):
    """Five issues built once (`incremental_site.built_site`): (their TEI, the edition)."""
    return built_site(tmp_path)


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

    from teibuild.incremental import MENTIONED, manifest, plan, plan_entries, workers
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
    real = manifest._issue_names
    for module in (workers, plan_entries):   # (an issue read: `workers._kept`)
        monkeypatch.setattr(module, "_issue_names", lambda issue: worked_out.append(
            issue.path.name) or real(issue))

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


def test_each_entrys_digest_in_an_issue_is_that_of_what_its_page_shows(tmp_path):
    """`_issue_names` works out what the pages show of the issue once for each set of
    articles, and digests the same text as `_digest(cited(issue, mentions), *mentions)`:
    for an entry in one article, in two, and in every one."""
    from dataclasses import replace

    from teibuild.incremental.keys import _digest, _digest_after
    from teibuild.incremental.manifest import _issue_names, _unpack_names
    from teibuild.render.site import cited, read_issue

    issue = read_issue(corpus(tmp_path) / "hongkou-1845.xml")
    articles = [a.id for a in issue.articles]
    first = issue.mentions[0]
    spread = [replace(first, article=a, anchor=f"{a}-p01") for a in articles]
    two = [replace(m, key="two-articles") for m in spread[:2]]
    issue = replace(issue, mentions=(*issue.mentions, *spread, *two))
    groups: dict[str, list] = {}
    for m in issue.mentions:
        groups.setdefault(f"{m.kind}/{m.key}", []).append(m)
    assert {len({m.article for m in ms}) for ms in groups.values()} >= {1, 2, len(articles)}
    assert _unpack_names(_issue_names(issue)) == {
        k: [_digest(cited(issue, ms), *ms), len(ms), ms[0].name] for k, ms in groups.items()}
    for parts in [(), ("a",), ("a", 1), ((("…", False),),)]:
        assert _digest_after(repr("x"), *parts) == _digest("x", *parts)


def test_the_spool_finds_an_entrys_part_of_the_issues_asked_for_and_keeps_other_bytes(
        tmp_path):
    """A year's page asks for its year's issues only (`_Spool.places` by bisection), and
    the year pages' rows wait in the spool (`keep`) rather than in memory."""
    from teibuild.incremental.caches import _Spool

    spool = _Spool(tmp_path)
    spooled = {}
    for n in range(1, 40):
        grouped = {"persons/guo-fang": f"g{n}".encode(), **(
            {"places/hongkou": f"h{n}".encode()} if n % 3 == 0 else {})}
        spool.add(f"hongkou-{n}.xml", grouped)
        spooled.update({(entry, f"hongkou-{n}.xml"): data for entry, data in grouped.items()})
    kept = spool.keep("行\x1e".encode())
    for entry in ("persons/guo-fang", "places/hongkou"):
        asked = [f"hongkou-{n}.xml" for n in (39, 3, 4, 12, 40, 1)]
        places = spool.places(entry, asked)
        assert set(places) == {name for name in asked if (entry, name) in spooled}
        assert {name: spool.read(place) for name, place in places.items()} == {
            name: spooled[entry, name] for name in places}
    assert spool.places("orgs/nobody", ["hongkou-1.xml"]) == {}
    assert spool.read(kept).decode("utf-8") == "行\x1e"
    spool.close()
