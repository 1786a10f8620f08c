"""The HTML and plain-text editions: faithfulness, safety, registers, zh-Hant, determinism."""

from __future__ import annotations

import re
import shutil
import unicodedata
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import etree, html as lhtml

from teibuild import TEI_NS, XML_NS
from teibuild.edition import Edition
from teibuild.errors import TeiBuildError
from teibuild.render import build_site
from teibuild.render.hant import html_to_hant, text_to_hant
from teibuild.render.pages import Here, _Both
from teibuild.render.site import issue_from_tree, read_issue
from teibuild.render.text import render_text
from teibuild.xmlsafe import parse_file

FIXTURE = Path(__file__).parent / "fixtures" / "mini-issue.xml"
EDITION = Edition(slug="hongkou", title="虹口报", subtitle="虹口报数字编辑版",
                  base_url="https://example.org/hongkou/", version="0.1.0")
T = f"{{{TEI_NS}}}"

PERSONS = """<?xml version="1.0" encoding="UTF-8"?>
<TEI xmlns="http://www.tei-c.org/ns/1.0" xml:id="persons"><teiHeader><fileDesc>
<titleStmt><title>人物名录</title></titleStmt><publicationStmt><p/></publicationStmt>
<sourceDesc><p/></sourceDesc></fileDesc></teiHeader><text><body><listPerson>
<person xml:id="du-songquan" cert="medium">
  <persName xml:lang="zh-Hans">杜松全</persName><persName xml:lang="zh-Hant">杜松全</persName>
  <persName xml:lang="zh-Latn-pinyin">Du Songquan</persName>
  <idno type="wikidata">Q123</idno><occupation>区委副书记</occupation>
  <note type="mentions"><ref type="first" n="hongkou-1845" target="hongkou-1845.xml"><date when="2022-03-25">x</date></ref></note>
</person>
<person xml:id="nobody-in-text"><persName xml:lang="zh-Hans">无名氏</persName><idno type="wikidata"/></person>
</listPerson></body></text></TEI>
"""


def issue_with_body(tmp_path: Path, body: str, name: str = "hongkou-1845.xml") -> Path:
    """The fixture's header with another body: tests state only what they are about."""
    tree = parse_file(FIXTURE)
    old = tree.getroot().find(f"{T}text/{T}body")
    new = etree.fromstring(f'<body xmlns="{TEI_NS}" xmlns:xml="{XML_NS}">{body}</body>')
    old.getparent().replace(old, new)
    tei = tmp_path / "tei"
    tei.mkdir(exist_ok=True)
    path = tei / name
    path.write_bytes(etree.tostring(tree, encoding="UTF-8", xml_declaration=True))
    return path


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("site")
    (root / "tei").mkdir()
    shutil.copy(FIXTURE, root / "tei" / "hongkou-1845.xml")
    (root / "tei" / "persons.xml").write_text(PERSONS, encoding="utf-8")
    build_site(root / "tei", root / "out", EDITION, jobs=1)
    return root / "out"


def tei_paragraphs(path: Path) -> list[str]:
    """Every p of the TEI body in document order, as its characters (lb adds none)."""
    tree = parse_file(path)
    out = []
    for p in tree.getroot().iter(f"{T}p"):
        if p.xpath("ancestor::tei:body", namespaces={"tei": TEI_NS}):
            out.append(re.sub(r"[\n\r\t]", " ", "".join(p.itertext())).rstrip())
    return out


def txt_paragraphs(text: str) -> list[str]:
    return [m.group(1) for m in re.finditer(r"^\[(?:\d+|摘要\d*|图片说明\d*)\] (.*)$", text, re.M)]


# ----- plain text -----

def test_text_has_every_paragraph_in_order_and_nothing_added(built):
    text = (built / "txt" / "zh-Hans" / "hongkou-1845.txt").read_text(encoding="utf-8")
    assert txt_paragraphs(text) == tei_paragraphs(FIXTURE)
    assert "杜松全出席会议" in text  # markup crossing lb: no character inserted


def test_text_is_nfc_lf_and_headed_by_its_citation(built):
    raw = (built / "txt" / "zh-Hans" / "hongkou-1845" / "hongkou-1845-a01.txt").read_bytes()
    text = raw.decode("utf-8")
    assert b"\r" not in raw and text.endswith("\n") and not text.endswith("\n\n")
    assert unicodedata.is_normalized("NFC", text)
    header = text.split("————", 1)[0]
    for expected in ("题名：确保不漏一户、不落一人", "作者：陆雪姣", "报纸：虹口报", "期号：第1845期",
                     "日期：2022-03-25", "版次：第1版", "版本：虹口报数字编辑版 0.1.0",
                     "网址：https://example.org/hongkou/issues/hongkou-1845.html#hongkou-1845-a01"):
        assert expected in header
    assert "[1] 3月17日晚，区疫情防控工作领导小组会议召开。" in text
    assert "hongkou-1845-a02" not in text.split("————", 1)[1]  # only this article


def test_text_marks_pages_continuations_and_gaps(built):
    text = (built / "txt" / "zh-Hans" / "hongkou-1845.txt").read_text(encoding="utf-8")
    assert text.index("[第1版]") < text.index("=== hongkou-1845-a01 ===") < text.index("[第4版]")
    assert "下转▶4版 [→ hongkou-1845-a03，第4版]" in text
    assert "[上接 hongkou-1845-a02，第1版]" in text
    assert "〔第4版未录入〕" in text and "1版〕" not in text   # not read as "page 1"


@settings(max_examples=30, deadline=None)
@given(chars=st.text(alphabet="中文报道社区疫情防控工作会议召开，。、“”", min_size=2, max_size=40),
       cuts=st.lists(st.integers(min_value=1, max_value=39), max_size=6))
