"""tei-build validate: every rule rejects its broken document with a plain-words message."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from teibuild.errors import TeiBuildError
from teibuild.validate import Problem, expand, validate_file, validate_paths

ROOT = Path(__file__).resolve().parents[1]
BROKEN = ROOT / "tests" / "broken"
CONTROL = BROKEN / "control-valid.xml"

# file → (the rules it must break and nothing else, a phrase of the message, line of the problem)
CASES = {
    "malformed.xml": ({"well-formed"}, "not well-formed XML: <p> (opened on line 69) is not "
                      "closed before </div>: add </p> where it ends", 71),
    "wrong-namespace.xml": ({"namespace"}, "<TEI> is in namespace http://www.tei-c.org/ns/1.1, "
                            "not in the TEI namespace", 3),
    "wrong-namespace-child.xml": ({"namespace"}, "<figure> is in no namespace", 72),
    "element-unused.xml": ({"element-unknown"}, "<stage> is a TEI element, but this edition's "
                           "encoding does not use it", 81),
    "element-typo.xml": ({"element-unknown"}, "<persname> is not a TEI element. Did you mean "
                         "'persName'", 82),
    "element-misplaced.xml": ({"element-misplaced"}, "<byline> is not allowed inside <p>", 70),
    "text-misplaced.xml": ({"text-misplaced"}, "<body> cannot contain text directly (found "
                           "\"下转第4版\"); put the text inside <p>", 60),
    "div-type-value.xml": ({"attribute-value"}, 'type="articel" is not allowed; type must be one '
                           "of: article, masthead", 62),
    "head-type-value.xml": ({"attribute-value"}, 'type="overline" is not allowed; type must be '
                            "one of: kicker, main (main title), sub (subtitle)", 63),
    "fw-type-value.xml": ({"attribute-value"}, 'type="jump" is not allowed; type must be one of: '
                          "masthead (masthead line), continuation", 84),
    "ref-type-value.xml": ({"attribute-value"}, '<ref type="jump">: type="jump" is not allowed',
                           84),
    "cert-value.xml": ({"attribute-value"}, 'cert="0.8" is not allowed; cert must be one of: '
                       "high, medium, low, unknown", 80),
    "div-type-missing.xml": ({"attribute-missing"}, '<div xml:id="hongkou-1845-masthead"> needs '
                             "the attribute type", 75),
    "pb-n-missing.xml": ({"attribute-missing"}, "needs the attribute n", 86),
    "date-value.xml": ({"attribute-value"}, 'when="2022-3-23" is not allowed; when must be a '
                       "date such as 2022-03-25", 83),
    "attribute-unknown.xml": ({"attribute-unknown"}, "<head> may not have the attribute typ. Did "
                              "you mean 'type'", 80),
    "content-order.xml": ({"content-order"}, "The content of <body> is not in an order or number "
                          "this edition allows (it contains: pb, div, head, figure", 60),
    "id-duplicate.xml": ({"id-duplicate"}, 'xml:id="hongkou-1845-a01-p01" is used a second time',
                         83),
    "issue-id.xml": ({"issue-id", "article-id", "figure-id", "masthead-id", "page-id"},
                     '<TEI xml:id="hongkou-1846"> does not follow the scheme <slug>-<issue '
                     "number>: the header's issue number is 1845", 3),
    "article-id.xml": ({"article-id", "paragraph-id"}, 'This article has '
                       'xml:id="hongkou-1845-article1"; expected "hongkou-1845-a" followed by two '
                       "or more digits", 62),
    "paragraph-id.xml": ({"paragraph-id"}, 'This paragraph has xml:id="hongkou-1845-a01-p2"; '
                         'inside hongkou-1845-a01 expected "hongkou-1845-a01-p"', 70),
    "summary-id.xml": ({"paragraph-id"}, 'expected "hongkou-1845-a01-s" followed by two or more '
                       "digits", 66),
    "figure-id.xml": ({"figure-id", "paragraph-id"}, 'This <figure> has '
                      'xml:id="hongkou-1845-fig1"; expected "hongkou-1845-f"', 72),
    "page-id.xml": ({"page-id"}, 'expected xml:id="hongkou-1845-pb4"', 86),
    "masthead-id.xml": ({"masthead-id"}, 'expected xml:id="hongkou-1845-masthead"', 75),
    "register-id.xml": ({"register-id"}, '<person xml:id="Lu_Xuejiao"> should have a slug of '
                        "lowercase ASCII letters", 20),
    "pointer-local.xml": ({"pointer-local", "continuation-target"}, '<ref> has '
                          'target="#hongkou-1845-a09", but no element in this file has '
                          'xml:id="hongkou-1845-a09"', 84),
    "agent-pointer.xml": ({"pointer-local"}, '<change> names a responsible agent "#tei-build"', 56),
    "next-prev-reciprocal.xml": ({"next-prev-reciprocal"}, '<div xml:id="hongkou-1845-a02"> has '
                                 'next="#hongkou-1845-a03", but that element has '
                                 'prev="#hongkou-1845-a01"', 79),
    "continuation-target.xml": ({"continuation-target"}, "does not point where its article "
                                'continues: the article has next="#hongkou-1845-a03"', 84),
    "date-after-issue.xml": ({"date-not-after-issue"}, '<date when="2022-07-23"> is more than three '
                             "months after the issue date 2022-03-25", 83),
    "pb-order.xml": ({"pb-order"}, '<pb n="4"> comes after <pb n="5">: pages must be in '
                     "increasing order", 86),
    "pb-n-not-number.xml": ({"pb-order"}, '<pb n="four">: n should be the printed page number',
                            86),
    "lb-spacing.xml": ({"lb-spacing"}, "Whitespace before <lb/> (after \"晚，区疫情\")", 69),
    "masthead-agrees.xml": ({"masthead-agrees"}, "The masthead does not print the header's issue "
                            "number 1845 (expected \"第1845期\"", 75),
    "masthead-date.xml": ({"masthead-agrees"}, "The masthead does not print the header's issue "
                          "date 2022-03-25 (expected \"2022年3月25日\"", 75),
    "pointer-register.xml": ({"pointer-register"}, '<persName> has ref="persons.xml#qian-ying", '
                             'but persons.xml has no entry with xml:id="qian-ying"', 82),
}


def test_every_broken_document_has_a_case():
    documents = {p.name for p in BROKEN.glob("*.xml")}
    supporting = {"control-valid.xml", "persons.xml", "places.xml", "orgs.xml"}
    assert documents - supporting == set(CASES)


def test_the_control_document_and_its_registers_are_valid():
    assert validate_paths([BROKEN / name for name in
                           ("control-valid.xml", "persons.xml", "places.xml", "orgs.xml")]) == []


@pytest.mark.parametrize("name", sorted(CASES))
def test_broken_document_fails_with_the_expected_message(name):
    rules, phrase, line = CASES[name]
    problems = validate_file(BROKEN / name)
    assert {p.rule for p in problems} == rules, [str(p) for p in problems]
    matching = [p for p in problems if phrase in p.message]
    assert matching, [str(p) for p in problems]
    assert matching[0].line == line
    assert all(p.severity == "error" and p.column >= 1 for p in problems)


def test_every_schematron_pattern_is_exercised_by_a_broken_document():
    from lxml import etree

    sch = etree.parse(str(ROOT / "schemas" / "tei-newspaper.sch"))
    patterns = set(sch.xpath("//*[local-name()='pattern']/@id"))
    exercised = set().union(*(rules for rules, _, _ in CASES.values()))
    assert patterns <= exercised, patterns - exercised


def test_problem_prints_as_file_line_column_message():
    problem = Problem("tei/x.xml", 3, 7, "<pb> needs the attribute n", "attribute-missing", "error")
    assert str(problem) == "tei/x.xml:3:7: <pb> needs the attribute n"
    assert problem.as_dict()["rule"] == "attribute-missing"


def test_column_points_at_the_attribute():
    [problem] = validate_file(BROKEN / "div-type-value.xml")
    line = (BROKEN / "div-type-value.xml").read_text(encoding="utf-8").splitlines()[problem.line - 1]
    assert line[problem.column - 1:].startswith('type="articel"')


def test_registers_are_looked_up_beside_the_issue_or_in_the_given_folder(tmp_path):
    issue = tmp_path / "issues" / "hongkou-1845.xml"
    issue.parent.mkdir()
    shutil.copy(CONTROL, issue)
    beside = validate_paths([issue.parent])
    assert {p.rule for p in beside} == {"pointer-register"}
    assert "persons.xml cannot be checked: the file does not exist" in beside[0].message
    assert validate_paths([issue.parent], registers_dir=BROKEN) == []


def test_folders_expand_to_their_xml_files_in_order(tmp_path):
    for name in ("b.xml", "a.xml", "notes.txt"):
        (tmp_path / name).write_text("<x/>", encoding="utf-8")
    assert [p.name for p in expand([tmp_path])] == ["a.xml", "b.xml"]
    with pytest.raises(TeiBuildError, match="no such file or folder"):
        expand([tmp_path / "missing"])


def test_the_edition_tei_folder_is_valid():
    files = expand([ROOT / "tei"])
    assert any(f.name != "persons.xml" and f.name.endswith(".xml") for f in files)
    problems = validate_paths(files)
    assert problems == [], "\n".join(map(str, problems))


def test_libxml2_messages_are_reworded_as_a_last_resort():
    from teibuild.validate.messages import translate_libxml2

    assert translate_libxml2("Expecting element head, got p") == (
        "found <p> where <head> was expected; check the order and spelling of the elements here")
    assert translate_libxml2("Invalid attribute typ for element div") == (
        "<div> may not have the attribute typ; remove it or check its spelling")
    assert translate_libxml2("Something new") == "does not fit the schema (Something new)"


def test_parser_messages_are_reworded():
    from teibuild.validate.messages import translate_parser

    assert translate_parser("not well-formed XML: xmlParseEntityRef: no name") == (
        "not well-formed XML: a bare & in the text: write &amp;")
    assert translate_parser("not well-formed XML: Premature end of data in tag TEI line 2") == (
        "not well-formed XML: the file ends before <TEI> (opened on line 2) is closed")


def test_the_ids_of_a_file_pointed_into_keep_nothing_of_its_document():
    """lxml's own strings from an XPath each keep their element, and so the whole
    document, alive; the ids a worker keeps of each register are plain strings."""
    from teibuild.validate import references
    from teibuild.xmlsafe import parse_file

    registers = Path(__file__).resolve().parents[1] / "tei"
    ids = references.IdIndex().ids(registers / "persons.xml")
    assert "du-songquan" in ids and {type(i) for i in ids} == {str}
    # (the same read with lxml's own strings: each holds its element)
    smart = parse_file(registers / "persons.xml").getroot().xpath("//@xml:id")
    assert set(smart) == ids and all(s.getparent() is not None for s in smart)
