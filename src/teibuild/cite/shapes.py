"""citeproc-py run once per item *shape*, not once per item.

Rendering a CSL style costs citeproc-py tens of milliseconds, and a site has
five citations on every issue and article page. But the items of an edition
differ only in their values (title, reporters, page, issue number, dates),
not in their shape (which variables are present, how many names, whether a
value holds letters or full stops). So each shape is rendered by citeproc-py
with placeholder values made of private-use characters, and the real values
are put where the placeholders came out.

That is only right where citeproc-py copies a value through unchanged, so a
template is made from two renderings with different placeholders and kept
only if filling the first one with the second's values gives exactly the
second rendering, and no placeholder character is left in the text between
the values. Whatever could change a value is part of the shape: letters (text
case), full stops (strip-periods), a number (is-numeric, ordinals), a space
or punctuation mark at either end (citeproc-py drops a doubled mark where two
pieces meet). Values that are not plain enough, such as a page range, stay in
the shape as they are. Dates: citeproc-py is given a literal date to mark
where each date element printed, and the real date is then rendered by that
same element. An item that fits no template is rendered directly.
"""

from __future__ import annotations

import json
import re
import threading

from citeproc import NUMBERS, CitationStylesBibliography, Citation, CitationItem
from citeproc.model import Date as DateElement
from citeproc.source import Date, LiteralDate
from citeproc.source.json import CiteProcJSON

# citeproc-py's own lists use Python names; CSL-JSON keys use hyphens
_NUMBER_KEYS = {n.replace("_", "-") for n in NUMBERS} | {"page", "page-first", "locator"}
_DATE_KEYS = {"accessed", "container", "event-date", "issued", "original-date", "submitted"}
_RAW_KEYS = {"id", "type", "language"}
_SEAM = set(" .,;:!?")           # citeproc.string.SEAM_PUNCTUATION and the space
_NOCASE = ('<span class="nocase">', "</span>")
_OPEN, _CLOSE = "\ue000", "\ue001"
_SLOT_BASE, _DATE_BASE, _MARK_BASE, _VARIANT_BASE = 0xE100, 0xE180, 0xE1C0, 0xE0F0
_PLACEHOLDER_CHAR = re.compile("[\ue000-\ue1ff]")
# placeholder characters are never accepted in a value, nor markup (such a value stays as it is)
_RESERVED = re.compile("[\ue000-\ue1ff<>]")
_PROBE_ID = "shape-probe"
_MAX_SLOTS = 0x40               # values of one item: text, date and marker placeholders stay apart

_LOCAL = threading.local()


class _SentinelDate(LiteralDate):
    """A placeholder date: the date element that prints it is recorded."""


_original_date_process = DateElement.process


def _date_process(self, item, variable=None, show_parts=None, context=None, **kwargs):
    """cs:date as citeproc-py renders it, except that a placeholder date prints a fresh
    marker and the element, its parts and context are remembered for the real date."""
    name = (variable or self.get("variable") or "").replace("-", "_")
    value = item.reference.get(name) if name else None
    if getattr(_LOCAL, "dates", None) is None or not isinstance(value, _SentinelDate) \
            or (not self.is_locale_date() and self.get("form") is not None):
        return _original_date_process(self, item, variable, show_parts, context, **kwargs)
    # the branch of citeproc.model.Date.process that prints a literal date
    parts = ["year", "month", "day"] if show_parts is None else list(show_parts)
    context = self if context is None else context
    marks = _LOCAL.dates
    marker = f"{_OPEN}{chr(_MARK_BASE + len(marks))}{_CLOSE}"
    marks[marker] = (value.text, self, tuple(parts), context)
    style_context = context if self.is_locale_date() else self
    return style_context.wrap(marker)


DateElement.process = _date_process


def _cased(text: str) -> bool:
    return text.lower() != text or text.upper() != text


def _plain(value: str) -> bool:
    """A value citeproc-py can only copy: no markup, no placeholder characters, and no
    space or punctuation mark at either end for it to merge with its neighbours."""
    return bool(value) and value[0] not in _SEAM and value[-1] not in _SEAM \
        and not _RESERVED.search(value)


