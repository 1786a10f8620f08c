"""Rendering cost per transcribed page, by stage, and a whole build's time and memory.

    python benchmarks/bench_build.py TEI_DIR [--edition edition.toml] [--sample 40]
                                     [--build] [--jobs N]

1. In one process, warm (stylesheets compiled, citation templates made, on other
   issues than those timed): CPU time
   of reading each sampled issue (`read_issue`) and rendering all its files
   (`_render_issue`: HTML and text, zh-Hans and zh-Hant, citations and their
   downloads; not the search index), divided by its transcribed pages: the
   distinct printed pages on which an article that is not a placeholder starts
   (a page only referred to is no work). Then where that time goes, measured by
   wrapping each stage's function, on a third sample of issues.
2. With --build: `tei-build build` from scratch into a temporary folder, as its
   own process: wall time, CPU time (with its workers) and the peak resident
   memory of the largest process.
"""

from __future__ import annotations

import argparse
import collections
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent

# (module, function, label): the stages of _render_issue, timed where they are called
STAGES = [
    ("teibuild.render.build", "citation_context", "citations (citeproc-py templates)"),
    ("teibuild.render.build", "download_files", "citation downloads (.bib .ris .json)"),
    ("teibuild.render.build", "transform", "XSLT tei2html (one pass per issue)"),
    ("teibuild.render.text", "transform", "XSLT tei2txt (one pass per issue)"),
    ("teibuild.render.pages", "html_to_hant", "zh-Hant conversion of HTML pages"),
    ("teibuild.render.build", "text_to_hant", "zh-Hant conversion of texts"),
    ("teibuild.render.build", "render_page", "pages (Jinja and zh-Hant together)"),
    ("teibuild.render.build", "parse_file", "parsing the TEI"),
]


def transcribed_pages(issue) -> int:
    return max(1, len({a.page for a in issue.articles if not a.placeholder}))


def sample_paths(tei: Path, sample: int, offset: int = 0) -> list[Path]:
    """`sample` issue files spread evenly over the folder, from the `offset`-th of each
    stretch (the last one, if the stretches are shorter)."""
    from teibuild.render.site import issue_files

    paths = issue_files(tei)
    step = max(1, len(paths) // sample)
    return paths[min(offset, step - 1)::step][:sample]


def sample_issues(tei: Path, sample: int, offset: int = 0) -> tuple[list[Path], list]:
    """`sample_paths`, and their issues as read."""
    from teibuild.render.site import read_issue

    chosen = sample_paths(tei, sample, offset)
    return chosen, [read_issue(p) for p in chosen]


def per_page(tei: Path, edition_file: Path, sample: int) -> dict:
    import importlib

    from teibuild.edition import load_edition
    from teibuild.render import build
    from teibuild.render.site import read_issue

    edition = load_edition(edition_file)
    chosen, issues = sample_issues(tei, sample)
    # warm (compiled stylesheets, templates, citation shapes) on other issues where there
    # are any: what a build remembers from one issue to the next is fair, the same issue is not
    for issue in sample_issues(tei, sample, offset=2)[1]:
        build._render_issue(issue, None, None, edition)
    pages = sum(transcribed_pages(i) for i in issues)

    start = time.process_time()
    for path in chosen:
        read_issue(path)
    read = time.process_time() - start
    start = time.process_time()
    for issue in issues:
        build._render_issue(issue, None, None, edition)
    render = time.process_time() - start

    spent: collections.Counter = collections.Counter()
    originals = []
    for module_name, name, label in STAGES:
        module = importlib.import_module(module_name)
        original = getattr(module, name)
        originals.append((module, name, original))

        def timed(*args, _f=original, _label=label, **kwargs):
            began = time.process_time()
            try:
                return _f(*args, **kwargs)
            finally:
                spent[_label] += time.process_time() - began

        setattr(module, name, timed)
    # on yet other issues: what was remembered of the timed ones must not make them cheap
    others = sample_issues(tei, sample, offset=4)[1]
    try:
        for issue in others:
            build._render_issue(issue, None, None, edition)
    finally:
        for module, name, original in originals:
            setattr(module, name, original)
    jinja = spent["pages (Jinja and zh-Hant together)"] - spent["zh-Hant conversion of HTML pages"]
    spent["Jinja page chrome (pages minus zh-Hant)"] = jinja
    other_pages = sum(transcribed_pages(i) for i in others)
    return {
        "issues": len(issues), "transcribed_pages": pages,
        "articles_per_issue": round(statistics.mean(len(i.articles) for i in issues), 1),
        "read_ms_per_page": round(1000 * read / pages, 2),
        "render_ms_per_page": round(1000 * render / pages, 2),
        "total_ms_per_page": round(1000 * (read + render) / pages, 2),
        "stages_ms_per_page": {label: round(1000 * seconds / other_pages, 2)
                               for label, seconds in spent.most_common()},
    }


def whole_build(tei: Path, edition_file: Path, jobs: int | None) -> dict:
    if str(REPO) not in sys.path:
        sys.path.insert(0, str(REPO))
    from benchmarks.run import children_cpu

    before = children_cpu()
    with tempfile.TemporaryDirectory() as tmp:
        args = [sys.executable, "-c", "import sys; from teibuild.cli import main; sys.exit(main())",
                "build", "--tei", str(tei), "--out", str(Path(tmp) / "ed"),
                "--edition", str(edition_file), "--quiet"]
        if jobs:
            args += ["--jobs", str(jobs)]
        start = time.perf_counter()
        subprocess.run(args, check=True, cwd=tmp)
        wall = time.perf_counter() - start
    return {"wall_s": round(wall, 1), "cpu_s": round(children_cpu() - before, 1),
            "peak_rss_mb_largest_process": round(
                resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024)}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("tei", type=Path)
    parser.add_argument("--edition", type=Path, default=REPO / "edition.toml")
    parser.add_argument("--sample", type=int, default=40, help="issues timed in process")
    parser.add_argument("--build", action="store_true", help="also time a whole build")
    parser.add_argument("--jobs", type=int, default=None)
    args = parser.parse_args(argv)
    result = per_page(args.tei, args.edition, args.sample)
    print(f"{result['issues']} issues, {result['transcribed_pages']} transcribed pages, "
          f"{result['articles_per_issue']} articles an issue")
    print(f"render (HTML + text, both scripts, no search index): "
          f"{result['total_ms_per_page']} ms CPU a page "
          f"(read_issue {result['read_ms_per_page']}, _render_issue {result['render_ms_per_page']})")
    for label, ms in result["stages_ms_per_page"].items():
        print(f"  {label:45s} {ms:7.2f} ms a page")
    if args.build:
        build = whole_build(args.tei, args.edition, args.jobs)
        print(f"tei-build build: {build['wall_s']} s wall, {build['cpu_s']} s CPU, "
              f"largest process {build['peak_rss_mb_largest_process']} MB")


if __name__ == "__main__":
    main()
