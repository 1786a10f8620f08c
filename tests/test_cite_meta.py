"""Highwire meta tags, JSON-LD and the context handed to the HTML templates."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from teibuild.cite import citation_context, download_files
from teibuild.cite.meta import highwire_tags, json_ld, json_ld_script
from teibuild.edition import Edition
from teibuild.xmlsafe import parse_file

HERE = Path(__file__).parent
EDITION = Edition(slug="hongkou", title="虹口报", title_latn="Hongkou bao",
                  base_url="https://example.org/hongkou/", version="0.1.0")


@pytest.fixture(scope="module")
def tree():
    return parse_file(HERE / "fixtures" / "mini-issue.xml")


@pytest.fixture(scope="module")
def article(tree):
    return citation_context(tree, "hongkou-1845-a01", EDITION)


def test_highwire_tags_for_an_article(article):
    tags = dict(article["meta"])
    assert tags["citation_title"] == "确保不漏一户、不落一人"
    assert tags["citation_author"] == "陆雪姣"
    assert tags["citation_publication_date"] == "2022/03/25"
    assert tags["citation_date"] == "2022/03/25"
    assert tags["citation_journal_title"] == "虹口报"
    assert tags["citation_issue"] == "1845"
    assert tags["citation_firstpage"] == "1"
    assert tags["citation_fulltext_html_url"] == article["permalink"]
    assert tags["citation_license"] == EDITION.licence_url


def test_one_author_tag_per_reporter():
    item = {"id": "x", "type": "article-newspaper", "title": "t",
            "author": [{"literal": "甲"}, {"literal": "乙"}]}
    assert [v for k, v in highwire_tags(item) if k == "citation_author"] == ["甲", "乙"]


def test_json_ld_news_article(article):
    data = json.loads(article["jsonld"])
    assert data["@context"] == "https://schema.org"
    assert data["@type"] == "NewsArticle"
    assert data["headline"] == "确保不漏一户、不落一人"
    assert data["author"] == [{"@type": "Person", "name": "陆雪姣"}]
    assert data["datePublished"] == "2022-03-25"
    assert data["isPartOf"]["issueNumber"] == "1845"
    assert data["isPartOf"]["isPartOf"]["name"] == "虹口报"
    assert data["url"] == article["permalink"]
    assert data["version"] == "0.1.0"


def test_json_ld_cannot_close_the_script_element():
    item = {"id": "x", "type": "article-newspaper", "title": "</script><b>"}
    text = json_ld_script(item)
    assert "</script>" not in text and "<" not in text
    assert json.loads(text)["headline"] == "</script><b>"


def test_issue_context_is_a_publication_issue(tree):
    ctx = citation_context(tree, None, EDITION)
    assert ctx["id"] == "hongkou-1845"
    assert json_ld(ctx["csl"])["@type"] == "PublicationIssue"
    assert dict(ctx["meta"])["citation_title"] == "虹口报 第1845期"


def test_context_has_every_style_and_export(article):
    assert set(article["text"]) == set(article["html"]) == {"gb7714", "chicago", "apa", "mla"}
    assert article["text"]["gb7714"].startswith("陆雪姣.确保不漏一户、不落一人[N/OL].虹口报,")
    assert article["print"]["gb7714"] == "陆雪姣.确保不漏一户、不落一人[N].虹口报,2022-03-25(1)."
    assert article["bibtex"].startswith("@article{hongkou-1845-a01,")
    assert article["ris"].startswith("TY  - NEWS")
    assert json.loads(article["csl_json"])[0]["id"] == "hongkou-1845-a01"
    assert article["permalink"].endswith("#hongkou-1845-a01")
    assert article["version"] == "0.1.0"


def test_paragraph_context_and_download_files(tree):
    ctx = citation_context(tree, "hongkou-1845-a01", EDITION, paragraph_id="hongkou-1845-a01-p02")
    assert ctx["permalink"].endswith("#hongkou-1845-a01-p02")
    files = download_files(ctx)
    assert sorted(files) == ["cite/hongkou-1845-a01-p02.bib", "cite/hongkou-1845-a01-p02.json",
                             "cite/hongkou-1845-a01-p02.ris"]
    assert files["cite/hongkou-1845-a01-p02.bib"].decode() == ctx["bibtex"]


def test_text_edition_header_fields(tree):
    from teibuild.cite import citation_fields

    fields = dict(citation_fields(tree, "hongkou-1845-a01", EDITION))
    assert fields["题名"] == "确保不漏一户、不落一人"
    assert fields["作者"] == "陆雪姣"
    assert fields["期号"] == "第1845期" and fields["版次"] == "第1版"
    assert fields["引用"].startswith("陆雪姣.确保不漏一户、不落一人[N/OL].虹口报,2022-03-25(1)")
    issue = dict(citation_fields(tree, None, EDITION))
    assert issue["报纸"] == "虹口报" and "题名" not in issue


def test_unsafe_urls_from_edition_toml_never_reach_the_page(tree):
    hostile = Edition(slug="hongkou", title="虹口报", base_url="javascript:alert(1)//",
                      licence_url="javascript:alert(2)")
    ctx = citation_context(tree, "hongkou-1845-a01", hostile)
    assert ctx["permalink"] == "" and "URL" not in ctx["csl"]
    assert "javascript" not in json.dumps(ctx["meta"]) + ctx["jsonld"] + "".join(ctx["html"].values())
