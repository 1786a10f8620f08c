"""The zh-Hant edition: OpenCC applied to what readers read, never to markup.

Text between tags and a few human-readable attributes (title, aria-label,
alt …) are converted; tag names, ids, hrefs and anything inside an element
marked `translate="no"` (the 简/繁 switcher's own label) are left alone.

OpenCC converts by phrases, so where a phrase ends matters twice: a phrase cut
by markup (头<br>发) must still convert as one (頭髮, not 頭發), and a name must
not merge with its neighbours (区长胡广杰 is 區長 + 胡廣傑, not 區長鬍廣傑). So
text runs on across inline tags, and names are converted on their own.
"""

from __future__ import annotations

import re
from functools import lru_cache

import opencc

from ..errors import TeiBuildError

HANS, HANT = "zh-Hans", "zh-Hant"

_TAG = re.compile(r"<!--.*?-->|<(/?)([A-Za-z][A-Za-z0-9-]*)((?:[^>\"']|\"[^\"]*\"|'[^']*')*)>",
                  re.S)
_READABLE_ATTR = re.compile(
    r"(\s(?:title|aria-label|alt|placeholder|data-label-[a-z-]+)=\")([^\"]*)(\")")
_NO_TRANSLATE = re.compile(r"\stranslate=\"no\"")
_NAME = re.compile(r"\sclass=\"name\b")
_INLINE = {"a", "abbr", "b", "br", "cite", "code", "em", "i", "mark", "q", "small", "span",
           "strong", "sub", "sup", "time", "u", "wbr"}


@lru_cache(maxsize=None)
def converter(config: str = "s2t") -> opencc.OpenCC:
    """The OpenCC converter named in edition.toml (`s2t`, `s2tw`, `s2hk`, …)."""
    name = config if config.endswith(".json") else f"{config}.json"
    try:
        return opencc.OpenCC(name)
    except Exception:  # opencc raises a bare RuntimeError/Exception for unknown configs
        raise TeiBuildError(f"unknown OpenCC conversion {config!r} (try s2t, s2tw or s2hk)",
                            path="edition.toml") from None


def text_to_hant(text: str, config: str = "s2t", names: tuple[str, ...] = ()) -> str:
    """Convert plain text; each of `names` (as printed) is converted on its own."""
    convert = converter(config).convert
    if not text or not names:
        return convert(text) if text else text
    pattern = re.compile("|".join(re.escape(n) for n in sorted(set(names), key=len, reverse=True)
                                  if n))
    parts: list[str | None] = []
    pos = 0
    for m in pattern.finditer(text):
        parts += [text[pos:m.start()], None, m.group(0), None]
        pos = m.end()
    parts.append(text[pos:])
    return "".join(p for p in _convert_runs(convert, parts) if p is not None)


def html_to_hant(html: str, config: str = "s2t") -> str:
    """Convert the text of an HTML page, leaving every tag byte-for-byte as it was."""
    convert = converter(config).convert
    out: list[str] = []            # tags as they are, text as None placeholders
    runs: list[str | None] = []    # convertible text; None ends a phrase run
    pos = 0
    frozen = _Span()               # inside translate="no"
    name = _Span()                 # inside the outermost name
    for m in _TAG.finditer(html):
        _add_text(html[pos:m.start()], frozen.depth, out, runs)
        tag, closing, tag_name = m.group(0), m.group(1), (m.group(2) or "").lower()
        attrs = m.group(3) or ""
        if frozen.depth:
            frozen.step(tag_name, closing)
        elif tag_name and not closing and _NO_TRANSLATE.search(attrs):
            frozen.open(tag_name)
        else:
            tag = _READABLE_ATTR.sub(lambda a: a[1] + convert(a[2]) + a[3], tag)
        if name.depth:
            if name.step(tag_name, closing) == 0:
                runs.append(None)
        elif tag_name and not closing and _NAME.search(attrs):
            name.open(tag_name)
            runs.append(None)
        if tag_name not in _INLINE:
            runs.append(None)
        out.append(tag)
        pos = m.end()
    _add_text(html[pos:], frozen.depth, out, runs)
    converted = iter(c for c in _convert_runs(convert, runs) if c is not None)
    return "".join(piece if piece is not None else next(converted) for piece in out)


class _Span:
    """Depth of one open element, counted by its tag name (enough for our own HTML)."""

    def __init__(self):
        self.tag, self.depth = "", 0

    def open(self, tag: str) -> None:
        self.tag, self.depth = tag, 1

    def step(self, tag: str, closing: str) -> int:
        if tag == self.tag:
            self.depth += -1 if closing else 1
        return self.depth


def _add_text(text: str, frozen: int, out: list, runs: list) -> None:
    if text and not frozen and text.strip():
        out.append(None)
        runs.append(text)
    else:
        out.append(text)


def _convert_runs(convert, parts: list[str | None]) -> list[str | None]:
    """Convert the parts as running text, None marking where a phrase must end.

    OpenCC keeps lengths, so the whole is converted at once and cut back; should
    a conversion ever change a length, each part is converted alone instead.
    """
    source = "".join("\n" if p is None else p for p in parts)
    result = convert(source)
    if len(result) != len(source):
        return [None if p is None else convert(p) for p in parts]
    out: list[str | None] = []
    offset = 0
    for p in parts:
        size = 1 if p is None else len(p)
        out.append(None if p is None else result[offset:offset + size])
        offset += size
    return out
