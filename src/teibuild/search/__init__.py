"""Full-text search of the built edition: static files, offline, simplified and traditional.

`search_files` turns a built site held in memory into the files of its search
index (so `tei-build build` swaps site and index into place together);
`build_search_index` does the same for an edition already on disk.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from ..errors import TeiBuildError
from ..fsutil import atomic_write
from ..render.hant import text_to_hant
from .index import BUNDLE, pagefind_files
from .records import Record, site_records
from .scripts import search_data

__all__ = ["DATA_FILE", "SearchReport", "build_search_index", "search_files"]

DATA_FILE = "search-data.json"


@dataclass(frozen=True)
class SearchReport:
    records: int   # paragraphs and article headings indexed
    issues: int
    files: int     # files of the index (Pagefind bundle + search-data.json)
    bytes: int


def search_files(site: Mapping[str, bytes], opencc: str = "s2t") -> tuple[dict[str, bytes], SearchReport]:
    """The index of a built site `{'html/…': bytes}` as more files of the same site."""
    records = site_records(site)
    files = {f"html/{BUNDLE}/{path}": data for path, data in pagefind_files(records).items()}
    pairs = [(r.text, r.text_hant) for r in records] + [(r.title, r.title_hant) for r in records]
    files[f"html/{DATA_FILE}"] = search_data(_filter_values(records), _issues(records, opencc),
                                             pairs, opencc)
    report = SearchReport(records=len(records), issues=len({r.issue for r in records}),
                          files=len(files), bytes=sum(map(len, files.values())))
    return files, report


def build_search_index(site_dir: Path, opencc: str = "s2t") -> SearchReport:
    """Index the edition in `site_dir` (the folder holding html/), replacing any older index."""
    html_dir = Path(site_dir) / "html"
    if not html_dir.is_dir():
        raise TeiBuildError("no built HTML edition here (run tei-build build first)",
                            path=str(site_dir))
    site = {f"html/{p.relative_to(html_dir).as_posix()}": p.read_bytes()
            for p in sorted(html_dir.rglob("*.html")) if BUNDLE not in p.relative_to(html_dir).parts}
    files, report = search_files(site, opencc)
    staging = Path(tempfile.mkdtemp(prefix=".search-", dir=html_dir))
    try:
        for rel, data in files.items():
            if rel.startswith(f"html/{BUNDLE}/"):
                target = staging / "new" / rel[len("html/"):]
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(data)
        current = html_dir / BUNDLE
        if current.exists():
            current.rename(staging / "old")
        os.replace(staging / "new" / BUNDLE, current)
        atomic_write(html_dir / DATA_FILE, files[f"html/{DATA_FILE}"])
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return report


def _filter_values(records: list[Record]) -> dict[str, list[str]]:
    values: dict[str, set[str]] = {}
    for record in records:
        for kind, names in record.names.items():
            values.setdefault(kind, set()).update(names)
    return {kind: sorted(names) for kind, names in sorted(values.items())}


def _issues(records: list[Record], opencc: str) -> dict[str, dict[str, str]]:
    """What the issue facet shows for each issue id, in both scripts."""
    return {r.issue: {"label": r.issue_label, "label_hant": text_to_hant(r.issue_label, opencc),
                      "date": r.date} for r in records}