def test_line_breaks_never_add_characters(tmp_path_factory, chars, cuts):
    cuts = sorted({c for c in cuts if c < len(chars)})
    pieces, last = [], 0
    for c in cuts:
        pieces.append(chars[last:c])
        last = c
    pieces.append(chars[last:])
    marked = "<lb/>".join(p.replace("&", "&amp;") for p in pieces)
    path = issue_with_body(tmp_path_factory.mktemp("lb"),
                           f'<div type="article" xml:id="hongkou-1845-a01"><head type="main">题</head>'
                           f'<p xml:id="hongkou-1845-a01-p01">{marked}</p></div>')
    tree = parse_file(path)
    text = render_text(tree, issue_from_tree(tree, path), EDITION)
    assert txt_paragraphs(text) == [chars.rstrip()]


# ----- HTML -----

def page(built: Path, rel: str) -> lhtml.HtmlElement:
    return lhtml.fromstring((built / "html" / rel).read_bytes())


def test_issue_page_keeps_every_paragraph_with_anchor_number_and_link(built):
    doc = page(built, "issues/hongkou-1845.html")
    tree = parse_file(FIXTURE)
    ids = [p.get(f"{{{XML_NS}}}id") for p in tree.getroot().iter(f"{T}p")
           if p.get(f"{{{XML_NS}}}id")]
    html_ids = [p.get("id") for p in doc.xpath("//p[contains(@class,'para')]")]
    assert html_ids == ids
    p = doc.get_element_by_id("hongkou-1845-a01-p02")
    assert p.xpath("string(span[@class='pnum'])") == "2"
    assert p.xpath("a[@class='plink']/@href") == ["#hongkou-1845-a01-p02"]
    text = "".join(t for t in p.xpath(".//text()[not(ancestor::span[@class='pnum']) and "
                                      "not(ancestor::a[@class='plink'])]"))
    assert text == "区委副书记杜松全出席会议。"
    assert p.xpath(".//br[@class='lb']")  # the source line break, shown in diplomatic view


def test_names_dates_and_continuations_link_where_they_should(built):
    doc = page(built, "issues/hongkou-1845.html")
    name = doc.xpath("//a[contains(@class,'persName') and contains(.,'杜松')]")[0]
    assert name.get("href") == "../registers/persons/du-songquan.html"
    assert (built / "html" / "registers" / "persons" / "du-songquan.html").is_file()
    # nested names: no link inside a link, the inner one still reachable
    org = doc.xpath("//a[contains(@class,'orgName')]")[0]
    assert not org.xpath(".//a")
    assert org.getnext().get("href") == "../registers/places/beiwaitan-jiedao.html"
    date = doc.xpath("//time[@class='date']")[0]
    assert date.get("datetime") == "2022-03-17" and date.get("title") == "2022-03-17"
    assert doc.xpath("//a[contains(@class,'ref-continuation')]/@href") == ["#hongkou-1845-a03"]
    assert doc.xpath("//p[contains(@class,'continued-from')]/a/@href") == ["#hongkou-1845-a02"]
    assert doc.xpath("//span[contains(@class,'gap') and contains(@class,'editorial')]")


def test_article_page_points_outside_targets_to_the_issue_page(built):
    doc = page(built, "articles/hongkou-1845-a02.html")
    assert doc.xpath("//a[contains(@class,'ref-continuation')]/@href") == [
        "../issues/hongkou-1845.html#hongkou-1845-a03"]
    assert doc.xpath("//a[@rel='next']/@href") == ["hongkou-1845-a03.html"]


def test_register_page_lists_every_mention_linked_to_its_paragraph(built):
    doc = page(built, "registers/persons/du-songquan.html")
    assert doc.xpath("string(//h1)") == "杜松全"
    assert "Du Songquan" in doc.text_content() and "区委副书记" in doc.text_content()
    assert doc.xpath("//a[@href='https://www.wikidata.org/wiki/Q123']")
    links = doc.xpath("//ol[@class='mentions']//a/@href")
    assert links == ["../../issues/hongkou-1845.html#hongkou-1845-a01-p02"]
    assert doc.xpath("string(//q//mark)") == "杜松全"
    # an entry of the register never printed still has a page, saying so
    lonely = page(built, "registers/persons/nobody-in-text.html")
    assert "尚未出现" in lonely.text_content()
    # a name in the text that the register lacks still resolves
    assert (built / "html" / "registers" / "persons" / "qian-jing.html").is_file()


def test_an_automatic_headings_title_says_how_sure_in_words(built):
    doc = page(built, "issues/hongkou-1845.html")
    titles = set(doc.xpath("//*[contains(@class, 'head') and contains(@class, 'cert-')]/@title"))
    assert titles == {"标题层级为自动判断（把握：中）"}
    hant = page(built, "zh-Hant/issues/hongkou-1845.html")
    assert "標題層級為自動判斷（把握：中）" in hant.xpath("//*[contains(@class, 'cert-')]/@title")


def test_an_entry_the_tagger_added_says_so_in_the_same_words(tmp_path):
    from teibuild.render.site import read_registers

    shutil.copy(Path(__file__).parent.parent / "tei" / "orgs.xml", tmp_path / "orgs.xml")
    entry = read_registers(tmp_path)[("orgs", "hongkouquwei")]
    assert ("识别", "自动识别，未经核对（把握：中）") in entry.details


def test_an_entrys_mentions_are_written_once_for_both_scripts(built):
    """mention_list writes the list of mentions once: it must link each zh-Hant page to
    the zh-Hant issue, and the zh-Hant page must hold its conversion, which is what
    html_to_hant makes of it."""
    from teibuild.render.mentions import mention_list

    rel = "registers/persons/du-songquan.html"
    for script in ("", "zh-Hant/"):
        doc = page(built, script + rel)
        (href,) = doc.xpath("//ol[@class='mentions']//a/@href")
        target = (built / "html" / script / Path(rel).parent / href.split("#")[0]).resolve()
        assert target == (built / "html" / script / "issues/hongkou-1845.html").resolve()
    hant = page(built, "zh-Hant/" + rel)
    assert "區委副書記" in hant.xpath("string(//ol[@class='mentions'])")
    issue = read_issue(built / "html" / "tei" / "hongkou-1845.xml")
    groups = [(issue, [m for m in issue.mentions if m.key == "du-songquan"])]
    hans_list, hant_list = mention_list(rel, groups, EDITION.opencc)
    assert hant_list == html_to_hant(hans_list, EDITION.opencc)
    for script, part in (("", hans_list), ("zh-Hant/", hant_list)):
        assert part in (built / "html" / script / rel).read_text(encoding="utf-8")


