"""The index in shards: one Pagefind bundle per block of issues, re-indexed one block at a time."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from teibuild.edition import load_edition
from teibuild.render.build import render_site
from teibuild.search import (DATA_FILE, build_search_index, common_files, read_summaries,
                             register_names, reindex_shards, search_files, shard_files, shard_of,
                             shard_pages, stale_shards)
from teibuild.search.canonical import _decode, _encode, _recompress, _raw
from teibuild.search.shards import SHARD_SIZE, SUMMARY

from hostile.harness import ended_pid
from test_search import REPO, SAMPLE, sample_tei, write

SECOND = "hongkou-1901"  # another shard than hongkou-1845


def two_issue_tei(folder: Path) -> Path:
    """The sample issue and a copy of it numbered 1901 and dated a week later."""
    sample_tei(folder)
    text = SAMPLE.read_text(encoding="utf-8")
    for old, new in (("hongkou-1845", SECOND), ("第1845期", "第1901期"), ('n="1845"', 'n="1901"'),
                     ("2022-03-25", "2022-04-01")):
        text = text.replace(old, new)
    (folder / f"{SECOND}.xml").write_text(text, encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> dict[str, bytes]:
    tei = two_issue_tei(tmp_path_factory.mktemp("shards") / "tei")
    return render_site(tei, load_edition(REPO / "edition.toml"), jobs=1).files


@pytest.fixture(scope="module")
def indexed(site):
    return search_files(site, jobs=1)


def tree(folder: Path) -> dict[str, bytes]:
    """The index as it is on disk: html/pagefind/ and search-data.json."""
    html = folder / "html"
    found = {f"html/{p.relative_to(html).as_posix()}": p.read_bytes()
             for p in sorted((html / "pagefind").rglob("*")) if p.is_file()}
    found[f"html/{DATA_FILE}"] = (html / DATA_FILE).read_bytes()
    return found


def test_shards_are_fixed_blocks_of_issue_numbers():
    assert shard_of("hongkou-1845") == shard_of("hongkou-1849") == "n001800"
    assert shard_of("hongkou-1850") == "n001850" != shard_of("hongkou-1849")
    assert shard_of("hongkou-0007") == shard_of("x-7") == "n000000"
    assert SHARD_SIZE == 50
    odd = shard_of("hongkou-special")
    assert re.fullmatch(r"x[0-9a-f]{2}", odd) and odd == shard_of("hongkou-special")
    assert shard_pages("hongkou-1845") == ("html/issues/hongkou-1845.html",
                                           "html/zh-Hant/issues/hongkou-1845.html")


def test_each_shard_is_a_bundle_and_the_primary_bundle_holds_the_runtime(indexed):
    files, report = indexed
    assert report.shards == 2 and report.issues == 2
    shards = sorted({p.split("/")[2] for p in files if p.count("/") > 3 or p.endswith(SUMMARY)})
    assert shards == ["n001800", "n001900"]
    for shard in shards:
        mine = [p for p in files if p.startswith(f"html/pagefind/{shard}/")]
        assert f"html/pagefind/{shard}/pagefind-entry.json" in mine
        assert any("/fragment/" in p for p in mine) and any("/index/" in p for p in mine)
        assert not any(p.endswith(("pagefind.js", ".pagefind")) for p in mine)  # runtime: once
    entry = json.loads(files["html/pagefind/pagefind-entry.json"])
    assert entry["languages"]["und"]["page_count"] == 0
    assert {"html/pagefind/pagefind.js", "html/pagefind/wasm.unknown.pagefind"} <= set(files)
    data = json.loads(files[f"html/{DATA_FILE}"])
    assert data["shards"] == shards
    assert data["issues"][SECOND]["date"] == "2022-04-01"
    summary = json.loads(files[f"html/pagefind/n001900/{SUMMARY}"])
    assert list(summary["issues"]) == [SECOND] and summary["records"] * 2 == report.records


def test_page_names_sort_in_date_order_across_shards(indexed):
    files, _ = indexed
    names = []
    for shard in ("n001900", "n001800"):  # listed in the wrong order on purpose
        entry = json.loads(files[f"html/pagefind/{shard}/pagefind-entry.json"])
        meta = _decode(files[f"html/pagefind/{shard}/pagefind.{entry['languages']['und']['hash']}.pf_meta"])
        names += [page for page, _ in meta[1]]
    urls = []
    for name in sorted(names):
        shard = "n001800" if "-n001800-" in name else "n001900"
        fragment = json.loads(_raw(files[f"html/pagefind/{shard}/fragment/{name}.pf_fragment"]))
        urls.append((fragment["meta"]["date"], fragment["meta"]["url"]))
    assert urls[0][0] == "2022-03-25" and urls[-1][0] == "2022-04-01"
    assert [d for d, _ in urls] == sorted(d for d, _ in urls)
    first_issue = [u for d, u in urls if d == "2022-03-25"]
    assert first_issue[0] == "issues/hongkou-1845.html#hongkou-1845-a01"


def test_pagefinds_cbor_is_what_cbor2_writes_so_chunks_need_not_be_decoded(indexed):
    files, _ = indexed
    chunks = [data for path, data in files.items() if "/index/" in path]
    assert chunks
    for data in chunks:
        assert _recompress(data) == _encode(_decode(data))


@pytest.mark.parametrize("jobs", [1, 2])
def test_the_index_made_from_the_pages_on_disk_is_the_one_made_in_memory(tmp_path, site,
                                                                         indexed, jobs):
    """`tei-build search-index` reads the pages shard by shard from disk (never the whole
    site at once) and makes, file for file, the index `build` makes of the site in
    memory; it says when each shard is done."""
    edition = write(tmp_path / "ed", site)
    left = [edition / "html" / f".search-{ended_pid()}-x", edition / f".search-{ended_pid()}-y"]
    for folder in left:   # what runs killed outright left, in html/ (older versions) or beside it
        (folder / "new").mkdir(parents=True)
    done, staged = [], []

    def progress(*call):
        done.append(call)
        staged.append(([p.name for p in (edition / "html").glob(".search-*")],
                       len(list(edition.glob(".search-*")))))

    report = build_search_index(edition, jobs=jobs, progress=progress)
    files, made = indexed
    assert tree(edition) == files
    assert report == made
    assert done == [(1, 2, "n001800"), (2, 2, "n001900")]
    # staged beside html/ (what is published), never in it; nothing left once done
    assert staged == [([], 1), ([], 1)]
    assert not list((edition / "html").glob(".search-*")) and not list(edition.glob(".search-*"))


def test_one_shard_is_made_from_its_own_issue_pages_alone(site, indexed):
    files, _ = indexed
    names = register_names(site)
    pages = {p: site[p] for p in shard_pages(SECOND)}
    alone = shard_files("n001900", pages, names)
    assert alone == {p: d for p, d in files.items() if p.startswith("html/pagefind/n001900/")}
    assert shard_files("n001900", {p: site[p] for p in shard_pages("hongkou-1845")}, names) == {}
    summaries = {s: files[f"html/pagefind/{s}/{SUMMARY}"] for s in ("n001800", "n001900")}
    assert common_files(summaries) == {p: d for p, d in files.items()
                                       if p.count("/") == 2 or p == f"html/{DATA_FILE}"}


def test_reindexing_an_edited_issues_shard_gives_what_a_full_index_gives(tmp_path, site):
    edition = write(tmp_path / "ed", site)
    build_search_index(edition)
    before = tree(edition)
    page = edition / "html" / "issues" / f"{SECOND}.html"
    page.write_bytes(page.read_bytes().replace("会议以视频会议形式召开".encode(), "会议以线上形式召开".encode()))
    reindex_shards(edition, {shard_of(SECOND)})
    after = tree(edition)
    assert {p: d for p, d in after.items() if "/n001800/" in p} == \
        {p: d for p, d in before.items() if "/n001800/" in p}
    assert {p for p in after if "/n001900/" in p} != {p for p in before if "/n001900/" in p}
    fresh = write(tmp_path / "fresh", {**site, f"html/issues/{SECOND}.html": page.read_bytes()})
    build_search_index(fresh)
    assert tree(fresh) == after
    assert not list((edition / "html").glob(".search-*"))


def test_reindexing_a_shard_folds_its_overlay_in(tmp_path, site):
    """An overlay a build left (here made directly) goes when its shard is indexed again."""
    from teibuild.search import overlay_files, overlay_of

    edition = write(tmp_path / "ed", site)
    build_search_index(edition)
    page = edition / "html" / "issues" / f"{SECOND}.html"
    page.write_bytes(page.read_bytes().replace("会议以视频会议形式召开".encode(), "会议以线上形式召开".encode()))
    shard = shard_of(SECOND)
    pages = {rel: (edition / rel).read_bytes() for rel in shard_pages(SECOND)}
    write(edition, overlay_files(shard, pages, register_names(edition), [SECOND], [SECOND]))
    write(edition, common_files(read_summaries(edition)))
    assert json.loads((edition / "html" / DATA_FILE).read_bytes())["superseded"] == {shard: [SECOND]}
    reindex_shards(edition, {shard})
    assert not (edition / "html" / "pagefind" / overlay_of(shard)).exists()
    fresh = write(tmp_path / "fresh", {**site, f"html/issues/{SECOND}.html": page.read_bytes()})
    build_search_index(fresh)
    assert tree(fresh) == tree(edition)


def test_a_shard_whose_issues_are_gone_is_removed(tmp_path, site):
    edition = write(tmp_path / "ed", site)
    build_search_index(edition)
    for rel in shard_pages(SECOND):
        (edition / rel).unlink()
    report = reindex_shards(edition, {shard_of(SECOND)})
    assert not (edition / "html" / "pagefind" / "n001900").exists()
    assert json.loads((edition / "html" / DATA_FILE).read_bytes())["shards"] == ["n001800"]
    assert report.shards == 1 and report.issues == 1


def test_a_renamed_register_entry_makes_the_shards_that_show_it_stale(tmp_path, site, indexed):
    files, _ = indexed
    edition = write(tmp_path / "ed", files)
    names = register_names(site)
    summaries = read_summaries(edition)
    assert sorted(summaries) == ["n001800", "n001900"]
    assert stale_shards(summaries, names) == set()
    renamed = {**names, ("persons", "guo-fang"): "郭 芳"}
    assert stale_shards(summaries, renamed) == {"n001800", "n001900"}
    unused = {**names, ("persons", "nobody-here"): "某人"}
    assert stale_shards(summaries, unused) == set()
    # from the pages on disk, page by page, in the same order
    assert list(register_names(write(tmp_path / "site", site)).items()) == list(names.items())
    assert names[("persons", "guo-fang")] == "郭芳"


def test_a_register_page_is_named_from_its_first_bytes_alone(site):
    from teibuild.search.records import REGISTER_HEAD, register_name

    page = "html/registers/persons/guo-fang.html"
    assert len(site[page]) > REGISTER_HEAD
    assert register_name(page, site[page][:REGISTER_HEAD]) == (("persons", "guo-fang"), "郭芳")
    assert register_name("html/issues/hongkou-1845.html",
                         site["html/issues/hongkou-1845.html"]) is None
    assert register_name(page, b"<html><body><main><p>\xe9\x83\xad</p></main></body></html>") \
        is None


def test_the_index_is_the_same_whatever_the_number_of_jobs(site, indexed):
    assert search_files(site, jobs=2)[0] == indexed[0]


def test_known_records_are_used_only_while_pages_and_names_are_unchanged(site, indexed):
    files, _ = indexed
    names = register_names(site)
    pages = {p: site[p] for p in shard_pages(SECOND)}
    expected = {p: d for p, d in files.items() if p.startswith("html/pagefind/n001900/")}
    known: dict = {}
    assert shard_files("n001900", pages, names, known=known) == expected
    assert list(known) == [SECOND] and known[SECOND][2]   # its records, as JSON data
    assert shard_files("n001900", pages, names, known=json.loads(json.dumps(known))) == expected
    # known records that no longer hold are not used: other pages, another name, junk
    edited = {**pages, f"html/issues/{SECOND}.html": pages[f"html/issues/{SECOND}.html"]
              .replace("会议以视频会议形式召开".encode(), "会议以线上形式召开".encode())}
    stale = json.loads(json.dumps(known))
    assert shard_files("n001900", edited, names, known=stale) == shard_files(
        "n001900", edited, names)
    assert stale[SECOND][0] != known[SECOND][0]
    renamed = {**names, ("persons", "guo-fang"): "郭 芳"}
    assert shard_files("n001900", pages, renamed, known=json.loads(json.dumps(known))) == \
        shard_files("n001900", pages, renamed)
    for junk in ({SECOND: [known[SECOND][0], {}, [{"url": 1}]]}, {SECOND: "x"}, {SECOND: []}):
        assert shard_files("n001900", pages, names, known=junk) == expected


def test_the_common_files_take_each_shard_as_it_is_now_reading_one_summary_at_a_time():
    """An overlay's summary speaks for its whole shard; a bundle with no records is not
    merged; and the summaries are taken one at a time as they come (all at once, those
    of 10,000 issues held 190 MB of a one-issue rebuild)."""
    from collections.abc import Mapping

    from teibuild.search.shards import current_summaries

    def summary(issues, names, fold, **more):
        return json.dumps({"issues": issues, "names": names, "fold": fold, "records": 2,
                           **more}).encode("utf-8")

    summaries = {
        "n000000": summary({"hongkou-1": {"n": 1}, "hongkou-2": {"n": 2}},
                           {"person": ["钱晶"]}, {"錢": {"钱": 3}}),
        "n000000-edits": summary({"hongkou-1": {"n": 1}, "hongkou-2": {"n": "2（改）"}},
                                 {"person": ["钱静"]}, {"錢": {"钱": 1}},
                                 supersedes=["hongkou-2"]),
        "n000050": summary({"hongkou-51": {"n": 51}}, {"place": ["虹口"]}, {"錢": {"钱": 2}}),
        "n000100": summary({}, {}, {}, indexed=0),
    }

    class Counted(Mapping):
        def __init__(self):
            self.asked = []

        def __getitem__(self, key):
            self.asked.append(key)
            return summaries[key]

        def __iter__(self):
            return iter(summaries)

        def __len__(self):
            return len(summaries)

    counted = Counted()
    found = current_summaries(counted)
    assert next(found)[0] == "n000000" and counted.asked == ["n000000-edits"]
    assert [shard for shard, _ in found] == ["n000050", "n000100"]
    data = json.loads(common_files(Counted())[f"html/{DATA_FILE}"])
    assert data["issues"] == {"hongkou-1": {"n": 1}, "hongkou-2": {"n": "2（改）"},
                              "hongkou-51": {"n": 51}}
    assert data["shards"] == ["n000000", "n000000-edits", "n000050"]
    assert data["superseded"] == {"n000000": ["hongkou-2"]}
    assert data["hant"]["钱静"] == "錢靜" and "钱晶" not in data["hant"]   # (the overlay's names)


def test_the_sums_of_summaries_brought_up_to_date_are_the_sums_made_anew(tmp_path):
    """`Sums`: a build takes out the parts of the summaries it replaces (read again as they
    are in place) and adds the new ones', and gets what summing every summary gets."""
    import orjson

    from teibuild.search import Sums

    def summary(issues: dict, persons: list, fold: dict, **more) -> bytes:
        return orjson.dumps({"issues": {i: {"label": f"第{i}期", "date": d} for i, d in
                                        issues.items()},
                             "names": {"person": persons, "place": []}, "fold": fold,
                             "records": 3, "registers": {}, **more}, option=orjson.OPT_SORT_KEYS)

    disk = {"n000000": summary({"a-1": "2020-01-03"}, ["郭芳"], {"會": {"会": 2}}),
            "n000050": summary({"a-50": "2021-01-01", "a-51": "2021-01-08"}, ["郭芳", "王伟"],
                               {"會": {"会": 1}, "後": {"后": 3}}),
            "n000050-edits": summary({"a-51": "2021-01-08"}, ["王伟"], {"後": {"后": 1}},
                                     supersedes=["a-51"]),
            "n000100": summary({"a-100": "2022-01-07"}, ["李强"], {"發": {"发": 1, "髮": 1}})}
    kept = Sums.of(disk)
    assert kept.names == {"person": {"郭芳": 1, "王伟": 1, "李强": 1}}   # (current summaries only)
    made = {"n000000": summary({"a-1": "2020-01-03", "a-2": "2020-01-10"}, ["郭芳", "赵六"],
                               {"會": {"会": 5}}),
            "n000050-edits": None,   # (its shard back as its bundle has it)
            "n000100": None,
            "n000100-edits": summary({"a-101": "2022-01-14"}, ["李强"], {"發": {"发": 1}},
                                     supersedes=[]),
            "n000150": summary({"a-150": "2023-01-06"}, [], {}, indexed=False)}
    read = []
    sums = Sums.from_plain(kept.plain())
    sums.update(made, lambda folder: read.append(folder) or disk[folder], set(disk))
    now = {folder: data for folder, data in {**disk, **made}.items() if data is not None}
    anew = Sums.of(now)
    assert sums.plain() == anew.plain()
    assert common_files(sums) == common_files(anew)
    assert sorted(read) == ["n000000", "n000050", "n000050-edits", "n000100"]
    assert "王伟" in sums.names["person"] and "a-100" not in sums.issues
    # a summary in place that is not the one summed is never taken out: every one is read
    changed = {**disk, "n000000": disk["n000000"].replace(b"2020-01-03", b"2020-01-04")}
    with pytest.raises(ValueError, match="n000000"):
        Sums.from_plain(kept.plain()).update(made, changed.__getitem__)
    # nor are the sums used when the bundles in place are not those summed
    with pytest.raises(ValueError, match="in place"):
        Sums.from_plain(kept.plain()).update(made, disk.__getitem__, set(disk) - {"n000050-edits"})


