"""benchmarks/alternate.py: two codes' rebuilds in turn, each on its own copy of the edition."""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from benchmarks.alternate import alternate, code_folder
from benchmarks.run import TEI_BUILD

REPO = Path(__file__).resolve().parent.parent


def test_each_code_rebuilds_its_own_copy_after_each_edit_in_turn(tmp_path):
    work = tmp_path / "work"
    (work / "tei").mkdir(parents=True)
    for path in (REPO / "tei").glob("*.xml"):
        shutil.copy(path, work / "tei" / path.name)
    subprocess.run([*TEI_BUILD, "build", "--tei", "tei", "--out", "editions", "-q"], cwd=work,
                   check=True)
    said = []
    times = alternate({"A": REPO / "src", "B": REPO / "src"}, work, rounds=1, kind="text",
                      report=said.append)
    assert [line.split(":")[0] for line in said] == ["first A", "first B", "counted B",
                                                     "counted A"]
    assert {label: len(runs) for label, runs in times.items()} == {"A": 1, "B": 1}
    assert all(wall > 0 and cpu > 0 for runs in times.values() for wall, cpu in runs)
    # an edit before each build, four in all: each copy shows those made before its last
    text = (work / "tei" / "hongkou-1845.xml").read_text(encoding="utf-8")
    assert all(f"（本段经编者校订{n or ''}）" in text for n in range(4))

    def page(copy):
        return (work / copy / "html" / "issues" / "hongkou-1845.html").read_text(encoding="utf-8")

    assert "（本段经编者校订3）" in page("editions-A")
    assert "（本段经编者校订2）" in page("editions-B")
    assert "校订3" not in page("editions-B")


def test_a_code_is_a_folder_or_a_revision(tmp_path):
    assert code_folder(str(REPO), tmp_path / "x") == REPO / "src"
    exported = code_folder("HEAD", tmp_path / "head")
    assert (exported / "teibuild" / "cli.py").is_file()
    assert (tmp_path / "head" / "xslt").is_dir() and (tmp_path / "head" / "schemas").is_dir()
    found = subprocess.run([sys.executable, "-c", "import teibuild.cli; print(teibuild.__file__)"],
                           env={"PYTHONPATH": str(exported)}, capture_output=True, text=True)
    assert str(exported) in found.stdout
    with pytest.raises(SystemExit, match="nosuchrev: neither a folder"):
        code_folder("nosuchrev", tmp_path / "none")
