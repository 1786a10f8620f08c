"""Rendering: TEI issues -> the HTML and plain-text editions, zh-Hans and zh-Hant.

`build_site` reads every issue in a TEI folder, renders each (in parallel when
asked), joins the registers, and swaps the finished tree into place.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from ..edition import Edition
from ..parallel import resolve_jobs
from .build import render_site
from .writer import write_tree

__all__ = ["BuildReport", "build_site", "render_site"]


@dataclass(frozen=True)
class BuildReport:
    issues: int
    articles: int
    register_entries: int
    html_pages: int
    text_files: int
    files: int
    bytes: int


def build_site(tei_dir: Path, out_dir: Path, edition: Edition, jobs: int | None = None,
               progress: Callable[[int, int, str], None] | None = None) -> BuildReport:
    """Build `out_dir/html` and `out_dir/txt` from the TEI in `tei_dir`; nothing half-written."""
    workers = resolve_jobs(jobs)
    site = render_site(Path(tei_dir), edition, workers, progress)
    site.files.update(_search_index(site.files, edition))
    write_tree(Path(out_dir), site.files)
    return BuildReport(
        issues=len(site.issues),
        articles=sum(len(i.articles) for i in site.issues),
        register_entries=len(site.entries),
        html_pages=sum(1 for p in site.files if p.endswith(".html")),
        text_files=sum(1 for p in site.files if p.endswith(".txt")),
        files=len(site.files),
        bytes=sum(len(b) for b in site.files.values()),
    )


def _search_index(files: dict[str, bytes], edition: Edition) -> dict[str, bytes]:
    """The full-text search index of the rendered pages, swapped in with them."""
    from ..search import search_files  # only a build needs Pagefind

    return search_files(files, edition.opencc)[0]