def test_a_summary_says_what_its_bundle_was_made_from(site, indexed):
    """`made_from`: the same pages, register names, code and bundle, the summary as
    written; not an overlay."""
    from teibuild.code_digests import search_code
    from teibuild.search import made_from, overlay_files

    shard = shard_of("hongkou-1845")
    files = {rel: data for rel, data in indexed[0].items()
             if rel.startswith(f"html/pagefind/{shard}/")}
    summary = files.pop(f"html/pagefind/{shard}/{SUMMARY}")
    pages = {rel: data for rel, data in site.items() if rel in shard_pages("hongkou-1845")}
    names = register_names(site)
    assert json.loads(summary)["code"] == search_code("s2tw")

    def made(summary=summary, pages=pages, files=files, names=names, opencc="s2tw"):
        return made_from(summary, lambda: pages, lambda: files, names, opencc)

    assert made()
    first = next(iter(pages))
    assert not made(pages={**pages, first: pages[first] + b" "})
    shown = next(iter(json.loads(summary)["registers"]))
    assert not made(names={**names, tuple(shown.split("/", 1)): "另一个名字"})
    assert not made(opencc="s2t")                                         # another conversion
    fragment = next(rel for rel in files if "/fragment/" in rel)
    assert not made(files={rel: data for rel, data in files.items() if rel != fragment})
    assert not made(files={**files, fragment: files[fragment] + b"x"})
    assert not made(summary=summary.replace(b'"records":', b'"records":1', 1))  # by hand
    assert not made(summary=b"{not json")
    overlay = overlay_files(shard, pages, names, ["hongkou-1845"], ["hongkou-1845"])
    assert not made(summary=overlay[f"html/pagefind/{shard}-edits/{SUMMARY}"])
