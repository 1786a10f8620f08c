"""`tei-build build` on the command line: what it says, and a progress bar only on a terminal."""

from __future__ import annotations

import io

from hostile.harness import EDITION, on_terminal, run, tei_folder
from teibuild.cli import ProgressBars


def build(tei, out, *options):
    return run("build", "--tei", tei, "--out", out, "--edition", EDITION, "-j", "1", *options)


def test_quiet_build_prints_nothing_and_a_rebuild_says_nothing_changed(tmp_path):
    tei, out = tei_folder(tmp_path), tmp_path / "editions"
    quiet = build(tei, out, "-q")
    assert (quiet.code, quiet.stdout, quiet.stderr) == (0, "", "")
    again = build(tei, out)
    assert again.code == 0 and again.stderr == ""   # stderr is no terminal here: no bar
    assert again.stdout.splitlines()[-1] == "nothing changed: no file written"
    issue = tei / "hongkou-1845.xml"
    issue.write_bytes(issue.read_bytes().replace("晚，区疫情".encode(), "晚，新区疫情".encode()))
    edited = build(tei, out)
    assert edited.stderr == ""
    assert edited.stdout.splitlines()[-1].startswith("rendered 1 issue(s), ")
    assert "the search index (" in edited.stdout


def test_a_first_build_counts_every_file_it_writes(tmp_path):
    tei, out = tei_folder(tmp_path), tmp_path / "editions"
    first = build(tei, out)
    made = [p for p in out.rglob("*") if p.is_file() and ".tei-build" not in p.parts]
    assert f"; {len(made)} file(s) written, 0 removed" in first.stdout.splitlines()[-1]


def test_a_build_on_a_terminal_draws_its_bars(tmp_path):
    """Reading counts the TEI files; rendering, whose steps are weighted by their time,
    goes by per cent to 100 (through the search index's shard), and the summary follows."""
    tei, out = tei_folder(tmp_path), tmp_path / "editions"
    code, text = on_terminal("build", "--tei", tei, "--out", out, "--edition", EDITION,
                             "-j", "1")
    assert code == 0
    reading, _, rendering = text.partition("rendering")
    assert "reading" in reading and "1/1" in reading
    assert "search index n001800" in rendering and "100%" in rendering
    assert "rendered 1 issue(s)" in rendering


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_bars_follow_each_stage():
    screen = Terminal()
    bars = ProgressBars(screen)
    for n in range(1, 4):
        bars(n, 3, f"read hongkou-{n}.xml")
    for n, what in enumerate(["hongkou-1", "hongkou-2", "persons/guo-fang", "search index"], 1):
        bars(n, 4, what)
    bars.close()
    text = screen.getvalue()
    assert "reading" in text and "3/3" in text
    assert "rendering" in text and "4/4" in text and "search index" in text


def test_a_bar_of_weighted_steps_shows_a_percentage_and_reading_still_counts():
    """A build's steps are weighted by their time (incremental.ISSUE_STEPS): its rendering
    bar shows how far it is in per cent, not a count of steps that are not things."""
    screen = Terminal()
    bars = ProgressBars(screen, counted=False)
    for n in range(1, 4):
        bars(n, 3, f"read hongkou-{n}.xml")
    for done, what in [(20, "hongkou-1"), (40, "hongkou-2"), (41, "persons/guo-fang"),
                       (80, "search index n001800")]:
        bars(done, 80, what)
    bars.close()
    reading, _, rendering = screen.getvalue().partition("rendering")
    assert "3/3" in reading
    assert "100%" in rendering and "80/80" not in rendering and "/80" not in rendering


