"""benchmarks/run.py: the figures it adds beside the runs (pages, jing, per-issue costs)."""

import shutil
from pathlib import Path

import pytest

from benchmarks.run import all_pages, jing_reference, per_issue_apart

REPO = Path(__file__).resolve().parent.parent


def test_pages_are_counted_over_the_issues_not_the_registers():
    assert all_pages(REPO / "tei") == 1   # the sample: one transcribed page; registers apart


@pytest.mark.skipif(shutil.which("jing") is None, reason="jing is not installed (CI installs it with apt)")
def test_jing_reference_validates_the_issues_against_tei_all(tmp_path):
    good = jing_reference(REPO / "tei", pages=1)
    assert good["problems"] == 0 and good["cpu_s"] > 0
    assert abs(good["cpu_ms_per_page"] - good["cpu_s"] * 1000) < 10   # one page: all of it
    broken = tmp_path / "hongkou-1845.xml"   # jing's complaints are counted, not hidden
    broken.write_bytes((REPO / "tei" / "hongkou-1845.xml").read_bytes().replace(
        b"<byline>", b"<bylin>", 1).replace(b"</byline>", b"</bylin>", 1))
    assert jing_reference(tmp_path, pages=1)["problems"] >= 1


def test_per_issue_costs_come_from_a_process_of_their_own():
    costs = per_issue_apart(REPO / "tei", REPO / "edition.toml", sample=1)
    assert costs["issues_sampled"] == 1 and costs["validation_rounds"] == 3
    assert costs["render_ms_per_page"] > 0 and 0 < costs["validate_issue_ms"] <= \
        costs["validate_issue_ms_first_round"] * 1.5
