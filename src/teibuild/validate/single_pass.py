"""One pass of Python over a document: its attributes, and the Schematron rules.

Run as XSLT, the Schematron costs more than everything else `validate` does
(each pattern walks the whole document; `$ids = //@xml:id` compares every
pointer with every identifier), and libxml2 spends most of a RELAX NG
validation on attributes (relaxng_split explains). Both are simple to decide
directly, and visiting each element once for both is what makes it cheap.

`scan(tree, attributes)` answers two questions: do the attributes fit the
schema (`attributes_ok`), and does no assertion of tei-newspaper.sch fail
(`rules_ok`)? It answers them, the real schemas word the answer: a document
that does not pass is run through the full RELAX NG or the Schematron, whose
messages (from the ODD) are the ones reported. So a False here costs time,
never a missed or different problem, and a True must be exact: each check
below transcribes the XPath of its rule (string(), number(), XML whitespace
only), and the tests run both on every broken document and on whole corpora.

`RULES_SHA256` is the digest of the .sch these checks were written for: when
the ODD's rules change, the .sch changes and validate falls back to the
Schematron alone until this module is brought up to date (a test says so).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from lxml import etree

from .. import TEI_NS

RULES_SHA256 = "03426b53540d4722d9490f0902d9dd1cf941ef484bc359a198fee16033a6f78b"

T = f"{{{TEI_NS}}}"
XML_ID = "{http://www.w3.org/XML/1998/namespace}id"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
_XML_SPACE = " \t\n\r"
_TOKENS = re.compile(r"[^ \t\n\r]+")
_LOCAL = re.compile(r"#\S*\Z")   # one #id token: references has nothing to check
_XML_SPACE_RE = re.compile("[ \t\n\r]")
_NUMERALS = frozenset("0123456789０１２３４５６７８９〇零一二三四五六七八九十廿卅")
_SLUG = frozenset("abcdefghijklmnopqrstuvwxyz0123456789-")
_DIGITS = frozenset("0123456789")
_ISO_SHAPES = "|0000|0000-00|0000-00-00|"
_ZEROS = str.maketrans("123456789", "000000000")
_POINTERS = frozenset(("ref", "target", "next", "prev", "resp", "who"))
_NS = {"t": TEI_NS}
_REGISTERS = etree.XPath("/t:TEI/t:text/t:body/t:listPerson | /t:TEI/t:text/t:body/t:listPlace"
                         " | /t:TEI/t:text/t:body/t:listOrg", namespaces=_NS)
_IMPRINT = etree.XPath("/t:TEI/t:teiHeader/t:fileDesc/t:sourceDesc/t:biblStruct/t:monogr/t:imprint",
                       namespaces=_NS)
_ISSUE_DATE = etree.XPath("string($imprint/t:date[@when][1]/@when)", namespaces=_NS,
                          smart_strings=False)
_ISSUE_NUMBER = etree.XPath("string($imprint/t:biblScope[@unit = 'issue'][1]/@n)", namespaces=_NS,
                            smart_strings=False)
_STRING = etree.XPath("string()", smart_strings=False)
_NUMBER = etree.XPath("number($s)")
_PRINTED_DATE = etree.XPath("concat(number(substring($d, 1, 4)), '年', number(substring($d, 6, 2)),"
                            " '月', number(substring($d, 9, 2)), '日')", smart_strings=False)
_TAGS = {name: f"{T}{name}" for name in (
    "lb", "p", "div", "pb", "figure", "person", "place", "org", "ref", "body", "text", "argument",
    "date")}

# elements with rules of their own (checked after the pass, in document order)
_SPECIAL = frozenset(_TAGS[n] for n in ("div", "pb", "figure", "ref", "person", "place", "org"))
# encodings in which "<lb/>" and the XML spaces are those ASCII bytes and no others
_BYTES_READABLE = frozenset(("UTF-8", "US-ASCII", "ASCII", "ISO-8859-1", "GB18030", "GBK", "GB2312",
                             "BIG5"))
_BEFORE_LB = frozenset((b" ", b"\t", b"\n", b"\r", b";"))
_AFTER_LB = frozenset((b" ", b"\t", b"\n", b"\r", b"&"))


@dataclass(frozen=True)
class Scan:
    attributes_ok: bool   # every attribute relaxng_split covers is allowed and well valued
    rules_ok: bool        # no assertion of the Schematron fails
    external: list        # (element, attribute, value) of pointers not all #local, for references


def scan(tree: etree._ElementTree, attributes: dict, data: bytes | None = None) -> Scan:
    """Visit every element once; see the module's docstring. `attributes`: the rules
    of relaxng_split ({} to check none). `data`: the file's bytes, if at hand (they let
    the line-break rule skip documents with no space near an lb)."""
    root = tree.getroot()
    register = bool(_REGISTERS(root))
    imprint = _IMPRINT(root)
    issue = root.get(XML_ID, "")
    issue_date = _ISSUE_DATE(root, imprint=imprint)
    issue_number = _ISSUE_NUMBER(root, imprint=imprint)
    tags = _TAGS
    DIV, PB, FIGURE, REF = (tags[n] for n in ("div", "pb", "figure", "ref"))
    ENTRIES = (tags["person"], tags["place"], tags["org"])
    POINTERS, LOCAL, SPECIAL = _POINTERS, _LOCAL, _SPECIAL

    if data is not None and (tree.docinfo.encoding or "").upper() not in _BYTES_READABLE:
        data = None   # UTF-16 and the like: `<lb/>` is not those bytes
    attributes_ok = True
    rules_ok, plain_lb = _line_breaks_ok(root, data)
    # every lb written <lb/>: they have no attributes, and nothing else to check
    requiring = getattr(attributes, "requiring", None)
    if requiring is None:
        requiring = frozenset(tag for tag, table in attributes.items() if table.required)
    skip = tags["lb"] if plain_lb and tags["lb"] not in requiring else None
    ids: set[str] = set()
    by_id: dict[str, list] = {}
    pointed: list[str] = []        # pointer values with a '#'
    external: list = []            # (element, attribute, value): may point into other files
    linked: list = []              # elements with next/prev = #…
    dated: list = []               # elements with @when
    special: list = []             # elements with a rule of their own, in document order
    table_of = attributes.get
    for element in root.iter():
        tag = element.tag
        if tag == skip or tag.__class__ is not str:
            continue
        if tag in SPECIAL:
            special.append(element)
        items = element.items()
        if not items:
            if tag in requiring:
                attributes_ok = False
            continue
        table = table_of(tag)
        allowed = table.allowed if table is not None and attributes_ok else None
        tei = tag.startswith(T)
        for name, value in items:
            if allowed is not None:
                rule = allowed.get(name)
                if rule is None:
                    attributes_ok, allowed = False, None
                else:
                    fits = rule.known.get(value)
                    if not (fits or (fits is None and rule.ok(value))):
                        attributes_ok, allowed = False, None
            if name == XML_ID:
                ids.add(value)
                by_id.setdefault(value, []).append(element)
            elif name in POINTERS:
                if value[:1] != "#" or not LOCAL.match(value):
                    external.append((element, name, value))
                if tei:
                    if "#" in value:
                        pointed.append(value)
                    if (name == "next" or name == "prev") and value[:1] == "#":
                        if not linked or linked[-1] is not element:
                            linked.append(element)
            elif name == "when" and tei:
                dated.append(element)
        if allowed is not None and table.required:
            names = element.keys()
            if any(name not in names for name in table.required):
                attributes_ok = False
    mastheads = []
    previous_pb = None
    for element in special:
        tag = element.tag
        if tag == PB:
            if next(element.iterdescendants(PB), None) is not None:
                rules_ok = False   # a pb holding a pb: preceding:: is not document order
            n = element.get("n")
            if n is not None:
                number = _number(n)
                if number != number:
                    rules_ok = False
                elif previous_pb is not None:
                    before = previous_pb.get("n")
                    if before is not None and not number > _number(before):
                        rules_ok = False
            previous_pb = element
            if not register and n is not None and element.get(XML_ID) != f"{issue}-pb{n}" \
                    and _inside(element, tags["body"]):
                rules_ok = False
        elif tag == DIV:
            kind = element.get("type")
            if kind == "article":
                if not register and not _numbered(element.get(XML_ID), issue + "-a"):
                    rules_ok = False
            elif kind == "masthead":
                mastheads.append(element)
                if not register and element.get(XML_ID) != issue + "-masthead":
                    rules_ok = False
        elif tag == FIGURE:
            if not register and _inside(element, tags["body"]) and \
                    not _numbered(element.get(XML_ID), issue + "-f"):
                rules_ok = False
        elif tag == REF:
            if element.get("type") == "continuation":
                article = next(element.iterancestors(DIV), None)
                target = element.get("target")
                if target is None or article is None or \
                        target not in (article.get("next"), article.get("prev")):
                    rules_ok = False
        elif tag in ENTRIES:
            ident = element.get(XML_ID)
            if ident is None or not (set(ident) <= _SLUG and not ident.startswith("-")
                                     and not ident.endswith("-") and "--" not in ident):
                rules_ok = False
    if rules_ok:
        rules_ok = (_pointers_ok(pointed, ids)
                    and _reciprocal(linked, by_id)
                    and (register or (
                        _issue_ok(root.get(XML_ID), issue_date, issue_number)
                        and _paragraphs_ok(root)
                        and _dates_ok(dated, issue_date)
                        and _mastheads_ok(root, mastheads, issue_date, issue_number))))
    return Scan(attributes_ok, rules_ok, external)


def _line_breaks_ok(root, data: bytes | None) -> tuple[bool, bool]:
    """lb-spacing: no whitespace directly before or after lb in Chinese text; and
    whether every lb is written `<lb/>` (so it has no attributes).

    When every lb of the file is written `<lb/>`, a space beside an lb is a space
    beside `<lb/>` in the file, or came from a reference (…; before, &… after)
    or a CDATA section (]]> before, <![CDATA[ after). Only a file with one of
    those beside an `<lb/>`, or with an lb written otherwise (a prefix,
    attributes), has its lb elements looked at one by one."""
    plain = False
    if data is not None:
        around = data.split(b"<lb/>")   # before the first lb, between lbs, after the last
        plain = data.count(b"<lb") == len(around) - 1 and b":lb" not in data
        if plain and not (
                any(text[-1:] in _BEFORE_LB or text.endswith(b"]]>") for text in around[:-1])
                or any(text[:1] in _AFTER_LB or text.startswith(b"<![") for text in around[1:])):
            return True, plain
    for lb in root.iter(_TAGS["lb"]):
        tail = lb.tail
        before = lb.getprevious()
        before = lb.getparent().text if before is None else before.tail
        if ((tail and tail[0] in _XML_SPACE) or (before and before[-1] in _XML_SPACE)) \
                and _chinese(lb):
            return False, plain
    return True, plain


def _inside(element, tag: str) -> bool:
    return any(True for _ in element.iterancestors(tag))


def _chinese(element) -> bool:
    """ancestor-or-self::*[@xml:lang][1] is zh…, and not a -Latn transcription."""
    while element is not None:
        lang = element.get(XML_LANG)
        if lang is not None:
            return lang.startswith("zh") and "-Latn" not in lang
        element = element.getparent()
    return False


def _numbered(ident: str | None, prefix: str) -> bool:
    """@xml:id and starts-with(@xml:id, prefix) and the rest is two or more digits."""
    if ident is None or not ident.startswith(prefix):
        return False
    rest = ident[len(prefix):]
    return len(rest) >= 2 and set(rest) <= _DIGITS


def _pointers_ok(pointed: list[str], ids: set[str]) -> bool:
    """pointer-local: every #id token names an xml:id of the document."""
    for value in set(pointed):
        for token in _TOKENS.findall(value):
            if token[0] == "#" and token[1:] not in ids:
                return False
    return True


def _reciprocal(linked: list, by_id: dict) -> bool:
    """next-prev-reciprocal, through key('id', substring(@next, 2))."""
    for element in linked:
        ident = element.get(XML_ID)
        for pointer, back in ((element.get("next"), "prev"), (element.get("prev"), "next")):
            found = by_id.get((pointer or "")[1:], ())
            if found and (ident is None or not any(f.get(back) == "#" + ident for f in found)):
                return False
    return True


def _issue_ok(ident: str | None, date: str, number: str) -> bool:
    """issue-id: date and number in the header; TEI/@xml:id = <slug>-<number>."""
    if date == "" or number == "" or ident is None:
        return False
    cut = len(ident) - len(number)   # substring(@xml:id, cut): from position cut (1-based)
    return (ident[max(cut, 1) - 1:] == "-" + number and len(ident) > len(number) + 1
            and set(ident[:max(cut - 1, 0)]) <= _SLUG)


def _paragraphs_ok(root) -> bool:
    """paragraph-id, for tei:body//tei:p: <owner>-pNN, or -sNN in an argument."""
    argument = _TAGS["argument"]
    for body in root.iter(_TAGS["body"]):
        for p in body.iter(_TAGS["p"]):
            parent = p.getparent()
            owner = parent
            while owner is not None and owner.get(XML_ID) is None:
                owner = owner.getparent()
            letter = "s" if parent.tag == argument else "p"
            prefix = ("" if owner is None else owner.get(XML_ID)) + "-" + letter
            if not _numbered(p.get(XML_ID), prefix):
                return False
    return True


def _dates_ok(dated: list, issue_date: str) -> bool:
    """date-not-after-issue, for tei:text//tei:*[@when] that do not write their year."""
    if len(issue_date) < 7:
        return True
    text = _TAGS["text"]
    for element in dated:
        when = element.get("when")[:10]
        if "|" + when.translate(_ZEROS) + "|" not in _ISO_SHAPES:
            continue
        if not _inside(element, text):
            continue
        wording = "".join(element.itertext())   # string(.): its text nodes, in order
        if _TOKENS.search(wording) and not (_NUMERALS & set(wording)):
            continue   # a relative word: 明年
        if "年" in wording:
            continue   # it writes its year
        ahead = ((_number(when[:4]) - _number(issue_date[:4])) * 12
                 + _number("0" + when[5:7]) - _number("0" + issue_date[5:7]) + (len(when) == 4))
        if not ahead <= 3:
            return False
    return True


def _mastheads_ok(root, mastheads: list, date: str, number: str) -> bool:
    """masthead-agrees: the masthead prints the header's date and number."""
    if not mastheads or date == "" or number == "":
        return True
    printed_date = _PRINTED_DATE(root, d=date)
    for div in mastheads:
        printed = _XML_SPACE_RE.sub("", _STRING(div))
        dates = [d.get("when") for d in div.iter(_TAGS["date"]) if d.get("when") is not None]
        if (printed_date not in printed and date not in dates) or f"第{number}期" not in printed:
            return False
        if dates and date not in dates:
            return False
    return True


_NO_CONTEXT = etree.Element("x")


def _number(text: str) -> float:
    """XPath's number(string): plain digits here, anything else by libxml2 itself
    (which also reads 1e3)."""
    if text.isascii() and text.isdigit():
        return float(int(text))
    return _NUMBER(_NO_CONTEXT, s=text)
