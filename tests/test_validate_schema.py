"""The customisation: ODD → RELAX NG + Schematron, its relation to TEI-all, its documentation."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from lxml import etree

from teibuild.errors import TeiBuildError
from teibuild.validate import guidelines_html, schema_files
from teibuild.validate.schema_compile import compile_odd

ROOT = Path(__file__).resolve().parents[1]
SCHEMAS = ROOT / "schemas"
ODD = SCHEMAS / "tei-newspaper.odd"
TEI_ALL = SCHEMAS / "tei_all.rng"
RNG = SCHEMAS / "tei-newspaper.rng"
JING = Path("/usr/share/java/jing.jar")
R = "{http://relaxng.org/ns/structure/1.0}"
VALID_DOCUMENTS = [ROOT / "tests" / "fixtures" / "mini-issue.xml",
                   *[ROOT / "tests" / "broken" / n for n in
                     ("control-valid.xml", "persons.xml", "places.xml", "orgs.xml")],
                   *sorted((ROOT / "tei").glob("*.xml"))]


@pytest.fixture(scope="module")
def rng():
    return etree.parse(str(RNG))


def test_committed_schemas_are_what_the_odd_compiles_to():
    """The CI check: `tei-build schema --check` must find nothing stale."""
    assert schema_files.stale(schema_files.compiled()) == []


def test_compilation_is_deterministic():
    assert compile_odd(ODD, TEI_ALL) == compile_odd(ODD, TEI_ALL)


def test_closed_value_lists_and_required_attributes_are_in_the_rng(rng):
    div = rng.find(f".//{R}element[@name='div']")
    div_type = div.find(f".//{R}attribute[@name='type']")
    assert div_type.getparent().tag != f"{R}optional"                 # required
    assert [v.text for v in div_type.iter(f"{R}value")] == [
        "article", "masthead", "section", "notice", "advertisement"]
    cert = rng.find(f".//{R}attribute[@name='cert']")
    assert [v.text for v in cert.iter(f"{R}value")] == ["high", "medium", "low", "unknown"]
    assert cert.find(f".//{R}data") is None                           # no probability any more
    pb_n = rng.find(f".//{R}element[@name='pb']//{R}attribute[@name='n']")
    assert pb_n.getparent().tag != f"{R}optional"


def test_only_the_odd_elements_remain_and_unreachable_defines_are_pruned(rng):
    elements = {e.get("name") for e in rng.iter(f"{R}element") if e.get("name")}
    assert {"TEI", "div", "fw", "persName", "listPerson", "space"} <= elements
    assert not {"sp", "stage", "egXML", "teiCorpus", "msDesc"} & elements
    defines = {d.get("name") for d in rng.iter(f"{R}define")}
    referenced = {r.get("name") for r in rng.iter(f"{R}ref")}
    assert defines == referenced
    assert RNG.stat().st_size < TEI_ALL.stat().st_size / 3


def _edited_odd(path: Path, old: str, new: str) -> Path:
    """A copy of the ODD with one edit, at `path`."""
    text = ODD.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new), encoding="utf-8")
    return path


def test_an_element_unknown_to_tei_all_is_a_compile_error(tmp_path):
    odd = _edited_odd(tmp_path / "custom.odd", 'include="fw space supplied"',
                      'include="fw space supplied frobnicate"')
    with pytest.raises(TeiBuildError, match="TEI-all does not define: frobnicate"):
        compile_odd(odd, TEI_ALL)


def test_a_value_tei_all_forbids_is_a_compile_error(tmp_path):
    odd = _edited_odd(tmp_path / "custom.odd", '<valItem ident="section">',
                      '<valItem ident="two words">')
    with pytest.raises(TeiBuildError, match="div/@type: TEI-all's datatype does not allow 'two words'"):
        compile_odd(odd, TEI_ALL)


def test_schema_check_fails_when_the_rng_is_stale_and_schema_rewrites_it(tmp_path):
    from click.testing import CliRunner

    from teibuild.cli import main

    odd = tmp_path / "tei-newspaper.odd"
    shutil.copy(ODD, odd)
    shutil.copy(RNG, tmp_path / "tei-newspaper.rng")
    shutil.copy(SCHEMAS / "tei-newspaper.sch", tmp_path / "tei-newspaper.sch")
    runner = CliRunner()
    assert runner.invoke(main, ["schema", "--check", "--odd", str(odd)]).exit_code == 0
    _edited_odd(odd, '<valItem ident="section">', '<valItem ident="column">')
    stale = runner.invoke(main, ["schema", "--check", "--odd", str(odd)])
    assert stale.exit_code == 1
    assert "tei-newspaper.rng: out of date" in stale.output
    assert runner.invoke(main, ["schema", "--odd", str(odd)]).exit_code == 0
    assert b"<value>column</value>" in (tmp_path / "tei-newspaper.rng").read_bytes()
    assert runner.invoke(main, ["schema", "--check", "--odd", str(odd)]).exit_code == 0


def _jing(schema: Path, documents) -> subprocess.CompletedProcess:
    return subprocess.run(["java", "-jar", str(JING), str(schema), *map(str, documents)],
                          capture_output=True, text=True, timeout=300)


@pytest.mark.skipif(not JING.is_file() or not shutil.which("java"),
                    reason="jing is not installed (CI installs it with apt)")
def test_jing_accepts_the_rng_and_the_valid_documents():
    result = _jing(RNG, VALID_DOCUMENTS)
    assert result.returncode == 0, result.stdout + result.stderr


def test_documents_valid_here_are_valid_tei_all(request):
    """The customisation only narrows TEI-all; checked on every valid document we have."""
    customisation = etree.RelaxNG(file=str(RNG))
    for document in VALID_DOCUMENTS:
        assert customisation.validate(etree.parse(str(document))), document
    if JING.is_file() and shutil.which("java"):
        result = _jing(TEI_ALL, [*VALID_DOCUMENTS, ODD])
        assert result.returncode == 0, result.stdout + result.stderr
    else:
        tei_all = request.getfixturevalue("tei_all")  # lxml needs ~15 s to load it
        for document in [*VALID_DOCUMENTS, ODD]:
            assert tei_all.validate(etree.parse(str(document))), document


def test_guidelines_html_documents_every_decision_in_both_languages():
    html = guidelines_html()
    fragment = etree.fromstring(html, etree.HTMLParser()).find(".//section")
    assert fragment.get("class") == "encoding-guidelines"
    assert html.startswith("<section") and "<html" not in html and "<body" not in html
    odd = etree.parse(str(ODD))
    ns = {"t": "http://www.tei-c.org/ns/1.0"}
    for section in odd.xpath("//t:body/t:div/@xml:id", namespaces=ns):
        assert f'id="{section}"' in html
    for rule in odd.xpath("//t:constraintSpec[t:constraint/*[local-name()='rule']]/@ident",
                          namespaces=ns):
        assert f'id="rule-{rule}"' in html
    assert "引题" in html and "kicker" in html and "必填" in html
    assert 'lang="zh-Hans"' in html and 'lang="en"' in html
    assert "<code class=\"gi\">&lt;lb&gt;</code>" in html