def test_every_page_has_lang_switch_and_view_toggle_where_text_is(built):
    for rel in ("index.html", "issues/index.html", "issues/hongkou-1845.html",
                "registers/index.html", "about.html", "guidelines.html"):
        hans, hant = page(built, rel), page(built, "zh-Hant/" + rel)
        assert hans.get("lang") == "zh-Hans" and hant.get("lang") == "zh-Hant"
        switch = hans.xpath("//a[@class='script-switch']")[0]
        assert (built / "html" / Path(rel).parent / switch.get("href")).resolve() == \
            (built / "html" / "zh-Hant" / rel).resolve()
        assert switch.text == "繁體"
        assert hant.xpath("//a[@class='script-switch']")[0].text == "简体"  # not converted
    assert page(built, "issues/hongkou-1845.html").xpath("//button[@class='view-toggle']")


def test_zh_hant_pages_convert_text_but_not_markup(built):
    hant = (built / "html" / "zh-Hant" / "issues" / "hongkou-1845.html").read_text(encoding="utf-8")
    assert "區委副書記" in hant and "区委副书记" not in hant
    assert 'href="../registers/persons/du-songquan.html"' in hant
    assert 'id="hongkou-1845-a01-p02"' in hant
    hant_txt = (built / "txt" / "zh-Hant" / "hongkou-1845.txt").read_text(encoding="utf-8")
    assert "[2] 區委副書記杜松全出席會議。" in hant_txt


def test_html_to_hant_touches_only_readable_text():
    src = ('<a href="/区/" title="链接" data-x="区">区<b translate="no">简体<i>简</i></b>'
           '区</a><!-- 区 -->')
    out = html_to_hant(src)
    assert out == ('<a href="/区/" title="鏈接" data-x="区">區<b translate="no">简体<i>简</i></b>'
                   '區</a><!-- 区 -->')
    assert text_to_hant("发展") == "發展"
    # a phrase cut by a line break converts as a phrase, as in the text edition
    assert html_to_hant('<p>头<br class="lb">发</p><p>发</p>') == '<p>頭<br class="lb">髮</p><p>發</p>'
    # a name converts on its own: 区长胡广杰 is not 區長鬍廣傑 ("district head beard")
    assert html_to_hant('<p>区长<a class="name persName" href="x">胡<br>广杰</a>头发</p>') == \
        '<p>區長<a class="name persName" href="x">胡<br>廣傑</a>頭髮</p>'
    assert text_to_hant("区长胡广杰，头发", names=("胡广杰",)) == "區長胡廣傑，頭髮"



def test_tei_strings_are_escaped_and_unsafe_links_dropped(tmp_path):
    path = issue_with_body(tmp_path, """
      <div type="article" xml:id="hongkou-1845-a01">
        <head type="main">&lt;script&gt;alert(1)&lt;/script&gt; &amp; 标题</head>
        <p xml:id="hongkou-1845-a01-p01"><ref target="javascript:alert(1)">点我</ref>
          <ref target="https://example.org/x">外链</ref>
          <persName ref="persons.xml#../../etc">坏</persName>
          <persName ref="http://evil.example/#x">也坏</persName></p>
      </div>""")
    build_site(path.parent, tmp_path / "out", EDITION, jobs=1)
    raw = (tmp_path / "out" / "html" / "issues" / "hongkou-1845.html").read_text(encoding="utf-8")
    assert "<script>alert" not in raw and "&lt;script&gt;alert(1)&lt;/script&gt; &amp; 标题" in raw
    doc = lhtml.fromstring(raw)
    hrefs = doc.xpath("//div[@class='tei-text']//a[not(ancestor::footer)]/@href")
    assert hrefs == ["#hongkou-1845-a01-p01", "https://example.org/x"]
    assert not list((tmp_path / "out" / "html" / "registers").rglob("*etc*"))


def test_what_an_editor_wrote_inside_a_gap_is_shown(tmp_path):
    path = issue_with_body(tmp_path, """
      <div type="article" xml:id="hongkou-1845-a01">
        <p xml:id="hongkou-1845-a01-p01">前文<gap reason="damage" quantity="3" unit="chars"><desc>右下角撕去</desc></gap>后文</p>
      </div>
      <div type="article" xml:id="hongkou-1845-a02">
        <gap reason="untranscribed" unit="page" quantity="2"/>
      </div>""")
    build_site(path.parent, tmp_path / "out", EDITION, jobs=1)
    page = (tmp_path / "out" / "html" / "issues" / "hongkou-1845.html").read_text(encoding="utf-8")
    gap = lhtml.fromstring(page).xpath("//span[contains(@class, 'gap')]")[0]
    assert gap.text_content() == "〔原件残损：3字〕右下角撕去"
    assert lhtml.fromstring(page).xpath("string(//*[@id='hongkou-1845-a02']//span[contains("
                                        "@class, 'gap')])") == "〔未录入：共2版〕"
    text = (tmp_path / "out" / "txt" / "zh-Hans" / "hongkou-1845.txt").read_text(encoding="utf-8")
    assert "前文〔原件残损：3字〕右下角撕去后文" in text


