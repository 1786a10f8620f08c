"""zh-Hant conversion piece by piece, remembered, equals converting each page whole."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from teibuild.render import hant
from teibuild.render.hant import html_to_hant, text_to_hant

# s2twp changes a length (方便面 → 泡麵): its text is cut back where it lines up
CONFIGS = ("s2tw", "s2t", "s2twp")

PAGES = [
    "<!DOCTYPE html>\n<html lang=\"zh-Hans\">\n<title>头发</title>\n<p>头<br>发</p>\n",
    '<p>头<a\n title="头发">发</a></p>\n<p>发展</p>',            # a tag over two lines
    "<p>区</p><!-- <p>区\n</p> -->\n<p>头<br>发</p>",             # a comment over two lines
    '<div translate="no">\n<p>简体</p>\n</div>\n<p>发展</p>',      # translate="no" over lines
    '<p>区长<a class="name persName" href="x">胡\n广杰</a>头发</p>',  # a name over two lines
    "<p>方便面</p>\n<p>头<br>发</p>",                              # a length changes
    '<div class="tei-text">' + "".join(f'<p id="p{n}">头<br>发{n}，区长说</p>' for n in range(60))
    + "</div>",                                                    # a long line, cut in pieces
    '<p title="<div>头发">发</p><p>头</p>',                        # a block tag inside a value
    "<P>" + "头<Span>发</SPAN>" * 100 + "</P>",                     # inline tags in capitals
]

FRAGMENTS = ["<p>", "</p>", '<a class="name">', "<a>", "</a>", "<br>", "\n", "头", "发",
             "区长", "胡广杰", "方便面", '<b translate="no">', "</b>", "<!--", "-->",
             '<span title="头发">', "</span>", "<div\n>", "</div>", "<", ">", '"', " ",
             "<!DOCTYPE html>", "<p>" + "头发" * 250, "<Span>", "</SPAN>", "<BR>", "<P>"]


@pytest.mark.parametrize("config", CONFIGS)
@pytest.mark.parametrize("page", PAGES)
def test_pieces_convert_as_the_whole_page(page, config):
    whole = hant._convert_page(page, config)
    assert html_to_hant(page, config) == whole
    assert html_to_hant(page, config) == whole   # and again, from what was remembered


def test_a_phrase_across_an_inline_tag_still_converts_as_one():
    assert html_to_hant("<p>头<br>发</p>\n<p>发</p>") == "<p>頭<br>髮</p>\n<p>發</p>"
    # and where a conversion changes a length elsewhere on the page
    assert html_to_hant("<p>方便面</p>\n<p>头<br>发</p>", "s2twp") == \
        hant._convert_page("<p>方便面</p>\n<p>头<br>发</p>", "s2twp") == \
        "<p>泡麵</p>\n<p>頭<br>髮</p>"


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(FRAGMENTS), max_size=40), st.sampled_from(CONFIGS))
def test_any_page_converts_as_the_whole_page(fragments, config):
    page = "".join(fragments)
    assert html_to_hant(page, config) == hant._convert_page(page, config)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(["头发", "区长", "胡广杰", "方便面", "\n", "，", " ", "发"]),
                max_size=30),
       st.lists(st.sampled_from(["胡广杰", "区长", "发", "方便"]), max_size=3),
       st.sampled_from(CONFIGS))
def test_text_line_by_line_converts_as_the_whole_text(pieces, names, config):
    text = "".join(pieces)
    whole = hant._text_to_hant(text, config, frozenset(names))
    assert text_to_hant(text, config, tuple(names)) == whole
    assert text_to_hant(text, config, tuple(names)) == whole


def test_the_lines_not_remembered_are_converted_in_one_call(monkeypatch):
    calls = []
    convert = hant._Converter.convert
    monkeypatch.setattr(hant._Converter, "convert",
                        lambda self, text: calls.append(text) or convert(self, text))
    text = "区长说\n头发\n区长说\n发展成就"
    assert text_to_hant(text, "s2tw", ("胡广杰",)) == "區長說\n頭髮\n區長說\n發展成就"
    assert calls == ["区长说\n头发\n发展成就"]   # each new line once, together
    assert text_to_hant(text + "\n方便面", "s2tw", ("胡广杰",)).endswith("\n方便麵")
    assert calls[1:] == ["方便面"]                  # the lines remembered are not converted


# (no length changes in it: a part whose conversion would change one is not given converted)
PART = '  <ol class="mentions">\n    <li><a href="x">头<br>发</a>\n      <q>区长<mark class="name">胡广杰</mark>发展</q></li>\n  </ol>\n'
MARKER = "<!--tei-build:part-->"


@pytest.mark.parametrize("config", CONFIGS)
@pytest.mark.parametrize("page", PAGES)
def test_a_part_already_converted_stands_in_its_page_as_converted_with_it(page, config):
    """A part given converted (`done`) gives the page the whole page converts to; where
    the page must be converted as a whole, the part is put back and converted with it."""
    whole = f"{page}\n{PART}<p>发</p>"
    marked = f"{page}\n{MARKER}\n<p>发</p>"
    done = {MARKER: (PART, html_to_hant(PART, config))}
    assert html_to_hant(marked, config, done) == html_to_hant(whole, config)


def test_a_part_after_a_name_or_untranslated_element_is_taken_as_converted():
    for closed in ('<div translate="no">简体</div>', '<a class="name">胡广杰</a>'):
        page = f"<p>{closed}</p>\n{MARKER}\n<p>发</p>"
        done = {MARKER: (PART, "CONVERTED\n")}
        assert html_to_hant(page, "s2tw", done).endswith("</p>\nCONVERTED\n<p>發</p>")


def test_a_part_inside_a_name_or_untranslated_element_falls_back_to_the_whole_page():
    for opened in ('<div translate="no">', '<a class="name">'):
        page = f"{opened}\n{MARKER}\n</div>"
        done = {MARKER: (PART, "converted elsewhere\n")}
        restored = f"{opened}\n{PART}</div>"
        assert html_to_hant(page, "s2tw", done) == hant._convert_page(restored, "s2tw")


@settings(max_examples=200, deadline=None)
@given(st.lists(st.lists(st.sampled_from(["头发", "区长", "胡广杰", "方便面", "，", " ", "发",
                                          "&amp;", "准印证", "\n", hant._SEP]),
                         min_size=1, max_size=3), max_size=8),
       st.sampled_from(CONFIGS))
def test_runs_convert_as_html_to_hant_converts_them(runs, config):
    """convert_runs: each run as html_to_hant converts text between two block tags; None
    where a text holds a line break or a conversion changes a length."""
    runs = [tuple(run) for run in runs]
    converted = hant.convert_runs(runs, config)
    page = "".join("<p>" + "<b></b>".join(run) + "</p>\n" for run in runs)
    if converted is None:
        assert any("\n" in t or hant._SEP in t for run in runs for t in run) or any(
            len(hant.converter(config).convert("".join(run))) != len("".join(run))
            for run in runs)
    else:
        assert [tuple(map(len, run)) for run in converted] == \
            [tuple(map(len, run)) for run in runs]
        assert "".join("<p>" + "<b></b>".join(run) + "</p>\n" for run in converted) == \
            html_to_hant(page, config)



def test_a_run_converted_lately_is_not_given_to_opencc_again(monkeypatch):
    """The text around a mention is on its name's page, its year's page and the pages of
    the names beside it: convert_runs gives OpenCC only the runs it has not seen, and
    each run comes back as it did the first time."""
    hant._MEMOS.clear()
    cc = hant.converter("s2tw")
    given: list[str] = []
    real = cc._convert
    monkeypatch.setattr(cc, "_convert", lambda text: given.append(text) or real(text))
    first = hant.convert_runs([("区长说头发",), ("第1版", "2022")], "s2tw")
    again = hant.convert_runs([("第1版", "2022"), ("胡广杰说",), ("区长说头发",), ("胡广杰说",)],
                              "s2tw")
    assert first == [("區長說頭髮",), ("第1版", "2022")]
    assert again == [("第1版", "2022"), ("胡廣傑說",), ("區長說頭髮",), ("胡廣傑說",)]
    assert given == ["区长说头发\n第1版2022", "胡广杰说"]
    assert hant.convert_runs([("区长说头发",)], "s2tw") == [("區長說頭髮",)]
    assert len(given) == 2

def test_a_run_made_longer_and_another_shorter_lose_no_character():
    """s2twp writes U盘 as 隨身碟 and 方便面 as 泡麵: the total length stays, and cutting the
    text back by lengths alone put a line break where 碟 was (and lost the name between)."""
    assert html_to_hant("<p>U盘</p>\n<p>方便面</p>", "s2twp") == "<p>隨身碟</p>\n<p>泡麵</p>"
    assert html_to_hant('<p>U盘<span class="name">和</span>方便面</p>', "s2twp") == \
        '<p>隨身碟<span class="name">和</span>泡麵</p>'
    assert text_to_hant("U盘和方便面", "s2twp", ("和",)) == "隨身碟和泡麵"
    assert hant.convert_runs([("U盘",), ("方便面",)], "s2twp") == [("隨身碟",), ("泡麵",)]


def test_an_inline_tag_stays_between_the_words_it_stood_between_where_lengths_change():
    """Within a run of text across inline tags, s2twp's U盘 → 隨身碟 and 方便面 → 泡麵 keep
    the run's length: cut back by lengths, 和 went into the link and 碟 out of the line."""
    assert html_to_hant('<p>我的U盘和<a href="x">方便面</a>很好</p>', "s2twp") == \
        '<p>我的隨身碟和<a href="x">泡麵</a>很好</p>'
    assert html_to_hant("<p>U盘<br>方便面</p>", "s2twp") == "<p>隨身碟<br>泡麵</p>"
    assert hant.convert_runs([("我的U盘和", "方便面", "很好")], "s2twp") == \
        [("我的隨身碟和", "泡麵", "很好")]
    # a phrase across a tag still converts as one, in every conversion
    for config in ("s2twp", "s2tw", "s2hkp"):
        assert html_to_hant("<p>头<br>发和U盘</p>", config).startswith("<p>頭<br>髮")


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(["我", "U盘", "方便面", "软件", "头", "发", "和", "很好", "打印机"]),
                min_size=1, max_size=12),
       st.lists(st.integers(min_value=0, max_value=12), max_size=4),
       st.sampled_from(["s2twp", "s2hkp", "s2tw"]))
