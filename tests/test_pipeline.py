"""`tei-build convert` end to end: files written, edits protected, errors as one line."""

from __future__ import annotations

import shutil
from pathlib import Path

from click.testing import CliRunner

from teibuild.cli import main
from tests.conftest import ROOT, SAMPLE


def run(*args):
    result = CliRunner().invoke(main, list(map(str, args)), catch_exceptions=False)
    return result.exit_code, result.output, result.stderr if hasattr(result, "stderr") else ""


def test_convert_writes_tei_and_is_byte_identical_on_rerun(tmp_path):
    out = tmp_path / "tei"
    code, output, _ = run("convert", SAMPLE, "--out", out, "--edition", ROOT / "edition.toml")
    assert code == 0, output
    first = (out / "hongkou-1845.xml").read_bytes()
    assert first.startswith(b'<?xml version="1.0" encoding="UTF-8"?>\n<?tei-build generated-sha256')
    code, output, _ = run("convert", SAMPLE, "--out", out, "--edition", ROOT / "edition.toml")
    assert code == 0, output
    assert (out / "hongkou-1845.xml").read_bytes() == first


def test_edited_tei_is_not_overwritten_without_force(tmp_path):
    out = tmp_path / "tei"
    run("convert", SAMPLE, "--out", out, "--edition", ROOT / "edition.toml")
    target = out / "hongkou-1845.xml"
    edited = target.read_bytes().replace("咬定总目标".encode(), "咬定总目标（编者改）".encode())
    target.write_bytes(edited)
    code, output, _ = run("convert", SAMPLE, "--out", out, "--edition", ROOT / "edition.toml")
    assert code == 1
    assert "was edited after it was generated" in output and "--force" in output
    assert "Traceback" not in output
    assert target.read_bytes() == edited
    code, output, _ = run("convert", SAMPLE, "--out", out, "--edition", ROOT / "edition.toml",
                          "--force")
    assert code == 0 and target.read_bytes() != edited


def test_bad_source_is_one_line_and_writes_nothing(tmp_path):
    bad = tmp_path / "bad.txt"
    bad.write_bytes(b"\x00\x01binary")
    out = tmp_path / "tei"
    code, output, _ = run("convert", SAMPLE, bad, "--out", out)
    assert code == 1
    lines = [line for line in output.splitlines() if line.strip()]
    assert len(lines) == 1 and f"{bad}:1:" in lines[0] and "binary" in lines[0]
    assert not out.exists() or not any(out.iterdir())


def test_masthead_weekday_mismatch_is_reported_with_line(tmp_path):
    source = tmp_path / "wrong.txt"
    source.write_text("第3期\n2022年3月25日 星期一\n本报讯 正文。\n", encoding="utf-8")
    code, output, _ = run("convert", source, "--out", tmp_path / "tei")
    assert code == 1
    assert f"{source}:2:" in output and "星期五" in output


def test_override_file_beside_source_is_applied(tmp_path):
    source = tmp_path / "hongkou-1845-p1.txt"
    shutil.copy(SAMPLE, source)
    (tmp_path / "hongkou-1845-p1.toml").write_text(
        "[headings]\n258 = 166\n", encoding="utf-8")
    out = tmp_path / "tei"
    code, output, _ = run("convert", source, "--out", out, "--edition", ROOT / "edition.toml")
    assert code == 0, output
    xml = (out / "hongkou-1845.xml").read_text(encoding="utf-8")
    a03 = xml[xml.index('xml:id="hongkou-1845-a03"'):xml.index('xml:id="hongkou-1845-a04"')]
    assert "确保居民有需求我们有回应" in a03
    assert "编者以 hongkou-1845-p1.toml 修正了自动判断" in xml


def test_malformed_override_file_is_one_line(tmp_path):
    source = tmp_path / "x.txt"
    shutil.copy(SAMPLE, source)
    (tmp_path / "x.toml").write_text("[lines]\n12 = \n", encoding="utf-8")
    code, output, _ = run("convert", source, "--out", tmp_path / "tei")
    assert code == 1 and f"{tmp_path / 'x.toml'}:2" in output and "malformed TOML" in output


