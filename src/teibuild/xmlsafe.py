"""The only way tei-build parses XML: no DTDs, no external entities, no network.

Documents come from collaborators and old archives, so every parse goes through
one hardened parser; a parse error becomes a TeiBuildError naming file and line.
XInclude is never processed, and a document that asks for it is refused rather
than built without the part it meant to include.
"""

from __future__ import annotations

import re
from pathlib import Path

from lxml import etree

from .errors import TeiBuildError


XINCLUDE_NS = ("http://www.w3.org/2001/XInclude", "http://www.w3.org/2003/XInclude")
_WHERE = re.compile(r"(?:,? line \d+)?, line \d+, column \d+$")


def safe_parser(resolver: etree.Resolver | None = None, **overrides) -> etree.XMLParser:
    """A parser that resolves nothing outside the document itself (or only what
    `resolver` allows, e.g. the edition's own stylesheets for xsl:import)."""
    options = dict(
        resolve_entities=False,
        load_dtd=False,
        dtd_validation=False,
        no_network=True,
        huge_tree=False,
        remove_blank_text=False,
    )
    options.update(overrides)
    parser = etree.XMLParser(**options)
    parser.resolvers.add(resolver or _RefuseAll())
    return parser


class _RefuseAll(etree.Resolver):
    def resolve(self, url, pubid, context):  # noqa: D401 - lxml API
        raise TeiBuildError(f"refusing to load external resource {url!r}")


_PROLOG_DOCTYPE = re.compile(rb"(?:\xef\xbb\xbf)?\s*(?:<\?xml[^>]*\?>)?"
                             rb"(?:\s|<!--.*?-->|<\?.*?\?>)*<!DOCTYPE", re.S)


def _refuse_doctype(data: bytes, name: str):
    line = data[: data.find(b"<!DOCTYPE")].count(b"\n") + 1 if b"<!DOCTYPE" in data else 1
    raise TeiBuildError("a DOCTYPE (DTD or entity declarations) is not allowed in TEI files",
                        path=name, line=line)


def parse_file(path: str | Path) -> etree._ElementTree:
    """Parse an XML file safely; malformed XML or a DOCTYPE is one clear error."""
    return parse_bytes(read_xml_file(path), str(path))


def read_xml_file(path: str | Path) -> bytes:
    """The bytes of a file to parse; one that is not a regular file, or cannot be read, is
    one clear error."""
    path = Path(path)
    if path.exists() and not path.is_file():   # a device or pipe could be read for ever
        raise TeiBuildError("not a regular file", path=str(path))
    try:
        return path.read_bytes()
    except OSError as exc:
        raise TeiBuildError(f"cannot read file: {exc.strerror}", path=str(path)) from None


def parse_bytes(data: bytes, name: str = "<input>") -> etree._ElementTree:
    """Parse bytes safely; documents with a DOCTYPE are refused outright."""
    if b"<!DOCTYPE" in data and _PROLOG_DOCTYPE.match(data):  # refused before the parser sees it
        _refuse_doctype(data, name)
    try:
        root = etree.fromstring(data, safe_parser(), base_url=name)
    except etree.XMLSyntaxError as exc:
        line = exc.lineno or None
        message = _WHERE.sub("", exc.msg or "").strip()
        raise TeiBuildError(f"not well-formed XML: {message}", path=name, line=line,
                            column=exc.offset or None) from None
    tree = root.getroottree()
    if tree.docinfo.doctype:
        _refuse_doctype(data, name)
    for ns in XINCLUDE_NS:
        include = next(root.iter(f"{{{ns}}}*"), None)
        if include is not None:
            raise TeiBuildError(
                f"XInclude ({etree.QName(include).localname} href={include.get('href', '')!r}) "
                "is not processed: it could read files outside the edition; put the text "
                "itself in the document", path=name, line=include.sourceline)
    return tree
