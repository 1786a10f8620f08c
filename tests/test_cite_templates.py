"""The Cite box and the <head> citation metadata partials, rendered from a real context."""

from __future__ import annotations

import json
import posixpath
from pathlib import Path

import lxml.html
import pytest
from jinja2 import Environment, FileSystemLoader, StrictUndefined

from teibuild.cite import citation_context
from teibuild.edition import Edition
from teibuild.resources import templates_dir
from teibuild.xmlsafe import parse_file

HERE = Path(__file__).parent
EDITION = Edition(slug="hongkou", title="虹口报", title_latn="Hongkou bao",
                  base_url="https://example.org/hongkou/", version="0.1.0")


class Page:
    """Just enough of a page location for the partials: links relative to articles/."""

    def shared(self, target: str) -> str:
        return posixpath.relpath(target, "articles")


@pytest.fixture(scope="module")
def citation():
    tree = parse_file(HERE / "fixtures" / "mini-issue.xml")
    return citation_context(tree, "hongkou-1845-a02", EDITION)


def render(name: str, **context) -> str:
    env = Environment(loader=FileSystemLoader(str(templates_dir())), autoescape=True,
                      undefined=StrictUndefined)
    return env.get_template(f"partials/{name}").render(**context)


def test_head_partial_has_highwire_tags_and_json_ld(citation):
    head = lxml.html.fromstring(f"<html><head>{render('cite_meta.html', citation=citation, here=Page())}"
                                "</head><body></body></html>")
    meta = {(m.get("name"), m.get("content")) for m in head.iter("meta")}
    assert ("citation_title", "始终绷紧疫情防控这根弦：区领导实地检查医疗卫生机构、社区疫情防控工作") in meta
    assert ("citation_author", "钱晶") in meta
    assert ("citation_journal_title", "虹口报") in meta
    assert ("citation_issue", "1845") in meta
    assert ("citation_firstpage", "1") in meta
    (script,) = head.xpath("//script[@type='application/ld+json']")
    data = json.loads(script.text)
    # the only other script is a file: the pages allow no inline script
    assert [(s.get("src"), (s.text or "").strip()) for s in head.xpath("//script[not(@type)]")] == [
        ("../static/cite.js", "")]
    assert data["@type"] == "NewsArticle" and data["identifier"] == "hongkou-1845-a02"


def test_head_partial_is_empty_without_a_citation():
    assert render("cite_meta.html").strip() == ""


def test_cite_box_lists_four_styles_with_copy_text_and_downloads(citation):
    box = lxml.html.fromstring(render("cite.html", citation=citation, here=Page()))
    assert box.get("id") == "cite-hongkou-1845-a02"
    assert [dt.text_content() for dt in box.iter("dt")] == [
        "GB/T 7714-2015", "Chicago (18th ed., bibliography)", "APA (7th ed.)", "MLA (9th ed.)",
        "GB/T 7714-2015（引用印刷版）"]
    copies = [b.get("data-copy") for b in box.iter("button")]
    assert copies == [citation["text"][s] for s in ("gb7714", "chicago", "apa", "mla")] + [
        "钱晶.始终绷紧疫情防控这根弦:区领导实地检查医疗卫生机构、社区疫情防控工作[N].虹口报,"
        "2022-03-25(1)."]
    assert copies[0].startswith("钱晶.始终绷紧疫情防控这根弦:")
    # the HTML citation is markup, not escaped text
    assert box.xpath(".//span[contains(@class,'citation-chicago')]/i")[0].text == "Hongkou bao"
    links = [a.get("href") for a in box.xpath(".//ul[@class='cite-downloads']//a")]
    assert links == ["../cite/hongkou-1845-a02.bib", "../cite/hongkou-1845-a02.ris",
                     "../cite/hongkou-1845-a02.json"]
    assert "0.1.0" in box.xpath(".//p[@class='cite-version']")[0].text_content()
