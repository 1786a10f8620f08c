"""Roles a line's own text decides: notices and their pages, masthead lines."""

from __future__ import annotations

import pytest

from teibuild.convert import classify


@pytest.mark.parametrize("text, page, back", [
    ("下转▶4版", "4", False), ("上接第1版", "1", True), ("（转第３版）", "3", False),
    ("接▶2版", "2", True), ("续第十二版", "12", True), ("下转第十版", "10", False),
    ("下转四版", "4", False), ("上接▶二十版", "20", True),
])
def test_notice_page_in_arabic_figures_and_direction(text, page, back):
    assert classify.notice_page(text) == page
    assert classify.continues_from(text) is back


def test_prose_is_never_a_notice():
    assert classify.notice_page("下转到第4版的报道说明了情况。") is None


@pytest.mark.parametrize("text, strength", [
    ("第1845期", 2), ("本期4版", 1), ("准印证号（B）0171号", 2), ("每周五出版", 1),
    ("每周二、五出版", 1),
    ("区里举办的第5期社区工作者培训班开班，", 0), ("教材的刊号等信息已公布。", 0),
    ("本报讯 第12期培训班开班", 0),
    ("一九九八年五月十六日 星期六", 2), ("二〇二二年三月二十五日 周五", 2), ("今日四版", 1),
    ("农历辛丑年十月廿九", 1), ("滨江日报", 0), ("中共滨江县委机关报", 1),
    ("2021年12月3日", 1), ("2 综合新闻 1998年5月16日 责任编辑：周敏", 0), ("一九九七年七月一日这一天", 0),
])
def test_masthead_lines_are_labels_not_sentences(text, strength):
    assert classify.masthead_strength(text) == strength


@pytest.mark.parametrize("text, strength", [
    ("滨江日报", 1), ("滨 江 日 报", 1), ("BINJIANG RIBAO", 1), ("滨江日报 Binjiang Ribao", 1),
    ("滨江日报社", 0), ("滨江日报记者走进社区", 0), ("《滨江日报》创刊五十周年。", 0),
])
def test_the_papers_name_alone_is_its_nameplate(text, strength):
    assert classify.masthead_strength(text, ("滨江日报", "Binjiang Ribao")) == strength


@pytest.mark.parametrize("line, byline", [
    ("本报讯（记者 陆雪姣）3月17日晚", "本报讯（记者 陆雪姣）"),
    ("本报讯 近日，全区", "本报讯"),
    ("新华社上海3月1日电 今天", "新华社上海3月1日电"),
    ("新华社北京5月 7日电 国务院", "新华社北京5月 7日电"),   # extraction's space in the date
    ("本报德国罗滕堡5月16日电 记者薛原报道：中国女篮", "本报德国罗滕堡5月16日电 记者薛原报道："),
    ("本报乌鲁木齐5月16日电（记者 薛原）今天", "本报乌鲁木齐5月16日电（记者 薛原）"),
    ("本报保定五月十五日电记者许立群报道：", "本报保定五月十五日电记者许立群报道："),
    ("新华社布宜诺斯艾利斯5月15日电 目前", "新华社布宜诺斯艾利斯5月15日电"),
    ("据新华社电 经过几年的探索", "据新华社电"),
    ("人民网北京5月3日电（记者 张三）今天", "人民网北京5月3日电（记者 张三）"),
    ("浙江在线12月2日讯 11月15日傍晚", "浙江在线12月2日讯"),
    ("本报讯 记者 王建华 通讯员 李晓梅 近两年来，", "本报讯 记者 王建华 通讯员 李晓梅"),
    ("本报讯 记者 王建华", "本报讯 记者 王建华"),
    # not bylines: a paper or agency named in prose
    ("人民日报电子版今天上线", ""), ("新华社发布会上，", ""), ("本报记者 王某 近日", ""),
    ("据新华社报道，今年", ""),
])
def test_run_in_bylines_and_datelines(line, byline):
    assert classify.run_in_byline(line) == byline


@pytest.mark.parametrize("text, running", [
    ("2 综合新闻 1998年5月16日 星期六 责任编辑：周敏", True), ("第3版 要闻 2022年3月25日", True),
    ("2022年3月25日 星期五 责任编辑 王某", True), ("一九九八年五月十六日 责编：周敏", True),
    ("2022年3月25日 星期五", False),               # a masthead's date, not a running head
    ("3月25日，区委召开会议", False), ("本报讯 2022年3月25日 责任编辑：张三", False),
    ("2022年3月25日，责任编辑周敏来到现场。", False),
])
def test_running_heads_of_inside_pages(text, running):
    assert classify.is_running_head(text) is running


def test_a_photo_credit_of_an_agency_is_a_byline():
    assert classify.is_byline_line("新华社记者 觉果 摄")