def test_missing_registers_are_fine_and_names_still_resolve(tmp_path):
    (tmp_path / "tei").mkdir()
    shutil.copy(FIXTURE, tmp_path / "tei" / "hongkou-1845.xml")
    report = build_site(tmp_path / "tei", tmp_path / "out", EDITION, jobs=1)
    assert report.issues == 1 and report.articles == 3 and report.register_entries == 5
    assert report.text_files == 2 * (1 + 3)
    entry = page(tmp_path / "out", "registers/orgs/beiwaitan-jiedao-shequ-weisheng-fuwu-zhongxin.html")
    assert entry.xpath("string(//h1)") == "北外滩街道社区卫生服务中心"
    assert entry.xpath("string(//q//mark)") == "北外滩街道社区卫生服务中心"


def test_a_name_only_the_model_found_is_shown_as_a_guess(tmp_path):
    """@cert on a name (the tagger's guess) gives it a dotted underline and says why; a
    certain name, linked or not, stays as it is."""
    issue_with_body(tmp_path, '<div type="article" xml:id="hongkou-1845-a01"><p xml:id="hongkou-1845-a01-p01">'
                    '<persName ref="persons.xml#du-songquan">杜松全</persName>与'
                    '<persName cert="medium" resp="#tagger" ref="persons.xml#du-songquan">杜松全</persName>、'
                    '<placeName cert="low" resp="#tagger">某地</placeName></p></div>')
    (tmp_path / "tei" / "persons.xml").write_text(PERSONS, encoding="utf-8")
    build_site(tmp_path / "tei", tmp_path / "out", EDITION, jobs=1)
    doc = page(tmp_path / "out", "issues/hongkou-1845.html")
    sure, guess = doc.xpath("//a[contains(@class,'persName')]")
    assert sure.get("class") == "name persName" and sure.get("title") is None
    assert (guess.get("class") == "name persName guess cert-medium"
            and guess.get("title") == "自动识别的名称，未经核对（把握：中）")   # and how sure
    place = doc.xpath("//span[contains(@class,'placeName')]")[0]
    assert place.get("class") == "name placeName guess cert-low"   # (greyed by the CSS)
    assert place.get("title") == "自动识别的名称，未经核对（把握：低）"
    hant = page(tmp_path / "out", "zh-Hant/issues/hongkou-1845.html")
    assert hant.xpath("//a[contains(@class,'guess')]/@title") == ["自動識別的名稱，未經核對（把握：中）"]


def files_and_state(out: Path) -> dict:
    """Every file of the edition and of its build's state, byte for byte, but the stamp of
    the manifest file (its size, times and inode, which the quick record keeps to know the
    manifest by without reading it: written again, a file has other times)."""
    import orjson

    found = {p.relative_to(out): p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()}
    quick = Path(".tei-build", "quick.json")
    record = orjson.loads(found[quick])
    assert len(record.pop("manifest_stamp")) == 4
    found[quick] = orjson.dumps(record, option=orjson.OPT_SORT_KEYS)
    return found


def test_rebuild_is_byte_identical_and_removes_stale_files(tmp_path):
    (tmp_path / "tei").mkdir()
    shutil.copy(FIXTURE, tmp_path / "tei" / "hongkou-1845.xml")
    out = tmp_path / "out"
    build_site(tmp_path / "tei", out, EDITION, jobs=1)
    first = files_and_state(out)
    (out / "html" / "stale.html").write_text("old", encoding="utf-8")
    build_site(tmp_path / "tei", out, EDITION, jobs=2)
    assert files_and_state(out) == first
    assert not [p for p in out.iterdir() if p.name.startswith(".build-")]


def test_bad_input_is_one_error_and_leaves_the_edition_alone(tmp_path):
    (tmp_path / "tei").mkdir()
    shutil.copy(FIXTURE, tmp_path / "tei" / "hongkou-1845.xml")
    out = tmp_path / "out"
    build_site(tmp_path / "tei", out, EDITION, jobs=1)
    before = sorted(p.relative_to(out) for p in out.rglob("*"))
    (tmp_path / "tei" / "hongkou-1846.xml").write_text("<TEI>\n<broken>", encoding="utf-8")
    with pytest.raises(TeiBuildError) as err:
        build_site(tmp_path / "tei", out, EDITION, jobs=2)
    assert "hongkou-1846.xml" in str(err.value) and err.value.line
    assert sorted(p.relative_to(out) for p in out.rglob("*")) == before


def test_duplicate_issue_ids_are_refused(tmp_path):
    path = issue_with_body(tmp_path, '<div type="article" xml:id="hongkou-1845-a01"><p>x</p></div>')
    shutil.copy(path, path.with_name("copy.xml"))
    with pytest.raises(TeiBuildError, match="also used by") as err:
        build_site(path.parent, tmp_path / "out", EDITION, jobs=1)
    assert {Path(str(err.value.path)).name, Path(str(err.value).split("also used by ")[1]).name} \
        == {path.name, "copy.xml"}


def test_issue_data_comes_from_the_header():
    issue = read_issue(FIXTURE)
    assert (issue.id, issue.date, issue.n, issue.paper) == ("hongkou-1845", "2022-03-25", "1845", "虹口报")
    assert [a.id for a in issue.articles] == ["hongkou-1845-a01", "hongkou-1845-a02",
                                              "hongkou-1845-a03"]
    assert [a.page for a in issue.articles] == ["1", "1", "4"]
    assert issue.articles[2].placeholder and issue.articles[2].prev == "hongkou-1845-a02"
    byline = [m for m in issue.mentions if m.key == "lu-xuejiao"][0]
    assert byline.anchor == "hongkou-1845-a01" and byline.name == "陆雪姣"


def test_relative_links_from_each_tree():
    here = Here("registers/persons/x.html", "zh-Hant")
    assert here.link("index.html") == "../../index.html"
    assert here.shared("static/edition.css") == "../../../static/edition.css"
    assert here.switch == "../../../registers/persons/x.html"
    assert here.root == "../../"
    assert Here("index.html").root == ""


@pytest.mark.parametrize("path", ["index.html", "issues/hongkou-1845.html",
                                  "registers/persons/x.html", "registers/persons/x/2022.html"])