def test_a_bar_whose_total_grows_is_lengthened_and_one_counted_again_is_new():
    """A build learns how many shards of the search index it makes only when it comes to
    them: the rendering bar grows; a stage counted again from 1 gets a bar of its own."""
    screen = Terminal()
    bars = ProgressBars(screen)
    bars(1, 3, "hongkou-1")
    bars(2, 3, "persons/guo-fang")
    rendering = bars.bar
    bars(3, 5, "search index n001800")
    bars(5, 5, "search index")
    assert screen.getvalue().count("rendering") >= 1 and "5/5" in screen.getvalue()
    assert bars.bar.length == 5 and bars.bar.pos == 5
    assert bars.bar is rendering   # the same bar, lengthened
    first = bars.bar
    bars(1, 2, "read hongkou-1.xml")
    bars(2, 2, "read hongkou-2.xml")
    bars(1, 2, "read hongkou-1.xml")   # planned again: read again from the first
    assert bars.bar is not first and bars.bar.pos == 1
    bars.close()


def test_search_index_draws_an_indexing_bar_on_a_terminal():
    screen = Terminal()
    bars = ProgressBars(screen, label="indexing")
    for n, shard in enumerate(["n001800", "n001900"], 1):
        bars(n, 2, shard)
    bars.close()
    assert "indexing" in screen.getvalue() and "2/2" in screen.getvalue()


def test_no_bar_drawn_where_there_is_no_terminal():
    screen = io.StringIO()
    bars = ProgressBars(screen)
    for n in range(1, 4):
        bars(n, 3, f"hongkou-{n}")
    bars.close()
    assert "1/3" not in screen.getvalue() and "hongkou" not in screen.getvalue()


def test_no_search_builds_the_pages_alone_and_says_what_makes_the_index(tmp_path):
    """`--no-search`: the pages, no index, and a line naming the command that makes it; a
    build without it makes the index; `--no-search` again leaves that index as it was."""
    tei, out = tei_folder(tmp_path), tmp_path / "editions"
    first = build(tei, out, "--no-search")
    assert first.code == 0 and first.stderr == ""
    assert (out / "html" / "issues" / "hongkou-1845.html").is_file()
    assert not (out / "html" / "pagefind").exists()
    assert "the search index (" not in first.stdout
    assert first.stdout.splitlines()[-1] == (
        "no search index yet (--no-search): the next build without --no-search, or "
        f"`tei-build search-index --out {out}`, makes it")
    indexed = build(tei, out)
    assert indexed.stdout.splitlines()[-1].startswith("rendered 0 issue(s), 0 register page(s), "
                                                      "the search index (")
    index = sorted((p.relative_to(out), p.stat().st_mtime_ns)
                   for p in (out / "html" / "pagefind").rglob("*"))
    issue = tei / "hongkou-1845.xml"
    issue.write_bytes(issue.read_bytes().replace("晚，区疫情".encode(), "晚，新区疫情".encode()))
    put_off = build(tei, out, "--no-search")
    assert put_off.stdout.splitlines()[-2].startswith("rendered 1 issue(s), ")
    assert put_off.stdout.splitlines()[-1].startswith("the search index was left as it was")
    assert index == sorted((p.relative_to(out), p.stat().st_mtime_ns)
                           for p in (out / "html" / "pagefind").rglob("*"))
    assert "the search index (" in build(tei, out).stdout   # brought up to date


def test_no_search_on_a_broken_issue_says_where_in_one_line_and_leaves_the_edition(tmp_path):
    """Bad input under `--no-search`: one line naming the file and line, exit 1, nothing
    written; the index and the pages of the build before are as they were."""
    from hostile.harness import snapshot

    tei, out = tei_folder(tmp_path), tmp_path / "editions"
    assert build(tei, out).code == 0
    before = snapshot(out)
    issue = tei / "hongkou-1845.xml"
    issue.write_bytes(issue.read_bytes().replace(b"</body>", b"</bdy>", 1))
    broken = build(tei, out, "--no-search")
    assert broken.code == 1 and broken.stdout == ""
    assert len(broken.stderr.splitlines()) == 1 and "hongkou-1845.xml:" in broken.stderr
    assert "Traceback" not in broken.stderr
    assert snapshot(out) == before