def test_words_between_inline_tags_convert_as_they_do_alone(words, cuts, config):
    """Where no phrase runs across a tag, each part of a run converts as it does alone,
    whatever the conversion does to lengths; and no character is ever lost."""
    cuts = sorted({c for c in cuts if 0 < c < len(words)})
    parts = ["".join(words[a:b]) for a, b in zip([0, *cuts], [*cuts, len(words)])]
    page = "<p>" + "<br>".join(parts) + "</p>"
    converted = html_to_hant(page, config)
    assert converted.count("<br>") == len(parts) - 1
    convert = hant.converter(config).convert
    whole = convert("".join(parts))
    assert converted.replace("<br>", "") == "<p>" + whole + "</p>"
    alone = [convert(part) for part in parts]
    if "".join(alone) == whole:
        assert converted == "<p>" + "<br>".join(alone) + "</p>"


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(["<p>", "</p>", '<a class="name">', "</a>", "<br>", "\n",
                                 "U盘", "方便面", "头发", "区长", " "]), max_size=30))
def test_where_lengths_change_every_tag_and_line_break_stays(fragments):
    page = "".join(fragments)
    converted = html_to_hant(page, "s2twp")
    assert hant._TAG.findall(converted) == hant._TAG.findall(page)
    assert converted.count("\n") == page.count("\n")
    assert text_to_hant(page, "s2twp", ("区长",)).count("\n") == page.count("\n")


