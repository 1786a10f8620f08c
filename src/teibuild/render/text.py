"""The plain-text edition: one file per issue and per article, headed by its citation."""

from __future__ import annotations

import re
import unicodedata

from lxml import etree

from ..cite.csl import UNTITLED
from ..edition import Edition
from .site import Article, Issue
from .transform import transform


def issue_url(issue: Issue, edition: Edition) -> str:
    """The issue's permanent URL: the TEI's own, else the edition's base URL."""
    if issue.url:
        return issue.url
    base = edition.base_url
    return f"{base.rstrip('/')}/issues/{issue.id}.html" if base else f"issues/{issue.id}.html"


def page_range(issue: Issue) -> str:
    if issue.page_from and issue.page_to and issue.page_from != issue.page_to:
        return f"第{issue.page_from}–{issue.page_to}版"
    pages = [n for n, _ in issue.pages]
    return f"第{pages[0]}–{pages[-1]}版" if len(pages) > 1 else (f"第{pages[0]}版" if pages else "")


def citation_fields(issue: Issue, edition: Edition,
                    article: Article | None = None) -> list[tuple[str, str]]:
    """The facts a citation of this issue or article needs, from the TEI header.

    One function on purpose: the citation module can replace it wholesale.
    """
    paper = issue.paper or edition.title
    fields: list[tuple[str, str]] = []
    if article is not None:
        fields.append(("题名", article.title or UNTITLED))
        if article.authors:
            fields.append(("作者", "、".join(article.authors)))
    fields += [
        ("报纸", paper),
        ("期号", f"第{issue.n}期" if issue.n else ""),
        ("日期", issue.date),
        ("版次", f"第{article.page}版" if article is not None and article.page
         else page_range(issue)),
        ("网址", issue_url(issue, edition) + (f"#{article.id}" if article is not None else "")),
        ("标识", article.id if article is not None else issue.id),
        ("版本", " ".join(x for x in (issue.edition or edition.subtitle,
                                      issue.edition_version or edition.version) if x)),
        ("许可", " ".join(x for x in (issue.licence or edition.licence,
                                      issue.licence_url or edition.licence_url) if x)),
    ]
    return [(label, value) for label, value in fields if value]


def citation_header(issue: Issue, edition: Edition, article: Article | None = None) -> str:
    title = f"{issue.paper or edition.title} 第{issue.n}期（{issue.date}）"
    lines = [title] + [f"{label}：{value}" for label, value in
                       citation_fields(issue, edition, article)]
    return "\n".join(lines)


def render_text(tree: etree._ElementTree, issue: Issue, edition: Edition,
                article: Article | None = None) -> str:
    """The plain text of the issue (or one article): NFC, LF, one blank line between blocks."""
    result = transform("tei2txt.xsl", tree, header=citation_header(issue, edition, article),
                       article=article.id if article is not None else "")
    return normalise(bytes(result).decode("utf-8"))


def render_texts(tree: etree._ElementTree, issue: Issue,
                 edition: Edition) -> list[tuple[Article | None, str]]:
    """The plain text of the issue and of each of its articles (as render_text makes
    them), from one run of tei2txt.xsl."""
    root = transform("tei2txt.xsl", tree, part="texts").getroot()
    rule, whole, *parts = root
    ids = [p.get("article") for p in parts]
    bodies = {p.get("article"): p for p in parts if ids.count(p.get("article")) == 1}
    texts: list[tuple[Article | None, str]] = []
    for article in (None, *issue.articles):
        body = whole if article is None else bodies.get(article.id)
        if body is None:  # not an article of the issue's text: rendered on its own
            texts.append((article, render_text(tree, issue, edition, article)))
            continue
        header = citation_header(issue, edition, article)
        head = f"{header}\n{rule.text}\n\n" if header else ""
        texts.append((article, normalise(head + "".join(body.itertext()))))
    return texts


def normalise(text: str) -> str:
    text = unicodedata.normalize("NFC", text.replace("\r\n", "\n").replace("\r", "\n"))
    text = "\n".join(line.rstrip() for line in text.split("\n"))
    text = re.sub(r"\n{3,}", "\n\n", text)
    return text.strip("\n") + "\n"