def test_a_page_rendered_once_for_both_scripts_links_as_each_scripts_own_would(path):
    both = _Both(path)
    for script in ("zh-Hans", "zh-Hant"):
        here = Here(path, script)
        for name in ("root", "switch", "lang", "other", "other_label", "script", "file"):
            assert both.put_in(getattr(both, name), script) == getattr(here, name)
        for target in ("index.html", "issues/hongkou-1846.html", "registers/persons/y.html"):
            assert both.put_in(both.link(target), script) == here.link(target)
        for target in ("static/edition.css", "tei/hongkou-1845.xml", "cite/x.bib"):
            assert both.put_in(both.shared(target), script) == here.shared(target)
        for target in ("hongkou-1845.txt", "hongkou-1845/hongkou-1845-a01.txt"):
            assert both.put_in(both.text(target), script) == here.text(target)


def test_a_page_rendered_once_is_what_each_script_rendered_on_its_own_would_be(
        tmp_path, monkeypatch):
    """render_page renders once and converts; rendered twice, with each script's own Here,
    and the zh-Hant one converted whole, the pages are the same bytes."""
    from jinja2 import ChoiceLoader, FileSystemLoader

    from teibuild.render.pages import environment, render_page

    source = ('<html lang="{{ here.lang }}" data-script="{{ here.script }}">'
              '<a href="{{ here.switch }}" hreflang="{{ here.other }}" translate="no">'
              '{{ here.other_label }}</a>\n<link href="{{ here.shared(\'static/edition.css\') }}">'
              '<a href="{{ here.text(\'hongkou-1845.txt\') }}">纯文本</a>\n'
              '<a href="{{ here.link(\'index.html\') }}" title="头发">{{ words }}</a></html>\n')
    (tmp_path / "page.html").write_text(source, encoding="utf-8")
    env = environment()
    monkeypatch.setattr(env, "loader", ChoiceLoader([env.loader, FileSystemLoader(tmp_path)]))
    path = "registers/persons/x.html"
    pages = render_page("page.html", path, EDITION, words="网络头发")
    template = env.get_template("page.html")
    for script in ("zh-Hans", "zh-Hant"):
        here = Here(path, script)
        alone = template.render(here=here, edition=EDITION, words="网络头发")
        if script == "zh-Hant":
            alone = html_to_hant(alone, EDITION.opencc)
        assert pages[f"html/{here.file}"].decode("utf-8") == alone
    assert "網絡頭髮" in pages["html/zh-Hant/registers/persons/x.html"].decode("utf-8")


def test_cli_build_reports_and_errors_in_one_line(tmp_path):
    from click.testing import CliRunner

    from teibuild.cli import main

    (tmp_path / "tei").mkdir()
    shutil.copy(FIXTURE, tmp_path / "tei" / "hongkou-1845.xml")
    runner = CliRunner()
    ok = runner.invoke(main, ["build", "--tei", str(tmp_path / "tei"), "--out",
                              str(tmp_path / "out"), "--quiet"])
    assert ok.exit_code == 0, ok.output
    assert (tmp_path / "out" / "html" / "index.html").is_file()
    bad = runner.invoke(main, ["build", "--tei", str(tmp_path / "nowhere"), "--out",
                               str(tmp_path / "out2")])
    assert bad.exit_code == 1
    assert bad.output.strip().count("\n") == 0 and "TEI folder not found" in bad.output



def test_stylesheets_run_sandboxed():
    from teibuild.render.transform import _ACCESS

    probe = etree.XML(
        '<xsl:stylesheet version="1.0" xmlns:xsl="http://www.w3.org/1999/XSL/Transform">'
        '<xsl:template match="/"><r><xsl:copy-of select="document(\'/etc/hostname\')"/></r>'
        '</xsl:template></xsl:stylesheet>')
    xslt = etree.XSLT(probe, access_control=_ACCESS)
    with pytest.raises(etree.XSLTApplyError):
        xslt(etree.XML("<x/>"))


def test_unknown_opencc_config_is_a_clear_error(tmp_path):
    (tmp_path / "tei").mkdir()
    shutil.copy(FIXTURE, tmp_path / "tei" / "hongkou-1845.xml")
    edition = Edition(slug="hongkou", title="虹口报", opencc="no-such-conversion")
    with pytest.raises(TeiBuildError, match="OpenCC"):
        build_site(tmp_path / "tei", tmp_path / "out", edition, jobs=1)
    assert not (tmp_path / "out" / "html").exists()


def test_issue_without_page_breaks_still_lists_its_articles(tmp_path):
    path = issue_with_body(tmp_path, '<div type="article" xml:id="hongkou-1845-a01">'
                                     '<p xml:id="hongkou-1845-a01-p01">没有标题的文章，开头几个字作为目录条目</p></div>')
    build_site(path.parent, tmp_path / "out", EDITION, jobs=1)
    doc = page(tmp_path / "out", "issues/hongkou-1845.html")
    assert doc.xpath("//ol[@class='toc']/li/a/@href") == ["#hongkou-1845-a01"]
    assert doc.xpath("string(//ol[@class='toc']/li/a)") == "没有标题的文章，开头几个字作为目…"


def test_several_issues_link_to_each_other_and_share_registers(tmp_path):
    tei = tmp_path / "tei"
    tei.mkdir()
    sample = FIXTURE.read_text(encoding="utf-8")
    (tei / "hongkou-1845.xml").write_text(sample, encoding="utf-8")
    later = sample.replace("hongkou-1845", "hongkou-1846").replace('n="1845"', 'n="1846"')
    (tei / "a-later-issue.xml").write_text(later.replace("2022-03-25", "2022-04-01"),
                                           encoding="utf-8")
    report = build_site(tei, tmp_path / "out", EDITION, jobs=2)
    assert report.issues == 2
    first = page(tmp_path / "out", "issues/hongkou-1845.html")
    assert first.xpath("//a[@rel='next']/@href") == ["hongkou-1846.html"]
    assert page(tmp_path / "out", "issues/hongkou-1846.html").xpath("//a[@rel='prev']/@href") == [
        "hongkou-1845.html"]
    entry = page(tmp_path / "out", "registers/persons/du-songquan.html")
    assert entry.xpath("//ol[@class='mentions']//a/@href") == [
        "../../issues/hongkou-1845.html#hongkou-1845-a01-p02",
        "../../issues/hongkou-1846.html#hongkou-1846-a01-p02"]