def test_remembering_is_bounded(monkeypatch):
    memo = hant._Memo()
    monkeypatch.setattr(hant._Memo, "LIMIT", 3)
    for n in range(10):
        memo.put(n, n)
    assert len(memo) <= 3


def test_the_default_conversion_writes_what_readers_of_traditional_characters_expect():
    from teibuild.edition import Edition

    assert Edition().opencc == hant.DEFAULT   # written twice: edition.py does not load OpenCC
    assert text_to_hant("奋战在核酸检测一线，群众最吃劲的时候") == "奮戰在核酸檢測一線，群眾最吃勁的時候"
    # s2t would write 覈酸 and 喫勁: the edition's default is Taiwan's standard characters
    assert text_to_hant("奋战在核酸检测", "s2t") == "奮戰在覈酸檢測"
    # 准 (permit) stays 准 in 准印证号, whatever the conversion; 标准 is still 標準
    for config in ("s2tw", "s2t", "s2hk"):
        assert text_to_hant("准印证号（B）0171号，标准", config) == "准印證號（B）0171號，標準"
        assert html_to_hant('<p title="准印证">准印证号</p>', config) == \
            '<p title="准印證">准印證號</p>'


def test_a_pages_description_is_converted_its_citation_metadata_is_not():
    page = ('<meta name="description" content="虹口报 第1版：区领导检查">\n'
            '<meta name="citation_title" content="区领导检查">\n')
    assert html_to_hant(page) == ('<meta name="description" content="虹口報 第1版：區領導檢查">\n'
                                  '<meta name="citation_title" content="区领导检查">\n')


def test_what_is_never_freed_outlives_its_last_reference():
    """(the converters are kept this way: `_never_freed`)"""
    import gc
    import weakref

    class Held:
        pass

    held = Held()
    alive = weakref.ref(held)
    hant._never_freed(held)
    del held
    gc.collect()
    assert alive() is not None


def test_the_converter_object_is_never_freed():
    import sys

    cc = hant.opencc.OpenCC("s2t.json")
    before = sys.getrefcount(cc)
    hant._never_freed(cc)
    assert sys.getrefcount(cc) == before + 1


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="胡广杰区长发头", max_size=40),
       st.lists(st.text(alphabet="胡广杰区长发头", max_size=4), max_size=6))
def test_names_are_found_where_a_pattern_of_them_longest_first_finds_them(text, names):
    import re

    pattern = re.compile("|".join(re.escape(n) for n in sorted(set(names), key=lambda n: (-len(n), n))
                                  if n) or "(?!)")
    assert hant.name_spans(text, names) == [m.span() for m in pattern.finditer(text)]


def test_a_name_is_found_whole_where_a_shorter_one_begins_inside_a_longer():
    assert hant.name_spans("区长胡广杰说胡广", ["胡广", "胡广杰", "长胡"]) == [(1, 3), (6, 8)]
