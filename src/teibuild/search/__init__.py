"""Full-text search of the built edition: static files, offline, simplified and traditional.

The index is made shard by shard (blocks of issues, see shards.py): `tei-build
build` indexes the shards whose issues changed as it renders (`shard_files`,
`overlay_files`, from teibuild.incremental) and swaps site and index into place
together; `build_search_index` indexes an edition already on disk anew, and
`reindex_shards` only some of its shards; `search_files` makes the same index
of a site held in memory.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, replace
from pathlib import Path

from ..errors import TeiBuildError
from ..fsutil import atomic_write, staging_dir
from ..output_scan import SEARCH_STAGING, remove_abandoned_staging
from ..parallel import ordered_map
from ..render.hant import DEFAULT as HANT_DEFAULT
from .index import BUNDLE
from .records import HANT_PREFIX
from .shards import DATA_FILE, OVERLAY_ISSUES, SUMMARY, Sums, base_of, common_files, \
    current_summaries, issue_of_page, made_from, overlay_files, overlay_of, read_summaries, \
    register_names, shard_files, shard_of, shard_pages, stale_shards

__all__ = ["DATA_FILE", "OVERLAY_ISSUES", "SearchReport", "Sums", "base_of", "build_search_index",
           "common_files", "made_from", "overlay_files", "overlay_of", "read_summaries",
           "register_names", "reindex_shards", "search_files", "shard_files", "shard_of",
           "shard_pages", "stale_shards"]


@dataclass(frozen=True)
class SearchReport:
    records: int   # paragraphs and article headings indexed
    issues: int
    files: int     # files of the index (Pagefind bundles + search-data.json)
    bytes: int
    shards: int = 0


def search_files(site: Mapping[str, bytes], opencc: str = HANT_DEFAULT,
                 jobs: int | None = None) -> tuple[dict[str, bytes], SearchReport]:
    """The index of a built site `{'html/…': bytes}` as more files of the same site.

    Shards are indexed by `jobs` processes (default: one per core); the result
    does not depend on how many.
    """
    names = register_names(site)
    by_shard: dict[str, dict[str, bytes]] = {}
    for path, data in site.items():
        if issue := issue_of_page(path):
            by_shard.setdefault(shard_of(issue), {})[path] = data
    work = [(shard, pages, names, opencc) for shard, pages in sorted(by_shard.items())]
    del by_shard
    files: dict[str, bytes] = {}
    for done in ordered_map(_shard, work, jobs):
        files.update(done)
    files.update(common_files(_summaries(files), opencc))
    return dict(sorted(files.items())), _report(files)


def _shard(item: tuple) -> dict[str, bytes]:
    return shard_files(*item)


def reindex_shards(out_dir: Path, shards: Iterable[str], opencc: str = HANT_DEFAULT,
                   names: Mapping[tuple[str, str], str] | None = None) -> SearchReport:
    """Re-index `shards` of the edition in `out_dir` from its pages on disk, and the common files.

    Each shard's folder is replaced as a whole, and its overlay (if a build left one)
    removed; shards left without issues are removed. `names`: what
    register_names(out_dir) gives, read again when not given.
    The report counts the whole index, and the files rewritten outside the shards.
    """
    html_dir = Path(out_dir) / "html"
    names = register_names(Path(out_dir)) if names is None else names
    wanted = set(shards)
    pages = _issue_pages(html_dir)
    new: dict[str, dict[str, bytes]] = {shard: {} for shard in sorted(wanted)}
    for shard in sorted(wanted):
        mine = {rel: path.read_bytes() for rel, path in pages.items()
                if (issue := issue_of_page(rel)) and shard_of(issue) == shard}
        new[shard] = shard_files(shard, mine, names, opencc)
    replaced = {shard: files.get(f"html/{BUNDLE}/{shard}/{SUMMARY}")
                for shard, files in new.items()}
    replaced.update(dict.fromkeys(map(overlay_of, new)))   # folded into their shards
    summaries = read_summaries(out_dir, replaced)
    common = common_files(summaries, opencc)
    staging = _staging(Path(out_dir))
    try:
        for shard, files in new.items():
            _write(staging / shard, files, f"html/{BUNDLE}/{shard}/")
            current = html_dir / BUNDLE / shard
            if current.exists():
                current.rename(staging / f"{shard}.old")
            if (html_dir / BUNDLE / overlay_of(shard)).exists():
                (html_dir / BUNDLE / overlay_of(shard)).rename(staging / f"{shard}.overlay")
            if files:
                (html_dir / BUNDLE).mkdir(exist_ok=True)
                os.replace(staging / shard, current)
        for rel, data in common.items():
            atomic_write(Path(out_dir) / rel, data)
        for old in (html_dir / BUNDLE).iterdir():  # the primary bundle of another Pagefind
            if old.is_file() and f"html/{BUNDLE}/{old.name}" not in common:
                old.unlink()
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return _report(common, summaries)


def build_search_index(site_dir: Path, opencc: str = HANT_DEFAULT, jobs: int | None = None,
                       progress: Callable[[int, int, str], None] | None = None) -> SearchReport:
    """Index the edition in `site_dir` (the folder holding html/), replacing any older index.

    Shard by shard, as `search_files` does, but from the pages on disk: a worker reads
    its shard's issue pages and writes its bundle into the staging folder, so no
    process holds more than one shard's pages, whatever the edition's size (its pages
    are 1.1 GB on 2,000 issues), and the new index is swapped in whole at the end.
    `progress(done, total, shard)` after each shard; `jobs` as for `search_files`."""
    site_dir = Path(site_dir)
    html_dir = site_dir / "html"
    if not html_dir.is_dir():
        raise TeiBuildError("no built HTML edition here (run tei-build build first)",
                            path=str(site_dir))
    names = register_names(site_dir)
    by_shard: dict[str, list[tuple[str, str]]] = {}
    for rel, path in _issue_pages(html_dir).items():
        if issue := issue_of_page(rel):
            by_shard.setdefault(shard_of(issue), []).append((rel, str(path)))
    staging = _staging(site_dir)
    try:
        new = staging / "new"
        work = [(shard, pages, names, opencc, str(new), str(site_dir))
                for shard, pages in sorted(by_shard.items())]
        summaries: dict[str, bytes] = {}
        files = size = 0
        for n, (item, (summary, count, written)) in enumerate(
                zip(work, ordered_map(_index_into, work, jobs)), 1):
            shard = item[0]
            if summary is not None:
                summaries[shard] = summary
            files, size = files + count, size + written
            if progress is not None:
                progress(n, len(work), shard)
        common = common_files(summaries, opencc)
        _write(new, {rel: data for rel, data in common.items() if rel != f"html/{DATA_FILE}"},
               "html/")   # (Pagefind's runtime among them: new/pagefind/ is always made)
        current = html_dir / BUNDLE
        if current.exists():
            current.rename(staging / "old")
        os.replace(new / BUNDLE, current)
        atomic_write(html_dir / DATA_FILE, common[f"html/{DATA_FILE}"])
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    report = _report(common, summaries)
    return replace(report, files=report.files + files, bytes=report.bytes + size)


def _index_into(item: tuple) -> tuple[bytes | None, int, int]:
    """One shard indexed from its pages on disk into the folder `new` (as `html/` is laid
    out); its summary (None: no records), and the number and bytes of its files. A page
    that cannot be indexed is named where it is (`site`/html/…)."""
    shard, pages, names, opencc, new, site = item
    try:
        files = shard_files(shard, {rel: Path(path).read_bytes() for rel, path in pages}, names,
                            opencc)
    except TeiBuildError as exc:
        if not (exc.path or "").startswith("html/"):
            raise
        raise TeiBuildError(exc.message, path=str(Path(site) / exc.path), line=exc.line,
                            column=exc.column) from None
    _write(Path(new), files, "html/")
    return (files.get(f"html/{BUNDLE}/{shard}/{SUMMARY}"), len(files),
            sum(map(len, files.values())))


def _staging(site_dir: Path) -> Path:
    """A folder to make the index in, beside html/ rather than in it: a run killed
    outright leaves it behind (the next run removes it), and html/ is what is published.
    (Older versions staged in html/: what they left there goes too.)"""
    remove_abandoned_staging(site_dir)
    return staging_dir(site_dir, SEARCH_STAGING)


def _issue_pages(html_dir: Path) -> dict[str, Path]:
    """The issue pages of the edition in `html_dir`, both scripts: {'html/…': path}."""
    return {f"html/{p.relative_to(html_dir).as_posix()}": p
            for folder in (html_dir / "issues", html_dir / HANT_PREFIX / "issues")
            for p in sorted(folder.glob("*.html"))}


def _summaries(files: Mapping[str, bytes]) -> dict[str, bytes]:
    return {rel.split("/")[2]: data for rel, data in files.items()
            if rel.startswith(f"html/{BUNDLE}/") and rel.endswith(f"/{SUMMARY}") and rel.count("/") == 3}


def _report(files: Mapping[str, bytes], summaries: Mapping[str, bytes] | None = None) -> SearchReport:
    summaries = _summaries(files) if summaries is None else summaries
    sizes = [(summary["records"], len(summary["issues"]))   # (one summary loaded at a time)
             for _shard, summary in current_summaries(summaries)]
    return SearchReport(records=sum(records for records, _ in sizes),
                        issues=sum(issues for _, issues in sizes), files=len(files),
                        bytes=sum(map(len, files.values())), shards=len(sizes))


def _write(folder: Path, files: Mapping[str, bytes], prefix: str) -> None:
    for rel, data in files.items():
        target = folder / rel[len(prefix):]
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
