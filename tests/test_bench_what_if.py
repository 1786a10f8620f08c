"""benchmarks/what_if.py: each variant leaves out what it says, and only that."""

from pathlib import Path

from benchmarks.what_if import measure, report

REPO = Path(__file__).resolve().parent.parent
PAGE = "html/{}issues/hongkou-1845.html"


def test_the_lean_build_leaves_out_the_index_the_conversion_and_the_article_pages(tmp_path):
    full, lean = tmp_path / "full", tmp_path / "lean"
    for variant, out in (("full", full), ("lean", lean)):
        result = measure(variant, REPO / "tei", out, REPO / "edition.toml")
        assert result["variant"] == variant and result["cpu_s"] > 0
    assert (full / "html/pagefind").is_dir() and not (lean / "html/pagefind").exists()
    assert list(full.glob("html/articles/*.html")) and not list(lean.glob("html/articles/*.html"))
    assert list(full.glob("html/**/*.ris")) and not list(lean.glob("html/**/*.ris"))
    hans = (full / PAGE.format("")).read_text(encoding="utf-8")
    hant_full = (full / PAGE.format("zh-Hant/")).read_text(encoding="utf-8")
    hant_lean = (lean / PAGE.format("zh-Hant/")).read_text(encoding="utf-8")
    # the zh-Hant page is made in both, its text converted only in the full build
    assert 'lang="zh-Hant"' in hant_lean and hans.count("区") > 0
    assert hant_lean.count("区") == hans.count("区") > hant_full.count("区")
    # everything else is made as in the full build: the texts in both scripts
    assert (lean / "txt/zh-Hant/hongkou-1845.txt").is_file()
    assert (lean / "html/registers/index.html").is_file()


def test_a_convert_without_the_model_tags_no_guesses(tmp_path):
    with_model, without = tmp_path / "with", tmp_path / "without"
    for variant, out in (("convert", with_model), ("convert-without-model", without)):
        measure(variant, REPO / "tei", out, REPO / "edition.toml", REPO / "seeds")
    tagged = (with_model / "hongkou-1845.xml").read_text(encoding="utf-8")
    plain = (without / "hongkou-1845.xml").read_text(encoding="utf-8")
    assert 'resp="#tagger"' in tagged and 'resp="#tagger"' not in plain
    assert plain.count("<persName") > 0   # the registers' and patterns' names are still found


def test_the_report_gives_what_each_variant_saves_against_the_first_of_its_kind():
    table = report([{"variant": "full", "wall_s": 100.0, "cpu_s": 200.0},
                    {"variant": "no-search", "wall_s": 60.0, "cpu_s": 120.0},
                    {"variant": "convert", "wall_s": 50.0, "cpu_s": 50.0},
                    {"variant": "convert-without-model", "wall_s": 40.0, "cpu_s": 40.0}])
    assert "| full | 100.0 | 200.0 | — |" in table
    assert "| no-search | 60.0 | 120.0 | 80.0 s (40 %) |" in table
    assert "| convert-without-model | 40.0 | 40.0 | 10.0 s (20 %) |" in table


def test_bad_input_is_one_line_a_non_zero_exit_and_nothing_written(tmp_path):
    import shutil
    import subprocess
    import sys

    script = REPO / "benchmarks" / "what_if.py"
    broken = tmp_path / "tei"
    shutil.copytree(REPO / "tei", broken)
    (broken / "hongkou-1846.xml").write_text('<TEI xmlns="http://www.tei-c.org/ns/1.0"><teiHeader>',
                                             encoding="utf-8")
    results = tmp_path / "results.json"
    done = subprocess.run([sys.executable, str(script), str(broken), "--only", "full",
                           "--json", str(results)], capture_output=True, text=True)
    assert done.returncode != 0 and not results.exists()
    assert "Traceback" not in done.stderr
    assert f"{broken / 'hongkou-1846.xml'}:1:" in done.stderr and "not well-formed" in done.stderr
    empty = subprocess.run([sys.executable, str(script), str(tmp_path / "none")],
                           capture_output=True, text=True)
    assert empty.returncode == 2 and "no TEI issues here" in empty.stderr
