"""A parsed TEI file together with its text, so problems can name line *and* column.

lxml gives each element its line but not its column; the column is found by
looking for the start tag on that line (counting earlier same-named tags that
start on the same line), and for an attribute, its name inside that tag.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from lxml import etree

from ..errors import TeiBuildError
from ..xmlsafe import parse_bytes


@dataclass
class Source:
    path: str
    data: bytes
    tree: etree._ElementTree
    _lines: list[str] | None = field(default=None, repr=False)

    @classmethod
    def read(cls, path: str | Path) -> "Source":
        """Parse a file; malformed XML raises TeiBuildError with file and line."""
        try:
            data = Path(path).read_bytes()
        except OSError as exc:
            raise TeiBuildError(f"cannot read file: {exc.strerror}", path=str(path)) from None
        return cls(str(path), data, parse_bytes(data, str(path)))

    @property
    def lines(self) -> list[str]:
        if self._lines is None:
            self._lines = self.data.decode("utf-8", errors="replace").splitlines()
        return self._lines

    def position(self, element, attribute: str | None = None) -> tuple[int, int]:
        """(line, column), 1-based, of an element's start tag or of one of its attributes."""
        line = element.sourceline or 1
        if not isinstance(element.tag, str) or line > len(self.lines):
            return line, 1
        qname = _qname(element)
        same_line_before = 0
        for other in element.getroottree().iter(element.tag):
            if other is element:
                break
            if other.sourceline == line:
                same_line_before += 1
        starts = [m.start() for m in re.finditer(rf"<{re.escape(qname)}(?=[\s/>])", self.lines[line - 1])]
        if len(starts) <= same_line_before:
            return line, 1
        column = starts[same_line_before]
        if attribute:
            found = re.compile(rf"\s{re.escape(attribute)}\s*=").search(self.lines[line - 1], column)
            if found:
                return line, found.start() + 2
        return line, column + 1


def _qname(element) -> str:
    local = etree.QName(element).localname
    prefix = element.prefix
    return f"{prefix}:{local}" if prefix else local
