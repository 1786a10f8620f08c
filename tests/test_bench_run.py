"""benchmarks/run.py: the figures it adds beside the runs (pages, jing, per-issue costs)."""

import shutil
from pathlib import Path

import pytest
from lxml import etree

from benchmarks.run import all_pages, jing_reference, per_issue_apart, search_split

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


def test_a_shards_indexing_is_split_between_pagefind_and_tei_build(tmp_path):
    split = search_split(str(REPO / "editions"), str(REPO / "edition.toml"))
    assert split["shard"] == "n001800" and split["issues"] == 1
    # Pagefind's CPU is its own process's, reaped: not counted in this process's
    assert split["pagefind_cpu_s"] > 0 and split["tei_build_cpu_s"] > 0
    pagefind, own = split["pagefind_cpu_s"], split["tei_build_cpu_s"]   # (to 0.01 s)
    assert (pagefind - 0.005) / (pagefind + own) <= split["pagefind_share"] <= \
        (pagefind + 0.005) / (pagefind + own - 0.005) + 0.001
    assert search_split(str(tmp_path), str(REPO / "edition.toml")) is None   # nothing built


def test_rendering_is_the_least_slowed_of_three_rounds_each_on_other_issues(tmp_path,
                                                                            monkeypatch):
    """Five issues, a sample of one: three rounds, each rendering an issue of its own (an
    issue rendered twice would find its zh-Hant done), the figure the least of them."""
    import json
    import time

    import benchmarks.run as bench
    import teibuild.render.build as render_build
    from tests.incremental_site import corpus

    tei = corpus(tmp_path)
    shutil.copy(REPO / "edition.toml", tmp_path / "edition.toml")
    real, rendered = render_build._render_issue, []
    # the rounds' machine: slowed, not slowed, a little (then, on two issues, not slowed)
    slowed = iter([0.6, 0.0, 0.3, 0.0, 0.0, 0.0])

    def render(issue, *args):
        rendered.append(issue.id)
        if len(rendered) > 1:   # (the first warms up)
            start, wait = time.process_time(), next(slowed)
            while time.process_time() - start < wait:
                pass
        return real(issue, *args)

    monkeypatch.setattr(render_build, "_render_issue", render)
    costs = bench.per_issue(tei, tmp_path / "edition.toml", sample=1)
    assert len(rendered) == 4 and len(set(rendered)) == 4
    rounds = costs["render_ms_per_page_rounds"]
    assert len(rounds) == 3 and rounds[0] > rounds[2] > rounds[1] + 150
    assert costs["render_ms_per_page"] == rounds[1]
    older = json.loads((REPO / "benchmarks" / "results" / "2026-12-01bc-2000-issues.json")
                       .read_text(encoding="utf-8"))
    assert "the least of" not in bench.markdown(older)   # a run from before the rounds
    assert "the least of 3 rounds on as many samples of issues: " + ", ".join(
        f"{ms} ms" for ms in rounds) in bench.markdown({**older, "per_issue": costs})
    # two issues hold two samples sharing none: two rounds, and the warm-up on the first
    for gone in ("1847", "1848", "1849"):
        (tei / f"hongkou-{gone}.xml").unlink()
    rendered.clear()
    costs = bench.per_issue(tei, tmp_path / "edition.toml", sample=1)
    assert len(costs["render_ms_per_page_rounds"]) == 2
    assert rendered == ["hongkou-1845", "hongkou-1845", "hongkou-1846"]


def test_each_edit_is_timed_three_times_and_the_median_reported(tmp_path, monkeypatch):
    import benchmarks.run as bench

    walls = iter([3.4, 2.1, 2.6])
    made = []

    def edit(tei, round_):
        made.append(round_)
        return "hongkou-1909", f"（校订{round_}）"

    monkeypatch.setattr(bench, "run", lambda label, args, cwd: {"wall_s": next(walls), "cpu_s": 1.0})
    monkeypatch.setattr(bench, "_stamps", lambda folder: {"html/x": (len(made), 0)})
    checks = iter([True, True, False])
    monkeypatch.setattr(bench, "check_edit", lambda *a: {
        "edited_text_on_issue_page": next(checks), "edited_text_in_plain_text": True,
        "issue_files_changed_outside_the_issue_and_neighbours": []})
    record, after = bench.timed_edits("edit", edit, ["build"], tmp_path, {})
    assert made == [0, 1, 2] and record["wall_s"] == 2.6
    assert record["rounds_wall_s"] == [3.4, 2.1, 2.6]
    assert record["every_check_held"] is False   # the third run's text was not on its page
    assert after == {"html/x": (3, 0)}


