"""CSL-JSON items from the TEI header and article: the single source of citations."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import jsonschema
import pytest
from lxml import etree

from teibuild import TEI_NS
from teibuild.cite.csl import csl_item, issue_facts, permalink, reporters
from teibuild.edition import Edition
from teibuild.errors import TeiBuildError
from teibuild.xmlsafe import parse_file

HERE = Path(__file__).parent
FIXTURE = HERE / "fixtures" / "mini-issue.xml"
SCHEMA = json.loads((HERE / "data" / "csl-data.json").read_text(encoding="utf-8"))
EDITION = Edition(slug="hongkou", title="虹口报", title_latn="Hongkou bao",
                  base_url="https://example.org/hongkou/", version="0.1.0")
NS = {"t": TEI_NS}


@pytest.fixture(scope="module")
def tree():
    return parse_file(FIXTURE)


def test_article_item_comes_from_header_and_article(tree):
    item = csl_item(tree, "hongkou-1845-a01", EDITION)
    assert item["type"] == "article-newspaper"
    assert item["title"] == "确保不漏一户、不落一人"
    assert item["author"] == [{"literal": "陆雪姣"}]
    assert item["container-title"] == "虹口报"
    assert item["issue"] == "1845"
    assert item["issued"] == {"date-parts": [[2022, 3, 25]]}
    assert item["page"] == "1"
    assert item["publisher"] == "上海市虹口区融媒体中心"
    assert item["version"] == "0.1.0"
    assert item["URL"] == "https://example.org/hongkou/issues/hongkou-1845.html#hongkou-1845-a01"
    # access date is the date of the encoded text's last revision, never "today"
    assert item["accessed"] == {"date-parts": [[2026, 11, 28]]}


def test_subtitle_joins_main_head_and_is_kept_apart(tree):
    item = csl_item(tree, "hongkou-1845-a02", EDITION)
    assert item["title"] == "始终绷紧疫情防控这根弦：区领导实地检查医疗卫生机构、社区疫情防控工作"
    assert item["title-short"] == "始终绷紧疫情防控这根弦"
    assert item["custom"]["title-sub"] == "区领导实地检查医疗卫生机构、社区疫情防控工作"


def test_continuation_takes_heads_from_first_part_and_its_own_page(tree):
    item = csl_item(tree, "hongkou-1845-a03", EDITION)
    assert item["title-short"] == "始终绷紧疫情防控这根弦"
    assert item["author"] == [{"literal": "钱晶"}]
    assert item["page"] == "4"


def test_paragraph_cites_its_article_with_its_own_anchor(tree):
    item = csl_item(tree, "hongkou-1845-a01-p02", EDITION)
    assert item["id"] == "hongkou-1845-a01-p02"
    assert item["title"] == "确保不漏一户、不落一人"
    assert item["URL"].endswith("hongkou-1845.html#hongkou-1845-a01-p02")


def test_issue_is_a_periodical_without_fragment(tree):
    item = csl_item(tree, "hongkou-1845", EDITION)
    assert item["type"] == "periodical"
    assert item["title"] == "虹口报"
    assert item["URL"] == "https://example.org/hongkou/issues/hongkou-1845.html"
    assert "author" not in item


def test_items_validate_against_csl_data_schema(tree):
    ids = tree.xpath("//@xml:id")
    items = [csl_item(tree, str(i), EDITION) for i in ids]
    jsonschema.validate(items, SCHEMA)
    assert len(items) == len(ids) > 10


def test_schema_check_is_strict():
    bad = [{"id": "x", "type": "article-newspaper", "headline": "no such field"}]
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(bad, SCHEMA)


def test_byline_without_named_reporter_gives_no_author(tree):
    doc = copy.deepcopy(tree)
    byline = doc.xpath("//t:div[@xml:id='hongkou-1845-a01']/t:byline", namespaces=NS)[0]
    for child in list(byline):
        byline.remove(child)
    byline.text = "本报讯"
    article = byline.getparent()
    assert reporters(article) == []
    assert "author" not in csl_item(doc, "hongkou-1845-a01", EDITION)


def test_several_reporters_in_byline(tree):
    doc = copy.deepcopy(tree)
    byline = doc.xpath("//t:div[@xml:id='hongkou-1845-a01']/t:byline", namespaces=NS)[0]
    extra = etree.SubElement(byline, f"{{{TEI_NS}}}persName")
    extra.text = "张\n 三"
    assert reporters(byline.getparent()) == ["陆雪姣", "张三"]


def test_without_base_url_no_url_and_no_access_date(tree):
    item = csl_item(tree, "hongkou-1845-a01", Edition(slug="hongkou", title="虹口报"))
    assert "URL" not in item and "accessed" not in item
    assert permalink(Edition(), "x-1") == ""


def test_version_falls_back_to_edition_toml(tree):
    doc = copy.deepcopy(tree)
    for node in doc.xpath("//t:editionStmt/t:edition", namespaces=NS):
        del node.attrib["n"]
    assert issue_facts(doc, Edition(version="2.3.0"))["version"] == "2.3.0"


def test_unknown_id_is_an_error(tree):
    with pytest.raises(TeiBuildError, match="no element with xml:id"):
        csl_item(tree, "hongkou-1845-a99", EDITION)


def test_bad_issue_date_names_the_problem(tree):
    doc = copy.deepcopy(tree)
    doc.xpath("//t:imprint/t:date", namespaces=NS)[0].set("when", "25.3.2022")
    with pytest.raises(TeiBuildError, match="not an ISO date"):
        csl_item(doc, "hongkou-1845-a01", EDITION)


def test_items_are_deterministic(tree):
    first = json.dumps(csl_item(tree, "hongkou-1845-a02", EDITION), ensure_ascii=False)
    second = json.dumps(csl_item(parse_file(FIXTURE), "hongkou-1845-a02", EDITION),
                        ensure_ascii=False)
    assert first == second


def test_sub_head_only_when_printed_under_the_main_head(tree):
    doc = copy.deepcopy(tree)
    article = doc.xpath("//t:div[@xml:id='hongkou-1845-a01']", namespaces=NS)[0]
    byline = article.find(f"{{{TEI_NS}}}byline")
    for kind, text in (("main", "咬定总目标"), ("sub", "确保措施落实到位")):
        head = etree.Element(f"{{{TEI_NS}}}head", type=kind)
        head.text = text
        byline.addprevious(head)
    item = csl_item(doc, "hongkou-1845-a01", EDITION)
    assert item["title"] == "确保不漏一户、不落一人"


def test_article_without_head_gets_a_supplied_title(tree):
    doc = copy.deepcopy(tree)
    article = doc.xpath("//t:div[@xml:id='hongkou-1845-a01']", namespaces=NS)[0]
    for head in article.findall(f"{{{TEI_NS}}}head"):
        article.remove(head)
    assert csl_item(doc, "hongkou-1845-a01", EDITION)["title"] == "[无标题]"


def test_access_date_from_edition_toml_when_tei_has_no_dated_change(tree):
    doc = copy.deepcopy(tree)
    for change in doc.xpath("//t:revisionDesc/t:change", namespaces=NS):
        del change.attrib["when"]
    released = Edition(slug="hongkou", title="虹口报", base_url="https://example.org/hongkou/",
                       extra={"citation": {"accessed": "2026-12-01"}})
    assert csl_item(doc, "hongkou-1845-a01", released)["accessed"] == {"date-parts": [[2026, 12, 1]]}
    # nothing configured: the issue date, still never the date of the build
    assert csl_item(doc, "hongkou-1845-a01", EDITION)["accessed"] == {"date-parts": [[2022, 3, 25]]}


def test_page_break_cites_its_own_page(tree):
    assert csl_item(tree, "hongkou-1845-pb4", EDITION)["page"] == "4"
    assert csl_item(tree, "hongkou-1845-f01-p01", EDITION)["page"] == "1"


def test_names_marked_in_heads_travel_with_the_item(tree):
    doc = copy.deepcopy(tree)
    head = doc.xpath("//t:div[@xml:id='hongkou-1845-a02']/t:head[@type='sub']", namespaces=NS)[0]
    head.text = "区领导实地检查"
    place = etree.SubElement(head, f"{{{TEI_NS}}}placeName", ref="places.xml#beiwaitan-jiedao")
    place.text = "北外滩街道"
    place.tail = "疫情防控工作"
    item = csl_item(doc, "hongkou-1845-a02", EDITION)
    assert item["custom"]["title-names"] == [["placeName", "北外滩街道"]]
    assert item["custom"]["title-sub"] == "区领导实地检查北外滩街道疫情防控工作"
