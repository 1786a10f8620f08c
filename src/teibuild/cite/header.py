"""The labelled citation facts that head each file of the plain-text edition.

Read from the same CSL-JSON item as the HTML Cite box, and closed by the
GB/T 7714 citation itself, so a reader of the .txt file can cite it as is.
"""

from __future__ import annotations

from ..edition import Edition
from .csl import author_names, iso_date
from .styles import render


def header_fields(item: dict, edition: Edition) -> list[tuple[str, str]]:
    """[(label, value)] in reading order; empty values are left out."""
    article = item["type"] == "article-newspaper"
    fields = [
        ("题名", item.get("title", "") if article else ""),
        ("作者", "、".join(author_names(item))),
        ("报纸", item.get("container-title", "") if article else item.get("title", "")),
        ("期号", f"第{item['issue']}期" if item.get("issue") else ""),
        ("日期", iso_date(item, "issued")),
        ("版次", f"第{item['page']}版" if item.get("page") else ""),
        ("网址", item.get("URL", "")),
        ("标识", item["id"]),
        ("版本", " ".join(x for x in (item.get("source", ""), item.get("version", "")) if x)),
        ("许可", " ".join(x for x in (edition.licence, edition.licence_url) if x)),
        ("引用", render(item, "gb7714")),
    ]
    return [(label, value) for label, value in fields if value]