def test_help_works_for_convert():
    code, output, _ = run("convert", "--help")
    assert code == 0 and "--force" in output and "--edition" in output


def test_committed_tei_is_what_convert_writes(tmp_path):
    """tei/ in the repository is exactly a fresh conversion of seeds/ (and so is
    regenerated, and reviewed, whenever the converter or the tagger changes)."""
    out = tmp_path / "tei"
    sources = sorted((ROOT / "seeds").glob("*.txt"))
    code, output, _ = run("convert", *sources, "--out", out, "--edition", ROOT / "edition.toml")
    assert code == 0, output
    written = sorted(p.name for p in out.glob("*.xml"))
    committed = sorted(p.name for p in (ROOT / "tei").glob("*.xml"))
    assert written == committed
    for name in written:
        assert (out / name).read_bytes() == (ROOT / "tei" / name).read_bytes(), name


def _two_issues_converted(tmp_path, edition: Path, jobs: str, name: str) -> dict[str, bytes]:
    """The sample and a second issue (so that two workers tag) converted with `edition`:
    {file name: bytes}."""
    later = tmp_path / "hongkou-1846-p1.txt"
    later.write_text(SAMPLE.read_text(encoding="utf-8").replace("第1845期", "第1846期"),
                     encoding="utf-8")
    out = tmp_path / f"tei-{name}"
    code, output, _ = run("convert", SAMPLE, later, "--out", out, "--edition", edition,
                          "--jobs", jobs)
    assert code == 0, output
    return {p.name: p.read_bytes() for p in sorted(out.glob("*.xml"))}


def test_new_register_names_are_written_in_the_editions_own_traditional_script(tmp_path):
    """衛 (Taiwan) or 衞 (Hong Kong): the register says what the edition's zh-Hant pages say,
    with one job or several."""
    from lxml import etree

    from teibuild.render.hant import converter

    edition = tmp_path / "edition.toml"
    edition.write_text((ROOT / "edition.toml").read_text(encoding="utf-8")
                       .replace('opencc = "s2tw"', 'opencc = "s2hk"'), encoding="utf-8")
    made = {jobs: _two_issues_converted(tmp_path, edition, jobs, jobs) for jobs in ("1", "2")}
    assert made["1"] == made["2"]
    root = etree.fromstring(made["1"]["orgs.xml"])
    pairs = [(org.xpath("string(*[@xml:lang='zh-Hans'])"), org.xpath("string(*[@xml:lang='zh-Hant'])"))
             for org in root.iter("{http://www.tei-c.org/ns/1.0}org")]
    assert all(hant == converter("s2hk").convert(hans) for hans, hant in pairs)
    assert ("北外滩街道社区卫生服务中心", "北外灘街道社區衞生服務中心") in pairs


def test_an_editions_home_names_its_own_bodies_in_full_with_one_job_or_several(tmp_path):
    from lxml import etree

    committed = (ROOT / "edition.toml").read_text(encoding="utf-8")
    assert '\nhome = "上海市 虹口区"' in committed
    homeless = tmp_path / "homeless.toml"
    homeless.write_text(committed.replace('\nhome = "上海市 虹口区"', "\n#"), encoding="utf-8")
    made = {name: _two_issues_converted(tmp_path, edition, jobs, name) for name, edition, jobs in
            (("1", ROOT / "edition.toml", "1"), ("2", ROOT / "edition.toml", "2"),
             ("none", homeless, "1"))}
    assert made["1"] == made["2"]

    def leading(files):
        root = etree.fromstring(files["orgs.xml"])
        return {org.get("{http://www.w3.org/XML/1998/namespace}id"):
                org.xpath("*[@xml:lang='zh-Hans']/text()") for org in root.iter("{*}org")}

    names = leading(made["1"])
    first = {v[0] for v in names.values()}
    assert {"虹口区委组织部", "虹口区疫情防控工作领导小组", "上海市委", "上海市政府"} <= first
    assert not {"区委组织部", "市委", "区政府"} & first
    assert ["虹口区委组织部", "区委组织部"] in names.values()
    assert {"区委组织部", "市委", "区政府"} <= {v[0] for v in leading(made["none"]).values()}
    # the issue's text is as printed: 区委组织部, pointing to the entry named in full
    issue = made["1"]["hongkou-1845.xml"].decode()
    assert ">区委组织部</orgName>" in issue and ">虹口区委组织部<" not in issue


