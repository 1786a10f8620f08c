"""TEI to bytes: indented structure, untouched text, and a checksum that tells
whether an editor has changed the file since tei-build wrote it."""

from __future__ import annotations

import re

from lxml import etree

from . import TEI_NS
from .fsutil import sha256

T = "{%s}" % TEI_NS

#: Elements that hold only other elements: safe to indent. Text-bearing ones
#: (p, head, byline, fw, …) are never touched, so no whitespace enters the text.
STRUCTURAL = {T + tag for tag in (
    "TEI", "teiHeader", "fileDesc", "titleStmt", "respStmt", "editionStmt", "publicationStmt",
    "availability", "sourceDesc", "biblStruct", "monogr", "imprint", "encodingDesc",
    "projectDesc", "editorialDecl", "normalization", "segmentation", "interpretation",
    "correction", "appInfo", "application", "profileDesc", "langUsage", "revisionDesc",
    "text", "body", "div", "argument", "figure", "listPerson", "listPlace", "listOrg",
    "person", "place", "org", "listBibl", "list")}

PI_NAME = "tei-build"
CHECKSUM = re.compile(rb'<\?tei-build generated-sha256="([0-9a-f]{64})"\?>')
PLACEHOLDER = b"0" * 64


def indent(element: etree._Element, level: int = 0) -> None:
    """Indent element-only containers; leave mixed content exactly as it is."""
    if element.tag not in STRUCTURAL or len(element) == 0:
        return
    if element.text and element.text.strip():
        return
    pad = "\n" + "  " * (level + 1)
    element.text = pad
    for child in element:
        indent(child, level + 1)
        if child.tail is None or not child.tail.strip():
            child.tail = pad
    element[-1].tail = "\n" + "  " * level


def to_bytes(tree: etree._ElementTree, checksum: bool = True) -> bytes:
    """Serialise; with `checksum`, a processing instruction records the file's own hash."""
    root = tree.getroot()
    indent(root)
    body = etree.tostring(root, encoding="UTF-8", xml_declaration=False)
    head = b'<?xml version="1.0" encoding="UTF-8"?>\n'
    if not checksum:
        return head + body + b"\n"
    template = head + b'<?tei-build generated-sha256="' + PLACEHOLDER + b'"?>\n' + body + b"\n"
    digest = sha256(template).encode()
    return template.replace(PLACEHOLDER, digest, 1)


def generated_unchanged(data: bytes) -> bool | None:
    """True if the bytes are exactly what tei-build wrote, False if edited since,
    None if tei-build did not write them (no checksum)."""
    match = CHECKSUM.search(data[:512])
    if not match:
        return None
    template = data[: match.start(1)] + PLACEHOLDER + data[match.end(1):]
    return sha256(template).encode() == match.group(1)
