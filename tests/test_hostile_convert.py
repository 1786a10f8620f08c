"""Broken and hostile sources: `tei-build convert` answers each with one line naming
the file (and line), exit ≠ 0, no traceback, and writes nothing."""

from __future__ import annotations

import errno

import pytest

from hostile.harness import EDITION, SAMPLE, assert_refused, run, snapshot
from teibuild.convert.decode import MAX_LINE_CHARS, MAX_SOURCE_BYTES


def convert(tmp_path, source, *extra):
    out = tmp_path / "tei"
    return run("convert", source, "--out", out, "--edition", EDITION, "-q", *extra), out


def refused(tmp_path, data: bytes, line: int | None, *words: str, extra=(), name="source.txt"):
    source = tmp_path / name
    source.write_bytes(data)
    outcome, out = convert(tmp_path, source, *extra)
    assert_refused(outcome, source, line, *words)
    assert not out.exists(), "a refused source left files behind"
    return outcome


SAMPLE_BYTES = SAMPLE.read_bytes()
MASTHEAD_LINE = next(n for n, line in enumerate(SAMPLE_BYTES.split(b"\n"), 1)
                     if "2022年3月25日".encode() in line)


def test_empty_file(tmp_path):
    refused(tmp_path, b"", 1, "empty")


def test_whitespace_only_file(tmp_path):
    refused(tmp_path, b"\n \n\t\n", 1, "empty")


def test_binary_file(tmp_path):
    png = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 8
    refused(tmp_path, png, 3, "binary")  # the line of the first NUL byte


def test_binary_file_without_nul_bytes(tmp_path):
    noise = bytes((i * 7919 + 13) % 255 + 1 for i in range(6000))
    assert b"\x00" not in noise
    refused(tmp_path, noise, 1, "not valid UTF-8")


def test_truncated_utf8(tmp_path):
    data = SAMPLE_BYTES[:2000] + "虹".encode()[:2]
    line = SAMPLE_BYTES[:2000].count(b"\n") + 1
    refused(tmp_path, data, line, "UTF-8")


def test_wrong_declared_encoding(tmp_path):
    """--encoding big5 on UTF-8 text: refused at the first impossible byte, not mojibake."""
    refused(tmp_path, SAMPLE_BYTES, 1, "not valid big5", extra=("--encoding", "big5"))


def test_unknown_declared_encoding(tmp_path):
    refused(tmp_path, SAMPLE_BYTES, None, "unknown encoding", extra=("--encoding", "klingon"))


def test_utf16_source(tmp_path):
    refused(tmp_path, SAMPLE.read_text(encoding="utf-8").encode("utf-16"), 1, "UTF-16")


def test_nul_byte_in_text(tmp_path):
    lines = SAMPLE_BYTES.split(b"\n")
    lines[40] = lines[40][:6] + b"\x00" + lines[40][6:]
    refused(tmp_path, b"\n".join(lines), 41, "NUL")


@pytest.mark.parametrize("char", ["\x01", "\x08", "\x0b", "\x1b", "\x7f", "\ufffe", "\uffff"])
def test_control_characters_illegal_in_xml(tmp_path, char):
    lines = SAMPLE.read_text(encoding="utf-8").split("\n")
    lines[40] = lines[40][:3] + char + lines[40][3:]
    refused(tmp_path, "\n".join(lines).encode("utf-8"), 41, f"U+{ord(char):04X}")


def test_lone_surrogate_bytes(tmp_path):
    """CESU/WTF-8 surrogates are not UTF-8 and cannot be XML characters."""
    lines = SAMPLE_BYTES.split(b"\n")
    lines[10] += b"\xed\xa0\x80"
    refused(tmp_path, b"\n".join(lines), 11, "UTF-8")


def test_source_of_50_megabytes_is_refused_at_once(tmp_path):
    """One source is one issue; 50 MB would be minutes of layout analysis in growing memory,
    so it is refused with the limit before any of it is analysed."""
    big = tmp_path / "archive.txt"
    with big.open("wb") as fh:
        while fh.tell() < 50 * 1024 * 1024:
            fh.write(SAMPLE_BYTES * 64)
    outcome, out = convert(tmp_path, big)
    assert_refused(outcome, big, None, f"limit of {MAX_SOURCE_BYTES // 2**20} MB")
    assert not out.exists()