def test_convert_drops_the_entries_it_made_that_no_issue_names_any_more(tmp_path):
    """An entry the tagger made once (a guess it no longer makes, 拉齐奥 as a person) is
    taken out when convert runs again; the registers are then those of a first run."""
    from teibuild.tag import Registers

    out = tmp_path / "tei"
    run("convert", SAMPLE, "--out", out, "--edition", ROOT / "edition.toml")
    first = {name: (out / name).read_bytes() for name in ("persons.xml", "places.xml", "orgs.xml")}
    for jobs in ("1", "2"):
        regs = Registers.load(out)
        ghost = regs["persName"].add("拉齐奥", certain=False)
        regs["persName"].note_mention(ghost, "hongkou-1845", "2022-03-25")
        regs.save(out)
        assert "拉齐奥" in (out / "persons.xml").read_text(encoding="utf-8")
        code, output, _ = run("convert", SAMPLE, "--out", out, "--edition", ROOT / "edition.toml",
                              "--jobs", jobs)
        assert code == 0, output
        assert {name: (out / name).read_bytes() for name in first} == first


def test_convert_remembers_what_each_issue_it_writes_points_to(tmp_path, monkeypatch):
    """So that converting one issue into a folder of thousands parses none of the others
    (tag.pointers): what it remembers of an issue it wrote is what parsing it gives."""
    import json

    import teibuild.tag.pointers as pointers
    from teibuild.fsutil import sha256
    from teibuild.tag.pointers import issue_pointers

    def parse(*_args):
        raise AssertionError("an issue convert has just written was parsed again")

    for jobs in ("1", "2"):
        cache = tmp_path / f"cache{jobs}"
        monkeypatch.setenv("TEI_BUILD_CACHE_DIR", str(cache))
        out = tmp_path / f"tei{jobs}"
        with monkeypatch.context() as patched:
            patched.setattr(pointers, "issue_pointers", parse)
            code, output, _ = run("convert", SAMPLE, "--out", out, "--edition",
                                  ROOT / "edition.toml", "--jobs", jobs)
        assert code == 0, output
        (saved,) = cache.glob("pointers-*.json")
        remembered = json.loads(saved.read_bytes())
        # (no stamp of a file written a moment ago: it could change again unseen)
        assert remembered.pop("stamps") == {}
        data = (out / "hongkou-1845.xml").read_bytes()
        assert list(remembered) == [sha256(data)]
        assert tuple(remembered[sha256(data)]) == issue_pointers(data, "x")
        assert "persons.xml#" in remembered[sha256(data)][2]


def test_an_unreadable_issue_in_the_folder_is_named_in_a_warning(tmp_path):
    """The sources convert (their TEI is written), but the registers cannot be brought up to
    date with an issue that cannot be read: one line says which, and where."""
    out = tmp_path / "tei"
    out.mkdir()
    (out / "hongkou-1799.xml").write_text("<TEI>\n<unclosed>", encoding="utf-8")
    result = CliRunner().invoke(main, ["convert", str(SAMPLE), "--out", str(out), "--edition",
                                       str(ROOT / "edition.toml"), "-q"])
    assert result.exit_code == 0, result.output
    assert (out / "hongkou-1845.xml").is_file()
    warnings = [line for line in result.output.splitlines() if "warning" in line]
    assert len(warnings) == 1 and "hongkou-1799.xml:2" in warnings[0]
    assert "registers were not brought up to date" in warnings[0]
    assert "Traceback" not in result.output
