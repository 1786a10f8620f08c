"""The built sample edition: every article page is citable by machines and by people."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import bibtexparser
import lxml.html
import pytest
import rispy

from teibuild.edition import load_edition
from teibuild.render import render_site

REPO = Path(__file__).resolve().parent.parent
SAMPLE = REPO / "tei" / "hongkou-1845.xml"


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    tei = tmp_path_factory.mktemp("cite-site")
    shutil.copy(SAMPLE, tei / SAMPLE.name)
    return render_site(tei, load_edition(REPO / "edition.toml"), jobs=1)


def article_pages(site):
    pages = {path: data for path, data in site.files.items()
             if "/articles/" in path and path.endswith(".html")}
    articles = [a for issue in site.issues for a in issue.articles]
    assert len(pages) == 2 * len(articles) > 0  # zh-Hans and zh-Hant
    return pages


def test_every_article_page_has_highwire_tags_and_json_ld(site):
    for path, data in article_pages(site).items():
        page = lxml.html.fromstring(data)
        article_id = Path(path).stem
        meta = {}
        for m in page.xpath("//head/meta[starts-with(@name, 'citation_')]"):
            meta.setdefault(m.get("name"), []).append(m.get("content"))
        for name in ("citation_title", "citation_date", "citation_journal_title",
                     "citation_issue", "citation_firstpage", "citation_publication_date"):
            assert meta.get(name), (path, name)
        assert meta["citation_journal_title"] == ["虹口报"]
        assert meta["citation_fulltext_html_url"][0].endswith(f"#{article_id}")
        (script,) = page.xpath("//head/script[@type='application/ld+json']")
        data = json.loads(script.text)
        assert data["@type"] == "NewsArticle" and data["identifier"] == article_id
        assert data["headline"] in meta["citation_title"][0]


def test_named_reporters_are_authors(site):
    page = lxml.html.fromstring(site.files["html/articles/hongkou-1845-a05.html"])
    assert page.xpath("//meta[@name='citation_author']/@content") == ["钱晶"]
    unsigned = lxml.html.fromstring(site.files["html/articles/hongkou-1845-a04.html"])
    assert unsigned.xpath("//meta[@name='citation_author']") == []


def test_every_article_has_a_cite_box_and_its_downloads(site):
    issue_page = lxml.html.fromstring(site.files["html/issues/hongkou-1845.html"])
    boxes = issue_page.xpath("//details[@class='cite-box']")
    assert len(boxes) == len(site.issues[0].articles)
    for box in boxes:
        for href in box.xpath(".//ul[@class='cite-downloads']//a/@href"):
            assert f"html/{href.removeprefix('../')}" in site.files
    bib = site.files["html/cite/hongkou-1845-a05.bib"].decode()
    assert bibtexparser.parse_string(bib).entries[0]["author"] == "{钱晶}"
    (record,) = rispy.loads(site.files["html/cite/hongkou-1845-a05.ris"].decode())
    assert record["authors"] == ["钱晶"]
    assert json.loads(site.files["html/cite/hongkou-1845.json"])[0]["type"] == "periodical"


def test_citations_stay_in_the_printed_script_on_zh_hant_pages(site):
    page = lxml.html.fromstring(site.files["html/zh-Hant/articles/hongkou-1845-a05.html"])
    gb = page.xpath("//span[contains(@class, 'citation-gb7714')]")[0].text_content()
    assert gb.startswith("钱晶.始终绷紧疫情防控这根弦:区领导实地检查医疗卫生机构")
    assert page.xpath("//meta[@name='citation_title']/@content")[0].startswith("始终绷紧")
    # … and say so, so that their characters are drawn with simplified glyphs
    assert page.xpath("//span[contains(@class, 'citation-gb7714')]/@lang") == ["zh-Hans"]
    # the page's own description is in the page's script
    assert page.xpath("//meta[@name='description']/@content")[0].endswith("始終繃緊疫情防控這根弦")
