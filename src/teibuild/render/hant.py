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
# _TAG without its groups, to cut a page into text, tag, text … in one go
_SPLIT = re.compile(r"(<!--.*?-->|</?[A-Za-z][A-Za-z0-9-]*(?:[^>\"']|\"[^\"]*\"|'[^']*')*>)", re.S)
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
    pieces = _SPLIT.split(html)    # text, tag, text, tag … text
    runs: list[str | None] = []    # convertible text; None ends a phrase run
    at: list[int] = []             # where each text of `runs` came from in `pieces`
    frozen_tag, frozen = "", 0     # inside translate="no": its tag name and depth
    name_tag, name = "", 0         # inside the outermost name
    info = _tag_info
    last = len(pieces) - 1
    for k in range(0, last + 1, 2):
        text = pieces[k]
        if text and not frozen and not text.isspace():
            at.append(k)
            runs.append(text)
        if k == last:
            break
        tag = pieces[k + 1]
        tag_name, closing, no_translate, is_name, readable, inline = info(tag)
        if frozen:
            if tag_name == frozen_tag:
                frozen += -1 if closing else 1
        elif no_translate:
            frozen_tag, frozen = tag_name, 1
        elif readable:
            pieces[k + 1] = _readable(tag, config)
        if name:
            if tag_name == name_tag:
                name += -1 if closing else 1
                if not name:
                    runs.append(None)
        elif is_name:
            name_tag, name = tag_name, 1
            runs.append(None)
        if not inline:
            runs.append(None)
    converted = [c for c in _convert_runs(converter(config).convert, runs) if c is not None]
    for index, text in zip(at, converted):
        pieces[index] = text
    return "".join(pieces)


@lru_cache(maxsize=65536)
def _tag_info(tag: str) -> tuple[str, bool, bool, bool, bool, bool]:
    """What converting needs to know of a tag: (name, closing, opens translate="no",
    opens a name, has readable attributes, is inline). Tags repeat, so this is remembered."""
    m = _TAG.fullmatch(tag)
    closing, tag_name = bool(m.group(1)), (m.group(2) or "").lower()
    attrs = m.group(3) or ""
    opening = bool(tag_name) and not closing
    return (tag_name, closing, opening and bool(_NO_TRANSLATE.search(attrs)),
            opening and bool(_NAME.search(attrs)), bool(_READABLE_ATTR.search(tag)),
            tag_name in _INLINE)


@lru_cache(maxsize=16384)
def _readable(tag: str, config: str) -> str:
    """A tag with its human-readable attributes converted."""
    convert = converter(config).convert
    return _READABLE_ATTR.sub(lambda a: a[1] + convert(a[2]) + a[3], tag)


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
