"""BibTeX, RIS and CSL-JSON exports, each read back by a real parser."""

from __future__ import annotations

import json
import re
from pathlib import Path

import bibtexparser
import jsonschema
import pytest
import rispy
from hypothesis import given, settings
from hypothesis import strategies as st

from teibuild.cite.csl import csl_item
from teibuild.cite.exports import json_text, to_bibtex, to_csl_json, to_ris
from teibuild.edition import Edition
from teibuild.xmlsafe import parse_file

HERE = Path(__file__).parent
SCHEMA = json.loads((HERE / "data" / "csl-data.json").read_text(encoding="utf-8"))
EDITION = Edition(slug="hongkou", title="虹口报", title_latn="Hongkou bao",
                  base_url="https://example.org/hongkou/", version="0.1.0")
IDS = ["hongkou-1845", "hongkou-1845-a01", "hongkou-1845-a02", "hongkou-1845-a03",
       "hongkou-1845-a01-p02", "hongkou-1845-f01-p01"]
RIS_LINE = re.compile(r"^[A-Z][A-Z0-9]  - (\S.*)?$")


@pytest.fixture(scope="module")
def items():
    tree = parse_file(HERE / "fixtures" / "mini-issue.xml")
    return {i: csl_item(tree, i, EDITION) for i in IDS}


@pytest.mark.parametrize("target", IDS)
def test_bibtex_parses_with_bibtexparser(items, target):
    library = bibtexparser.parse_string(to_bibtex(items[target]))
    assert not library.failed_blocks
    (entry,) = library.entries
    assert entry.key == target
    assert entry["title"] == items[target]["title"]
    assert entry["url"] == items[target]["URL"]
    assert entry["year"] == "2022"


def test_bibtex_article_fields(items):
    entry = bibtexparser.parse_string(to_bibtex(items["hongkou-1845-a01"])).entries[0]
    assert entry.entry_type == "article"
    assert entry["author"] == "{陆雪姣}"
    assert entry["journal"] == "虹口报"
    assert entry["number"] == "1845" and entry["pages"] == "1"
    assert entry["urldate"] == "2026-11-28"
    assert "0.1.0" in entry["note"]


def test_bibtex_escapes_latex_specials():
    item = {"id": "x-1-a01", "type": "article-newspaper", "title": "50% & {more}_#1",
            "container-title": "报", "issued": {"date-parts": [[2022]]}}
    text = to_bibtex(item)
    assert r"50\% \& \{more\}\_\#1" in text
    assert not bibtexparser.parse_string(text).failed_blocks


@pytest.mark.parametrize("target", IDS)
def test_ris_is_well_formed_and_reads_back(items, target):
    text = to_ris(items[target])
    lines = text.splitlines()
    assert lines[0].startswith("TY  - ") and lines[-1] == "ER  - "
    assert all(RIS_LINE.match(line) for line in lines), text
    (record,) = rispy.loads(text)
    assert record["title"] == items[target]["title"]
    assert record["urls"] == [items[target]["URL"]]


def test_ris_article_fields(items):
    (record,) = rispy.loads(to_ris(items["hongkou-1845-a02"]))
    assert record["type_of_reference"] == "NEWS"
    assert record["authors"] == ["钱晶"]
    assert record["secondary_title"] == "虹口报"
    assert record["date"] == "2022/03/25"
    assert record["start_page"] == "1"


def test_csl_json_export_validates(items):
    for target in IDS:
        data = json.loads(to_csl_json(items[target]))
        jsonschema.validate(data, SCHEMA)
        assert data == [items[target]]


def test_exports_are_byte_identical_across_runs(items):
    again = csl_item(parse_file(HERE / "fixtures" / "mini-issue.xml"), "hongkou-1845-a02", EDITION)
    for export in (to_bibtex, to_ris, to_csl_json):
        assert export(again) == export(items["hongkou-1845-a02"])


_JSON_TEXT = st.text(st.characters(exclude_categories=("Cs",)), max_size=12)
_JSON = st.recursive(
    st.none() | st.booleans() | st.integers(min_value=-2**63, max_value=2**63 - 1) | _JSON_TEXT,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(_JSON_TEXT, inner, max_size=4),
    max_leaves=20)


@settings(max_examples=400, deadline=None)
@given(_JSON)
def test_json_text_writes_what_json_dumps_writes(value):
    """The CSL-JSON downloads and the JSON-LD of every page are written by orjson: byte for
    byte what json.dumps(ensure_ascii=False, indent=2) wrote, control characters, quotes,
    line separators and empty lists included."""
    assert json_text(value) == json.dumps(value, ensure_ascii=False, indent=2)
