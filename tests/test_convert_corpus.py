"""Layout rules on issues they were not written for: news sentences from the
annotated corpora laid out at other measures, with headings before or after the
reports, mastheads and cut-off reports (see tests/corpus_issues.py)."""

from __future__ import annotations

import random

import pytest

from teibuild.convert import convert_bytes
from teibuild.edition import Edition
from tests.conftest import NS
from tests.corpus_issues import make_issue, sentences

ISSUES = 120


@pytest.fixture(scope="module")
def results():
    pool = sentences()
    rng = random.Random(20220325)
    stats = {"issues": 0, "reports": 0, "articles_ok": 0, "paragraphs": 0, "paragraphs_ok": 0,
             "headings": 0, "headings_ok": 0, "cut": 0, "cut_linked": 0,
             "rest": 0, "rest_linked": 0}
    for number in range(1, ISSUES + 1):
        issue = make_issue(rng, pool, number)
        tree = convert_bytes(issue.text().encode(), f"issue{number}.txt",
                             Edition(slug="corpus")).tree
        divs = [d for d in tree.xpath("//t:body/t:div[@type='article']", namespaces=NS)
                if d.find("{*}gap") is None and d.get("prev") is None]
        stats["issues"] += 1
        stats["reports"] += len(issue.reports)
        if len(divs) != len(issue.reports):
            continue
        stats["articles_ok"] += len(divs)
        for div, report in zip(divs, issue.reports):
            got = ["".join(p.itertext()) for p in div.xpath("t:p|t:div/t:p", namespaces=NS)]
            stats["paragraphs"] += len(report.paragraphs)
            if len(got) == len(report.paragraphs):
                stats["paragraphs_ok"] += sum(a == b for a, b in zip(got, report.paragraphs))
            heads = ["".join(h.itertext()) for h in div.findall("{*}head")]
            stats["headings"] += 1
            stats["headings_ok"] += heads == report.heading
            if report.cut_off_to:
                stats["cut"] += 1
                target = div.get("next", "")[1:]
                cont = tree.xpath(f"//*[@xml:id='{target}']", namespaces=NS)
                linked = bool(cont) and cont[0].get("prev") == "#" + div.get(
                    "{http://www.w3.org/XML/1998/namespace}id")
                stats["cut_linked"] += linked
                if report.cut_off_to == 2:            # its rest is transcribed on page 2
                    stats["rest"] += 1
                    stats["rest_linked"] += linked and "".join(
                        cont[0].xpath("string(t:p)", namespaces=NS)) == report.rest
    return stats


def test_every_report_becomes_one_article(results):
    assert results["articles_ok"] == results["reports"] > 400


def test_headings_attached_to_their_reports(results):
    assert results["headings_ok"] / results["headings"] >= 0.98, results


def test_paragraphs_come_back_exactly(results):
    # the remaining misses are genuinely ambiguous without typography: a
    # paragraph whose last line is as long as an indented first line
    assert results["paragraphs_ok"] / results["paragraphs"] >= 0.92, results


def test_cut_off_reports_are_linked(results):
    assert results["cut"] > 20
    assert results["cut_linked"] == results["cut"], results


def test_cut_off_reports_go_on_in_their_rest_on_a_transcribed_page(results):
    assert results["rest"] > 10
    assert results["rest_linked"] == results["rest"], results
