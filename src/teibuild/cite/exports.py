"""BibTeX, RIS and CSL-JSON written from the CSL-JSON item, for reference managers.

Every export is derived from the same item, so Zotero, JabRef or EndNote see
exactly what the rendered citations say.
"""

from __future__ import annotations

import re

import orjson

from .csl import author_names, date_of, iso_date

_LATEX_SPECIAL = re.compile(r"([\\{}&%$#_^~])")
_LATEX_REPLACE = {"\\": r"\textbackslash{}", "^": r"\^{}", "~": r"\~{}"}


def _latex(text: str) -> str:
    return _LATEX_SPECIAL.sub(lambda m: _LATEX_REPLACE.get(m.group(1), "\\" + m.group(1)), text)


def _version_note(item: dict) -> str:
    return " ".join(x for x in (item.get("source", ""), item.get("version", "")) if x)


def to_csl_json(item: dict) -> str:
    """A CSL-JSON array holding the item (what Zotero and pandoc import)."""
    return json_text([item]) + "\n"


def json_text(value) -> str:
    """`value` as json.dumps(value, ensure_ascii=False, indent=2) writes it, the same
    bytes (the tests compare the two), by orjson: json's indented output is written in
    pure Python, and a site cites every article in two JSON files."""
    return orjson.dumps(value, option=orjson.OPT_INDENT_2).decode("utf-8")


def to_bibtex(item: dict) -> str:
    """One BibTeX entry; biblatex fields (date, urldate, version) ride along."""
    article = item["type"] == "article-newspaper"
    fields: list[tuple[str, str]] = []
    names = author_names(item)
    if names:
        # double braces: a Chinese name is one unit, not "First Last"
        fields.append(("author", " and ".join(f"{{{_latex(n)}}}" for n in names)))
    fields.append(("title", _latex(item.get("title", ""))))
    if article:
        fields.append(("journal", _latex(item.get("container-title", ""))))
    issued = date_of(item, "issued")
    if issued:
        fields.append(("year", str(issued[0])))
        if len(issued) > 1:
            fields.append(("month", str(issued[1])))
        fields.append(("date", iso_date(item, "issued")))
    for key, field in (("issue", "number"), ("page", "pages"), ("publisher", "publisher"),
                       ("publisher-place", "address"), ("language", "language"),
                       ("version", "version")):
        if item.get(key):
            fields.append((field, _latex(str(item[key]))))
    if item.get("URL"):
        fields.append(("url", item["URL"].replace("{", "%7B").replace("}", "%7D")))
        accessed = date_of(item, "accessed")
        if accessed:
            fields.append(("urldate", iso_date(item, "accessed")))
    note = _version_note(item)
    if note:
        fields.append(("note", _latex(note)))
    body = ",\n".join(f"  {name} = {{{value}}}" for name, value in fields if value)
    return f"@{'article' if article else 'misc'}{{{item['id']},\n{body}\n}}\n"


def to_ris(item: dict) -> str:
    """One RIS record (TY NEWS for an article, JFULL for a whole issue)."""
    lines = [("TY", "NEWS" if item["type"] == "article-newspaper" else "JFULL")]
    lines += [("AU", name) for name in author_names(item)]
    lines.append(("TI", item.get("title", "")))
    if item["type"] == "article-newspaper":
        lines.append(("T2", item.get("container-title", "")))
    issued = date_of(item, "issued")
    if issued:
        lines.append(("PY", str(issued[0])))
        lines.append(("DA", "/".join(f"{p:02d}" for p in issued) + "/" * (3 - len(issued))))
    for key, tag in (("issue", "IS"), ("page", "SP"), ("publisher", "PB"),
                     ("publisher-place", "CY"), ("language", "LA"), ("URL", "UR")):
        if item.get(key):
            lines.append((tag, str(item[key])))
    accessed = date_of(item, "accessed")
    if item.get("URL") and accessed:
        lines.append(("Y2", "/".join(f"{p:02d}" for p in accessed)))
    note = _version_note(item)
    if note:
        lines.append(("N1", note))
    lines.append(("ID", item["id"]))
    body = "".join(f"{tag}  - {' '.join(value.split())}\n" for tag, value in lines if value.strip())
    return body + "ER  - \n"
