"""What `build` refuses in a TEI file before rendering it, rather than publish it wrongly.

Some trouble passes a well-formedness check: content a browser would run when
the site publishes the TEI file beside the HTML (XHTML, SVG or XSLT elements,
an xml-stylesheet instruction); text the edition would silently lose (inside
an element TEI keeps empty, `<lb>text</lb>`, or in a header that is not the
header); an article with no xml:id to name its page. Each is refused with the
file and line.
"""

from __future__ import annotations

from lxml import etree

from . import TEI_NS, XML_NS
from .errors import TeiBuildError

#: Namespaces whose elements a browser executes or renders actively inside XML.
ACTIVE_NAMESPACES = {
    "http://www.w3.org/1999/xhtml": "XHTML",
    "http://www.w3.org/2000/svg": "SVG",
    "http://www.w3.org/1999/XSL/Transform": "XSLT",
}
ARTICLE = f"{{{TEI_NS}}}div"
XML_ID = f"{{{XML_NS}}}id"
#: TEI elements that mark a point, not a stretch of text: content in them is never shown.
EMPTY = {f"{{{TEI_NS}}}{name}" for name in ("lb", "pb", "cb", "milestone", "anchor", "ptr")}
#: TEI elements shown as an editorial label: only a <desc> may go inside, never text.
DESCRIBED = {f"{{{TEI_NS}}}{name}" for name in ("gap", "space")}
_TEI = f"{{{TEI_NS}}}"
_NAMED = {ARTICLE} | EMPTY | DESCRIBED   # the TEI elements _check_element has rules for


def check_tei(tree: etree._ElementTree, path: str) -> None:
    """Refuse a TEI document the build would publish unsafely or render with text lost."""
    root = tree.getroot()
    for node in root.itersiblings(preceding=True):
        _check_pi(node, path)
    _check_frame(root, path)
    for node in root.iter():
        tag = node.tag
        if isinstance(tag, str):
            # (most are TEI elements none of the rules names: 2 µs a node when each went
            # through _check_element, 0.4 s for the registers of 19,450 entries)
            if tag in _NAMED or not tag.startswith(_TEI):
                _check_element(node, path)
        elif isinstance(node, etree._ProcessingInstruction):
            _check_pi(node, path)


def _check_frame(root: etree._Element, path: str) -> None:
    """TEI, then teiHeader and text as its children: the header's text is never rendered,
    so a teiHeader anywhere else would take its text out of the edition."""
    children = [c for c in root if isinstance(c.tag, str)]
    if root.tag != f"{{{TEI_NS}}}TEI" or not children or children[0].tag != f"{{{TEI_NS}}}teiHeader":
        raise TeiBuildError("not a TEI issue (expected <TEI> with <teiHeader> first, then <text>)",
                            path=path, line=(children[0] if children else root).sourceline)
    for header in root.iter(f"{{{TEI_NS}}}teiHeader"):
        if header is not children[0]:
            raise TeiBuildError("a second <teiHeader>, inside the document: its text would not "
                                "be shown; there is one header, first in <TEI>", path=path,
                                line=header.sourceline)


def _check_element(node: etree._Element, path: str) -> None:
    name = etree.QName(node)
    if name.namespace in ACTIVE_NAMESPACES:
        raise TeiBuildError(
            f"<{name.localname}> is an {ACTIVE_NAMESPACES[name.namespace]} element: the "
            "published TEI file would run it in a browser; remove it", path=path,
            line=node.sourceline)
    if node.tag == ARTICLE and node.get("type") == "article" and not node.get(XML_ID):
        raise TeiBuildError("an article without xml:id: its page and text file would have no "
                            "name (and a second one would overwrite the first)", path=path,
                            line=node.sourceline)
    if node.tag in DESCRIBED and _direct_text(node):
        raise TeiBuildError(
            f"<{name.localname}> holds the text {_direct_text(node)[:30]!r}, which no edition "
            f"shows (only a <desc> may go inside <{name.localname}>): move it after the "
            "element", path=path, line=node.sourceline)
    if node.tag in EMPTY and ((node.text and node.text.strip()) or len(node)):
        held = " ".join("".join(node.itertext()).split())[:30]
        raise TeiBuildError(
            f"<{name.localname}> must be empty, but holds {held!r}; no edition shows text "
            f"inside <{name.localname}>: move it after the element", path=path,
            line=node.sourceline)


def _direct_text(node: etree._Element) -> str:
    parts = [node.text or ""] + [child.tail or "" for child in node]
    return " ".join("".join(parts).split())


def _check_pi(node, path: str) -> None:
    if isinstance(node, etree._ProcessingInstruction) and node.target == "xml-stylesheet":
        raise TeiBuildError("an xml-stylesheet instruction would make browsers run a "
                            "stylesheet on the published TEI file; remove it", path=path,
                            line=node.sourceline)
