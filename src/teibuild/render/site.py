"""What the site is made of: the issues, their articles, and the register entries.

The facts about an issue come from `xslt/tei2data.xsl`, so TEI knowledge stays
in XSLT; this module only turns them into plain data and joins every mention
of a name across issues to its register entry.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path

from lxml import etree

from .. import TEI_NS, XML_NS
from ..errors import TeiBuildError
from ..buildcheck import check_tei
from ..websafe import safe_url
from ..xmlsafe import parse_bytes, parse_file, read_xml_file
from .transform import transform

REGISTER_FILES = {"persons": "persons.xml", "places": "places.xml", "orgs": "orgs.xml"}
REGISTER_LABELS = {"persons": "人物", "places": "地点", "orgs": "机构"}
# the same rule as register-kind in xslt/common.xsl: a key must be safe as a file name
_SAFE_KEY = re.compile(r"[A-Za-z0-9_-][A-Za-z0-9_.-]*\Z")
_CONTEXT_CHARS = 24


@dataclass(frozen=True)
class Article:
    id: str
    page: str
    part: str
    prev: str
    next: str
    title: str
    label: str  # what a table of contents shows: the title, else the opening words
    kickers: tuple[str, ...]
    subs: tuple[str, ...]
    bylines: tuple[str, ...]
    authors: tuple[str, ...]
    placeholder: bool
    paragraphs: int


@dataclass(frozen=True)
class Mention:
    """One occurrence of a registered name, with the text on either side."""
    kind: str
    key: str
    name: str
    issue: str
    anchor: str
    article: str
    page: str
    before: tuple[tuple[str, bool], ...]  # (text, is a name) pieces, "…" where cut
    after: tuple[tuple[str, bool], ...]


@dataclass(frozen=True)
class Issue:
    id: str
    path: Path
    lang: str
    date: str
    n: str
    paper: str
    page_from: str
    page_to: str
    publisher: str
    place: str
    permit: str
    source_url: str
    url: str
    licence: str
    licence_url: str
    edition: str
    edition_version: str
    title: str
    pages: tuple[tuple[str, str], ...]
    articles: tuple[Article, ...]
    mentions: tuple[Mention, ...]

    @property
    def sort_key(self) -> tuple[str, str]:
        return (self.date, self.id)

    def article(self, article_id: str) -> Article | None:
        return next((a for a in self.articles if a.id == article_id), None)


@dataclass(frozen=True)
class Cited:
    """What a register entry's page shows of an issue that mentions it: its number and
    date, and the articles the mentions are in. A new heading elsewhere in the issue is
    not on the page, and does not make the build render it again (`cited`)."""
    id: str
    n: str
    date: str
    articles: tuple[Article, ...]

    article = Issue.article


@dataclass(frozen=True)
class Listed:
    """What the pages listing every issue (home, issues, about) show of one: its number,
    date and pages, and how many articles it prints; an issue's page shows as much of
    the issues before and after it, or less. A new heading is not on them, and does not
    make the build render them again."""
    id: str
    n: str
    date: str
    page_to: str
    articles: int   # as printed: not the placeholders of articles the source lacks


def listed(issue: Issue) -> Listed:
    return Listed(issue.id, issue.n, issue.date, issue.page_to,
                  sum(not a.placeholder for a in issue.articles))


def cited(issue: Issue, mentions) -> Cited:
    """`issue` as a page listing these `mentions` of it shows it (`Cited`)."""
    wanted = {m.article for m in mentions}
    return Cited(issue.id, issue.n, issue.date,
                 tuple(a for a in issue.articles if a.id in wanted))


@dataclass
class Entry:
    """A register entry page: the names of one person, place or organisation and its mentions."""
    kind: str
    key: str
    names: dict[str, str] = field(default_factory=dict)
    details: list[tuple[str, str]] = field(default_factory=list)
    authority: list[tuple[str, str, str]] = field(default_factory=list)
    mentions: list[Mention] = field(default_factory=list)
    in_register: bool = False

    @property
    def name(self) -> str:
        """zh-Hans name from the register, else the name as first printed."""
        for lang in ("zh-Hans", "zh", ""):
            if self.names.get(lang):
                return self.names[lang]
        if self.mentions:
            return self.mentions[0].name
        return next(iter(self.names.values()), self.key)

    @property
    def pinyin(self) -> str:
        return self.names.get("zh-Latn-pinyin", "")


def is_register_file(path: Path) -> bool:
    return path.name in REGISTER_FILES.values()


def issue_files(tei_dir: Path) -> list[Path]:
    """Every TEI issue in `tei_dir` (not the registers), sorted by name (by the name
    string, not the Path: at 10,000 issues 0.09 s rather than 0.28)."""
    if not tei_dir.is_dir():
        raise TeiBuildError("TEI folder not found", path=str(tei_dir))
    return sorted((p for p in tei_dir.glob("*.xml") if not is_register_file(p)),
                  key=lambda p: p.name)


def read_issue(path: Path) -> Issue:
    """Parse one TEI issue and collect its data, articles and name mentions."""
    tree = parse_file(path)
    return issue_from_tree(tree, path)


def issue_from_tree(tree: etree._ElementTree, path: Path) -> Issue:
    check_tei(tree, str(path))
    root = tree.getroot()
    if root.tag != f"{{{TEI_NS}}}TEI" or root.find(f"{{{TEI_NS}}}text") is None:
        raise TeiBuildError("not a TEI issue (expected TEI with a text element)", path=str(path))
    data = transform("tei2data.xsl", tree).getroot()
    issue_id = data.get("id")
    if not issue_id:
        raise TeiBuildError("TEI element has no xml:id (the issue identifier)", path=str(path),
                            line=root.sourceline)
    mentions = tuple(m for ctx in data.iter("context") for m in _mentions(ctx, issue_id))
    return Issue(
        id=issue_id, path=path, lang=data.get("lang") or "zh-Hans",
        date=data.get("date", ""), n=data.get("n", ""), paper=data.get("paper", ""),
        page_from=data.get("page-from", ""), page_to=data.get("page-to", ""),
        publisher=data.get("publisher", ""), place=data.get("place", ""),
        permit=data.get("permit", ""), source_url=safe_url(data.get("source-url", "")),
        url=safe_url(data.get("url", "")), licence=data.get("licence", ""),
        licence_url=safe_url(data.get("licence-url", "")), edition=data.get("edition", ""),
        edition_version=data.get("edition-version", ""), title=data.get("title", ""),
        pages=tuple((p.get("n", ""), p.get("id", "")) for p in data.iter("page")),
        articles=tuple(_article(a) for a in data.iter("article")),
        mentions=mentions,
    )


def _article(el: etree._Element) -> Article:
    def texts(tag: str) -> tuple[str, ...]:
        return tuple(" ".join("".join(x.itertext()).split()) for x in el.iter(tag))

    return Article(
        id=el.get("id", ""), page=el.get("page", ""), part=el.get("part", ""),
        prev=el.get("prev", ""), next=el.get("next", ""),
        title=(texts("title") or ("",))[0], label=(texts("label") or ("",))[0],
        kickers=texts("kicker"), subs=texts("sub"),
        bylines=texts("byline"), authors=texts("author"),
        placeholder=el.get("placeholder") == "yes", paragraphs=int(el.get("paragraphs", "0")),
    )


def _mentions(ctx: etree._Element, issue_id: str) -> list[Mention]:
    """Each marked name of a context, with the text on either side of it."""
    text, spans = _flatten(ctx)
    # the outermost names, to mark in the context (an org name holding a place name is one)
    outer = [(s, e) for _, s, e in spans
             if not any(s2 <= s and e <= e2 and (s2, e2) != (s, e) for _, s2, e2 in spans)]
    found = []
    for m, start, end in sorted(spans, key=lambda x: (x[1], x[2])):
        lo, hi = max(0, start - _CONTEXT_CHARS), min(len(text), end + _CONTEXT_CHARS)
        near = [(s, e) for s, e in outer if s < hi and e > lo]  # the others cut nothing here
        for s, e in near:   # a name at an edge is shown whole (海市中西医… read as a name)
            lo, hi = min(lo, s), max(hi, e)
        before = _segments(text, near, lo, start)
        after = _segments(text, near, end, hi)
        found.append(Mention(
            kind=m.get("kind"), key=m.get("key"), name=text[start:end].strip(),
            issue=issue_id, anchor=ctx.get("id"), article=ctx.get("article", ""),
            page=ctx.get("page", ""),
            before=(("…", False),) * (lo > 0) + _strip(before, str.lstrip, 0),
            after=_strip(after, str.rstrip, -1) + (("…", False),) * (hi < len(text.rstrip())),
        ))
    return found


def _flatten(ctx: etree._Element) -> tuple[str, list[tuple[etree._Element, int, int]]]:
    """The text of a marked context and the (start, end) of every name in it."""
    parts: list[str] = []
    spans: list[tuple[etree._Element, int, int]] = []
    length = 0

    def add(piece: str) -> None:
        nonlocal length
        parts.append(piece)
        length += len(piece)

    def walk(el: etree._Element) -> None:
        add(el.text or "")
        for child in el:
            start = length
            walk(child)
            spans.append((child, start, length))
            add(child.tail or "")

    walk(ctx)
    return "".join(parts), spans


def _segments(text: str, names: list[tuple[int, int]], lo: int, hi: int):
    """text[lo:hi] cut into (piece, is_name) so that names can be marked as names."""
    inner = [x for s, e in names for x in (s, e) if lo < x < hi]
    if not inner:   # (most often: one piece, a name or not)
        return ((text[lo:hi], any(s <= lo and hi <= e for s, e in names)),) if lo < hi else ()
    cuts = sorted({lo, hi, *inner})
    return tuple((text[a:b], any(s <= a and b <= e for s, e in names))
                 for a, b in zip(cuts, cuts[1:]) if a < b)


def _strip(segments, strip, index: int):
    """Trim the whitespace at one end of a segment list (index 0: start, -1: end)."""
    if not segments:
        return segments
    items = list(segments)
    piece, is_name = items[index]
    items[index] = (strip(piece), is_name)
    return tuple(x for x in items if x[0])


def read_registers(tei_dir: Path) -> dict[tuple[str, str], Entry]:
    """Entries of tei/persons.xml, places.xml, orgs.xml; absent files are simply empty."""
    return read_register_sources(tei_dir)[0]


def read_register_sources(tei_dir: Path, known: dict[bytes, Entry] | None = None
                          ) -> tuple[dict[tuple[str, str], Entry], dict[tuple[str, str], bytes]]:
    """`read_registers`, and a digest of each entry's source (`_entry_sources`). An entry
    whose source digest is in `known` (from an earlier read) is that Entry, not read
    again: when one entry of a register of 19,450 changed, the file is parsed and checked
    whole again, but the other entries are not worked out again."""
    entries: dict[tuple[str, str], Entry] = {}
    sources: dict[tuple[str, str], bytes] = {}
    for kind, filename in sorted(REGISTER_FILES.items()):
        path = tei_dir / filename
        if not path.is_file():
            continue
        data = read_xml_file(path)
        tree = parse_bytes(data, str(path))
        check_tei(tree, str(path))
        root = tree.getroot()
        local = kind[:-1]  # person, place, org
        found = []
        for el in root.iter(f"{{{TEI_NS}}}{local}"):
            key = el.get(f"{{{XML_NS}}}id")
            if key and _SAFE_KEY.match(key):
                found.append((key, el))
        digests = _entry_sources(data, tree, [el for _key, el in found])
        for (key, el), digest in zip(found, digests):
            entry = known.get(digest) if known and digest else None
            if entry is None or (entry.kind, entry.key) != (kind, key):
                entry = _entry(kind, key, el)
            entries[(kind, key)] = entry
            if digest:
                sources[(kind, key)] = digest
            else:
                sources.pop((kind, key), None)
    return entries, sources


def _entry_sources(data: bytes, tree, elements: list) -> list[bytes | None]:
    """A digest of each element's source: the lines of the file from its start tag to the
    next element's, that line included (to the end of the file for the last), with what
    else decides what those bytes are (the file's encoding, the namespaces in scope).
    The same digest, the same element. None where that cannot be told: an element that
    holds the next one, a line the parser did not give."""
    lines = (data.replace(b"\r\n", b"\n").replace(b"\r", b"\n") if b"\r" in data
             else data).split(b"\n")
    starts = [el.sourceline for el in elements]
    if any(not isinstance(n, int) or not 0 < n <= len(lines) for n in starts) or \
            any(a > b for a, b in zip(starts, starts[1:])):
        return [None] * len(elements)
    encoding = (tree.docinfo.encoding or "").encode()
    contexts: dict = {}
    out: list[bytes | None] = []
    for i, el in enumerate(elements):
        parent = el.getparent()
        context = contexts.get(parent)
        if context is None:
            context = contexts[parent] = encoding + b"\0" + repr(
                sorted((el.nsmap if parent is None else parent.nsmap).items(),
                       key=lambda item: item[0] or "")).encode()
        if i + 1 < len(elements):
            after = elements[i + 1]
            if after.getparent() is not parent and any(a is el for a in after.iterancestors()):
                out.append(None)   # it holds the next: its end is further on
                continue
            end = starts[i + 1]
        else:
            end = len(lines)
        chunk = b"\n".join(lines[starts[i] - 1:end])
        out.append(hashlib.blake2b(context + b"\0" + chunk, digest_size=16).digest())
    return out


_DETAIL_LABELS = {
    "roleName": "身份", "occupation": "身份", "affiliation": "所属", "note": "说明",
    "event": "事件", "location": "位置", "region": "区域", "settlement": "所在",
    "birth": "生", "death": "卒", "sex": "性别", "desc": "说明", "state": "状态",
}


#: @cert in words, as the pages' titles of automatic decisions give it (tei2html.xsl)
_CERT_WORDS = {"high": "高", "medium": "中", "low": "低"}


def _entry(kind: str, key: str, el: etree._Element) -> Entry:
    entry = Entry(kind=kind, key=key, in_register=True)
    if el.get("cert"):
        degree = _CERT_WORDS.get(el.get("cert"), "不明")
        entry.details.append(("识别", f"自动识别，未经核对（把握：{degree}）"))
    for child in el:
        if not isinstance(child.tag, str):
            continue
        local = child.tag.rpartition("}")[2]   # (QName's localname, without the object)
        if local == "note" and child.get("type") == "mentions":
            continue  # first/last mention: the entry page lists every mention itself
        # (most children hold text alone: read without walking them)
        value = " ".join((child.text or "").split() if not len(child) else
                         "".join(child.itertext()).split())
        if local in ("persName", "placeName", "orgName"):
            lang = child.get(f"{{{XML_NS}}}lang", "")
            if lang in entry.names and lang in ("zh-Hans", "zh", "") and value:
                entry.details.append(("又称", value))   # a further name (虹口 for 虹口区)
            entry.names.setdefault(lang, value)
        elif local == "idno":
            if value:
                kind_ = child.get("type", "")
                entry.authority.append((kind_, value, _authority_url(kind_, value)))
        elif value:
            label = _DETAIL_LABELS.get(local, local)
            if child.get("type"):
                label = f"{label}（{child.get('type')}）"
            dates = [child.get(a) for a in ("when", "notBefore", "notAfter", "from", "to")
                     if child.get(a)]
            entry.details.append((label, " ".join([value, *dates]).strip()))
    return entry


def _authority_url(kind: str, value: str) -> str:
    """Link authority ids only when they look like what they claim to be."""
    if kind == "wikidata" and re.fullmatch(r"Q[0-9]+", value):
        return f"https://www.wikidata.org/wiki/{value}"
    if kind == "geonames" and re.fullmatch(r"[0-9]+", value):
        return f"https://www.geonames.org/{value}"
    if kind == "viaf" and re.fullmatch(r"[0-9]+", value):
        return f"https://viaf.org/viaf/{value}"
    return ""


def join_mentions(registers: dict[tuple[str, str], Entry],
                  issues: list[Issue]) -> list[Entry]:
    """All entries with their mentions in issue order; names not in a register still get a page."""
    entries = {k: Entry(kind=e.kind, key=e.key, names=dict(e.names), details=list(e.details),
                        authority=list(e.authority), in_register=True)
               for k, e in registers.items()}
    for issue in sorted(issues, key=lambda i: i.sort_key):
        for m in issue.mentions:
            entries.setdefault((m.kind, m.key), Entry(kind=m.kind, key=m.key)).mentions.append(m)
    return [entries[k] for k in sorted(entries)]
