"""The search index: records faithful to the TEI, Chinese tokens, script folding, determinism."""

from __future__ import annotations

import json
import shutil
import sys
from dataclasses import astuple
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import etree

from teibuild import TEI_NS, XML_NS
from teibuild.edition import load_edition
from teibuild.errors import TeiBuildError
from teibuild.render.build import render_site
from teibuild.search import DATA_FILE, build_search_index, search_files
from teibuild.search.index import han_code, index_text, pagefind_files, record_document
from teibuild.search.records import Record, site_records
from teibuild.search.scripts import fold, fold_table
from teibuild.xmlsafe import parse_file

REPO = Path(__file__).resolve().parent.parent
SAMPLE = REPO / "tei" / "hongkou-1845.xml"
T = f"{{{TEI_NS}}}"
ID = f"{{{XML_NS}}}id"


def sample_tei(folder: Path) -> Path:
    """The sample issue and its registers in a folder of their own."""
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copy(SAMPLE, folder / SAMPLE.name)
    for name in ("persons.xml", "places.xml", "orgs.xml"):
        if (SAMPLE.parent / name).is_file():
            shutil.copy(SAMPLE.parent / name, folder / name)
    return folder


def tei_paragraphs(path: Path = SAMPLE) -> dict[str, str]:
    """xml:id → text of every identified paragraph of the TEI body (lb adds nothing)."""
    body = parse_file(path).getroot().find(f"{T}text")
    return {p.get(ID): " ".join("".join(p.itertext()).split())
            for p in body.iter(f"{T}p") if p.get(ID)}


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> dict[str, bytes]:
    tei = sample_tei(tmp_path_factory.mktemp("search") / "tei")
    return render_site(tei, load_edition(REPO / "edition.toml"), jobs=1).files


@pytest.fixture(scope="module")
def records(site) -> list[Record]:
    return site_records(site)


@pytest.fixture(scope="module")
def indexed(site):
    return search_files(site)


def test_every_tei_paragraph_is_one_record_with_its_text(records):
    paragraphs = tei_paragraphs()
    by_anchor = {r.anchor: r for r in records}
    assert len(by_anchor) == len(records)
    assert set(paragraphs) <= set(by_anchor)
    for pid, text in paragraphs.items():
        assert by_anchor[pid].text == text, pid
        assert by_anchor[pid].url == f"issues/hongkou-1845.html#{pid}"


def test_records_hold_plain_strings_not_their_pages(records):
    """A string lxml gives from a page keeps the page's whole tree alive: a shard's
    records of 100 issues held 82 MB of pages that way (9 MB without)."""
    kinds = {type(value) for r in records for value in astuple(r) if isinstance(value, str)}
    assert kinds == {str} and records[0].date == "2022-03-25"


def test_article_headings_are_records_anchored_at_the_article(records):
    tree = parse_file(SAMPLE)
    first = next(d for d in tree.iter(f"{T}div") if d.get("type") == "article")
    main = "".join(next(h for h in first.iter(f"{T}head") if h.get("type") == "main").itertext())
    record = next(r for r in records if r.anchor == first.get(ID))
    assert main.strip() in record.text
    assert record.title == main.strip()


def test_records_know_issue_date_page_and_title(records):
    record = next(r for r in records if r.anchor == "hongkou-1845-a01-p01")
    assert (record.issue, record.date, record.page) == ("hongkou-1845", "2022-03-25", "第1版")
    assert "第1845期" in record.issue_label
    assert record.title == "确保不漏一户、不落一人"
    caption = next(r for r in records if r.anchor == "hongkou-1845-f01-p01")
    assert caption.title == "图片说明"


def test_records_carry_the_registered_names_they_mention(records):
    record = next(r for r in records if r.anchor == "hongkou-1845-a01-p01")
    assert "郭芳" in record.names["person"]
    assert "虹口区疫情防控工作领导小组" in record.names["org"]   # (the register's name: home)
    places = {n for r in records for n in r.names.get("place", ())}
    assert "凉城新村街道" in places
    assert all(set(r.names) <= {"person", "place", "org"} for r in records)


def test_records_carry_the_names_inside_names(records):
    """北外滩街道 in 北外滩街道社区卫生服务中心 is a mention of the street: the place filter
    finds the paragraph, as the street's register page lists it."""
    record = next(r for r in records if r.anchor == "hongkou-1845-a05-p01")
    assert "北外滩街道社区卫生服务中心" in record.names["org"]
    assert {"北外滩街道", "嘉兴路街道", "广中路街道"} <= set(record.names["place"])


