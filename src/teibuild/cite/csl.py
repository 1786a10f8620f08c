"""CSL-JSON items built from a TEI issue: the single source of every citation.

Styles, exports (BibTeX, RIS), meta tags and JSON-LD all read the item made
here, so a correction to the TEI header changes every citation form at once.
"""

from __future__ import annotations

import re

from lxml import etree

from .. import TEI_NS, XML_NS
from ..edition import Edition
from ..errors import TeiBuildError
from ..websafe import safe_url

NS = {"t": TEI_NS}
# the dates of the header's changes, as plain strings (lxml's own keep the document alive)
_CHANGES = etree.XPath("t:teiHeader/t:revisionDesc//t:change/@when", namespaces=NS,
                       smart_strings=False)
XML_ID = f"{{{XML_NS}}}id"
_SPACE = re.compile(r"\s+")
UNTITLED = "[无标题]"        # a title the citer supplies goes in square brackets (GB/T 7714-2015)
UNTITLED_LATN = "[Untitled]"  # the same in a style that romanises titles (Chicago)
_ISO_DATE = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$")


def clean_text(element: etree._Element | None) -> str:
    """An element's text as printed: line breaks (<lb/>) join without a space."""
    if element is None:
        return ""
    return _SPACE.sub(" ", "".join(element.itertext())).strip()


def _first(node: etree._Element, path: str) -> etree._Element | None:
    found = node.xpath(path, namespaces=NS)
    return found[0] if found else None


def date_parts(when: str | None, where: str = "") -> dict | None:
    """`2022-03-25` → CSL `{"date-parts": [[2022, 3, 25]]}`; None when absent."""
    if not when:
        return None
    match = _ISO_DATE.match(when.strip())
    if not match:
        raise TeiBuildError(f"date {when!r} is not an ISO date (YYYY, YYYY-MM or YYYY-MM-DD)",
                            path=where or None)
    return {"date-parts": [[int(part) for part in match.groups() if part]]}


def date_of(item: dict, key: str) -> list[int]:
    """A CSL date variable's parts, e.g. [2022, 3, 25]; [] when absent."""
    parts = item.get(key, {}).get("date-parts", [[]])
    return [int(p) for p in parts[0]] if parts else []


def iso_date(item: dict, key: str) -> str:
    """A CSL date variable as 2022-03-25 (or 2022-03, 2022); '' when absent."""
    return "-".join(f"{p:04d}" if i == 0 else f"{p:02d}"
                    for i, p in enumerate(date_of(item, key)))


def author_names(item: dict) -> list[str]:
    return [n.get("literal") or ", ".join(x for x in (n.get("family"), n.get("given")) if x)
            for n in item.get("author", [])]


def permalink(edition: Edition, issue_id: str, fragment: str | None = None) -> str:
    """Stable URL of an issue page, with `#id` for anything inside it ('' without a
    base_url, or with one that is not a safe link, such as `javascript:`)."""
    if not safe_url(edition.base_url):
        return ""
    url = f"{edition.base_url.rstrip('/')}/issues/{issue_id}.html"
    return f"{url}#{fragment}" if fragment and fragment != issue_id else url


def issue_facts(tree: etree._ElementTree, edition: Edition) -> dict:
    """What the TEI header says about the printed issue and this edition of it."""
    root = tree.getroot()
    where = root.base or ""
    issue_id = root.get(XML_ID)
    if not issue_id:
        raise TeiBuildError("TEI root has no xml:id (the issue identifier)", path=where,
                            line=root.sourceline)
    monogr = _first(root, "t:teiHeader/t:fileDesc/t:sourceDesc/t:biblStruct/t:monogr")
    if monogr is None:
        raise TeiBuildError("teiHeader has no sourceDesc/biblStruct/monogr to cite from",
                            path=where, line=root.sourceline)
    imprint = _first(monogr, "t:imprint")
    date_el = _first(monogr, "t:imprint/t:date[@when]")
    issue_el = _first(monogr, "t:imprint/t:biblScope[@unit='issue']")
    edition_el = _first(root, "t:teiHeader/t:fileDesc/t:editionStmt/t:edition")
    changes = _CHANGES(root)
    issued = date_el.get("when") if date_el is not None else None
    return {
        "issue_id": issue_id,
        "where": where,
        "journal": clean_text(_first(monogr, "t:title[@level='j']")) or edition.title,
        "issue": issue_el.get("n", "") if issue_el is not None else "",
        "issued": issued,
        "publisher": clean_text(_first(imprint, "t:publisher")) if imprint is not None else "",
        "place": clean_text(_first(imprint, "t:pubPlace")) if imprint is not None else "",
        "version": (edition_el.get("n") if edition_el is not None else None) or edition.version,
        "edition_name": clean_text(edition_el) or edition.subtitle,
        "accessed": _access_date(changes, edition, issued),
        "language": root.get(f"{{{XML_NS}}}lang") or "zh-Hans",
    }


def _access_date(changes: list[str], edition: Edition, issued: str | None) -> str | None:
    """The access date of online citations, never "today" (a rebuild must not change it):
    the TEI's latest revisionDesc/change/@when, else `[citation] accessed` in
    edition.toml (the release date of this edition version), else the issue date."""
    if changes:
        return max(changes)
    configured = edition.extra.get("citation", {})
    if isinstance(configured, dict) and configured.get("accessed"):
        return str(configured["accessed"])
    return issued


