"""The build: render only the pages whose inputs changed, never a stale one.

A first build and a rebuild are the same code: with nothing recorded, every
page counts as changed. What each page is given to render is what is
tracked, and the renderers are given nothing more (the pages of an issue
get their neighbours' data without its name mentions, a register entry's
page the data of the issues that mention it), so a page cannot depend on
something its key leaves out:
- an issue's pages (HTML and text, zh-Hans and zh-Hant, its TEI copy, its
  citation files): its TEI file, and the *heading data* (everything but the
  mentions) of the issues before and after it, which its page links to;
- a register entry's page: the entry in its register, and for each issue
  that mentions it, those mentions (the text on either side included) and
  the issue as the page shows it (`render.site.Cited`: its number, its date
  and the articles they are in), so an edit elsewhere in an issue, a new
  heading included, leaves it alone;
  an entry with pages by year (`render.build.year_pages`): its own page, the
  entry, its first name and each year's number of issues and mentions; a
  year's page, the entry, its first name, the years either side and that
  year's issues and mentions only;
- the home, issue-list, register-index and about pages: what a list of the
  issues shows of each (`render.site.Listed`: number, date, pages, number of
  articles), the latest issue's heading data (the home page cites it as an
  example), and each entry's names, number of mentions and first name;
- a shard of the search index (a fixed block of issues, `search.shard_of`):
  the keys of its issues' pages, and the register names it shows; all of it,
  the search stage's code. A few of a shard's issues edited since its bundle
  was made are indexed into an overlay beside it instead (`search.shards`);
- all of it: the *fingerprint*: tei-build's rendering code, templates,
  stylesheets and schemas, the versions of the libraries that render,
  and edition.toml. Any change there and everything is rebuilt. (Not the TEI
  folder's path: the same folder given relative or absolute, or moved, is the
  same edition; each TEI file is known by its name and its digest.)

The output folder keeps a manifest (`.tei-build/manifest.pickle`) of each
output's inputs and of every file written (size, mtime), a small quick record
(`quick.json`: enough to see that there is nothing to do), and caches: each
issue's data, every issue's heading data, each register entry's mentions by
issue, the registers as read, the romanised words of titles (the segmenter's
dictionary need not be loaded), each search shard's records by issue and each
register page's name (a shard is indexed again without reading its other
issues' pages or every register page), and which issues mention each entry
(only the entries an edited issue mentions are worked out again). So an
unchanged TEI file is neither parsed nor
(when its size, times and inode are as recorded) even read, and the page of a
name mentioned in every issue is rendered again without reading the other
issues. A cache is only a short cut: what is taken from one is checked against
the digests in the manifest (search records against their pages' bytes, a
register name against its page's size and mtime, the table of mentions against
the manifest it was made with), and a missing or stale one
is made again from the TEI. Outputs that are missing or were changed on disk are rendered again,
and files in html/ and txt/ that the manifest does not list are removed: the
folder is always what a fresh build makes (the search index's bundles apart,
which may hold overlays: what they find is what a fresh build's find). (When a
TEI file changed, the disk is read by a process of its own while rendering goes
on, the build assuming it is as recorded; it is checked before anything moves
into place, and if it is not, the build is planned again from what is there.)

New files are staged in `.tei-build/staging-*` and moved into place together,
search index included, only when everything has rendered; a failure at any
point (bad input, a full disk, Ctrl-C) leaves the previous edition as it was.

The modules, in the order a build goes through them: `keys` (what each output
depends on), `manifest` (what the last build made, and from what), `caches` (the
state folder's short cuts), `plan` (what is stale, and its rendering, done by
`workers`: the issues' pages in `plan_issues`, the register entries' in
`plan_entries`, the search index's shards in `plan_search`, each reading what it
needs through `plan_reads`), `indexing` (the search index's shards) and `commit`
(all of it put in place together).
"""

from __future__ import annotations

import shutil
import time
from collections.abc import Callable
from pathlib import Path

from ..edition import Edition
from ..errors import TeiBuildError
from ..fsutil import staging_dir
from ..output_scan import SEARCH_INDEX, Now, Scan, remove_abandoned_staging
from .caches import ENTRIES, FORMER, FORMER_MANIFEST, HEADS, ISSUES, MANIFEST, MENTIONED, \
    NAMES, QUICK, REGISTERS, ROMANIZED, STATE
from .commit import _MovedIn, _commit
from .indexing import _search_current
from .keys import _fingerprint, _hash_inputs, _search_code
from .manifest import BuildReport, _is_manifest, _load_manifest, _load_record, _removed, \
    _report, _save_manifest
from .plan import _Plan
from .steps import ENTRY_STEPS, ISSUE_STEPS, _cpu

__all__ = ["ENTRIES", "ENTRY_STEPS", "FORMER", "FORMER_MANIFEST", "HEADS", "ISSUES", "ISSUE_STEPS",
           "MANIFEST", "MENTIONED", "NAMES", "QUICK", "REGISTERS", "ROMANIZED", "SEARCH_INDEX",
           "STATE", "BuildReport", "build"]


