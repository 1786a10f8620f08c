"""An entry's list of mentions: the markup the Jinja partial wrote, and its zh-Hant in one go."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st
from jinja2 import Environment, FileSystemLoader
from markupsafe import escape

from teibuild.edition import Edition
from teibuild.render import hant
from teibuild.render.hant import html_to_hant
from teibuild.render.mentions import _escape, mention_list
from teibuild.render.pages import Here, environment, _both_pages, _Both
from teibuild.render.site import Article, Cited, Mention
from teibuild.resources import templates_dir

# The list as a Jinja partial wrote it (partials/mentions.html, with `kwic` as a macro):
# the markup mention_list must write, byte for byte.
PARTIAL = """{% from "partials/dates.html" import issue_date %}
{% macro kwic(s) %}{% for t, n in s %}{% if n %}<span class="name">{{ t }}</span>{% else %}{{ t }}{% endif %}{% endfor %}{% endmacro %}
{% for issue, mentions in groups %}
  {% set issue_page = here.link('issues/' ~ issue.id ~ '.html') %}
  <h3><a href="{{ issue_page }}">第{{ issue.n }}期</a> {{ issue_date(issue.date) }}</h3>
  <ol class="mentions">
    {% for m in mentions %}
    {% set art = issue.article(m.article) %}
    <li><a href="{{ issue_page }}#{{ m.anchor }}">第{{ m.page }}版{% if art %}《{{ art.label }}》{% endif %}</a>
      <q class="kwic">{{ kwic(m.before) }}<mark class="name">{{ m.name }}</mark>{{ kwic(m.after) }}</q></li>
    {% endfor %}
  </ol>
{% else %}
  <p class="empty">本版各期正文中尚未出现。</p>
{% endfor %}"""

REFERENCE = Environment(loader=FileSystemLoader(str(templates_dir())), autoescape=True,
                        trim_blocks=True, lstrip_blocks=True,
                        keep_trailing_newline=True).from_string(PARTIAL)

# texts that convert (头发 区长 准印证), that escape, that change a length in s2twp (方便面)
TEXT = st.text(st.sampled_from(list("头发区长胡广杰准印证号，…&<>\"' 方便面a1")), max_size=12)
SEGMENTS = st.lists(st.tuples(TEXT, st.booleans()), max_size=5).map(tuple)


def _article(n: int, label: str) -> Article:
    return Article(f"a{n}", "1", "", "", "", label, label, (), (), (), (), False, 1)


@st.composite
def groups(draw):
    out = []
    for n in range(draw(st.integers(0, 3))):
        articles = tuple(_article(k, draw(TEXT)) for k in range(draw(st.integers(0, 2))))
        issue = Cited(f"hongkou-{n}", draw(TEXT), draw(st.sampled_from(["", "2022-03-25", "1987"])),
                      articles)
        mentions = [Mention("persons", "x", draw(TEXT), issue.id, draw(TEXT), f"a{k}",
                            draw(TEXT), draw(SEGMENTS), draw(SEGMENTS))
                    for k in range(draw(st.integers(1, 3)))]
        out.append((issue, mentions))
    return out


@settings(max_examples=300, deadline=None)
@given(groups(), st.sampled_from(["registers/persons/x.html", "registers/persons/x/2022.html"]))
def test_the_list_is_what_the_partial_wrote(groups, path):
    hans, _ = mention_list(path, groups)
    assert hans == REFERENCE.render(here=Here(path), groups=groups)


@settings(max_examples=300, deadline=None)
@given(groups(), st.sampled_from(["s2tw", "s2t", "s2twp"]))
def test_its_zh_hant_is_what_html_to_hant_makes_of_it(groups, config):
    hans, hant_list = mention_list("registers/persons/x.html", groups, config)
    if hant_list is not None:
        assert hant_list == html_to_hant(hans, config)
    else:   # s2twp's 方便面 → 泡麵 changes a length: the page is then converted whole
        assert config == "s2twp" and "方便面" in hans


def test_a_text_with_a_line_break_leaves_the_list_to_its_page():
    issue = Cited("hongkou-1", "1", "2022-03-25", (_article(0, "头发"),))
    mention = Mention("persons", "x", "区长", issue.id, "a0", "a0", "1",
                      (("头\n发", False),), ())
    hans, hant_list = mention_list("registers/persons/x.html", [(issue, [mention])], "s2tw")
    assert hant_list is None and "头\n发" in hans


def test_the_zh_hant_page_takes_the_converted_list_only_where_it_is_a_line_of_its_own():
    edition = Edition()
    here = _Both("registers/persons/x.html")
    part = '  <ol class="mentions">\n    <li>头发</li>\n  </ol>\n'
    parts = {"mention_list": (part, "CONVERTED\n")}
    own_line = environment().from_string("<p>头发</p>\n{{ mention_list -}}\n</section>\n")
    assert _both_pages(own_line, here, edition, parts, {}) == \
        ("<p>头发</p>\n" + part + "</section>\n", "<p>頭髮</p>\nCONVERTED\n</section>\n")
    inline = environment().from_string("<p>头发</p>{{ mention_list }}</section>\n")
    assert _both_pages(inline, here, edition, parts, {}) == \
        ("<p>头发</p>" + part + "</section>\n", html_to_hant("<p>头发</p>" + part + "</section>\n"))
    none = {"mention_list": (part, None)}
    assert _both_pages(own_line, here, edition, none, {}) == \
        ("<p>头发</p>\n" + part + "</section>\n",
         html_to_hant("<p>头发</p>\n" + part + "</section>\n"))


@settings(max_examples=500, deadline=None)
@given(st.text(max_size=20))
def test_escaping_is_jinjas(text):
    assert _escape(text) == str(escape(text))


def test_hant_separator_in_a_text_is_left_to_the_page():
    assert hant.convert_runs([("头" + hant._SEP,)], "s2tw") is None