def _literal(value) -> tuple:
    if value is None or isinstance(value, (str, int, float, bool)):
        return ("lit", type(value).__name__, value)  # the type too: True == 1
    return ("json", json.dumps(value, sort_keys=True, ensure_ascii=False))


class Shape:
    """An item with its values taken out: `key` (hashable) and `values` [(kind, value)]."""

    def __init__(self, item: dict):
        self.values: list = []
        self.key = self._abstract(item, "")

    def _slot(self, kind, value) -> tuple:
        self.values.append((kind, value))
        return ("slot", kind, len(self.values) - 1)

    def _abstract(self, value, key: str) -> tuple:
        if isinstance(value, dict):
            if key in _DATE_KEYS:
                return self._date(value)
            return ("dict",) + tuple(sorted((k, self._abstract(v, k))
                                            for k, v in value.items() if k != "id"))
        if isinstance(value, list):
            return ("list",) + tuple(self._abstract(v, key) for v in value)
        if not isinstance(value, str) or key in _RAW_KEYS:
            return _literal(value)
        if key in _NUMBER_KEYS:
            if value.isascii() and value.isdigit() and value[0] != "0":
                return self._slot("number", value)
            return _literal(value)
        nocase = value.startswith(_NOCASE[0]) and value.endswith(_NOCASE[1])
        inner = value[len(_NOCASE[0]):-len(_NOCASE[1])] if nocase else value
        if not _plain(inner):
            return _literal(value)
        return self._slot(("text", nocase, _cased(inner), "." in inner), inner)

    def _date(self, value: dict) -> tuple:
        parts = value.get("date-parts")
        if set(value) == {"date-parts"} and isinstance(parts, list) and len(parts) == 1 \
                and isinstance(parts[0], list) and 1 <= len(parts[0]) <= 3 \
                and all(type(p) is int and p > 0 for p in parts[0]):
            return self._slot(("date", len(parts[0])), tuple(parts[0]))
        return _literal(value)


def _placeholder(kind, index: int, variant: int) -> str:
    """Placeholder text for one value, with the features its shape says it has."""
    if kind == "number":
        return f"9{variant + 7}{index:03d}{variant + 7}{'14'[variant]}"
    if kind[0] == "date":
        return f"{_OPEN}{chr(_DATE_BASE + index)}{chr(_VARIANT_BASE + variant)}{_CLOSE}"
    _, _nocase, cased, dot = kind
    return (f"{'a' if cased else ''}{_OPEN}{chr(_SLOT_BASE + index)}"
            f"{chr(_VARIANT_BASE + variant)}{'aB a' if cased else ''}{'.' if dot else ''}{_CLOSE}")


def _probe_item(shape_key: tuple, variant: int) -> tuple[dict, dict[str, tuple], dict[str, int]]:
    """The item of a shape with placeholders; what each value placeholder stands for; and
    the date placeholders with their slots."""
    marks: dict[str, tuple] = {}
    dates: dict[str, int] = {}

    def build(node: tuple):
        tag = node[0]
        if tag == "lit":
            return node[2]
        if tag == "json":
            return json.loads(node[1])
        if tag == "list":
            return [build(x) for x in node[1:]]
        if tag == "dict":
            return {k: build(v) for k, v in node[1:]}
        _, kind, index = node
        text = _placeholder(kind, index, variant)
        if kind != "number" and kind[0] == "date":
            dates[text] = index
            return {"literal": text}
        marks[text] = ("value", index)
        return f"{_NOCASE[0]}{text}{_NOCASE[1]}" if kind != "number" and kind[1] else text

    item = build(shape_key)
    item["id"] = _PROBE_ID
    return item, marks, dates