def build(tei_dir: Path, out_dir: Path, edition: Edition, jobs: int | None = None,
          progress: Callable[[int, int, str], None] | None = None,
          search: bool = True) -> BuildReport:
    """Bring `out_dir/html` and `out_dir/txt` up to date with the TEI in `tei_dir`.

    `progress(done, total, what)` is called as work is done; `search=False`
    neither makes nor touches the search index."""
    from ..render.site import issue_files

    tei_dir, out_dir = Path(tei_dir), Path(out_dir)
    paths = issue_files(tei_dir)
    if not paths:
        raise TeiBuildError("no TEI issues (*.xml) to build", path=str(tei_dir))
    fingerprint = _fingerprint(edition)
    remove_abandoned_staging(out_dir)
    quick = _load_record(out_dir / STATE / QUICK, fingerprint)
    old = None if quick else _load_manifest(out_dir, fingerprint)
    tei = _hash_inputs(tei_dir, paths, quick or old)
    # with the same inputs, perhaps there is nothing to do: the disk is read at once;
    # else it is read by a process of its own while this one renders
    scan = Scan(out_dir, background=not (quick and quick.get("tei") == tei["issues"] and
                                          quick.get("registers") == tei["registers"]))
    try:
        if quick and scan.ready and _nothing_to_do(quick, tei, scan.digest, out_dir, search,
                                                   edition.opencc):
            return BuildReport(**quick["report"])
        if old is None:
            old = _load_manifest(out_dir, fingerprint, quick)
        return _build(tei_dir, out_dir, edition, jobs, progress, search, paths, fingerprint,
                      quick, old, tei, scan)
    finally:
        scan.close()


def _build(tei_dir, out_dir, edition, jobs, progress, search, paths, fingerprint, quick, old,
           tei, scan: "Scan") -> BuildReport:
    """build() once it is known there is work to do."""
    # every output recorded is on disk as it was written, and nothing else is: assumed
    # when the last build left its records whole (the disk is then checked before anything
    # is moved into place, and if it is not as recorded, the build is planned again)
    expected = quick.get("scan") if quick and old.get("verified", False) else None
    if scan.ready and scan.digest != expected:
        expected = None
    state = out_dir / STATE
    made_out, made_state = not out_dir.exists(), not state.exists()
    state.mkdir(parents=True, exist_ok=True)
    ignore = state / ".gitignore"   # (written once: a build that fails leaves nothing new)
    if not ignore.is_file() or ignore.read_bytes() != b"*\n":
        ignore.write_bytes(b"*\n")
    staging = staging_dir(state, "staging-")
    try:
        try:
            plan = _Plan(tei_dir, state, staging, edition, fingerprint, old, tei, scan,
                         expected, jobs, progress)
            manifest, counts = plan.run(paths, search)
            if expected is not None and scan.digest != expected:
                shutil.rmtree(staging / "new", ignore_errors=True)
                plan.close_mentioned()
                plan = _Plan(tei_dir, state, staging, edition, fingerprint, old, tei, scan,
                             None, jobs, progress)
                manifest, counts = plan.run(paths, search)
            on_disk, intact = scan.files, plan.intact
            removed = _removed(old, manifest, on_disk, intact)
            plan.save_caches(manifest)
            moved, made = _commit(out_dir, staging, manifest, removed + plan.search_removed,
                                  plan.search_whole)
        except BaseException:   # the previous edition is as it was: leave nothing of ours
            if made_out:
                shutil.rmtree(out_dir, ignore_errors=True)
            elif made_state:
                shutil.rmtree(state, ignore_errors=True)
            raise
        now = Now(on_disk, removed, _MovedIn(made))
        report = _report(manifest, now.totals(scan.totals), written=moved, removed=len(removed),
                         **counts)
        plan.save_names(now)
        written = _save_manifest(state, manifest, report, tei, now.digest(scan.folders))
        plan.save_mentioned(written)
        if counts["search_rendered"]:   # the replaced index, set aside: its removal is its cost
            start, start_cpu = time.perf_counter(), _cpu()
            shutil.rmtree(staging / "old" / SEARCH_INDEX[0], ignore_errors=True)
            counts["search_seconds"] += time.perf_counter() - start
            counts["search_cpu_seconds"] += _cpu() - start_cpu
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return report


def _nothing_to_do(quick: dict, tei: dict, scan: str, out_dir: Path, search: bool,
                   opencc: str) -> bool:
    """Same inputs, and every output on disk exactly as it was written (and nothing else)."""
    return quick.get("tei") == tei["issues"] and quick.get("registers") == tei["registers"] \
        and quick.get("scan") == scan and "report" in quick and \
        _is_manifest(out_dir / STATE / MANIFEST, quick) and (not search or (
            quick["search"].get("code") == _search_code(opencc) and
            _search_current(quick["search"], out_dir)))
