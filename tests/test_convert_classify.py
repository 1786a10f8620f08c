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
])
def test_masthead_lines_are_labels_not_sentences(text, strength):
    assert classify.masthead_strength(text) == strength
