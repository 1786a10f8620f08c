"""Hostile and broken TEI in tei/: validate, build and cite each refuse it with one line
naming the file and line, exit ≠ 0, nothing read from outside, nothing written."""

from __future__ import annotations

from pathlib import Path

import pytest
from lxml import etree

from hostile.harness import EDITION, HERE, assert_refused, run, snapshot, tei_folder
from teibuild.errors import TeiBuildError
from teibuild.xmlsafe import parse_bytes, safe_parser

#: crafted file -> (line reported, words in the message)
ATTACKS = {
    "external-entity.xml": (3, ("DOCTYPE",)),
    "external-dtd.xml": (3, ("DOCTYPE",)),
    "parameter-entity.xml": (3, ("DOCTYPE",)),
    "billion-laughs.xml": (3, ("DOCTYPE",)),
    "xinclude.xml": (69, ("XInclude", "/etc/passwd")),
    "id-traversal.xml": (62, ("../../../tmp/escaped", "NCName")),
    "malformed.xml": (61, ("not well-formed",)),
}
NOT_TEI = "not-tei.xml"


def test_every_crafted_attack_has_a_case():
    crafted = {p.name for p in HERE.glob("*.xml")}
    assert set(ATTACKS) | {NOT_TEI, "html-injection.xml", "active-content.xml"} == crafted


@pytest.fixture()
def site(tmp_path):
    """A good edition built once, so that a refused build can be seen to leave it intact."""
    tei = tei_folder(tmp_path)
    out = tmp_path / "editions"
    outcome = run("build", "--tei", tei, "--out", out, "--edition", EDITION, "-q", "-j", "1")
    assert outcome.code == 0, outcome
    return tei, out


def _plant(tei: Path, name: str) -> Path:
    target = tei / "hongkou-1845.xml"
    target.write_bytes((HERE / name).read_bytes())
    return target


@pytest.mark.parametrize("name", sorted(ATTACKS))
def test_build_refuses(site, name):
    tei, out = site
    before = snapshot(out)
    target = _plant(tei, name)
    line, words = ATTACKS[name]
    outcome = run("build", "--tei", tei, "--out", out, "--edition", EDITION, "-q", "-j", "1")
    message = assert_refused(outcome, target, line, *words)
    assert "root:" not in message
    assert snapshot(out) == before


@pytest.mark.parametrize("name", sorted(ATTACKS))
def test_validate_refuses(tmp_path, name):
    tei = tei_folder(tmp_path, HERE / name)
    target = tei / "hongkou-1845.xml"
    before = snapshot(tei)
    outcome = run("validate", target, "-q")
    line, words = ATTACKS[name]
    assert outcome.code == 1 and "Traceback" not in outcome.stdout + outcome.stderr
    problems = [p for p in outcome.stdout.splitlines() if p.strip()]
    assert len(problems) == 1, problems   # the file cannot be read: no cascade of errors
    assert problems[0].startswith(f"{target}:{line}:"), problems
    for word in words:
        assert word in problems[0]
    assert "root:" not in outcome.stdout
    assert snapshot(tei) == before


@pytest.mark.parametrize("name", sorted(ATTACKS))
def test_cite_refuses(tmp_path, name):
    tei = tei_folder(tmp_path, HERE / name)
    outcome = run("cite", "hongkou-1845-a01", "--tei", tei, "--edition", EDITION)
    line, words = ATTACKS[name]
    message = assert_refused(outcome, tei / "hongkou-1845.xml", line, *words)
    assert "root:" not in message and not outcome.stdout


def test_build_refuses_xml_that_is_not_tei(site):
    tei, out = site
    before = snapshot(out)
    target = _plant(tei, NOT_TEI)
    outcome = run("build", "--tei", tei, "--out", out, "--edition", EDITION, "-q", "-j", "1")
    assert_refused(outcome, target, None, "not a TEI")
    assert snapshot(out) == before


def test_validate_refuses_xml_that_is_not_tei(tmp_path):
    tei = tei_folder(tmp_path, HERE / NOT_TEI)
    outcome = run("validate", tei / "hongkou-1845.xml", "-q")
    assert outcome.code == 1
    first = outcome.stdout.splitlines()[0]
    assert first.startswith(f"{tei / 'hongkou-1845.xml'}:3:") and "<TEI" in first


@pytest.mark.parametrize("data,line", [(b"", 1), (b"\xff\xfe<\x00", 1), (b"<TEI", 1),
                                       (b"<?xml version='1.0'?>\n<TEI>\x01</TEI>", 2)],
                         ids=["empty", "binary", "truncated", "control-char"])
def test_build_refuses_broken_bytes(site, data, line):
    tei, out = site
    before = snapshot(out)
    target = tei / "hongkou-1845.xml"
    target.write_bytes(data)
    outcome = run("build", "--tei", tei, "--out", out, "--edition", EDITION, "-q", "-j", "1")
    assert_refused(outcome, target, line, "XML")
    assert snapshot(out) == before


def test_broken_register_refuses_build(site):
    tei, out = site
    before = snapshot(out)
    (tei / "persons.xml").write_bytes((HERE / "external-entity.xml").read_bytes())
    outcome = run("build", "--tei", tei, "--out", out, "--edition", EDITION, "-q", "-j", "1")
    assert_refused(outcome, tei / "persons.xml", 3, "DOCTYPE")
    assert snapshot(out) == before


