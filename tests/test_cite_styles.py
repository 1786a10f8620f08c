"""Citations rendered by citeproc-py, with the corrections described in teibuild.cite.styles."""

from __future__ import annotations

import html
import re

import pytest

from teibuild.cite.styles import STYLES, load_style, render
from teibuild.errors import TeiBuildError

# The standard's own newspaper example (GB/T 7714-2015, 4.4 / 8.8.2).
XIE = {"id": "xie", "type": "article-newspaper", "title": "创造学习的思路",
       "author": [{"literal": "谢希德"}], "container-title": "人民日报",
       "issued": {"date-parts": [[1998, 12, 25]]}, "page": "10", "language": "zh-CN"}

ARTICLE = {"id": "hongkou-1845-a02", "type": "article-newspaper",
           "title": "始终绷紧疫情防控这根弦：区领导实地检查医疗卫生机构、社区疫情防控工作",
           "title-short": "始终绷紧疫情防控这根弦", "author": [{"literal": "钱晶"}],
           "container-title": "虹口报", "issue": "1845", "page": "1",
           "issued": {"date-parts": [[2022, 3, 25]]}, "publisher": "上海市虹口区融媒体中心",
           "publisher-place": "上海", "language": "zh-Hans", "version": "0.1.0",
           "URL": "https://example.org/hongkou/issues/hongkou-1845.html#hongkou-1845-a02",
           "accessed": {"date-parts": [[2026, 11, 28]]},
           "custom": {"title-main": "始终绷紧疫情防控这根弦",
                      "title-sub": "区领导实地检查医疗卫生机构、社区疫情防控工作",
                      "container-title-latn": "Hongkou bao"}}


def test_gb7714_matches_the_standards_example_exactly():
    assert render(XIE, "gb7714") == "谢希德.创造学习的思路[N].人民日报,1998-12-25(10)."


def test_gb7714_online_form_has_type_medium_access_date_and_url():
    text = render(ARTICLE, "gb7714")
    assert text == ("钱晶.始终绷紧疫情防控这根弦:区领导实地检查医疗卫生机构、社区疫情防控工作"
                    "[N/OL].虹口报,2022-03-25(1)[2026-11-28]."
                    "https://example.org/hongkou/issues/hongkou-1845.html#hongkou-1845-a02.")


def test_gb7714_print_form_drops_url_and_access_date():
    assert render(ARTICLE, "gb7714", medium="print") == (
        "钱晶.始终绷紧疫情防控这根弦:区领导实地检查医疗卫生机构、社区疫情防控工作[N].虹口报,"
        "2022-03-25(1).")


def test_gb7714_without_author_starts_with_title():
    # GB/T 7714-2015 8.1.3: 顺序编码制 may omit the missing creator and begin with the title
    item = {k: v for k, v in XIE.items() if k != "author"}
    assert render(item, "gb7714") == "创造学习的思路[N].人民日报,1998-12-25(10)."


def test_chicago_gives_pinyin_beside_characters():
    text = render(ARTICLE, "chicago")
    assert text.startswith("Qian Jing 钱晶. “Shizhong bengjin yiqing fangkong zhegen xian: "
                           "Qu lingdao")
    assert "” 始终绷紧疫情防控这根弦：区领导实地检查医疗卫生机构、社区疫情防控工作. " in text
    assert "Hongkou bao 虹口报 (Shanghai), March 25, 2022." in text
    assert "Edition" not in text  # citeproc-py printed the label of the empty edition variable


def test_chicago_describes_a_supplied_title_rather_than_romanising_it():
    item = {**ARTICLE, "title": "[无标题]", "custom": {**ARTICLE["custom"], "title-main": "[无标题]",
                                                     "title-sub": ""}}
    item.pop("title-short")
    text = render(item, "chicago")
    assert text.startswith("Qian Jing 钱晶. “[Untitled].” Hongkou bao 虹口报")
    assert "Wubiaoti" not in text and "[无标题]" not in text


def test_chicago_html_italicises_romanised_newspaper_only():
    markup = render(ARTICLE, "chicago", fmt="html")
    assert "<i>Hongkou bao</i> 虹口报" in markup
    assert f'<a href="{ARTICLE["URL"]}">' in markup


def test_mla_puts_period_inside_quotes():
    text = render(ARTICLE, "mla")
    assert "工作.”" in text and "”." not in text
    assert "Version 0.1.0" in text


def test_apa_author_date_order():
    text = render(ARTICLE, "apa")
    assert text.startswith("钱晶. (2022, March 25). 始终绷紧疫情防控这根弦：")


def test_issue_title_is_not_printed_twice():
    issue = {"id": "hongkou-1845", "type": "periodical", "title": "虹口报", "issue": "1845",
             "issued": {"date-parts": [[2022, 3, 25]]}, "custom": {"container-title-latn": "Hongkou bao"}}
    for name in STYLES:
        text = render(issue, name)
        assert text.count("虹口报") == 1, (name, text)
    assert render(issue, "gb7714").startswith("虹口报[N].2022(1845)")


@pytest.mark.parametrize("name", sorted(STYLES))
def test_html_and_text_agree(name):
    markup = render(ARTICLE, name, fmt="html")
    assert html.unescape(re.sub(r"<[^>]+>", "", markup)) == render(ARTICLE, name)


def test_markup_in_titles_is_escaped_in_html():
    item = dict(XIE, title="A<b>&C")
    assert "A&lt;b&gt;&amp;C" in render(item, "apa", fmt="html")


@pytest.mark.parametrize("name", sorted(STYLES))
def test_every_variable_label_is_guarded_by_its_variable(name):
    ns = {"cs": "http://purl.org/net/xbiblio/csl"}
    labels = [label for label in load_style(name).root.xpath("//cs:label[@variable]", namespaces=ns)
              if label.get("variable") != "locator" and not label.getparent().tag.endswith("names")]
    assert labels
    for label in labels:
        assert label.getparent().tag.endswith("if")
        assert label.getparent().get("variable") == label.get("variable")


def test_unknown_style_and_format_are_errors():
    with pytest.raises(TeiBuildError, match="unknown citation style"):
        render(XIE, "harvard")
    with pytest.raises(TeiBuildError, match="unknown citation format"):
        render(XIE, "apa", fmt="latex")


def test_rendering_is_deterministic():
    assert [render(ARTICLE, n) for n in STYLES] == [render(ARTICLE, n) for n in STYLES]


def test_unsigned_article_prints_title_and_newspaper_once():
    item = {k: v for k, v in ARTICLE.items() if k != "author"}
    texts = {name: render(item, name) for name in STYLES}
    for name, text in texts.items():
        assert text.count("区领导实地检查医疗卫生机构") == 1, (name, text)
        assert text.count("虹口报") == 1, (name, text)
    # CMOS 14.91: the newspaper stands in place of the missing author
    assert texts["chicago"].startswith("Hongkou bao 虹口报 (Shanghai). “Shizhong")
    assert texts["apa"].startswith("始终绷紧疫情防控这根弦：区领导实地检查医疗卫生机构、社区疫情防控工作. (2022, March 25).")
    assert texts["gb7714"].startswith("始终绷紧疫情防控这根弦:区领导")


def test_title_ending_in_question_mark_gets_no_extra_period():
    item = dict(XIE, title="居民的生活物资保障如何？")
    text = render(item, "mla")
    assert "“居民的生活物资保障如何？”" in text and "？.”" not in text and "？”." not in text


def test_apa_cites_newspaper_by_date_and_page_not_issue_number():
    text = render(ARTICLE, "apa")
    assert "(1845)" not in text and ". 虹口报, 1. https://" in text