def test_an_entry_mentioned_often_over_years_has_a_page_per_year(tmp_path, monkeypatch):
    """A district secretary named in every issue of a weekly's run would have a page of
    megabytes: past ENTRY_PAGE_MENTIONS mentions, over more than one year, the entry's page
    lists its years and each year has a page of its mentions."""
    import teibuild.render.build as render_build

    monkeypatch.setattr(render_build, "ENTRY_PAGE_MENTIONS", 2)
    tei = tmp_path / "tei"
    tei.mkdir()
    sample = FIXTURE.read_text(encoding="utf-8")
    dates = {1845: "2021-12-31", 1846: "2022-03-25", 1847: "2022-04-01", 1848: "2023-01-06"}
    for number, date in dates.items():
        (tei / f"hongkou-{number}.xml").write_text(
            sample.replace("hongkou-1845", f"hongkou-{number}").replace('n="1845"', f'n="{number}"')
            .replace("2022-03-25", date), encoding="utf-8")
    build_site(tei, tmp_path / "out", EDITION, jobs=1)
    out = tmp_path / "out"
    entry = page(out, "registers/persons/du-songquan.html")
    assert entry.xpath("//ol[@class='entry-years']//a/@href") == [
        "du-songquan/2021.html", "du-songquan/2022.html", "du-songquan/2023.html"]
    assert [" ".join(li.text_content().split()) for li in entry.xpath(
        "//ol[@class='entry-years']/li")] == ["2021年 1 期 · 1 处", "2022年 2 期 · 2 处",
                                              "2023年 1 期 · 1 处"]
    assert "出现之处（4）" in entry.text_content() and not entry.xpath("//ol[@class='mentions']")
    year = page(out, "registers/persons/du-songquan/2022.html")
    assert year.xpath("//ol[@class='mentions']//a/@href") == [
        "../../../issues/hongkou-1846.html#hongkou-1846-a01-p02",
        "../../../issues/hongkou-1847.html#hongkou-1847-a01-p02"]
    assert year.xpath("//a[@rel='prev']/@href") == ["2021.html"]
    assert year.xpath("//a[@rel='next']/@href") == ["2023.html"]
    assert "../du-songquan.html" in year.xpath("//nav[@class='breadcrumb']//a/@href")
    assert "杜松全" in year.xpath("string(//h1)")
    assert page(out, "registers/persons/du-songquan/2021.html").xpath("//a[@rel='prev']") == []
    assert (out / "html/zh-Hant/registers/persons/du-songquan/2023.html").is_file()
    # every mention is on exactly one year's page
    shown = [href for y in ("2021", "2022", "2023") for href in page(
        out, f"registers/persons/du-songquan/{y}.html").xpath("//ol[@class='mentions']//a/@href")]
    assert len(shown) == len(set(shown)) == 4


def test_mentions_in_undated_issues_have_a_year_page_of_their_own(tmp_path, monkeypatch):
    import teibuild.render.build as render_build

    monkeypatch.setattr(render_build, "ENTRY_PAGE_MENTIONS", 2)
    tei = tmp_path / "tei"
    tei.mkdir()
    sample = FIXTURE.read_text(encoding="utf-8")
    for number, date in ((1845, "2021-12-31"), (1846, "2022-03-25"), (1847, None)):
        text = sample.replace("hongkou-1845", f"hongkou-{number}").replace(
            'n="1845"', f'n="{number}"')
        text = text.replace("2022-03-25", date) if date else \
            re.sub(r'\s*when="2022-03-25"', "", text)
        (tei / f"hongkou-{number}.xml").write_text(text, encoding="utf-8")
    out = tmp_path / "out"
    build_site(tei, out, EDITION, jobs=1)
    entry = page(out, "registers/persons/du-songquan.html")
    assert entry.xpath("//ol[@class='entry-years']//a/@href")[-1] == "du-songquan/undated.html"
    assert entry.xpath("string(//ol[@class='entry-years']/li[last()]/a)") == "日期不详"
    undated = page(out, "registers/persons/du-songquan/undated.html")
    assert undated.xpath("//h3/a/text()") == ["第1847期"] and not undated.xpath("//h3/time")
    assert "日期不详" in undated.xpath("string(//h3)")
    assert undated.xpath("//a[@rel='prev']/@href") == ["2022.html"]
    assert not undated.xpath("//a[@rel='next']")
    # the undated issue's own pages say so, and no page has a <time> without a date
    issue = page(out, "issues/hongkou-1847.html")
    assert issue.xpath("string(//p[@class='issue-meta'])").startswith("日期不详")
    assert issue.xpath("string(//title)").startswith("虹口报 第1847期（日期不详）")
    listing = page(out, "issues/index.html")
    assert [h.text for h in listing.xpath("//section[@class='year']/h2")] == [
        "2022年", "2021年", "日期不详"]
    assert "日期不详 第1847期" in listing.xpath("string(//section[last()]//li/a)")
    articles = sorted((out / "html/articles").glob("hongkou-1847-*.html"))
    assert articles and "第1847期 · 日期不详 · 第1版" in page(out, articles[0].relative_to(
        out / "html").as_posix()).xpath("string(//p[@class='article-source'])")
    for built in sorted((out / "html").rglob("*.html")):
        assert "<time datetime=\"\"" not in built.read_text(encoding="utf-8"), built