def test_hant_text_is_the_zh_hant_page_aligned_character_for_character(records):
    table = fold_table((r.text, r.text_hant) for r in records)
    for record in records:
        assert len(record.text_hant) == len(record.text), record.anchor
        assert fold(record.text_hant, table) == fold(record.text, table), record.anchor
    assert sum(r.text_hant != r.text for r in records) > len(records) // 2
    assert any("檢測" in r.text_hant for r in records)


def test_index_text_spells_overlapping_pairs_of_han_characters_in_letters():
    code = {c: han_code(c) for c in "月日晚区委检测𠀀丁"}
    assert index_text("3月17日晚，区委 abc12检测") == " ".join([
        "3", code["月"], "17", code["日"] + code["晚"], code["晚"], "，",
        code["区"] + code["委"], code["委"], "abc12", code["检"] + code["测"], code["测"]])
    assert index_text("𠀀丁") == f"{code['𠀀']}{code['丁']} {code['丁']}"  # beyond the BMP
    assert index_text("") == ""


def test_han_code_is_four_letters_and_one_to_one():
    codes = {han_code(chr(c)) for c in range(0x3400, 0x9FFF + 1)} | {han_code("\U0003134F")}
    assert len(codes) == 0x9FFF - 0x3400 + 2
    assert all(len(c) == 4 and c.isascii() and c.isalpha() and c.islower() for c in codes)


def test_fold_finds_simplified_for_traditional_and_leaves_simplified_alone():
    assert fold("檢測") == "检测"
    assert fold("區委") == "区委"
    assert fold("頭髮 發展") == "头发 发展"
    assert fold("核酸检测 郭芳 abc") == "核酸检测 郭芳 abc"
    table = fold_table()
    assert all(len(k) == 1 and len(v) == 1 and k != v for k, v in table.items())


def test_the_editions_own_zh_hant_text_corrects_the_fold_table():
    assert fold("反覆") == "反覆"  # 覆 is also simplified: OpenCC alone keeps it
    table = fold_table([("反复筛查", "反覆篩查"), ("覆盖", "覆蓋")])
    assert fold("反覆篩查", table) == "反复筛查"
    assert table["篩"] == "筛" and "盖" not in table


def test_record_document_escapes_text_and_keeps_facets():
    record = Record(url="issues/x.html#x-a01-p01", anchor="x-a01-p01", issue="x", issue_label="报 第1期",
                    date="2022-01-07", page="第1版", title='<b>"标题"</b>', text="<script>区委</script>",
                    text_hant="<script>區委</script>", title_hant="標題",
                    names={"person": ("郭芳",), "place": ("北外滩街道",)})
    doc = record_document(record)
    parsed = etree.HTML(doc)
    assert "<script>" not in doc
    assert parsed.xpath("string(//main)") == index_text("<script>区委</script>")
    assert "区" not in parsed.xpath("string(//main)")
    def values(attribute: str, key: str) -> list[str]:
        return parsed.xpath(f'//*[@data-pagefind-{attribute}="{key}[data-value]"]/@data-value')

    assert values("filter", "person") == ["郭芳"]
    assert values("filter", "place") == ["北外滩街道"]
    assert values("meta", "url") == ["issues/x.html#x-a01-p01"]
    assert values("meta", "title") == ['<b>"标题"</b>']
    assert values("meta", "date") == ["2022-01-07"]
    assert parsed.xpath("//*[@data-pagefind-sort]") == []  # date order is in the page names


def test_search_files_are_a_pagefind_bundle_and_search_data(indexed, records):
    files, report = indexed
    assert "html/pagefind/pagefind.js" in files
    assert any(p.startswith("html/pagefind/n001800/fragment/") for p in files)
    assert not any("pagefind-ui" in p for p in files)
    assert report.records == len(records) and report.issues == 1
    assert report.files == len(files) and report.bytes == sum(map(len, files.values()))
    data = json.loads(files[f"html/{DATA_FILE}"])
    assert data["fold"]["檢"] == "检"
    assert data["issues"]["hongkou-1845"]["date"] == "2022-03-25"
    assert data["issues"]["hongkou-1845"]["label_hant"].endswith("第1845期")


def test_the_same_site_gives_the_same_index_bytes(site, indexed):
    again, _ = search_files(site)
    assert again == indexed[0]


def write(folder: Path, files: dict[str, bytes]) -> Path:
    """A built site held in memory (`{'html/…': bytes}`) written out as an edition."""
    for rel, data in files.items():
        (folder / rel).parent.mkdir(parents=True, exist_ok=True)
        (folder / rel).write_bytes(data)
    return folder


def test_build_search_index_replaces_the_index_of_a_built_edition(tmp_path, site):
    write(tmp_path, site)
    stale = tmp_path / "html" / "pagefind" / "n001800" / "fragment" / "stale.pf_fragment"
    stale.parent.mkdir(parents=True)
    stale.write_bytes(b"old")
    report = build_search_index(tmp_path)
    assert not stale.exists()
    assert (tmp_path / "html" / "pagefind" / "pagefind.js").is_file()
    assert (tmp_path / "html" / DATA_FILE).is_file()
    assert report.records > 30
    assert not list((tmp_path / "html").glob(".search-*"))


