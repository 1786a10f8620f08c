"""Property-based fuzzing of convert, build, validate and cite on damaged input.

Whatever the damage, each stage either refuses with a TeiBuildError naming the
file (one line, no traceback) or succeeds; and when it succeeds nothing of the
text is lost and nothing unsafe reaches the HTML. TEIBUILD_FUZZ_SCALE multiplies
the number of examples (benchmarks/fuzz_campaign.py runs it at a large scale).
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections import Counter
from pathlib import Path

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from lxml import html as lhtml

from hostile.harness import MINI, REGISTERS, ROOT, SAMPLE
from hostile.mutate import mutated_bytes, mutated_source, mutated_tei
from teibuild.convert import convert_bytes, insert_spaces
from teibuild.convert.decode import PAGE_MARKER, read_source
from teibuild.edition import load_edition
from teibuild.errors import TeiBuildError
from teibuild.serialize import to_bytes
from teibuild.websafe import check_relative_path, safe_url
from teibuild.xmlsafe import parse_bytes

SCALE = float(os.environ.get("TEIBUILD_FUZZ_SCALE", "1"))
EDITION = load_edition(ROOT / "edition.toml")
SAMPLE_BYTES = SAMPLE.read_bytes()
MINI_BYTES = MINI.read_bytes()
TEI_REGISTERS = {name: (ROOT / "tei" / name).read_bytes() for name in REGISTERS}


def fuzz(examples: int):
    return settings(max_examples=max(1, int(examples * SCALE)), deadline=None, database=None,
                    suppress_health_check=list(HealthCheck))


def _refusal_is_one_line(err: TeiBuildError, name: str) -> None:
    text = str(err)
    event("refused: " + " ".join(err.message.split()[:3]))
    assert "\n" not in text and text.strip(), text
    assert err.path is None or str(err.path).startswith(str(name)) or \
        str(err.path).endswith((".toml", ".xml")), text


def _chars(text: str) -> Counter:
    return Counter(c for c in text if not c.isspace())


# --- convert ---------------------------------------------------------------------

def _convert_and_check(data: bytes) -> None:
    name = "fuzz.txt"
    try:
        built = convert_bytes(data, name, EDITION)
    except TeiBuildError as err:
        _refusal_is_one_line(err, name)
        return
    event("converted")
    insert_spaces(built.spaces)
    tree = parse_bytes(to_bytes(built.tree), "fuzz.xml")   # well-formed, and safe to re-read
    source = read_source(data, name)
    wanted = Counter()
    for line in source.lines:
        if not PAGE_MARKER.match(line.text):
            wanted += _chars(line.text)
    kept = _chars("".join(tree.getroot().find(".//{*}body").itertext()))
    assert kept == wanted, (wanted - kept, kept - wanted)


@fuzz(80)
@given(st.one_of(mutated_source(SAMPLE_BYTES), mutated_source(SAMPLE_BYTES),
                 mutated_source(SAMPLE_BYTES), mutated_bytes(SAMPLE_BYTES)))
def test_convert_of_a_damaged_source_refuses_or_loses_nothing(data):
    _convert_and_check(data)


@fuzz(120)
@given(st.binary(max_size=400))
def test_convert_of_random_bytes_refuses_or_loses_nothing(data):
    _convert_and_check(data)


# --- build -------------------------------------------------------------------------

def _tei_dir(issue: bytes) -> Path:
    folder = Path(tempfile.mkdtemp(prefix="fuzz-tei-"))
    for name, data in TEI_REGISTERS.items():
        (folder / name).write_bytes(data)
    (folder / "hongkou-1845.xml").write_bytes(issue)
    return folder


def _check_site(issue: bytes, files: dict[str, bytes]) -> None:
    for rel in files:
        check_relative_path(rel)
    root = parse_bytes(issue, "hongkou-1845.xml").getroot()
    issue_id = root.get("{http://www.w3.org/XML/1998/namespace}id")
    page = files[f"html/issues/{issue_id}.html"]
    body = root.find("{http://www.tei-c.org/ns/1.0}text")   # the build renders all of it
    assert body is not None, "built an issue without a <text>"
    wanted = _chars("".join(body.itertext()))
    shown = _chars(lhtml.fromstring(page).text_content())
    assert not wanted - shown, ("lost from the HTML", wanted - shown)
    text = _chars(files[f"txt/zh-Hans/{issue_id}.txt"].decode("utf-8"))
    assert not wanted - text, ("lost from the plain text", wanted - text)
    for rel, data in files.items():
        if rel.endswith(".html"):
            doc = lhtml.fromstring(data)
            for el in doc.iter():
                if not isinstance(el.tag, str):
                    continue
                assert not [a for a in el.attrib if a.lower().startswith("on")], (rel, el.tag)
                for attr in ("href", "src"):
                    value = el.get(attr)
                    assert value is None or safe_url(value) == value, (rel, attr, value)


@fuzz(60)
@given(mutated_tei(MINI_BYTES))
def test_build_of_a_damaged_tei_refuses_or_loses_nothing(issue):
    from teibuild.render.build import render_site

    folder = _tei_dir(issue)
    try:
        try:
            site = render_site(folder, EDITION, jobs=1)
        except TeiBuildError as err:
            _refusal_is_one_line(err, str(folder))
            return
        event("built")
        _check_site(issue, site.files)
    finally:
        shutil.rmtree(folder)


# --- validate and cite -------------------------------------------------------------

@fuzz(25)
@given(mutated_tei(MINI_BYTES))
def test_validate_of_a_damaged_tei_reports_problems_as_lines(issue):
    from teibuild.validate import validate_paths

    folder = _tei_dir(issue)
    try:
        target = folder / "hongkou-1845.xml"
        problems = validate_paths([target])
        event("valid" if not problems else "problems reported")
        for problem in problems:
            assert "\n" not in str(problem) and str(problem).startswith(str(folder)), problem
    finally:
        shutil.rmtree(folder)


@fuzz(40)
@given(mutated_tei(MINI_BYTES), st.sampled_from(
    ["hongkou-1845", "hongkou-1845-a01", "hongkou-1845-a01-p02", "hongkou-1845-a03",
     "hongkou-1845-f01-p01", "hongkou-1845-masthead", "hongkou-1845-pb4"]),
       st.sampled_from(["text", "html", "bibtex", "ris", "csl-json"]))
def test_cite_of_a_damaged_tei_refuses_or_answers(issue, target, fmt):
    from teibuild.cite import cite

    folder = _tei_dir(issue)
    try:
        try:
            out = cite(target, folder, EDITION, fmt=fmt)
        except TeiBuildError as err:
            _refusal_is_one_line(err, str(folder))
            return
        event("cited")
        assert isinstance(out, str) and out.strip()
        if fmt == "html":
            doc = lhtml.fragment_fromstring(out, create_parent="div")
            assert not doc.xpath("//script") and not doc.xpath("//@*[starts-with(name(), 'on')]")
            assert all(safe_url(h) == h for h in doc.xpath("//@href")), out
    finally:
        shutil.rmtree(folder)
