import re

from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import etree

from teibuild import TEI_NS
from teibuild.tag.spans import Span, flatten, rewrap

T = f"{{{TEI_NS}}}"


def para(xml: str):
    return etree.fromstring(f'<p xmlns="{TEI_NS}">{xml}</p>')


def shape(el):
    """The element's characters and milestones in order, markup aside."""
    xml = etree.tostring(el, encoding="unicode", with_tail=False)
    return re.sub(r"<[^>]+>", "", re.sub(r"<lb/>", "|", xml))


def test_a_name_across_a_line_break_is_wrapped_whole():
    p = para("区委副书记杜松<lb/>全出席")
    flat = flatten(p)
    assert flat.text == "区委副书记杜松全出席"
    rewrap(p, flat, [Span(0, 5, "roleName"), Span(5, 8, "persName", {"ref": "persons.xml#du-songquan"})])
    assert etree.tostring(p, encoding="unicode").split(">", 1)[1] == (
        '<roleName>区委副书记</roleName><persName ref="persons.xml#du-songquan">杜松<lb/>全'
        '</persName>出席</p>')


def test_line_breaks_at_span_edges_stay_outside():
    p = para("了<lb/>北外滩街道<lb/>社区")
    flat = flatten(p)
    rewrap(p, flat, [Span(1, 6, "placeName")])
    assert etree.tostring(p, encoding="unicode").split(">", 1)[1] == \
        "了<lb/><placeName>北外滩街道</placeName><lb/>社区</p>"


def test_nesting_and_existing_markup_kept():
    p = para('在<persName ref="x">郭芳</persName>北外滩街道社区卫生服务中心')
    flat = flatten(p)
    assert flat.free(0, 1) and not flat.free(1, 4)
    rewrap(p, flat, [Span(3, 16, "orgName"), Span(3, 8, "placeName")])
    assert etree.tostring(p, encoding="unicode").split(">", 1)[1] == (
        '在<persName ref="x">郭芳</persName><orgName><placeName>北外滩街道</placeName>'
        '社区卫生服务中心</orgName></p>')


@st.composite
def paragraphs(draw):
    chars = draw(st.lists(st.sampled_from("区委书记郭芳 月日，|"), min_size=1, max_size=40))
    text = "".join(chars)
    plain = text.replace("|", "")
    n = len(plain)
    spans = []
    for _ in range(draw(st.integers(0, 4))):
        a = draw(st.integers(0, n))
        b = draw(st.integers(a, n))
        if a < b and all(b <= s.start or a >= s.end or (s.start <= a and b <= s.end)
                         or (a <= s.start and s.end <= b) for s in spans) \
                and all((a, b) != (s.start, s.end) for s in spans):
            spans.append(Span(a, b, draw(st.sampled_from(["persName", "orgName", "date"]))))
    return text, spans


@settings(max_examples=300, deadline=None)
@given(paragraphs())
def test_rewrap_never_loses_reorders_or_adds_anything(case):
    text, spans = case
    xml = text.replace("|", "<lb/>")
    p = para(xml)
    before = shape(p)
    flat = flatten(p)
    rewrap(p, flat, spans)
    assert shape(p) == before
    assert len(p.findall(f".//{T}lb")) == text.count("|")
    wrapped = sorted(("".join(e.itertext()), etree.QName(e).localname)
                     for e in p.iter() if e is not p and e.tag != f"{T}lb")
    assert wrapped == sorted((flat.text[s.start:s.end], s.tag) for s in spans)