def test_build_search_index_needs_a_built_edition(tmp_path):
    with pytest.raises(TeiBuildError, match="no built HTML edition"):
        build_search_index(tmp_path)


def test_missing_pagefind_is_one_clear_error(monkeypatch, records):
    monkeypatch.delenv("PAGEFIND_BINARY_PATH", raising=False)
    for module in ("pagefind.service", "pagefind_bin_extended"):
        monkeypatch.setitem(sys.modules, module, None)
    with pytest.raises(TeiBuildError, match="pagefind"):
        pagefind_files(records[:1])


def test_cli_search_index_reindexes_a_built_edition_and_errors_in_one_line(tmp_path, site, records):
    from click.testing import CliRunner

    from teibuild.cli import main

    write(tmp_path / "ed", site)
    runner = CliRunner()
    ok = runner.invoke(main, ["search-index", "--out", str(tmp_path / "ed"),
                              "--edition", str(REPO / "edition.toml")])
    assert ok.exit_code == 0, ok.output
    assert f"indexed {len(records)} paragraphs and headings of 1 issue(s)" in ok.output
    assert (tmp_path / "ed" / "html" / "pagefind" / "pagefind.js").is_file()
    bad = runner.invoke(main, ["search-index", "--out", str(tmp_path / "none")])
    assert bad.exit_code == 1
    assert bad.output.strip().count("\n") == 0 and "no built HTML edition" in bad.output
    page = tmp_path / "ed" / "html" / "issues" / "hongkou-1845.html"
    index = {p: p.read_bytes() for p in (tmp_path / "ed" / "html").rglob("*") if p.is_file()}
    page.write_bytes(page.read_bytes()[:3000])   # cut short: no heading left to index
    index[page] = page.read_bytes()
    cut = runner.invoke(main, ["search-index", "--out", str(tmp_path / "ed"), "-j", "1",
                               "--edition", str(REPO / "edition.toml")])
    assert cut.exit_code == 1
    assert cut.output == f"tei-build: error: {page}: issue page has no heading to index\n"
    assert {p: p.read_bytes() for p in (tmp_path / "ed" / "html").rglob("*")
            if p.is_file()} == index   # the index as it was, nothing staged left behind


@pytest.mark.parametrize("quiet", [False, True])
def test_cli_search_index_draws_a_bar_on_a_terminal_unless_quiet(tmp_path, site, quiet):
    from hostile.harness import on_terminal

    write(tmp_path / "ed", site)
    code, text = on_terminal("search-index", "--out", tmp_path / "ed", "-j", "1",
                             "--edition", REPO / "edition.toml", *(["-q"] if quiet else []))
    assert code == 0
    assert ("indexing" in text and "1/1" in text) is not quiet
    assert ("indexed " in text) is not quiet


def test_pages_are_renumbered_in_record_order_in_every_posting_list():
    from teibuild.search.canonical import _renumbered_chunk, _sorted_filter

    # word "w" on old pages 0 and 2 (delta-coded 0, 2); pages 0 and 1 swap places
    chunk = [[["w", [[0, [], [5]], [2, [], [7]]], []]]]
    assert _renumbered_chunk(chunk, [1, 0, 2]) == [[["w", [[1, [], [5]], [1, [], [7]]], []]]]
    assert _sorted_filter(["person", [["郭芳", [2, 0]], ["吴强", [1]]]], [1, 0, 2]) == \
        ["person", [["吴强", [0]], ["郭芳", [1, 2]]]]


def test_the_index_does_not_depend_on_where_pagefind_reads_its_documents(records, monkeypatch,
                                                                          tmp_path):
    import teibuild.search.index as index

    first = pagefind_files(records)
    monkeypatch.setattr(index, "_scratch_dir", lambda _records: str(tmp_path))
    assert pagefind_files(records) == first


@settings(max_examples=60, deadline=None)
@given(st.lists(st.text(alphabet="发头干后里面准印证号U盘方便面软件\n区长胡广杰 a", min_size=1, max_size=8),
                max_size=12), st.sampled_from(["s2tw", "s2t", "s2twp"]))
def test_facet_labels_convert_each_on_its_own(labels, config):
    """(converted in one call to OpenCC where that gives the same as a call for each)"""
    from teibuild.render.hant import converter
    from teibuild.search.scripts import labels_hant

    convert = converter(config).convert
    assert labels_hant(labels, config) == {v: convert(v) for v in labels if convert(v) != v}
