"""`tei-build validate`: one line per problem, JSON for CI, exit 0 iff all valid."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from click.testing import CliRunner

from teibuild.cli import main

ROOT = Path(__file__).resolve().parents[1]
BROKEN = ROOT / "tests" / "broken"


def _edition(tmp_path, *broken) -> Path:
    tei = tmp_path / "tei"
    tei.mkdir()
    for name in ("control-valid.xml", "persons.xml", "places.xml", "orgs.xml", *broken):
        shutil.copy(BROKEN / name, tei / name)
    return tei


def test_valid_folder_exits_zero_and_says_so(tmp_path):
    tei = _edition(tmp_path)
    result = CliRunner().invoke(main, ["validate", str(tei)])
    assert result.exit_code == 0, result.output
    assert "4 file(s) checked: all valid" in result.output


def test_default_path_is_tei(tmp_path, monkeypatch):
    _edition(tmp_path, "pb-order.xml")
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, ["validate"])
    assert result.exit_code == 1
    assert 'tei/pb-order.xml:86:7: <pb n="4"> comes after <pb n="5">' in result.output


def test_problems_are_one_line_each_and_exit_one(tmp_path):
    tei = _edition(tmp_path, "lb-spacing.xml", "malformed.xml")
    result = CliRunner().invoke(main, ["validate", str(tei)])
    assert result.exit_code == 1
    lines = [line for line in result.output.splitlines() if line.startswith(str(tei))]
    assert len(lines) == 2
    assert lines[0].startswith(f"{tei}/lb-spacing.xml:69:")
    assert lines[1].startswith(f"{tei}/malformed.xml:71:12: not well-formed XML: <p>")
    assert "2 problem(s) in 2 file(s)" in result.output
    assert "Traceback" not in result.output


def test_json_format_for_ci_annotations(tmp_path):
    tei = _edition(tmp_path, "div-type-value.xml")
    result = CliRunner().invoke(main, ["validate", "--format", "json", str(tei)])
    assert result.exit_code == 1
    report = json.loads(result.stdout)
    assert report["valid"] is False and len(report["files"]) == 5
    [problem] = report["problems"]
    assert problem["path"].endswith("div-type-value.xml")
    assert (problem["line"], problem["rule"], problem["severity"]) == (62, "attribute-value", "error")
    assert 'type="articel" is not allowed' in problem["message"]


def test_registers_option_points_at_another_folder(tmp_path):
    issue = tmp_path / "hongkou-1845.xml"
    shutil.copy(BROKEN / "control-valid.xml", issue)
    assert CliRunner().invoke(main, ["validate", str(issue)]).exit_code == 1
    result = CliRunner().invoke(main, ["validate", "--registers", str(BROKEN), str(issue)])
    assert result.exit_code == 0, result.output


def test_missing_path_and_empty_folder_are_one_line_errors(tmp_path):
    missing = CliRunner().invoke(main, ["validate", str(tmp_path / "nope")])
    assert missing.exit_code == 2 and "does not exist" in missing.output
    empty = CliRunner().invoke(main, ["validate", str(tmp_path)])
    assert empty.exit_code == 1
    assert empty.output.strip() == f"tei-build: error: {tmp_path}: no .xml files to validate"


def test_pre_commit_hooks_run_the_validate_command():
    import yaml

    hooks = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
    assert {h["id"] for h in hooks} == {"tei-validate", "tei-validate-all"}
    for hook in hooks:
        assert hook["entry"].startswith("tei-build validate")
        args = hook["entry"].split()[2:]
        assert args in ([], ["tei"])
    assert "validate" in main.commands


def test_readme_local_hook_validates_staged_tei(tmp_path):
    """The local hook in the README needs no repository address: its entry, given the
    staged files as pre-commit would, passes a valid file and refuses a broken one."""
    import re

    import yaml

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    block = next(b for b in re.findall(r"```yaml\n(.*?)```", readme, re.S) if "repo: local" in b)
    hook = yaml.safe_load(block)["repos"][0]["hooks"][0]
    assert hook["language"] == "system" and re.match(hook["files"], "tei/hongkou-1845.xml")
    command = hook["entry"].split()
    assert command[0] == "tei-build"
    tei = _edition(tmp_path, "date-value.xml")
    ok = CliRunner().invoke(main, [*command[1:], str(tei / "control-valid.xml")])
    bad = CliRunner().invoke(main, [*command[1:], str(tei / "date-value.xml")])
    assert ok.exit_code == 0, ok.output
    assert bad.exit_code != 0 and "date-value.xml:" in bad.output


def test_example_workflow_turns_the_json_report_into_annotations(tmp_path, monkeypatch):
    import subprocess
    import sys
    import textwrap

    import yaml

    workflow = yaml.safe_load((ROOT / "docs/examples/validate-tei.yml").read_text(encoding="utf-8"))
    script = workflow["jobs"]["validate"]["steps"][-1]["run"]
    assert "tei-build validate --format json tei/" in script
    annotate = textwrap.dedent(script.split("<<'PY'\n", 1)[1].split("PY\n", 1)[0])
    tei = _edition(tmp_path, "pb-order.xml")
    monkeypatch.chdir(tmp_path)
    report = CliRunner().invoke(main, ["validate", "--format", "json", "tei/"])
    (tmp_path / "validation.json").write_text(report.stdout, encoding="utf-8")
    out = subprocess.run([sys.executable, "-c", annotate], capture_output=True, text=True,
                         check=True, cwd=tmp_path).stdout
    assert out.startswith("::error file=tei/pb-order.xml,line=86,col=7,title=pb-order::<pb n=\"4\">")
    assert tei.is_dir()
