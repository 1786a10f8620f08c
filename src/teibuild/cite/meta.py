"""Machine-readable citation data for HTML pages, from the CSL-JSON item.

Highwire Press `citation_*` meta tags are what Zotero, Google Scholar and
Mendeley read from a page; schema.org JSON-LD is what search engines read.
Both are returned as data; the templates only print them.
"""

from __future__ import annotations

from .csl import author_names, iso_date
from .exports import json_text


def highwire_tags(item: dict, licence_url: str = "") -> list[tuple[str, str]]:
    """(name, content) pairs in the order Highwire readers expect."""
    tags: list[tuple[str, str]] = [("citation_title", item.get("title", "")
                                    if item["type"] == "article-newspaper"
                                    else _issue_title(item))]
    tags += [("citation_author", name) for name in author_names(item)]
    issued = iso_date(item, "issued")
    if issued:
        tags.append(("citation_publication_date", issued.replace("-", "/")))
        tags.append(("citation_date", issued.replace("-", "/")))
    journal = item.get("container-title") or item.get("title", "")
    for name, value in (("citation_journal_title", journal),
                        ("citation_issue", item.get("issue", "")),
                        ("citation_firstpage", item.get("page", "")),
                        ("citation_publisher", item.get("publisher", "")),
                        ("citation_language", item.get("language", "")),
                        ("citation_fulltext_html_url", item.get("URL", "")),
                        ("citation_public_url", item.get("URL", ""))):
        if value:
            tags.append((name, str(value)))
    if licence_url:
        tags.append(("citation_license", licence_url))
    return [(name, value) for name, value in tags if value]


def _issue_title(item: dict) -> str:
    issue = item.get("issue")
    return f"{item.get('title', '')} 第{issue}期" if issue else item.get("title", "")


def json_ld(item: dict, licence_url: str = "") -> dict:
    """schema.org NewsArticle (an article or paragraph) or PublicationIssue (an issue)."""
    periodical = {"@type": "Periodical", "name": item.get("container-title") or item.get("title")}
    latn = item.get("custom", {}).get("container-title-latn")
    if latn:
        periodical["alternateName"] = latn
    issue = {"@type": "PublicationIssue", "isPartOf": periodical}
    if item.get("issue"):
        issue["issueNumber"] = str(item["issue"])
    if iso_date(item, "issued"):
        issue["datePublished"] = iso_date(item, "issued")
    if item["type"] != "article-newspaper":
        data = {"@context": "https://schema.org", **issue, "name": _issue_title(item)}
    else:
        custom = item.get("custom", {})
        data = {"@context": "https://schema.org", "@type": "NewsArticle",
                "headline": custom.get("title-main") or item.get("title", ""),
                "name": item.get("title", "")}
        if custom.get("title-sub"):
            data["alternativeHeadline"] = custom["title-sub"]
        if item.get("author"):
            data["author"] = [{"@type": "Person", "name": name} for name in author_names(item)]
        if iso_date(item, "issued"):
            data["datePublished"] = iso_date(item, "issued")
        if item.get("page"):
            data["printPage"] = str(item["page"])
        data["isPartOf"] = issue
    data["identifier"] = item["id"]
    if item.get("URL"):
        data["@id"] = item["URL"]
        data["url"] = item["URL"]
    for key, field in (("language", "inLanguage"), ("version", "version")):
        if item.get(key):
            data[field] = item[key]
    if item.get("publisher"):
        data["publisher"] = {"@type": "Organization", "name": item["publisher"]}
    if licence_url:
        data["license"] = licence_url
    return data


def json_ld_script(item: dict, licence_url: str = "") -> str:
    """JSON-LD text safe inside <script type="application/ld+json"> (no `</script>` break-out)."""
    text = json_text(json_ld(item, licence_url))
    return text.replace("&", "\\u0026").replace("<", "\\u003c").replace(">", "\\u003e")
