"""From the bytes of an extracted-text file to lines of text, refusing what is not text.

Sources come from OCR and PDF extraction in UTF-8 (with or without BOM), GB18030
or Big5; anything else (binary, truncated, control characters) is refused with
one line that names the file and the line, before anything is written.
"""

from __future__ import annotations

import codecs
import re
import unicodedata
from dataclasses import dataclass

from ..errors import TeiBuildError
from ..numerals import cn_number
from .classify import running_head_page

#: pdftotext separates pages with a form feed; an explicit marker line does too.
PAGE_MARKER = re.compile(
    r"^\s*(?:[-=#*]{3,}\s*)?(?:第\s*(?P<zh>\d+|[一二三四五六七八九十]{1,3})\s*版|\[?\s*(?:page|PAGE|Page)\s+(?P<en>\d+)\s*\]?)"
    r"(?:\s*[-=#*]{3,})?\s*$")

ENCODINGS = ("utf-8", "gb18030", "big5")
MAX_LINE_CHARS = 20_000
#: One source is one issue: the sample page is 13 KB, so even a 32-page issue stays
#: under 1 MB. Far beyond that it is a whole archive or the wrong file, and
#: layout analysis of it would run for many minutes in growing memory.
MAX_SOURCE_BYTES = 4 * 1024 * 1024


@dataclass(frozen=True)
class SourceLine:
    """One line of the source, as extracted: its 1-based number and its text."""

    number: int
    text: str
    page: int


@dataclass(frozen=True)
class DecodedSource:
    lines: list[SourceLine]
    encoding: str
    pages: list[int]          # page numbers in source order, as printed or counted


def decode_bytes(data: bytes, name: str, encoding: str | None = None) -> tuple[str, str]:
    """Return (text, encoding). Detects UTF-8 (BOM or not), GB18030 and Big5."""
    if len(data) > MAX_SOURCE_BYTES:
        raise TeiBuildError(f"the source is over the limit of {MAX_SOURCE_BYTES // 2**20} MB "
                            "for one issue; give each issue its own source file", path=name)
    if not data.strip():
        raise TeiBuildError("the source is empty", path=name, line=1)
    if data.startswith(codecs.BOM_UTF8):
        return _decode(data[len(codecs.BOM_UTF8):], "utf-8", name), "utf-8-sig"
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise TeiBuildError("UTF-16 sources are not supported; save the text as UTF-8",
                            path=name, line=1)
    if b"\x00" in data:
        line = data[: data.index(b"\x00")].count(b"\n") + 1
        raise TeiBuildError("binary data (NUL byte): this does not look like a text file",
                            path=name, line=line)
    if encoding:
        try:
            codecs.lookup(encoding)
        except LookupError:
            raise TeiBuildError(f"unknown encoding {encoding!r}", path=name) from None
        return _decode(data, encoding, name), encoding
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError as exc:
        utf8_error = exc
    for candidate in ENCODINGS[1:]:
        try:
            text = data.decode(candidate)
        except UnicodeDecodeError:
            continue
        if _plausible_chinese(text):
            return text, candidate
    line = data[: utf8_error.start].count(b"\n") + 1
    raise TeiBuildError(
        f"not valid UTF-8 (byte 0x{data[utf8_error.start]:02x} at offset {utf8_error.start}) "
        "and not GB18030 or Big5 text either; pass --encoding if you know it",
        path=name, line=line)


def _decode(data: bytes, encoding: str, name: str) -> str:
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise TeiBuildError(f"not valid {encoding}: {exc.reason} at byte offset {exc.start}",
                            path=name, line=line) from None


def _plausible_chinese(text: str) -> bool:
    """A wrong legacy decoding yields rare characters and symbols, not running Chinese."""
    sample = [c for c in text[:5000] if not c.isspace()]
    if not sample:
        return False
    common = sum(1 for c in sample if "\u4e00" <= c <= "\u9fff" or c.isascii()
                 or unicodedata.category(c).startswith("P"))
    return common / len(sample) > 0.9


def split_lines(text: str, name: str) -> DecodedSource:
    """Split into lines (any line ending), NFC-normalise, and assign pages.

    A form feed or a marker line (``=== 第2版 ===``, ``=== 第二版 ===``, ``[page 2]``) starts a new
    page; pages without a printed number follow on from the previous one. A running
    head that prints another page's number (``2 综合新闻 1998年5月16日 …``) starts that
    page too, or numbers the page it opens; it stays in the text.
    """
    text = unicodedata.normalize("NFC", text)
    printed: list[int | None] = [None]
    has_text = [False]
    indexed: list[tuple[int, str, int]] = []
    raw_lines = re.split(r"\r\n|\r|\n", text)
    if raw_lines and raw_lines[-1] == "":
        raw_lines.pop()
    for number, raw in enumerate(raw_lines, start=1):
        _check_characters(raw, name, number)
        parts = raw.split("\f")
        for k, part in enumerate(parts):
            if k:
                printed.append(None)
                has_text.append(False)
            marker = PAGE_MARKER.match(part)
            if marker:
                n = cn_number(marker.group("zh") or marker.group("en"))
                if has_text[-1]:
                    printed.append(n)
                    has_text.append(False)
                else:
                    printed[-1] = n
                continue
            running = running_head_page(part)
            if running is not None and running != _numbered(printed)[-1]:
                if has_text[-1]:
                    printed.append(running)
                    has_text.append(False)
                else:
                    printed[-1] = running
            if part.strip():
                has_text[-1] = True
            indexed.append((number, part, len(printed) - 1))
    pages = _numbered(printed)
    lines = [SourceLine(number, part, pages[index]) for number, part, index in indexed]
    if not any(line.text.strip() for line in lines):
        raise TeiBuildError("the source has no text", path=name, line=1)
    used_pages = sorted({line.page for line in lines if line.text.strip()},
                        key=pages.index)
    return DecodedSource(lines=lines, encoding="", pages=used_pages)


def _numbered(printed: list[int | None]) -> list[int]:
    """Each page's number: as printed, else one more than the page before."""
    pages: list[int] = []
    for value in printed:
        pages.append(value if value is not None else (pages[-1] + 1 if pages else 1))
    return pages


def _check_characters(raw: str, name: str, number: int) -> None:
    if len(raw) > MAX_LINE_CHARS:
        raise TeiBuildError(f"line is {len(raw):,} characters long (limit {MAX_LINE_CHARS:,}); "
                            "this does not look like extracted newspaper text",
                            path=name, line=number)
    for column, char in enumerate(raw, start=1):
        code = ord(char)
        if (code < 0x20 and char not in "\t\f") or 0x7F <= code < 0xA0 or code in (0xFFFE, 0xFFFF) \
                or 0xD800 <= code <= 0xDFFF:
            raise TeiBuildError(f"control character U+{code:04X} is not allowed in text "
                                "(XML 1.0 forbids it)", path=name, line=number, column=column)


def read_source(data: bytes, name: str, encoding: str | None = None) -> DecodedSource:
    text, used = decode_bytes(data, name, encoding)
    source = split_lines(text, name)
    return DecodedSource(lines=source.lines, encoding=used, pages=source.pages)