# --- the parser itself ------------------------------------------------------------

def test_entities_are_never_expanded_even_when_a_doctype_slips_past():
    """A DOCTYPE after a long comment is still found; nothing of /etc/passwd is read."""
    data = (b"<?xml version='1.0'?>\n<!--" + b"x" * 100_000 + b"-->\n"
            b'<!DOCTYPE TEI [<!ENTITY s SYSTEM "file:///etc/passwd">]>\n<TEI>&s;</TEI>')
    with pytest.raises(TeiBuildError) as err:
        parse_bytes(data, "late.xml")
    assert err.value.line == 3 and "DOCTYPE" in err.value.message


def test_safe_parser_resolves_no_external_entity_even_without_the_doctype_check():
    data = b'<!DOCTYPE a [<!ENTITY s SYSTEM "file:///etc/passwd">]><a>&s;</a>'
    root = etree.fromstring(data, safe_parser())
    assert "root:" not in etree.tostring(root, encoding="unicode")


@pytest.mark.parametrize("data", [b"<a>" * 300 + b"</a>" * 300,
                                  b"<a>" + b"x" * (11 * 1024 * 1024) + b"</a>"],
                         ids=["nesting-300-deep", "text-node-11MB"])
def test_huge_documents_are_refused_by_the_parser(data):
    """huge_tree stays off: libxml2's limits (10 MB text node, depth 256) hold."""
    with pytest.raises(TeiBuildError) as err:
        parse_bytes(data, "huge.xml")
    assert err.value.line == 1 and "not well-formed" in err.value.message


def test_stylesheets_cannot_read_files_at_run_time():
    """document() in an XSLT run by tei-build reads nothing, even a file beside the TEI."""
    from teibuild.render.transform import _ACCESS

    xslt = etree.XSLT(etree.XML(
        b'<xsl:stylesheet version="1.0" xmlns:xsl="http://www.w3.org/1999/XSL/Transform">'
        b'<xsl:template match="/"><r><xsl:copy-of select="document(\'/etc/passwd\')"/></r>'
        b'</xsl:template></xsl:stylesheet>'), access_control=_ACCESS)
    with pytest.raises(etree.XSLTApplyError):
        xslt(etree.XML(b"<a/>"))


def test_stylesheets_cannot_write_files_at_run_time(tmp_path):
    from teibuild.render.transform import _ACCESS

    target = tmp_path / "written.txt"
    xslt = etree.XSLT(etree.XML(
        b'<xsl:stylesheet version="1.0" xmlns:xsl="http://www.w3.org/1999/XSL/Transform" '
        b'xmlns:exsl="http://exslt.org/common" extension-element-prefixes="exsl">'
        b'<xsl:template match="/"><exsl:document href="' + str(target).encode() + b'" method="text">'
        b'x</exsl:document><r/></xsl:template></xsl:stylesheet>'), access_control=_ACCESS)
    with pytest.raises(etree.XSLTApplyError):
        xslt(etree.XML(b"<a/>"))
    assert not target.exists()


@pytest.mark.parametrize("ident", ["../../etc/passwd", "..", "/etc/passwd", "a b", ""])
def test_cite_identifier_never_becomes_a_path(tmp_path, ident):
    tei = tei_folder(tmp_path)
    outcome = run("cite", ident, "--tei", tei, "--edition", EDITION)
    assert outcome.code == 1 and len(outcome.error_lines) == 1 and not outcome.stdout, outcome
    assert "identifier" in outcome.error_lines[0] and "Traceback" not in outcome.stderr


def test_validate_explains_a_bad_language_tag_instead_of_crashing(tmp_path):
    """Found by fuzzing: xml:lang="a b c" on <TEI> crashed the explanation of the error."""
    data = (HERE.parent / "fixtures" / "mini-issue.xml").read_bytes().replace(
        b'xml:lang="zh-Hans">', b'xml:lang="a b c">', 1)
    tei = tei_folder(tmp_path, data)
    outcome = run("validate", tei / "hongkou-1845.xml", "-q")
    assert outcome.code == 1 and not outcome.stderr, outcome
    (problem,) = outcome.stdout.splitlines()
    assert problem.startswith(f"{tei / 'hongkou-1845.xml'}:2:") and "xml:lang" in problem


def test_validate_problem_quoting_text_with_a_line_break_stays_one_line(tmp_path):
    """Found by fuzzing: stray text in a <div> was quoted with its line break, so one
    problem took two lines of output."""
    data = (HERE.parent / "fixtures" / "mini-issue.xml").read_bytes().replace(
        b'<div type="article" xml:id="hongkou-1845-a02" part="I" next="#hongkou-1845-a03">',
        '<div type="article" xml:id="hongkou-1845-a02" part="I" next="#hongkou-1845-a03">始终\n绷紧'
        .encode(), 1)
    tei = tei_folder(tmp_path, data)
    target = tei / "hongkou-1845.xml"
    outcome = run("validate", target, "-q")
    assert outcome.code == 1
    lines = outcome.stdout.splitlines()
    assert lines and all(line.startswith(f"{target}:") for line in lines), lines
    assert any("始终 绷紧" in line for line in lines)
