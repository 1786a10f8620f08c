"""What a search result is: one paragraph (or one article's headings) of the built edition.

Records are read from the built HTML issue pages, not from the TEI, so that a
result shows exactly the text a reader finds on the page it links to. Every
paragraph already carries its TEI xml:id as its HTML id, so a result links to
`issues/<issue>.html#<paragraph id>` and a citation made from it is stable.
The zh-Hant page of the same issue gives each record its traditional text.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from lxml import etree

from ..errors import TeiBuildError

HANT_PREFIX = "zh-Hant/"
_ISSUE_PAGE = re.compile(r"html/issues/([^/]+)\.html\Z")
_REGISTER_HREF = re.compile(r"(?:\.\./)*registers/(persons|places|orgs)/([^/#]+)\.html\Z")
_REGISTER_PAGE = re.compile(r"html/registers/(persons|places|orgs)/([^/]+)\.html\Z")
_REGISTER_H1 = re.compile(r"<main\b.*?<h1>([^<]*)</h1>", re.S)
REGISTER_HEAD = 8192  # bytes of a register page that hold its heading (at ~1.9 KB)
_NAME_KIND = {"persons": "person", "places": "place", "orgs": "org"}
# page chrome inside the text: paragraph number, copy-link pilcrow, small "人/地" sub-links
_SKIP_CLASSES = {"pnum", "plink", "subname"}
_BLOCKS = {"div", "header", "h1", "h2", "h3", "p", "li", "aside", "figcaption"}



@dataclass(frozen=True)
class Record:
    """One searchable unit, with everything a result shows and every facet it belongs to."""
    url: str            # from the html/ root: issues/<issue>.html#<anchor>
    anchor: str
    issue: str          # issue id, e.g. hongkou-1845
    issue_label: str    # 虹口报 第1845期
    date: str           # ISO date of the issue
    page: str           # 第1版
    title: str          # the article's title (or its opening words)
    text: str           # zh-Hans, as printed, line breaks removed
    text_hant: str      # the same from the zh-Hant page
    title_hant: str
    names: dict[str, tuple[str, ...]] = field(default_factory=dict)  # person/place/org → names


def site_records(files: Mapping[str, bytes],
                 names: Mapping[tuple[str, str], str] | None = None) -> list[Record]:
    """Every record of the built site `{path: bytes}` (paths as `html/…`), in a stable order.

    `names` is what `register_names` gives; read from the site's register pages when not given.
    """
    registers = register_names(files) if names is None else names
    records: list[Record] = []
    for path in sorted(files):
        m = _ISSUE_PAGE.match(path)
        if not m or m.group(1) == "index":
            continue
        hant_path = f"html/{HANT_PREFIX}issues/{m.group(1)}.html"
        hant = _parse(files[hant_path], hant_path) if hant_path in files else None
        records.extend(issue_records(_parse(files[path], path), hant, m.group(1), registers,
                                     path))
    return sorted(records, key=record_order)


def record_order(record: Record) -> tuple[str, str, str]:
    """Results in date order: by issue date, then issue, then place in the issue."""
    return (record.date, record.issue, record.url)


def issue_records(page, hant_page, issue_id: str, registers: Mapping[tuple[str, str], str],
                  where: str = "") -> list[Record]:
    """The records of one issue page (and its zh-Hant twin, element for element)."""
    heads = page.xpath('//header[@class="issue-head"]/h1')
    dates = page.xpath('//header[@class="issue-head"]//time/@datetime')
    if not heads:
        raise TeiBuildError("issue page has no heading to index", path=where)
    # (str: lxml's own string would keep the page's whole tree alive in every record)
    base = dict(issue=issue_id, issue_label=_text(heads[0]), date=str((dates or [""])[0]))
    hant_by_id = {e.get("id"): e for e in hant_page.xpath("//*[@id]")} \
        if hant_page is not None else {}
    labels, hant_labels = _toc_labels(page), _toc_labels(hant_page)
    units = [(parts, anchor, article, page_label, _names(parts, registers))
             for parts, anchor, article, page_label in _units(page)]
    for tree in (page, hant_page):
        if tree is not None:
            _flatten(tree)
    records = []
    for parts, anchor, article, page_label, names in units:
        text = _plain(parts)
        if not text:
            continue
        if article is not None and anchor == article.get("id"):
            twin = _article_head(hant_by_id.get(anchor))
        else:
            twin = [hant_by_id[anchor]] if anchor in hant_by_id else None
        title_key = article.get("id") if article is not None else anchor
        records.append(Record(
            url=f"issues/{issue_id}.html#{anchor}", anchor=anchor, page=page_label,
            title=labels.get(title_key) or _caption_title(parts[0], "zh-Hans"),
            title_hant=hant_labels.get(title_key) or _caption_title(parts[0], "zh-Hant"),
            text=text, text_hant=_plain(twin) if twin else "", names=names, **base))
    return records


def _toc_labels(page) -> dict[str, str]:
    """article id → what the issue's table of contents calls it (its title, or opening words)."""
    if page is None:
        return {}
    return {a.get("href")[1:]: _text(a) for a in page.xpath('//ol[@class="toc"]//a[@href]')}