def test_which_entries_have_pages_by_year():
    from teibuild.render.build import ENTRY_PAGE_MENTIONS, mention_year, year_pages

    assert year_pages({"2022": ENTRY_PAGE_MENTIONS + 500}) == []          # one year: one page
    assert year_pages({"2021": 1, "2022": ENTRY_PAGE_MENTIONS - 1}) == []  # few: one page
    assert year_pages({"2023": ENTRY_PAGE_MENTIONS, "2021": 1, "undated": 1}) == [
        "2021", "2023", "undated"]
    assert (mention_year("2022-03-25"), mention_year("1998"), mention_year(""),
            mention_year("19xx"), mention_year("２０２２-03-25"), mention_year("199")) == \
        ("2022", "1998", "undated", "undated", "undated", "undated")


def test_compiled_templates_are_kept_between_processes_and_an_unwritable_cache_is_none(
        tmp_path, monkeypatch):
    from jinja2 import Environment, FileSystemLoader

    from teibuild.render import pages
    from teibuild.resources import templates_dir

    def fresh_environment():   # as a new process makes it (environment() is made once)
        return Environment(loader=FileSystemLoader(str(templates_dir())),
                           bytecode_cache=pages._bytecode_cache(), **pages._OPTIONS)

    monkeypatch.setenv("TEI_BUILD_CACHE_DIR", str(tmp_path / "cache"))
    made = fresh_environment().get_template("issue.html")
    kept = list((tmp_path / "cache").glob("jinja-*/*.cache"))
    assert len(kept) == 1   # issue.html (what it extends is loaded when it renders)
    monkeypatch.setattr(Environment, "compile", lambda *a, **k: pytest.fail("compiled again"))
    again = fresh_environment().get_template("issue.html")
    assert again.blocks.keys() == made.blocks.keys()
    monkeypatch.undo()

    (tmp_path / "file").write_text("")
    monkeypatch.setenv("TEI_BUILD_CACHE_DIR", str(tmp_path / "file"))   # no folder can be made
    assert pages._bytecode_cache() is None
    monkeypatch.setenv("TEI_BUILD_CACHE_DIR", str(tmp_path / "gone"))
    env = fresh_environment()
    shutil.rmtree(tmp_path / "gone")                      # nowhere to write: still renders
    assert env.get_template("about.html").blocks
    assert not (tmp_path / "gone").exists()


def test_a_heading_without_a_type_has_no_empty_type_class(tmp_path):
    path = issue_with_body(tmp_path, """
      <div type="article" xml:id="hongkou-1845-a01">
        <head type="main">党旗在一线高高飘扬</head>
        <div type="section">
          <head>党建引领“两新”组织助力疫情防控</head>
          <p xml:id="hongkou-1845-a01-p01">日前，某商住两用楼需实施封控管理。</p>
        </div>
      </div>""")
    build_site(path.parent, tmp_path / "out", EDITION, jobs=1)
    doc = page(tmp_path / "out", "issues/hongkou-1845.html")
    assert doc.xpath("//h2[contains(@class, 'head')]/@class") == ["head head-main"]
    assert doc.xpath("//h3[contains(., '两新')]/@class") == ["head"]


def test_a_name_at_the_edge_of_a_mentions_context_is_shown_whole():
    from teibuild.render.site import _CONTEXT_CHARS, _mentions

    filler = "检" * (_CONTEXT_CHARS - 4)
    ctx = etree.fromstring(
        f'<c id="p1"><m kind="orgs" key="a">上海市中西医结合医院</m>{filler}'
        f'<m kind="persons" key="guo-fang">郭芳</m>{filler}<m kind="orgs" key="b">区疫情防控工作领导小组</m>'
        '会议。</c>')
    guo = next(m for m in _mentions(ctx, "hongkou-1845") if m.key == "guo-fang")
    assert guo.before == (("上海市中西医结合医院", True), (filler, False))   # not …海市中西医结合医院
    assert guo.after == ((filler, False), ("区疫情防控工作领导小组", True), ("…", False))


def test_the_items_of_a_summary_box_are_numbered_so_each_can_be_cited(tmp_path):
    path = issue_with_body(tmp_path, """
      <div type="article" xml:id="hongkou-1845-a01">
        <head type="main">确保不漏一户</head>
        <argument>
          <p xml:id="hongkou-1845-a01-s01">精心组织实施</p>
          <p xml:id="hongkou-1845-a01-s02">反复筛、及时运</p>
        </argument>
        <p xml:id="hongkou-1845-a01-p01">会议召开。</p>
      </div>
      <figure xml:id="hongkou-1845-f01"><p xml:id="hongkou-1845-f01-p01">■图为现场</p></figure>""")
    build_site(path.parent, tmp_path / "out", EDITION, jobs=1)
    text = (tmp_path / "out" / "txt" / "zh-Hans" / "hongkou-1845.txt").read_text(encoding="utf-8")
    assert re.findall(r"^\[([^\]]+)\] ", text, re.M) == ["摘要1", "摘要2", "1", "图片说明"]
    doc = page(tmp_path / "out", "issues/hongkou-1845.html")
    assert doc.xpath("//span[@class='pnum']/text()") == ["摘要1", "摘要2", "1", "图片说明"]


def test_a_summary_box_placed_by_its_wording_is_numbered_with_the_others_and_says_so(tmp_path):
    path = issue_with_body(tmp_path, """
      <div type="article" xml:id="hongkou-1845-a01">
        <head type="main">确保不漏一户</head>
        <argument><p xml:id="hongkou-1845-a01-s01">精心组织实施</p></argument>
        <argument cert="medium"><p xml:id="hongkou-1845-a01-s02">反复筛、及时运</p></argument>
        <p xml:id="hongkou-1845-a01-p01">会议召开。</p>
      </div>""")
    build_site(path.parent, tmp_path / "out", EDITION, jobs=1)
    text = (tmp_path / "out" / "txt" / "zh-Hans" / "hongkou-1845.txt").read_text(encoding="utf-8")
    assert re.findall(r"^\[([^\]]+)\] ", text, re.M) == ["摘要1", "摘要2", "1"]
    doc = page(tmp_path / "out", "issues/hongkou-1845.html")
    assert doc.xpath("//span[@class='pnum']/text()") == ["摘要1", "摘要2", "1"]
    # how sure, in the words a guessed name's title uses
    assert doc.xpath("//aside[@class='argument']/@title") == ["摘要归属为自动判断（把握：中）"]


