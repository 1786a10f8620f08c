"""`tei-build cite ID`: any issue, article or paragraph, in every style and format."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import bibtexparser
import pytest
from click.testing import CliRunner

from teibuild.cli import main

HERE = Path(__file__).parent
EDITION_TOML = """[edition]
slug = "hongkou"
title = "虹口报"
title_latn = "Hongkou bao"
base_url = "https://example.org/hongkou/"
version = "0.1.0"
"""


@pytest.fixture()
def workdir(tmp_path):
    (tmp_path / "tei").mkdir()
    shutil.copy(HERE / "fixtures" / "mini-issue.xml", tmp_path / "tei" / "hongkou-1845.xml")
    (tmp_path / "edition.toml").write_text(EDITION_TOML, encoding="utf-8")
    return tmp_path


def run(workdir, *args):
    return CliRunner().invoke(main, ["cite", *args, "--tei", str(workdir / "tei"),
                                    "--edition", str(workdir / "edition.toml")])


def test_default_is_gb7714_online(workdir):
    result = run(workdir, "hongkou-1845-a01")
    assert result.exit_code == 0, result.output
    assert result.output == ("陆雪姣.确保不漏一户、不落一人[N/OL].虹口报,2022-03-25(1)[2026-11-28]."
                             "https://example.org/hongkou/issues/hongkou-1845.html#hongkou-1845-a01.\n")


def test_print_medium(workdir):
    result = run(workdir, "hongkou-1845-a01", "--medium", "print")
    assert result.output == "陆雪姣.确保不漏一户、不落一人[N].虹口报,2022-03-25(1).\n"


@pytest.mark.parametrize("target", ["hongkou-1845", "hongkou-1845-a02", "hongkou-1845-a03-p01",
                                    "hongkou-1845-a01-p02"])
def test_issue_article_and_paragraph_ids(workdir, target):
    result = run(workdir, target, "--style", "chicago")
    if target == "hongkou-1845-a03-p01":  # the untranscribed continuation has no paragraphs
        assert result.exit_code == 1
        assert "unknown identifier 'hongkou-1845-a03-p01'" in result.output
        return
    assert result.exit_code == 0, result.output
    assert "Hongkou bao 虹口报" in result.output


def test_formats(workdir):
    bib = run(workdir, "hongkou-1845-a02", "--format", "bibtex").output
    assert bibtexparser.parse_string(bib).entries[0].key == "hongkou-1845-a02"
    data = json.loads(run(workdir, "hongkou-1845-a02", "--format", "csl-json").output)
    assert data[0]["author"] == [{"literal": "钱晶"}]
    assert run(workdir, "hongkou-1845-a02", "--format", "ris").output.startswith("TY  - NEWS\n")
    markup = run(workdir, "hongkou-1845-a02", "--format", "html", "--style", "apa").output
    assert "<i>虹口报</i>" in markup


def test_unknown_id_is_one_line_and_exit_1(workdir):
    result = run(workdir, "hongkou-1845-a77")
    assert result.exit_code == 1
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and "unknown identifier 'hongkou-1845-a77'" in lines[0]
    assert "Traceback" not in result.output


def test_id_of_missing_issue(workdir):
    result = run(workdir, "hongkou-9999-a01")
    assert result.exit_code == 1
    assert "no issue file for it" in result.output


def test_missing_tei_folder(workdir):
    result = CliRunner().invoke(main, ["cite", "hongkou-1845", "--tei", str(workdir / "nope")])
    assert result.exit_code == 1
    assert "TEI folder not found" in result.output


def test_malformed_issue_names_file_and_line(workdir):
    (workdir / "tei" / "hongkou-1845.xml").write_text("<TEI>\n<oops></TEI>", encoding="utf-8")
    result = run(workdir, "hongkou-1845-a01")
    assert result.exit_code == 1
    assert "hongkou-1845.xml:2" in result.output
