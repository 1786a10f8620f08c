"""Reading sources: encodings, line endings, pages, and refusing what is not text."""

from __future__ import annotations

import codecs

import pytest

from teibuild.convert.decode import read_source
from teibuild.errors import TeiBuildError

TEXT = "第1845期\n本报讯 虹口区召开会议。\n"


@pytest.mark.parametrize("encoding", ["utf-8", "gb18030", "big5"])
def test_encodings_are_detected(encoding):
    text = TEXT if encoding != "big5" else "第1845期\n本報訊 虹口區召開會議。\n"
    source = read_source(text.encode(encoding), "x.txt")
    assert [l.text for l in source.lines] == text.splitlines()
    assert source.encoding == encoding


def test_utf8_bom_and_any_line_endings():
    data = codecs.BOM_UTF8 + "一\r\n二\r三\n四".encode()
    source = read_source(data, "x.txt")
    assert [l.text for l in source.lines] == ["一", "二", "三", "四"]
    assert source.encoding == "utf-8-sig"


def test_form_feed_and_page_markers_start_pages():
    source = read_source("一\n\f二\n=== 第4版 ===\n三\n".encode(), "x.txt")
    assert [(l.text, l.page) for l in source.lines if l.text] == [("一", 1), ("二", 2), ("三", 4)]
    assert source.pages == [1, 2, 4]
    source = read_source("一\n=== 第二版 ===\n二\n第十二版\n三\n".encode(), "x.txt")
    assert [(l.text, l.page) for l in source.lines if l.text] == [("一", 1), ("二", 2), ("三", 12)]


def test_a_running_head_numbers_its_page_and_stays_text():
    source = read_source("第1期 正文一。\n2 综合新闻 2022年3月25日 责任编辑：周敏\n正文二。\n"
                         "\f4 国际 2022年3月25日 星期五 责任编辑：王敏\n正文四。\n".encode(), "x.txt")
    assert [(l.text[:2], l.page) for l in source.lines if l.text] == [
        ("第1", 1), ("2 ", 2), ("正文", 2), ("4 ", 4), ("正文", 4)]
    assert source.pages == [1, 2, 4]


def test_explicit_encoding_wins():
    data = TEXT.encode("gb18030")
    assert read_source(data, "x.txt", encoding="gb18030").lines[0].text == "第1845期"
    with pytest.raises(TeiBuildError, match="not valid utf-8"):
        read_source(data, "x.txt", encoding="utf-8")


@pytest.mark.parametrize("data, message, line", [
    (b"", "empty", 1),
    (b"  \n\n", "empty", 1),
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00", "binary", 3),
    ("正文\n一半".encode()[:-1], "not valid UTF-8", 2),
    ("一行\n二\x07行\n".encode(), r"control character U\+0007", 2),
    (("a" * 30000).encode(), "characters long", 1),
    ("正文".encode("utf-16"), "UTF-16", 1),
])
def test_bad_input_is_one_clear_error(data, message, line):
    with pytest.raises(TeiBuildError, match=message) as info:
        read_source(data, "bad.txt")
    assert info.value.path == "bad.txt"
    assert info.value.line == line
