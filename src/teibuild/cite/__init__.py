"""Citation: one CSL-JSON item per issue, article or paragraph, in every form a scholar needs.

`citation_context` is what the HTML builder hands to the templates; `cite`
is what `tei-build cite` prints.
"""

from __future__ import annotations

import html
import re
from pathlib import Path

from lxml import etree

from ..edition import Edition
from ..errors import TeiBuildError
from ..websafe import safe_url
from .csl import XML_ID, csl_item, issue_facts
from .exports import to_bibtex, to_csl_json, to_ris
from .header import header_fields
from .lookup import find_target
from .meta import highwire_tags, json_ld_script
from .styles import STYLES, render

__all__ = ["citation_context", "citation_fields", "cite", "download_files", "issue_facts",
           "OUTPUT_FORMATS", "STYLES"]

OUTPUT_FORMATS = ("text", "html", "bibtex", "ris", "csl-json")
DOWNLOADS = {"bib": to_bibtex, "ris": to_ris, "json": to_csl_json}
_EXPORT_KEYS = {"bib": "bibtex", "ris": "ris", "json": "csl_json"}  # where citation_context keeps them
_TAG = re.compile(r"<[^>]+>")


def _plain(markup: str) -> str:
    return html.unescape(_TAG.sub("", markup))


def citation_context(tree: etree._ElementTree, article_id: str | None, edition: Edition,
                     paragraph_id: str | None = None, facts: dict | None = None) -> dict:
    """Everything a page needs to cite the issue, an article, or one paragraph of it.

    Keys: id, csl (CSL-JSON dict), html/text {style: citation}, print {"gb7714":
    citation of the printed paper}, labels
    {style: name}, bibtex, ris, csl_json, meta [(name, content)], jsonld,
    permalink, version, downloads {ext: path relative to the edition root}.
    `facts`: see csl_item.
    """
    root_id = tree.getroot().get(XML_ID)
    target = paragraph_id or article_id or root_id
    item = csl_item(tree, target, edition, facts)
    markup = {name: render(item, name, "html") for name in STYLES}
    return {
        "id": target,
        "csl": item,
        "html": markup,
        "text": {name: _plain(value) for name, value in markup.items()},
        # the printed paper, for those who cite the newspaper rather than this edition
        "print": {"gb7714": render(item, "gb7714", "text", medium="print")},
        "labels": {name: label for name, (_, label) in STYLES.items()},
        "bibtex": to_bibtex(item),
        "ris": to_ris(item),
        "csl_json": to_csl_json(item),
        "meta": highwire_tags(item, safe_url(edition.licence_url)),
        "jsonld": json_ld_script(item, safe_url(edition.licence_url)),
        "permalink": item.get("URL", ""),
        "version": item.get("version", edition.version),
        "downloads": {ext: f"cite/{target}.{ext}" for ext in DOWNLOADS},
    }


def citation_fields(tree: etree._ElementTree, target_id: str | None,
                    edition: Edition) -> list[tuple[str, str]]:
    """Labelled facts (题名, 作者, 报纸 … 引用) for the plain-text edition's header."""
    target = target_id or tree.getroot().get(XML_ID)
    return header_fields(csl_item(tree, target, edition), edition)


def download_files(context: dict) -> dict[str, bytes]:
    """The .bib / .ris / .json files of a context, keyed by path under the edition root
    (the exports the context already holds: the same functions of the same item)."""
    return {path: context[_EXPORT_KEYS[ext]].encode("utf-8")
            for ext, path in context["downloads"].items()}


def cite(target_id: str, tei_dir: str | Path, edition: Edition, style: str = "gb7714",
         fmt: str = "text", medium: str = "online") -> str:
    """The citation `tei-build cite` prints for any issue, article or paragraph ID."""
    if fmt not in OUTPUT_FORMATS:
        raise TeiBuildError(f"unknown format {fmt!r} (choose from {', '.join(OUTPUT_FORMATS)})")
    tree, _ = find_target(tei_dir, target_id)
    item = csl_item(tree, target_id, edition)
    if fmt == "bibtex":
        return to_bibtex(item)
    if fmt == "ris":
        return to_ris(item)
    if fmt == "csl-json":
        return to_csl_json(item)
    return render(item, style, fmt, medium) + "\n"