def find_element(tree: etree._ElementTree, target_id: str) -> etree._Element | None:
    """The element with this xml:id: libxml2's ID table first (parsed documents have one),
    else a walk through the document."""
    if target_id and not any(c.isspace() for c in target_id):  # id() splits at spaces
        found = tree.xpath("id($id)", id=target_id)
        if found and found[0].get(XML_ID) == target_id:
            return found[0]
    found = tree.xpath("//*[@xml:id=$id]", id=target_id)
    return found[0] if found else None


def _first_part(article: etree._Element, tree: etree._ElementTree) -> etree._Element:
    """The initial part of a split article (follows @prev), which carries heads and byline."""
    seen = {article.get(XML_ID)}
    while article.get("prev"):
        previous = find_element(tree, article.get("prev").lstrip("#"))
        if previous is None or previous.get(XML_ID) in seen:
            break
        seen.add(previous.get(XML_ID))
        article = previous
    return article


def _page_of(element: etree._Element) -> str:
    """The printed page (版次) an element starts on: the nearest pb before it (or itself)."""
    pb = element if element.tag == f"{{{TEI_NS}}}pb" else _first(element, "preceding::t:pb[1]")
    return pb.get("n", "") if pb is not None else ""


def reporters(article: etree._Element) -> list[str]:
    """Named reporters in the byline (本报讯（记者 陆雪姣）→ 陆雪姣); none for 本报讯 alone."""
    names = [clean_text(p).replace(" ", "") for p in
             article.xpath("t:byline//t:persName", namespaces=NS)]
    return [name for name in names if name]


def title_names(article: etree._Element) -> list[list[str]]:
    """Proper names marked in the main and sub heads, as [kind, text] (for romanisation)."""
    found = article.xpath("t:head[@type='main' or @type='sub']//*[self::t:persName or "
                          "self::t:placeName or self::t:orgName]", namespaces=NS)
    pairs = {(etree.QName(el).localname, clean_text(el).replace(" ", "")) for el in found}
    return [list(pair) for pair in sorted(pairs) if pair[1]]


def _heads(article: etree._Element) -> tuple[str, str]:
    """Main head, and the sub-head printed right under it (a later head pair is a cross-head)."""
    main = _first(article, "t:head[@type='main']")
    if main is None:
        main = _first(article, "t:head[not(@type='kicker') and not(@type='sub')]")
    if main is None:
        return "", ""
    sub = _first(main, "following-sibling::*[1][self::t:head[@type='sub']]")
    return clean_text(main), clean_text(sub)


def csl_item(tree: etree._ElementTree, target_id: str, edition: Edition,
             facts: dict | None = None) -> dict:
    """The CSL-JSON item for an issue, an article or anything with an xml:id inside one.

    An article or paragraph is an `article-newspaper` titled by the article's
    main head; anything else (a photo caption, the masthead) cites the issue.
    The permalink always points at the cited element itself. `facts` (issue_facts of
    the same tree and edition) saves reading the header again for every item of an issue.
    """
    facts = facts or issue_facts(tree, edition)
    element = find_element(tree, target_id)
    if element is None:
        raise TeiBuildError(f"no element with xml:id {target_id!r}", path=facts["where"])
    article = _first(element, "ancestor-or-self::t:div[@type='article'][1]")
    item: dict = {"id": target_id}
    if article is None:
        item.update(type="periodical", title=facts["journal"])
        if element is not tree.getroot() and _page_of(element):
            item["page"] = _page_of(element)
    else:
        first = _first_part(article, tree)
        main, sub = _heads(first)
        # GB/T 7714-2015 著录用符号: what the citer supplies goes in square brackets
        main = main or UNTITLED
        item.update(type="article-newspaper", title=f"{main}：{sub}" if sub else main)
        if sub:
            item["title-short"] = main
        names = reporters(first)
        if names:
            item["author"] = [{"literal": name} for name in names]
        item["container-title"] = facts["journal"]
        page = _page_of(element)
        if page:
            item["page"] = page
        item["custom"] = {"title-main": main, "title-sub": sub,
                          "article-id": article.get(XML_ID)}
        if title_names(first):
            item["custom"]["title-names"] = title_names(first)
    if facts["issue"]:
        item["issue"] = facts["issue"]
    issued = date_parts(facts["issued"], facts["where"])
    if issued:
        item["issued"] = issued
    for key, value in (("publisher", facts["publisher"]), ("publisher-place", facts["place"]),
                       ("language", facts["language"]), ("version", facts["version"]),
                       ("source", facts["edition_name"])):
        if value:
            item[key] = value
    url = permalink(edition, facts["issue_id"], target_id)
    if url:
        item["URL"] = url
        accessed = date_parts(facts["accessed"], facts["where"])
        if accessed:
            item["accessed"] = accessed
    # facts CSL has no variable for, last so the standard fields read first
    custom = item.pop("custom", {})
    custom["issue-id"] = facts["issue_id"]
    if edition.title_latn and facts["journal"] == edition.title:
        custom["container-title-latn"] = edition.title_latn
    item["custom"] = custom
    return item
