"""The only way tei-build parses XML: no DTDs, no external entities, no network.

Documents come from collaborators and old archives, so every parse goes through
one hardened parser; a parse error becomes a TeiBuildError naming file and line.
"""

from __future__ import annotations

from pathlib import Path

from lxml import etree

from .errors import TeiBuildError


def safe_parser(**overrides) -> etree.XMLParser:
    """A parser that resolves nothing outside the document itself."""
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
    parser.resolvers.add(_RefuseAll())
    return parser


class _RefuseAll(etree.Resolver):
    def resolve(self, url, pubid, context):  # noqa: D401 - lxml API
        raise TeiBuildError(f"refusing to load external resource {url!r}")


def parse_file(path: str | Path) -> etree._ElementTree:
    """Parse an XML file safely; malformed XML or a DOCTYPE is one clear error."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise TeiBuildError(f"cannot read file: {exc.strerror}", path=str(path)) from None
    return parse_bytes(data, str(path))


def parse_bytes(data: bytes, name: str = "<input>") -> etree._ElementTree:
    """Parse bytes safely; documents with a DOCTYPE are refused outright."""
    try:
        root = etree.fromstring(data, safe_parser(), base_url=name)
    except etree.XMLSyntaxError as exc:
        line = exc.lineno or None
        raise TeiBuildError(f"not well-formed XML: {exc.msg}", path=name, line=line,
                            column=exc.offset or None) from None
    tree = root.getroottree()
    if tree.docinfo.doctype:
        line = data[: data.find(b"<!DOCTYPE")].count(b"\n") + 1 if b"<!DOCTYPE" in data else 1
        raise TeiBuildError("a DOCTYPE (DTD or entity declarations) is not allowed in TEI files",
                            path=name, line=line)
    return tree
