"""What a first build, and a convert, cost without each of their heavier parts.

    python benchmarks/what_if.py TEI_DIR [--edition edition.toml] [--only full,lean]
                                 [--sources SOURCES_DIR]

A measurement for deciding what a first build may leave out or put off (of these,
only the search index can be put off by tei-build itself: `build --no-search`). Each variant builds TEI_DIR from scratch into a folder of
its own, in a process of its own, with one job: what is patched out must be
patched out where the work is done, and a worker process would not see a patch
made here. Reported: the CPU time of that process and of the programs it ran
(Pagefind), which on two cores is about twice a first build's wall time, and
what the variant saves against the full build.

- `full`: the build as it is;
- `no-search`: without the search index (`incremental.build(search=False)`, as
  `tei-build build --no-search`);
- `no-hant-conversion`: the zh-Hant pages and texts rendered and written, but
  not converted (OpenCC and the code that cuts pages for it patched out): the
  conversion's cost, not a whole zh-Hant edition's;
- `no-article-pages`: without the articles' own pages (their texts are still
  made) and the citation downloads;
- `lean`: all three left out.

With `--sources`, the sources in SOURCES_DIR are also converted, with the
tagger as it is and without its statistical model (`tag.model.default_model`
patched to give none: the names only the model finds are then not tagged).
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
VARIANTS = ("full", "no-search", "no-hant-conversion", "no-article-pages", "lean")
LEFT_OUT = {"no-search": {"search"}, "no-hant-conversion": {"hant"},
            "no-article-pages": {"articles"}, "lean": {"search", "hant", "articles"}}
CONVERTS = ("convert", "convert-without-model")


def _no_hant_conversion() -> None:
    """zh-Hant pages and texts as rendered, unconverted (each part put back in its page)."""
    from teibuild.render import build, hant, mentions, pages

    pages.html_to_hant = lambda html, config=hant.DEFAULT, done=None: hant.restored(html, done)
    build.text_to_hant = lambda text, config=hant.DEFAULT, names=(): text
    mentions.convert_runs = lambda runs, config=hant.DEFAULT: list(runs)


def _no_article_pages() -> None:
    from teibuild.render import build

    render_page = build.render_page
    build.render_page = lambda template, *args, **kwargs: \
        {} if template == "article.html" else render_page(template, *args, **kwargs)
    build.download_files = lambda citation: {}


def _no_model() -> None:
    from teibuild.tag import model

    model.default_model = lambda: None


def run_variant(variant: str, tei: str, out: str, edition_file: str, sources: str = "") -> None:
    """One variant, in this process (see the module's docstring)."""
    from teibuild.edition import load_edition

    edition = load_edition(Path(edition_file))
    if variant in CONVERTS:
        from teibuild.pipeline import convert_sources

        if variant == "convert-without-model":
            _no_model()
        convert_sources(sorted(Path(sources).glob("*.txt")), Path(out), edition, jobs=1)
        return
    from teibuild import incremental

    left_out = LEFT_OUT.get(variant, set())
    if "hant" in left_out:
        _no_hant_conversion()
    if "articles" in left_out:
        _no_article_pages()
    incremental.build(Path(tei), Path(out), edition, jobs=1, search="search" not in left_out)


def measure(variant: str, tei: Path, out: Path, edition_file: Path,
            sources: Path | None = None) -> dict:
    """`run_variant` in a process of its own: its wall time, and the CPU time of it and of
    what it ran."""
    from benchmarks.run import children_cpu

    before, start = children_cpu(), time.perf_counter()
    done = subprocess.run([sys.executable, __file__, "--variant", variant, str(tei), "--out",
                           str(out), "--edition", str(edition_file),
                           *(["--sources", str(sources)] if sources else [])], check=False)
    wall, cpu = time.perf_counter() - start, children_cpu() - before
    if done.returncode != 0:
        raise SystemExit(f"what_if: the variant {variant} failed (exit {done.returncode}); "
                         "nothing measured")
    return {"variant": variant, "wall_s": round(wall, 2), "cpu_s": round(cpu, 2)}


def report(results: list[dict]) -> str:
    """A table: each variant's CPU and what it saves against the first of its kind."""
    lines = ["| variant | wall, one job (s) | CPU (s) | saves |", "|---|---:|---:|---:|"]
    base: dict[bool, float] = {}
    for r in results:
        kind = r["variant"] in CONVERTS
        base.setdefault(kind, r["cpu_s"])
        saved = base[kind] - r["cpu_s"]
        share = f"{saved:.1f} s ({100 * saved / base[kind]:.0f} %)" if saved else "—"
        lines.append(f"| {r['variant']} | {r['wall_s']} | {r['cpu_s']} | {share} |")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("tei", type=Path)
    parser.add_argument("--edition", type=Path, default=REPO / "edition.toml")
    parser.add_argument("--only", default=",".join(VARIANTS))
    parser.add_argument("--sources", type=Path, default=None)
    parser.add_argument("--out", type=Path, default=None, help=argparse.SUPPRESS)
    parser.add_argument("--variant", default=None, help=argparse.SUPPRESS)
    parser.add_argument("--json", type=Path, default=None, help="also write the results here")
    args = parser.parse_args(argv)
    if args.variant:   # (the process of one variant)
        from teibuild.errors import TeiBuildError

        try:
            run_variant(args.variant, str(args.tei), str(args.out), str(args.edition),
                        str(args.sources or ""))
        except TeiBuildError as exc:   # bad input: one line, as tei-build itself says it
            raise SystemExit(f"error: {exc}") from None
        return
    chosen = [v for v in args.only.split(",") if v]
    unknown = set(chosen) - set(VARIANTS)
    if unknown:
        parser.error(f"unknown variant(s): {', '.join(sorted(unknown))}")
    if not list(args.tei.glob("*.xml")):
        parser.error(f"{args.tei}: no TEI issues here")
    if args.sources is not None and not list(args.sources.glob("*.txt")):
        parser.error(f"{args.sources}: no sources (*.txt) here")
    results = []
    with tempfile.TemporaryDirectory(prefix="tei-build-what-if-") as tmp:
        for variant in chosen + (list(CONVERTS) if args.sources else []):
            out = Path(tmp) / variant
            results.append(measure(variant, args.tei, out, args.edition, args.sources))
            print(json.dumps(results[-1]), flush=True)
            shutil.rmtree(out, ignore_errors=True)
    print(report(results))
    if args.json:
        args.json.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    for folder in (REPO, REPO / "src"):
        if str(folder) not in sys.path:
            sys.path.insert(0, str(folder))
    main()