def test_a_corrected_source_is_converted_again_and_shows_after_the_rebuild(tmp_path, monkeypatch):
    """The scholar's loop on a source: correct its text, convert it again, rebuild."""
    import benchmarks.run as bench
    from benchmarks.generate import generate

    monkeypatch.setattr(bench, "EDIT_ROUNDS", 1)
    generate(4, tmp_path / "seeds")
    shutil.copy(bench.REPO / "edition.toml", tmp_path / "edition.toml")
    sources = sorted(str(p.relative_to(tmp_path)) for p in (tmp_path / "seeds").glob("*.txt"))
    bench.run("convert", ["convert", *sources, "--out", "tei", "-q"], tmp_path)
    build = ["build", "--tei", "tei", "--out", "editions", "-q"]
    bench.run("build", build, tmp_path)
    converted, rebuilt, after = bench.timed_corrections(build, tmp_path, bench._stamps(
        tmp_path / "editions"))
    assert converted["every_check_held"] and converted["words_in_tei"]
    assert rebuilt["every_check_held"] and rebuilt["files_changed"] > 0
    assert rebuilt["edited_issue"] == Path(sources[len(sources) // 2 - 2]).stem
    assert len(converted["rounds_wall_s"]) == len(rebuilt["rounds_wall_s"]) == 1
    # many corrections later, every issue still validates: no masthead was cut
    for round_ in range(1, 8):
        bench.correct_a_source(tmp_path, round_)
    bench.run("convert", ["convert", *sources, "--out", "tei", "-q"], tmp_path)
    validated = bench.run("validate", ["validate", "tei", "-q"], tmp_path, may_fail=True)
    assert validated["exit_status"] == 0
    # a corrected heading: the words in a main heading, on the issue's page and in its text
    bench.run("build", build, tmp_path)
    heading, _ = bench.timed_edits("rebuild after a corrected heading", bench.edit_a_heading,
                                   build, tmp_path, bench._stamps(tmp_path / "editions"))
    assert heading["every_check_held"] and heading["files_changed"] > 0
    from lxml import etree
    tree = etree.parse(str(tmp_path / "tei" / f"{heading['edited_issue']}.xml"))
    heads = ["".join(h.itertext()) for h in tree.iter("{http://www.tei-c.org/ns/1.0}head")
             if h.get("type") == "main"]
    assert any("经编者校订一" in h for h in heads)


def test_a_name_unlinked_keeps_its_text_and_loses_its_link(tmp_path):
    from benchmarks.run import unlink_a_name

    tei = tmp_path / "tei"
    shutil.copytree(REPO / "tei", tei)
    before = (tei / "hongkou-1845.xml").read_text(encoding="utf-8")
    issue, name = unlink_a_name(tei)
    after = (tei / "hongkou-1845.xml").read_text(encoding="utf-8")
    assert issue == "hongkou-1845" and name and "<" not in name
    assert after.count("<persName") == before.count("<persName") - 1
    text = lambda xml: "".join(etree.fromstring(xml.encode()).itertext())  # noqa: E731
    assert text(after) == text(before) and name in text(after)


def test_the_rebuilds_alone_are_timed_on_the_edition_in_place(tmp_path, monkeypatch):
    """`--rebuilds-only`: an edition too large to convert and build again for each change
    of code is built with the code first, then its no-op rebuild, each kind of edit and
    the corrected sources are timed as in a whole run, and written down."""
    import json

    import benchmarks.run as bench

    ran, edited = [], []
    monkeypatch.setattr(bench, "run", lambda label, args, cwd: ran.append((label, args)) or
                        {"wall_s": 1.0})
    monkeypatch.setattr(bench, "_stamps", lambda folder: {"html/x": (1, 0)})
    monkeypatch.setattr(bench, "timed_edits", lambda label, edit, build, work, after: (
        edited.append(edit.__name__) or {"wall_s": 2.0}, after))
    monkeypatch.setattr(bench, "timed_corrections", lambda build, work, after: (
        {"wall_s": 3.0}, {"wall_s": 4.0}, after))
    monkeypatch.setattr(bench, "compile_package", lambda: None)
    monkeypatch.setattr(bench, "_become_subreaper", lambda: None)
    bench.main(["--work", str(tmp_path), "--out", str(tmp_path / "r"), "--rebuilds-only",
                "--jobs", "2"])
    build = ["build", "--tei", "tei", "--out", "editions", "--jobs", "2"]
    assert ran == [("build with this code first", build), ("no-op rebuild", build)]
    assert edited == ["edit_one_issue", "edit_next_to_a_name", "edit_a_heading",
                      "unlink_a_name"]
    steps = json.loads((tmp_path / "r.json").read_text(encoding="utf-8"))["steps"]
    assert list(steps) == ["catch_up", "noop_rebuild", "one_edit_rebuild", "name_edit_rebuild",
                           "heading_edit_rebuild", "unlink_rebuild", "corrected_source_convert",
                           "corrected_source_rebuild"]
    assert steps["noop_rebuild"]["files_changed"] == 0 and steps["unlink_rebuild"]["wall_s"] == 2


def test_a_run_records_the_libraries_it_ran_on_and_its_sources_digest(tmp_path):
    """Two runs that count differently on what should be the same issues can be told
    apart: by the versions they ran on, and by whether their sources were the same."""
    from importlib import metadata

    from benchmarks.run import libraries, sources_digest

    found = libraries()
    assert found["tei-build"] == metadata.version("tei-build")
    assert found["lxml"] == metadata.version("lxml") and "python-crfsuite" in found
    assert "pytest" not in found   # a test extra, not what the edition is made with

    a, b = tmp_path / "a", tmp_path / "b"
    a.mkdir(), b.mkdir()
    for folder in (a, b):
        (folder / "hongkou-1.txt").write_bytes("第1期\n".encode())
        (folder / "hongkou-2.txt").write_bytes("第2期\n".encode())
    same = sources_digest(list(a.glob("*.txt")))
    assert same == sources_digest(sorted(b.glob("*.txt"), reverse=True))   # order given: no matter
    (b / "hongkou-2.txt").write_bytes("第3期\n".encode())
    assert sources_digest(list(b.glob("*.txt"))) != same
    (b / "hongkou-2.txt").rename(b / "hongkou-3.txt")
    (b / "hongkou-3.txt").write_bytes("第2期\n".encode())
    assert sources_digest(list(b.glob("*.txt"))) != same   # the same bytes under another name


def test_a_runs_report_names_its_libraries_and_sources_when_it_recorded_them():
    import copy
    import json

    from benchmarks.run import markdown

    results = REPO / "benchmarks" / "results"
    older = json.loads((results / "2026-12-01bc-2000-issues.json").read_text(encoding="utf-8"))
    text = markdown(older)   # a run from before they were recorded: no such lines
    assert "Libraries:" not in text and "Sources:" not in text
    run = copy.deepcopy(older)
    run["libraries"] = {"lxml": "9.9.9", "tei-build": "0.1.0"}
    run["sources_sha256"] = "ab" * 32
    lines = markdown(run).splitlines()
    assert "Libraries: lxml 9.9.9, tei-build 0.1.0." in lines
    assert f"Sources: SHA-256 {'ab' * 32}." in lines
    assert not any(line.startswith("One shard indexed") for line in lines)
    run["search_split"] = {"shard": "n001800", "issues": 50, "pagefind_cpu_s": 1.5,
                           "tei_build_cpu_s": 0.75, "pagefind_ms_per_issue": 30.0,
                           "tei_build_ms_per_issue": 15.0, "pagefind_share": 0.667}
    assert "One shard indexed again in a process of its own (n001800, 50 issues): Pagefind " \
        "1.5 s of CPU (30.0 ms an issue), tei-build 0.75 s (15.0 ms an issue): Pagefind's own " \
        "indexing is 67 % of the search index's CPU." in markdown(run).splitlines()


def test_validation_beside_jing_is_said_both_ways_never_as_less_than_once():
    import copy
    import json

    from benchmarks.run import markdown

    results = REPO / "benchmarks" / "results"
    run = json.loads((results / "2026-12-01bc-2000-issues.json").read_text(encoding="utf-8"))
    run = copy.deepcopy(run)
    run["jing"] = {"wall_s": 6.0, "cpu_s": 10.0, "cpu_ms_per_page": 4.0, "problems": 0}
    run["steps"]["validate"].update(wall_s=4.0, cpu_s=5.0)
    assert "5.0 s CPU (2.0× less CPU than jing)." in markdown(run)
    run["steps"]["validate"].update(cpu_s=14.5)
    assert "14.5 s CPU (1.45× the CPU of jing)." in markdown(run)


def test_memory_and_cpu_are_told_by_process_tei_builds_own_apart_from_gnu_times(tmp_path):
    """The main process is tei-build's (GNU time, which times it, is the tree's root and
    was once reported as the main process, at 0.3 MB). (Pagefind, on one issue, may run
    between two samples: it is not asked for.)"""
    from benchmarks.run import run

    result = run("build", ["build", "--tei", str(REPO / "tei"), "--out", str(tmp_path / "ed"),
                           "-q"], REPO)
    roles = result["cpu_s_by_role"]
    assert roles["main"] > 0.05
    assert sum(roles.values()) <= result["cpu_s"] + 0.01   # (sampled: never more than all)
    assert result["peak_pss_mb_by_role"]["main"] > 10   # a Python process, not GNU time