def test_source_just_under_the_limit_is_not_refused_for_size():
    from teibuild.convert.decode import decode_bytes
    text, _ = decode_bytes(b"x" * MAX_SOURCE_BYTES, "edge.txt")
    assert len(text) == MAX_SOURCE_BYTES


def test_line_of_one_megabyte(tmp_path):
    lines = SAMPLE_BYTES.split(b"\n")
    lines.insert(30, "字".encode() * (1024 * 1024 // 3))
    refused(tmp_path, b"\n".join(lines), 31, f"limit {MAX_LINE_CHARS:,}")


def test_one_megabyte_without_any_line_break(tmp_path):
    refused(tmp_path, "第1845期 ".encode() + b"a" * 1024 * 1024, 1, "characters long")


def test_impossible_masthead_date(tmp_path):
    data = SAMPLE_BYTES.replace("2022年3月25日".encode(), "2022年2月30日".encode())
    refused(tmp_path, data, MASTHEAD_LINE, "2022年2月30日", "does not exist")


def test_impossible_masthead_date_without_a_weekday(tmp_path):
    """Found auditing a paper the sample never showed: a date set without its weekday, on
    the masthead's line or a line of its own, was not read, and so not checked."""
    for masthead, line in (("滨江日报 2021年2月30日 第5012期 本期8版\n", 1),
                           ("滨江日报\n2021年2月30日\n第5012期\n", 2)):
        data = (masthead + "全县规划出台\n本报讯（记者 蒋小燕）根据规划，全县将建成高标准农田。\n").encode()
        refused(tmp_path, data, line, "2021年2月30日", "does not exist")


def test_masthead_weekday_disagrees_with_date(tmp_path):
    data = SAMPLE_BYTES.replace("星期五".encode(), "星期二".encode())
    refused(tmp_path, data, MASTHEAD_LINE, "星期二", "星期五")


def test_unbalanced_quotes_are_text_not_structure(tmp_path):
    """Quotes are the printer's, not markup: an unbalanced one is kept as it is, the
    paragraphs around it are not merged or cut, and the TEI is well-formed. (Chinese
    typesetting opens a quote on each paragraph of a long quotation and closes it once,
    so refusing unbalanced quotes would refuse real newspapers.)"""
    from teibuild.xmlsafe import parse_file

    text = SAMPLE.read_text(encoding="utf-8")
    marks = ["“未完", "「半", "\"odd", "'single", "《书名", "（括"]
    lines = text.split("\n")
    for k, mark in enumerate(marks):  # inside the line: how a line ends decides paragraphs
        n = 60 + 4 * k
        lines[n] = lines[n][:2] + mark + lines[n][2:]
    source = tmp_path / "quotes.txt"
    source.write_text("\n".join(lines), encoding="utf-8")
    plain, plain_out = convert(tmp_path / "plain", SAMPLE)
    outcome, out = convert(tmp_path, source)
    assert outcome.code == 0 and not outcome.error_lines, outcome
    tei = parse_file(out / "hongkou-1845.xml")
    body = "".join(tei.getroot().itertext())
    for mark in marks:
        assert mark in body
    ns = {"t": "http://www.tei-c.org/ns/1.0"}
    reference = parse_file(plain_out / "hongkou-1845.xml")
    assert len(tei.xpath("//t:p", namespaces=ns)) == len(reference.xpath("//t:p", namespaces=ns))


MALFORMED_TOML = {
    "unclosed string": ('[edition]\nslug = "hongkou\ntitle = "x"\n', 2),
    "duplicate key": ('[edition]\nslug = "a"\nslug = "b"\n', 3),
    "not a table": ('edition = [\n', 1),
}


@pytest.mark.parametrize("case", sorted(MALFORMED_TOML))
def test_malformed_edition_toml(tmp_path, case):
    text, line = MALFORMED_TOML[case]
    edition = tmp_path / "edition.toml"
    edition.write_text(text, encoding="utf-8")
    out = tmp_path / "tei"
    outcome = run("convert", SAMPLE, "--out", out, "--edition", edition, "-q")
    assert_refused(outcome, edition, line, "TOML")
    assert not out.exists()


def test_edition_toml_that_is_not_utf8(tmp_path):
    edition = tmp_path / "edition.toml"
    edition.write_bytes('[edition]\nslug = "hongkou"\ntitle = "虹口报"\n'.encode("gb18030"))
    outcome = run("convert", SAMPLE, "--out", tmp_path / "tei", "--edition", edition, "-q")
    assert_refused(outcome, edition, None, "UTF-8")


@pytest.mark.parametrize("key,value,words", [
    ("slug", "../../etc", ("slug",)),                  # would be a path
    ("opencc", "t2s", ("opencc", "'t2s'")),            # converts nothing to traditional
    ("opencc", "nosuch.json", ("opencc", "'nosuch.json'")),   # a config OpenCC cannot load
    ("home", "上海市 虹口", ("home", "'虹口'")),          # 虹口 is no administrative unit
])
def test_edition_setting_that_cannot_be_used(tmp_path, key, value, words):
    settings = {"slug": "hongkou", "title": "x", key: value}
    edition = tmp_path / "my-paper.toml"
    edition.write_text("[edition]\n" + "".join(f'{k} = "{v}"\n' for k, v in settings.items()),
                       encoding="utf-8")
    outcome = run("convert", SAMPLE, "--out", tmp_path / "tei", "--edition", edition, "-q")
    assert_refused(outcome, edition, None, *words)
    assert not (tmp_path / "tei").exists()


@pytest.mark.parametrize("text,line,words", [
    ('[lines]\n12 = "head"\n13 = \n', 3, ("TOML",)),
    ('[lines]\n12 = "headline"\n', None, ("role",)),
    ('[issue]\ndate = "2022-02-30"\n', None, ("2022-02-30",)),
    ('[paragraphs]\nsplit_before = "29"\n', None, ("split_before",)),
    ('[bogus]\nx = 1\n', None, ("unknown table",)),
    # a misspelt table is named with its line and the table it may have meant
    ('[paragraphs]\nsplit_before = [29]\n[line]\n12 = "head"\n', 3, ("[line]", "did you mean 'lines'")),
])
def test_malformed_override_file(tmp_path, text, line, words):
    source = tmp_path / "hongkou-1845.txt"
    source.write_bytes(SAMPLE_BYTES)
    override = tmp_path / "hongkou-1845.toml"
    override.write_text(text, encoding="utf-8")
    outcome, out = convert(tmp_path, source)
    assert_refused(outcome, override, line, *words)
    assert not out.exists()


def test_refused_source_among_good_ones_writes_nothing(tmp_path):
    bad = tmp_path / "bad.txt"
    bad.write_bytes(b"\xff\xfe\xfd")
    out = tmp_path / "tei"
    outcome = run("convert", SAMPLE, bad, "--out", out, "--edition", EDITION, "-q")
    assert_refused(outcome, bad, 1)
    assert not out.exists()


# --- faults while writing: the TEI already there survives whole --------------------------

@pytest.fixture()
def converted(tmp_path):
    out = tmp_path / "tei"
    outcome = run("convert", SAMPLE, "--out", out, "--edition", EDITION, "-q")
    assert outcome.code == 0, outcome
    return out


def _edit_source(tmp_path) -> object:
    source = tmp_path / "src" / "hongkou-1845.txt"
    source.parent.mkdir()
    source.write_bytes(SAMPLE_BYTES.replace("咬定总目标".encode(), "咬定总的目标".encode()))
    return source


@pytest.mark.parametrize("fault", [OSError(errno.ENOSPC, "No space left on device"),
                                   KeyboardInterrupt(), RuntimeError("bug halfway")],
                         ids=["disk-full", "ctrl-c", "exception"])
def test_convert_fault_while_writing_leaves_previous_tei_intact(tmp_path, converted, monkeypatch,
                                                                fault):
    before = snapshot(converted)
    source = _edit_source(tmp_path)
    from pathlib import Path

    real = Path.write_bytes

    def failing(self, data):
        if self.suffix == ".xml":
            real(self, data[: len(data) // 2])   # half a file reaches the disk, then the fault
            raise fault
        return real(self, data)

    monkeypatch.setattr(Path, "write_bytes", failing)
    import teibuild.fsutil as fsutil
    real_fdopen = fsutil.os.fdopen

    def failing_fdopen(fd, *args, **kwargs):
        fh = real_fdopen(fd, *args, **kwargs)
        original = fh.write

        def write(data):
            original(data[: len(data) // 2])
            raise fault
        fh.write = write
        return fh

    monkeypatch.setattr(fsutil.os, "fdopen", failing_fdopen)
    outcome = run("convert", source, "--out", converted, "--edition", EDITION, "-q")
    assert outcome.code != 0
    assert "Traceback" not in outcome.stderr and len(outcome.error_lines) == 1, outcome
    assert snapshot(converted) == before


def test_issue_number_that_would_be_a_path_is_refused(tmp_path):
    source = tmp_path / "hongkou-1845.txt"
    source.write_bytes(SAMPLE_BYTES)
    (tmp_path / "hongkou-1845.toml").write_text('[issue]\nnumber = "../../x"\n', encoding="utf-8")
    outcome, out = convert(tmp_path, source)
    assert_refused(outcome, source, None, "digits")
    assert not out.exists() and not (tmp_path.parent / "x.xml").exists()


def test_a_real_process_prints_one_line_and_no_traceback(tmp_path):
    """The installed entry point, not only the in-process runner."""
    import subprocess
    import sys

    bad = tmp_path / "bad.txt"
    bad.write_bytes(SAMPLE_BYTES.replace("星期五".encode(), "星期一".encode()))
    run_ = subprocess.run([sys.executable, "-c", "from teibuild.cli import main; main()",
                           "convert", str(bad), "--out", str(tmp_path / "tei"), "-q"],
                          capture_output=True, text=True, timeout=120)
    assert run_.returncode == 1 and not run_.stdout
    assert run_.stderr.count("\n") == 1 and "Traceback" not in run_.stderr
    assert run_.stderr.startswith(f"tei-build: error: {bad}:{MASTHEAD_LINE}: ")
    assert not (tmp_path / "tei").exists()


def test_endless_source_is_read_no_further_than_the_limit(tmp_path):
    """/dev/zero (or a pipe that never ends) is refused with bounded memory."""
    outcome, out = convert(tmp_path, "/dev/zero")
    assert_refused(outcome, "/dev/zero", None, "limit")
    assert not out.exists()


@pytest.mark.parametrize("args,words", [
    (("convert", "no-such-source.txt"), ("no-such-source.txt", "does not exist")),
    (("convert", "--bogus", "x.txt"), ("--bogus",)),
    (("build", "--jobs", "0"), ("--jobs",)),
    (("cite", "hongkou-1845", "--style", "harvard"), ("harvard",)),
], ids=["missing-file", "unknown-option", "bad-number", "bad-choice"])
def test_usage_mistakes_are_one_line_too(tmp_path, args, words):
    outcome = run(*args, cwd=tmp_path)
    assert outcome.code == 2 and len(outcome.error_lines) == 1, outcome
    assert outcome.error_lines[0].startswith("tei-build: error: ")
    assert all(w in outcome.error_lines[0] for w in words), outcome.error_lines
    assert not any(tmp_path.iterdir())


def test_masthead_cut_in_two_gives_unique_identifiers(tmp_path):
    """Found by fuzzing: a stray line inside the masthead made two masthead divs with the
    same xml:id, a TEI file that no later stage could read."""
    from teibuild.xmlsafe import parse_file

    lines = SAMPLE_BYTES.split(b"\n")
    lines.insert(MASTHEAD_LINE, " 区疫情防控工作领导小组会议".encode())
    source = tmp_path / "stray.txt"
    source.write_bytes(b"\n".join(lines))
    outcome, out = convert(tmp_path, source)
    assert outcome.code == 0, outcome
    tree = parse_file(out / "hongkou-1845.xml")   # ids unique, or this refuses
    ids = tree.xpath("//*[local-name()='div'][@type='masthead']/@xml:id")
    assert ids == ["hongkou-1845-masthead", "hongkou-1845-masthead-2"]