def citeproc_entries(item: dict, style, out, dates: frozenset = frozenset()) -> str:
    """The entries of one item as citeproc-py renders them (before tei-build's own tidying);
    `dates` are literal dates that stand for real ones (see _date_process)."""
    source = CiteProcJSON([item])
    if dates:
        reference = source[item["id"].lower()]
        for key in list(reference):
            value = reference[key]
            if isinstance(value, LiteralDate) and value.text in dates:
                reference[key] = _SentinelDate(value.text)
    bibliography = CitationStylesBibliography(style, source, out)
    bibliography.register(Citation([CitationItem(item["id"])]))
    return " ".join(str(entry) for entry in bibliography.bibliography())


class Template:
    """Constant text and slots: ("value", index) or ("date", index, element, parts, context)."""

    def __init__(self, pieces: list):
        self.pieces = pieces

    def fill(self, values: list) -> str | None:
        """The rendering of an item of this shape; None if a date would not fit."""
        out = []
        for piece in self.pieces:
            if isinstance(piece, str):
                out.append(piece)
            elif piece[0] == "value":
                out.append(values[piece[1]][1])
            else:
                text = _render_date(values[piece[1]][1], *piece[2:])
                if text is None:
                    return None
                out.append(text)
        return "".join(out)

    def signature(self) -> list:
        """The pieces, with the date elements by identity (they live as long as the style)."""
        return [p if isinstance(p, str) or p[0] == "value" else (*p[:2], id(p[2]), p[3], id(p[4]))
                for p in self.pieces]


_DATES: dict = {}


def _render_date(parts: tuple, element, show_parts: tuple, context) -> str | None:
    """The real date as the element that printed the placeholder prints it (remembered:
    an issue's items share their dates)."""
    key = (parts, id(element), show_parts, id(context))
    if key not in _DATES:
        _DATES[key] = _date_text(parts, element, show_parts, context)
    return _DATES[key]


def _date_text(parts: tuple, element, show_parts: tuple, context) -> str | None:
    date = Date(circa=False, **dict(zip(("year", "month", "day"), parts)))
    text = element.render_single_date(date, list(show_parts), context)
    text = "" if text is None else str(text)
    if not text or text[0] in _SEAM or text[-1] in _SEAM:
        return None  # citeproc-py might join it differently with its neighbours
    return text


def _cut(text: str, slots: dict[str, tuple]) -> Template | None:
    """A probe rendering cut at its placeholders; None if any placeholder was altered."""
    if not slots:
        return None if _PLACEHOLDER_CHAR.search(text) else Template([text])
    pattern = re.compile("|".join(re.escape(m) for m in sorted(slots, key=len, reverse=True)))
    pieces: list = []
    pos = 0
    for m in pattern.finditer(text):
        if m.start() > pos:
            pieces.append(text[pos:m.start()])
        pieces.append(slots[m.group(0)])
        pos = m.end()
    if pos < len(text):
        pieces.append(text[pos:])
    if any(_PLACEHOLDER_CHAR.search(p) for p in pieces if isinstance(p, str)):
        return None
    return Template(pieces)


_TEMPLATES: dict = {}


def template(style_name: str, style, out, shape: Shape, fmt: str) -> Template | None:
    """The template of a shape in one style and format (made on first use); None if the
    shape has none, and the item is to be rendered directly."""
    if len(shape.values) > _MAX_SLOTS:
        return None  # placeholders of so many values would run into each other
    key = (style_name, fmt, shape.key)
    if key not in _TEMPLATES:
        made = [_probe(style, out, shape.key, variant) for variant in (0, 1)]
        ok = None not in made and made[0].signature() == made[1].signature()
        _TEMPLATES[key] = made[0] if ok else None
    return _TEMPLATES[key]


def _probe(style, out, shape_key: tuple, variant: int) -> Template | None:
    item, marks, dates = _probe_item(shape_key, variant)
    _LOCAL.dates = {}
    try:
        text = citeproc_entries(item, style, out, frozenset(dates))
        printed = dict(_LOCAL.dates)
    finally:
        _LOCAL.dates = None
    slots: dict[str, tuple] = dict(marks)
    for marker, (literal, element, parts, context) in printed.items():
        slots[marker] = ("date", dates[literal], element, parts, context)
    return _cut(text, slots)