def _units(page) -> Iterator[tuple]:
    """(elements, anchor, article, page label) for each article heading block and paragraph."""
    page_label = ""
    body = page.xpath('//div[@class="tei-text"]')
    if not body:
        return
    for el in body[0].iter():
        classes = set((el.get("class") or "").split())
        if "pb" in classes:
            page_label = _text(el)
        elif el.tag == "article" and el.get("id"):
            head = _article_head(el)
            if head is not None:
                yield head, el.get("id"), el, page_label
        elif el.tag == "p" and "para" in classes and el.get("id"):
            article = next((a for a in el.iterancestors("article")), None)
            yield [el], el.get("id"), article, page_label


def _article_head(article) -> list | None:
    """The article's headings and byline, read as one unit, or None."""
    if article is None:
        return None
    parts = [e for e in article if e.tag == "header" or
             (e.tag in ("h2", "h3", "p") and set((e.get("class") or "").split()) & {"head", "byline"})]
    return parts or None


def _caption_title(unit, script: str) -> str:
    in_figure = next(unit.iterancestors("figure"), None) is not None
    return {"zh-Hans": "图片说明", "zh-Hant": "圖片說明"}[script] if in_figure else ""


def _text(*elements) -> str:
    """Reading text: no chrome, nothing where the source broke a line, blocks kept apart."""
    out: list[str] = []

    def walk(node) -> None:
        out.append(node.text or "")
        for child in node:
            if not set((child.get("class") or "").split()) & _SKIP_CLASSES:
                walk(child)
                if child.tag in _BLOCKS:
                    out.append(" ")
            out.append(child.tail or "")

    for el in elements:
        walk(el)
        out.append(" ")
    return " ".join("".join(out).split())


def _flatten(page) -> None:
    """Make the plain text of every unit read as _text reads it, at C speed (see _plain):
    page chrome removed (its tail kept), a space after every block."""
    for body in page.xpath('//div[@class="tei-text"]'):
        chrome = [el for el in body.iter() if el.get("class") and
                  not _SKIP_CLASSES.isdisjoint(el.get("class").split())]
        for el in chrome:
            parent, previous, tail = el.getparent(), el.getprevious(), el.tail or ""
            if previous is not None:
                previous.tail = (previous.tail or "") + tail
            else:
                parent.text = (parent.text or "") + tail
            parent.remove(el)
        for el in body.iter(*_BLOCKS):
            el.tail = " " + (el.tail or "")


def _plain(elements) -> str:
    """What _text gives for `elements` of a tree that _flatten has prepared."""
    return " ".join(" ".join(etree.tostring(el, method="text", encoding="unicode", with_tail=False)
                             for el in elements).split())


def _names(units, registers: Mapping[tuple[str, str], str]) -> dict[str, tuple[str, ...]]:
    """The register entries a unit links to, by kind: its names, and the names inside them
    (北外滩街道 in 北外滩街道社区卫生服务中心, linked by the small 地 after the body's name),
    which are mentions as much as the others."""
    found: dict[str, set[str]] = {}
    for unit in units:
        for a in unit.iter("a"):
            classes = (a.get("class") or "").split()
            if "name" not in classes and "subname" not in classes:
                continue
            m = _REGISTER_HREF.match(a.get("href") or "")
            if not m:
                continue
            kind = _NAME_KIND[m.group(1)]
            name = registers.get((m.group(1), m.group(2))) or \
                (a.get("title") if "subname" in classes else None) or _text(a)
            found.setdefault(kind, set()).add(name)
    return {kind: tuple(sorted(names)) for kind, names in sorted(found.items())}


def register_names(files: Mapping[str, bytes]) -> dict[tuple[str, str], str]:
    """(kind, key) → the name a register page is headed with (the entry's zh-Hans name).

    `files` maps `html/registers/<kind>/<key>.html` to the page, or to the page's
    first bytes: the heading is read from the start of the page (see REGISTER_HEAD)
    rather than by parsing pages that list every mention of a name.
    """
    return dict(filter(None, (register_name(path, files[path]) for path in sorted(files))))


def register_head(file: str | Path) -> bytes | None:
    """The first bytes of a register page on disk, its heading among them (REGISTER_HEAD),
    or None if there is no such file."""
    try:
        with open(file, "rb") as fh:
            return fh.read(REGISTER_HEAD)
    except FileNotFoundError:
        return None


def read_register_name(file: str | Path, path: str) -> tuple[tuple[str, str], str] | None:
    """`register_name` of the register page `path`, read from `file` on disk (None also
    if there is no such file)."""
    head = register_head(file)
    return None if head is None else register_name(path, head)


def register_name(path: str, head: bytes) -> tuple[tuple[str, str], str] | None:
    """((kind, key), the name it is headed with) of the register page `path`, from its
    first bytes: read page by page, the heads of a register's pages are not all held at
    once (8 KB each: on 40,000 pages, a peak of 368 MB against 62). None for another
    page, or one without a heading."""
    m = _REGISTER_PAGE.match(path)
    found = m and _REGISTER_H1.search(head.decode("utf-8", "replace"))
    if not found:
        return None
    return (m.group(1), m.group(2)), " ".join(html.unescape(found.group(1)).split())


def _parse(data: bytes, where: str):
    """A built page as a plain lxml tree (lxml.html's element classes cost a third of the time)."""
    try:
        root = etree.fromstring(data, _HTML)
    except (ValueError, etree.XMLSyntaxError) as exc:
        root = None
        problem = str(exc)
    else:
        problem = "not an HTML page"
    if root is None:
        raise TeiBuildError(f"cannot read built page: {problem}", path=where)
    return root


_HTML = etree.HTMLParser(encoding="utf-8", remove_comments=True, no_network=True)
