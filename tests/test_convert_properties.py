"""Properties that must hold for any text: re-wrapping is undone, nothing is lost,
nothing crashes."""

from __future__ import annotations

import unicodedata
from collections import Counter

from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st

from teibuild.convert import Overrides, convert_bytes, insert_spaces
from teibuild.convert.classify import run_in_byline
from teibuild.convert.lines import ends_mid_clause
from teibuild.edition import Edition
from teibuild.errors import TeiBuildError
from tests.conftest import NS
from tests.layoutgen import wrap

EDITION = Edition(slug="prop", title="测试报")
HAN = st.characters(min_codepoint=0x4E00, max_codepoint=0x9FA5)


@st.composite
def paragraph(draw, measure):
    """A paragraph of at least three lines at this measure: clauses split by commas,
    one sentence-final mark at the end."""
    clauses = draw(st.lists(st.text(HAN, min_size=2, max_size=12), min_size=1, max_size=12))
    text = "，".join(clauses)
    while len(text) < 2.5 * measure:
        text += "，" + draw(st.text(HAN, min_size=3, max_size=12))
    return text + draw(st.sampled_from("。！？"))


@st.composite
def wrapped_issue(draw):
    measure = draw(st.integers(min_value=8, max_value=30))
    paragraphs = draw(st.lists(paragraph(measure), min_size=1, max_size=5))
    return measure, paragraphs


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(wrapped_issue())
# the wrap put 本报讯 at the start of a line, after a comma: still the same sentence
@example((8, ["一一一，一一一，一一一，一一一，本报讯，一一一。"]))
def test_rewrapped_paragraphs_come_back(case):
    measure, paragraphs = case
    lines = []
    for text in paragraphs:
        lines.extend(wrap(text, measure))
    # a line opening with 本报讯 (or 新华社…电) opens a report, by design, unless the line
    # above stopped at a comma: then the paragraph is a report with its byline, not prose
    assume(not any(run_in_byline(line) and not (k and ends_mid_clause(lines[k - 1]))
                   for k, line in enumerate(lines)))
    built = convert_bytes("\n".join(lines).encode(), "p.txt", EDITION,
                          Overrides(issue={"number": "7"}))
    got = ["".join(p.itertext()) for p in built.tree.xpath("//t:body//t:p", namespaces=NS)]
    assert got == paragraphs


PRINTABLE = st.characters(blacklist_categories=("Cs", "Cc"), blacklist_characters="\ufeff\ufffe")
LINE = st.one_of(st.text(PRINTABLE, max_size=40), st.sampled_from(
    ["下转▶4版", "■本报记者综合报道", "本报讯（记者 王某）3月 1日", " 标题在这里", "第12期",
     "2022年3月25日 星期五", "本期4版", "", "  ", "\f", "。", "，", "=== 第2版 ==="]))


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(LINE, min_size=1, max_size=40))
def test_random_text_never_crashes_and_loses_nothing(lines):
    source = unicodedata.normalize("NFC", "\n".join(lines))   # NFC is documented normalisation
    try:
        built = convert_bytes(source.encode(), "r.txt", EDITION, Overrides(issue={"number": "9"}))
    except TeiBuildError:
        return      # refused with one clear message: fine (empty text, control characters)
    insert_spaces(built.spaces)
    body = built.tree.find(".//{*}body")
    kept = Counter(c for c in "".join(body.itertext()) if not c.isspace())
    wanted = Counter(c for c in source if not c.isspace())
    for line in source.replace("\r", "\n").split("\n"):
        if line.strip().startswith("===") and line.strip().endswith("==="):
            wanted -= Counter(c for c in line if not c.isspace())   # page markers become <pb>
    assert kept == wanted