def test_a_register_entrys_further_names_are_listed_on_its_page(tmp_path):
    from teibuild.render.site import read_registers
    from teibuild.tag import Registers

    regs = Registers.load(tmp_path)
    regs["placeName"].add("虹口", certain=True)
    regs["placeName"].add("虹口区", certain=True)
    regs.save(tmp_path)
    entry = read_registers(tmp_path)[("places", "hongkou")]
    assert entry.name == "虹口区" and entry.names["zh-Hant"] == "虹口區"
    assert ("又称", "虹口") in entry.details


def test_an_entry_whose_source_is_as_it_was_is_not_read_again(tmp_path):
    """`read_register_sources` reuses what an earlier read made of an entry whose lines
    are the same (and the file's encoding and namespaces); whatever the edit, what it
    returns is what reading the registers afresh gives."""
    from teibuild.render.site import read_register_sources, read_registers

    repo = Path(__file__).resolve().parents[1]
    persons = tmp_path / "persons.xml"
    original = (repo / "tei" / "persons.xml").read_text(encoding="utf-8")
    persons.write_text(original, encoding="utf-8")
    first, sources = read_register_sources(tmp_path)
    assert len(first) > 10 and set(sources) == set(first) and len(set(sources.values())) == len(first)
    renamed = '<persName xml:lang="zh-Hans">杜松全</persName>'
    moved = original.replace("<listPerson>", "<listPerson>\n<!-- moved down a line -->", 1)
    edits = {
        "an entry renamed": original.replace(renamed, renamed.replace("全", "荃")),
        "every entry a line further down": moved,
        "CR LF line ends": original.replace("\n", "\r\n"),
        "two entries on one line": re.sub(r"</person>\s*<person", "</person><person", original,
                                          count=1),
        "the whole file on one line": original.replace("\n", " "),
        "a note added after an entry's last line": original.replace(
            "</person>", "<note>加注</note></person>", 1),
    }
    for label, text in edits.items():
        persons.write_text(text, encoding="utf-8")
        known = {digest: first[k] for k, digest in sources.items()}
        again, _ = read_register_sources(tmp_path, known)
        assert again == read_registers(tmp_path), label
        reused = {k for k in again if again[k] is first.get(k)}
        if label == "an entry renamed":
            assert set(again) - reused == {("persons", "du-songquan")}
        if label == "every entry a line further down":
            assert reused == set(again)
        if label == "a note added after an entry's last line":
            changed = [k for k in again if again[k] != first[k]]
            assert len(changed) == 1 and not reused & set(changed)
    # an entry that ends on the line where the next begins: that line is part of both
    joined = edits["two entries on one line"]
    persons.write_text(joined, encoding="utf-8")
    base, base_sources = read_register_sources(tmp_path)
    persons.write_text(joined.replace("</person><person", "<note>加注</note></person><person", 1),
                       encoding="utf-8")
    again, _ = read_register_sources(tmp_path, {d: base[k] for k, d in base_sources.items()})
    assert again == read_registers(tmp_path) and again != base
    # a file in another encoding: nothing is reused
    assert "encoding='UTF-8'" in original
    persons.write_bytes(original.replace("encoding='UTF-8'", "encoding='GB18030'")
                        .encode("gb18030"))
    again, _ = read_register_sources(tmp_path, {d: first[k] for k, d in sources.items()})
    assert again == read_registers(tmp_path) and not {k for k in again if again[k] is first[k]}


def test_a_large_register_is_listed_a_page_per_initial(tmp_path, monkeypatch):
    """Past REGISTER_INDEX_ENTRIES entries (19,450 of them made the one index page 3.3 MB),
    a register is listed a page per initial of its entries' pinyin, as a Chinese book's
    index is; the register index links to those pages; a small register stays listed on it."""
    import teibuild.render.build as render_build

    repo = Path(__file__).resolve().parents[1]
    tei = tmp_path / "tei"
    shutil.copytree(repo / "tei", tei)
    persons = len(re.findall(r"<person\b", (tei / "persons.xml").read_text(encoding="utf-8")))
    monkeypatch.setattr(render_build, "REGISTER_INDEX_ENTRIES", persons - 1)  # persons only
    out = tmp_path / "out"
    build_site(tei, out, EDITION, jobs=1)
    index = page(out, "registers/index.html")
    assert not index.xpath("//section[h2[@id='reg-persons']]//ul[@class='entries']")
    links = index.xpath("//section[h2[@id='reg-persons']]//nav[@class='initials']/a")
    assert links and [a.get("href") for a in links] == sorted(a.get("href") for a in links)
    assert index.xpath("//section[h2[@id='reg-places']]//ul[@class='entries']/li")  # (small)
    listed = []
    for a in links:
        letter = a.get("href")[len("persons-"):-len(".html")]
        initial = page(out, f"registers/{a.get('href')}")
        entries = initial.xpath("//ul[@class='entries']/li/a/@href")
        assert a.xpath("string(span[@class='count'])") == str(len(entries)) != "0"
        assert initial.xpath("//nav[@class='initials']/a[@aria-current='page']/@href") == [
            a.get("href")]
        for href in entries:
            key = href[len("persons/"):-len(".html")]
            assert key[0] == letter and (out / "html/registers" / href).is_file()
        listed += entries
        assert (out / "html/zh-Hant/registers" / a.get("href")).is_file()
    assert len(listed) == len(set(listed)) == persons   # every entry once, in pinyin order
    assert listed == sorted(listed)
    # an entry's breadcrumb leads to its register on the index, whence to its initial
    entry = page(out, listed[0].replace("persons/", "registers/persons/"))
    assert "../index.html#reg-persons" in entry.xpath("//nav[@class='breadcrumb']//a/@href")
