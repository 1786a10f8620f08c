"""One build, planned and run: what is stale, rendered into the staging folder by the
workers, and the new manifest (`_Plan`).
"""

from __future__ import annotations

import bisect
import os
import shutil
import time
import zlib
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from types import SimpleNamespace
from typing import TYPE_CHECKING

from ..fsutil import sha256
from ..output_scan import SEARCH_INDEX
from ..parallel import FORKSERVER_FROM, give_back_memory, ordered_map, resolve_jobs
from .caches import ENTRIES, HEADS, MENTIONED, NAMES, REGISTERS, ROMANIZED, SEARCH_RECORDS, \
    SEARCH_SUMS, _Spool, _cached_issue, _cached_part, _dump_cache, _dump_pickle, _head_part, _load_issue, \
    _load_names, _load_pickle, _load_romanized, _pickled, _registers_cache, _save_issues, \
    _unpickled
from .indexing import _bundle_folders, _index_identity, _overlays, _renamed_in_edits_only, \
    _search_current, _shards, _unstamped
from .entry_records import YEAR, EntryRecords
from .keys import _FORMAT, _digest, _register_digest, _search_code, head
from .manifest import _END, _Made, _SEP, _issue_names, _mention_rows, _mention_stamp, \
    _names_key, _output, _outputs, _pack_rows, _packed_mentions, _packed_row, _row_file, \
    _summary, _unpack_names, _unpack_rows, _without_row
from .workers import _Lazy, _PRELOAD, _at, _common_files_into, _entry_pages_into, _index_shard, \
    _pickled_by_entry, _read_issue, _render_issue_into, _runs, _site_pages_into, _stage, \
    _start_worker

if TYPE_CHECKING:
    from ..mention_table import MentionTable


#: what a step of each kind counts in a build's progress (`progress(done, total, what)`):
#: steps of equal count take about as long, so that a bar's estimate of the time left
#: holds (on 500 issues: an issue's pages rendered in ~80 ms, a register entry's page in
#: 2–4 ms, an issue's pages indexed for search in ~60 ms)
ISSUE_STEPS, ENTRY_STEPS = 20, 1


def _cpu() -> float:
    """CPU time of this process and of the processes it has waited for."""
    import resource

    own, children = (resource.getrusage(who) for who in (resource.RUSAGE_SELF,
                                                          resource.RUSAGE_CHILDREN))
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


class _Plan:
    """One build: decides what is stale, renders it into the staging folder, and
    makes the new manifest."""

    def __init__(self, tei_dir, state, staging, edition, fingerprint, old, tei, scan,
                 expected, jobs, progress):
        """`expected`: the scan digest the disk is assumed to have (every output as the
        old manifest records it), or None: every output is checked against `scan`."""
        self.tei_dir, self.state, self.new = tei_dir, state, staging / "new"
        self.edition, self.fingerprint, self.old, self.tei = edition, fingerprint, old, tei
        self.scan, self.jobs, self.intact = scan, jobs, expected is not None
        self.note = progress or (lambda _done, _total, _what: None)
        # the issues read (or read again) this time: their data is written to its cache as
        # soon as it is read, and their mentions to the spool, not held (see _keep)
        self.fresh: set[str] = set()
        self._fresh_heads: dict = {}
        # and their mentions by entry (`_issue_names`), until the table of who mentions
        # what has them
        self.names_read: dict[str, bytes] = {}
        self._loaded: dict = {}
        self._registers = None
        self._register_sources: dict = {}   # (registers) what each entry was read from
        self._register_digests: dict = {}   # (register_digests) each entry's digest so far
        self._heads: dict[str, bytes] | None = None   # (cached_heads)
        self._head_data: dict = {}   # the heads loaded from it
        self._heads_stale = False    # one of them was torn or not the issue's
        self.spool = _Spool(staging)
        self._grouped: dict = {}
        self.summaries: dict = {}
        self.done = self.total = 0
        self.indexing = 0   # the steps foreseen for the search index (see run)
        self._shards_found: tuple[dict, dict] | None = None   # (shards)
        self.search_removed: list[str] = []   # index files and shards no longer made
        self.search_whole: list[str] = []     # shard folders replaced as a whole

    # the issues' data, read only when needed
    def issue(self, name: str, keep: bool = True):
        """An issue's data, from its cache (an issue read this time is needed once, and is
        not kept; nor is one not to `keep`), else from its TEI."""
        if name in self._loaded:
            return self._loaded[name]
        issue = _load_issue(self.state, name, self.fingerprint, self.tei["issues"][name])
        if issue is None:   # no cache, or a torn one: read the TEI again
            issue = _read_issue(self.tei_dir / name)
            self._keep(name, issue)
        else:
            issue = _at(issue, self.tei_dir / name)
        if keep and name not in self.fresh:
            self._loaded[name] = issue
        return issue

    def pickled_issue(self, name: str):
        """`issue(name)` as a worker is given it: the bytes its cache holds, for the worker
        to load (`_render_issue_into`; loaded here and pickled again to be sent, it cost
        this process 1.7 ms an issue), else the data itself."""
        if name not in self._loaded:
            pickled = _cached_issue(self.state, name, self.fingerprint, self.tei["issues"][name])
            if pickled is not None:
                return pickled
        return self.issue(name)

    def _keep(self, name: str, issue) -> str:
        """An issue read this time: its data goes to its cache at once and its mentions to
        the spool, and the main process holds only its heading (on 2,000 issues its PSS
        while the issues rendered went 390 → 181 MB; the spool alone saved 120 MB), pickled
        as the heads cache keeps it (`_head_part`: ~2.3 KB an issue, where its objects
        took ~9), and its mentions by entry packed (`names_read`). Each issue is written
        once (a cache is checked against the digests when used, so one written by a build
        that then fails is harmless). Returns the heading's digest (`_summary`'s "head")."""
        _save_issues(self.state, self.fingerprint,
                     {name: _pickled(issue)}, self.tei)
        self.fresh.add(name)
        self.names_read[name] = _issue_names(issue)
        kept = head(issue)
        self._fresh_heads[name] = _head_part(kept, _digest(kept))
        self.spool.add(name, _pickled_by_entry(issue))
        return self._fresh_heads[name][0]

    def registers(self) -> dict:
        """The register entries, as the last build read them while the registers are as
        they were; else read again, each entry whose source is as it was (`site.
        read_register_sources`) reused with its digest (`register_digests`)."""
        if self._registers is None:
            cached = _registers_cache(_load_pickle(self.state / REGISTERS, (self.fingerprint,)))
            if cached is not None and cached["key"] == self.tei["registers"]:
                self._registers, self._register_sources, self._register_digests = \
                    cached["entries"], cached["sources"], cached["digests"]
                return self._registers
            from ..render.site import read_register_sources

            before, known = {}, {}
            if cached is not None:
                before = cached["entries"]
                known = {digest: before[k] for k, digest in cached["sources"].items()
                         if k in before}
            self._registers, self._register_sources = read_register_sources(self.tei_dir, known)
            self._register_digests = {k: digest for k, digest in cached["digests"].items()
                                      if before.get(k) is self._registers.get(k)
                                      } if cached is not None else {}
            self.save_registers = True
        return self._registers

    def register_digests(self) -> dict[str, str]:
        """Each register entry's digest (`_register_digest`), by "kind/key"."""
        entries, digests = self.registers(), self._register_digests
        for k, entry in entries.items():
            if k not in digests:
                digests[k] = _register_digest(entry)
        return {f"{kind}/{key}": digests[(kind, key)] for kind, key in entries}

    save_registers = False

    def head(self, name: str):
        """An issue's heading data: from the heads cache if it is what the manifest says.
        The cache holds each issue's pickled apart, and only those asked for are loaded
        (loading all 2,000 issues' took 0.16 s of an edit that needs two, or a few
        hundred for a register entry's page)."""
        if name in self._head_data:
            return self._head_data[name]
        kept = _unpickled(self._head_bytes(name))
        if kept is None:   # (the cache is written again at the end)
            kept = head(self.issue(name))
            self.cached_heads()[name] = _head_part(kept, self.summaries[name]["head"])
            self._heads_stale = True
        self._head_data[name] = kept
        return kept

    def pickled_head(self, name: str):
        """`head(name)` as a worker is given it: its bytes as the heads cache holds them,
        checked, for the worker to load if a page it renders cites the issue (`_Heads`:
        the 1,083 issues a corrected heading's register pages cite took 0.1 s to load
        here), else the data itself."""
        if name not in self._head_data:
            pickled = self._head_bytes(name)
            if pickled is not None:
                return pickled
        return self.head(name)

    def _head_bytes(self, name: str) -> bytes | None:
        """An issue's heading data pickled, read this time or from the heads cache, if it
        is what the manifest says (`_cached_part`); else None."""
        part = self._fresh_heads.get(name) or self.cached_heads().get(name)
        return _cached_part(part, self.summaries[name]["head"])

    def cached_heads(self) -> dict[str, list]:
        """The heads cache: each issue's heading data, pickled (`_head_part`)."""
        if self._heads is None:
            heads = _load_pickle(self.state / HEADS, (self.fingerprint,))
            self._heads = heads if isinstance(heads, dict) else {}
        return self._heads

    def grouped(self, name: str) -> dict[str, bytes]:
        """The mentions by entry (`_pickled_by_entry`) of an issue not read this time, whose
        part of an entry's cache is missing or stale (those read are in the spool)."""
        if name not in self._grouped:
            self._grouped[name] = _pickled_by_entry(self.issue(name))
        return self._grouped[name]

    def entry_mentions(self, entry: str, groups: list[tuple[str, str]],
                       unit: str | None = None) -> list[bytes]:
        """An entry's mentions in issue order, pickled issue by issue (the main process
        need not hold them as objects, ten times larger): from the issues read now and
        the entry's cache (each issue's part checked against the digest the manifest
        holds), else from the issues' data; the cache is written again at once, so that
        no more than the entries in the workers' hands are held (a cache is checked
        against the digests when used, so one written by a build that then fails is
        harmless). `unit`: the page they are for, whose cache this is (a year's page of
        the entry: see _entry_units)."""
        path = self.state / ENTRIES / f"{unit or entry}.pickle"
        cached = _load_pickle(path, (self.fingerprint,)) or {}
        spooled = self.spool.places(entry)
        out, kept = [], {}
        for name, digest in groups:
            issue_id = self.summaries[name]["id"]
            data = None if name in self.fresh else _cached_part(cached.get(issue_id), digest)
            if data is None:
                data = self.spool.read(spooled[name]) if name in spooled \
                    else self.grouped(name)[entry]
            kept[issue_id] = [digest, data, zlib.crc32(data)]
            out.append(data)
        _dump_pickle(path, (self.fingerprint,), kept)
        return out

    def step(self, what: str, weight: int) -> None:
        """`weight`: what the step counts (`ISSUE_STEPS`, `ENTRY_STEPS`). Counted one
        each, the 3,416 register pages of 500 issues (6 s) and the 500 issues (40 s) made
        the bar's estimate 2:17 left when 39 s were, and the search index's shards of
        50 issues 0:07 left when 31 s were; weighted, it was 6 s off at most."""
        self.done += weight
        self.note(self.done, self.total, what)

    def run(self, paths: list[Path], search: bool) -> tuple[dict, dict]:
        from ..render.build import _check_unique

        old = self.old
        changed = [p for p in paths if old["issues"].get(p.name, {}).get("tei")
                   != self.tei["issues"][p.name]]
        summaries = {}
        for n, (path, issue) in enumerate(zip(changed, ordered_map(
                _read_issue, changed, self.jobs, preload=_PRELOAD)), start=1):
            heading = self._keep(path.name, issue)
            self.note(n, len(changed), f"read {path.name}")
            summaries[path.name] = _summary(issue, self.tei["issues"][path.name], heading)
        for path in paths:
            if path.name not in summaries:
                kept = old["issues"][path.name]
                summaries[path.name] = {k: v for k, v in kept.items()
                                        if k not in ("key", "outputs")}
        order = sorted(summaries, key=lambda n: tuple(summaries[n]["sort"]))
        folder = str(self.tei_dir)   # (a Path for each of 10,000 issues: 0.1 s)
        _check_unique([SimpleNamespace(id=summaries[n]["id"], path=f"{folder}/{n}")
                       for n in order])
        manifest = {"format": _FORMAT, "fingerprint": self.fingerprint, "issues": {},
                    "entries": EntryRecords(), "site": {}, "search": {}, "stat": self.tei["stat"],
                    "registers": {"key": self.tei["registers"]}}

        self.summaries = summaries
        issue_work = self._stale_issues(order, summaries, manifest)
        # a few issues render while the register pages are planned (in a corrected heading's
        # rebuild, the planning took 0.5 s with the second core idle); many, after: the
        # workers would finish the few sent at once and wait while this process plans
        few = len(issue_work) < FORKSERVER_FROM
        self.many = not few
        known, rendering = self._start_issues(issue_work) if few else ({}, None)
        try:
            entries, entry_work = self._stale_entries(order, summaries, manifest)
            site_key = _digest([summaries[n]["listed"] for n in order],
                               summaries[order[-1]]["head"], entries, self.tei["registers"])
            site_stale = old["site"].get("key") != site_key or not self.current(old["site"])
            search_stale = search and (
                old["search"].get("code") != _search_code(self.edition.opencc)
                or not _search_current(old["search"], self.state.parent) or bool(entry_work)
                or old["search"].get("shards") != self.shards(manifest)[1])
            # the search index's shards are known only when it comes to them: until then
            # the issues rendered stand for the issues to index (`_render_search`)
            self.indexing = ISSUE_STEPS * len(issue_work) if search_stale else 0
            self.total = ISSUE_STEPS * (len(issue_work) + site_stale) + self.indexing + \
                ENTRY_STEPS * (len(entry_work) + search_stale)
            entry_pages = self._plan_entries(entry_work, summaries, manifest)
            if search_stale and few:   # (imported while the issues render: 0.1 s)
                from .. import search  # noqa: F401
            if not few:
                known, rendering = self._start_issues(issue_work)
            self._render_issues(known, rendering, issue_work, order, manifest)
        finally:
            if rendering is not None:
                rendering.close()
        self._loaded = {}   # (issues not read this time, loaded to render them again)
        # before the entries' workers, and Pagefind's, come on top (a few issues rendered
        # leave little to give back, and it took 40–90 ms)
        if not few:
            give_back_memory()
        # the search index is made while the entries' pages render, if the names those
        # pages are headed with stand (a corrected heading: 0.3 s less); else after them,
        # as always after many issues, whose shards' workers would add to the entries'
        early = search_stale and few and self._names_stand(entry_work, manifest)
        timed = {"search_seconds": 0.0, "search_cpu_seconds": 0.0}
        rendering = self._start_entries(entry_pages)
        try:
            if early:
                names = self._register_names(manifest, staged=False)
                manifest["search"] = self._timed_search(manifest, bool(entry_work), names,
                                                        timed)
            self._render_entries(entry_pages, rendering, manifest)
        finally:
            rendering.close()
        self.spool.close()
        if early and not self._names_as_foreseen(entry_work, names):   # made again, anew
            shutil.rmtree(self.new / SEARCH_INDEX[0], ignore_errors=True)
            (self.new / SEARCH_INDEX[1]).unlink(missing_ok=True)
            manifest["search"] = self._timed_search(manifest, bool(entry_work), None, timed)
        if site_stale:
            manifest["site"] = self._render_site(order, site_key, entries)
            self.step("index, register and site pages", ISSUE_STEPS)
        else:
            manifest["site"] = old["site"]
        if search_stale and not early:
            if not few:   # (before Pagefind and the index's workers come on top: on 2,000
                give_back_memory()   # issues, 15 MB of the 213 the entry and site pages left)
            manifest["search"] = self._timed_search(manifest, bool(entry_work), None, timed)
        elif search and not search_stale:
            manifest["search"] = old["search"]
        return manifest, {"rendered_issues": len(issue_work), "rendered_entries": len(entry_work),
                          "site_rendered": site_stale, "search_rendered": search_stale, **timed}

    def shards(self, manifest: dict) -> tuple[dict, dict]:
        """`_shards` of this build's issues, worked out once (from their ids and TEI,
        which `_stale_issues` sets and nothing changes after: 0.12 s at 10,000 issues)."""
        if self._shards_found is None:
            self._shards_found = _shards(manifest)
        return self._shards_found

    def _names_as_foreseen(self, work: list[str], names: dict) -> bool:
        """Whether the register pages rendered this time are headed with the `names` the
        search index was made with (`_names_stand`)."""
        from .. import search
        from ..search.records import register_head

        pages = [f"html/registers/{unit}.html" for unit in work if YEAR not in unit]
        heads = {rel: register_head(f"{self.new}/{rel}") for rel in pages}
        if None in heads.values():
            return False
        found = search.register_names(heads)
        return all(found.get(key) == names.get(key) for key in
                   (tuple(unit.split("/", 1)) for unit in work if YEAR not in unit))

    def _timed_search(self, manifest: dict, names_changed: bool, names: dict | None,
                      timed: dict) -> dict:
        """`_render_search`, its time and CPU added to `timed`."""
        start, start_cpu = time.perf_counter(), _cpu()
        made = self._render_search(manifest, names_changed, names)
        timed["search_seconds"] += time.perf_counter() - start
        timed["search_cpu_seconds"] += _cpu() - start_cpu
        self.step("search index", ENTRY_STEPS)
        return made

    def _names_stand(self, work: list[str], manifest: dict) -> bool:
        """Whether every register page rendered this time will be headed with the name it
        has now (`site.Entry.name`: the register's, else the one first printed), so that
        the search index can be made from the pages in place: the registers as they were,
        and each entry's first name too, its page on disk as written."""
        if self.old["registers"].get("key") != self.tei["registers"]:
            return False
        for unit in work:
            if YEAR in unit:   # (a year's page is headed like the entry's own)
                continue
            record = self.old["entries"].get(unit)
            if record is None or record.get("first") != manifest["entries"][unit]["first"] \
                    or not self.current(record):
                return False
        return True

    def _stale_issues(self, order: list[str], summaries: dict, manifest: dict) -> list[tuple]:
        """Issues whose pages must be rendered: their TEI changed, or what their page shows
        of the issue before or after it (`site.Listed`: a corrected heading there is not
        on it), or an output is not on disk as it was written."""
        work = []
        for n, name in enumerate(order):
            around = [order[n - 1] if n else None, order[n + 1] if n + 1 < len(order) else None]
            key = "|".join([summaries[name]["tei"]] + [
                _SEP.join(map(str, summaries[x]["listed"])) if x else "-" for x in around])
            record = self.old["issues"].get(name)
            if record and record.get("key") == key and self.current(record):
                manifest["issues"][name] = {**summaries[name], "key": key,
                                            "outputs": record["outputs"]}
            else:
                manifest["issues"][name] = {**summaries[name], "key": key, "outputs": {}}
                work.append((name, *around))
        return work

    def _start_issues(self, work: list[tuple]) -> tuple[dict, Iterator]:
        """The stale issues' pages, being rendered (`ordered_map`: the outputs and the titles
        romanised of each, in order), and the romanisations the workers were given."""
        from ..render.site import Listed

        items = _Lazy(work, lambda w: (self.pickled_issue(w[0]), self.tei_dir / w[0], *(
            Listed(*self.summaries[x]["listed"]) if x else None for x in w[1:])))
        known = {}
        if work:
            known = _load_romanized(self.state, self.fingerprint)
        if work and not self.many:
            from ..render.hant import converter

            # loaded here, where the search index needs it too, a forked worker has it
            # (each loaded OpenCC's dictionaries: 84 ms). Not after many issues: their
            # workers start from a forkserver, and the pages that need it in this
            # process then render in workers too; it would hold 41 MB here to the end.
            converter(self.edition.opencc)
        return known, ordered_map(_render_issue_into, items, self.jobs,
                                  initializer=_start_worker,
                                  initargs=(self.new, self.edition, None, known),
                                  preload=_PRELOAD, beside=True)

    def _render_issues(self, known: dict, rendering, work: list[tuple], order: list[str],
                       manifest: dict) -> None:
        """Takes the pages `_start_issues` renders into the manifest."""
        if not work:
            return
        used: dict = {} if len(work) == len(order) else dict(known)
        for (name, *_), (outputs, romanized) in zip(work, rendering):
            manifest["issues"][name]["outputs"] = _Made(outputs)
            used.update(romanized)
            self.step(manifest["issues"][name]["id"], ISSUE_STEPS)
        self.romanized = used if used != known else None

    romanized: dict | None = None   # the romanisations to keep, if they changed
    many = False   # many issues rendered: the pages of the whole edition render in a worker

    def _stale_entries(self, order: list[str], summaries: dict, manifest: dict):
        """Each entry's key, and the entries whose pages must be rendered.

        Returns the (entry, register digest, number of mentions, first name) of every
        entry, which the site pages show, and the stale ones' "kind/key"s. Only the
        entries that the issues read this time (or gone) mention, now or before, and
        those whose entry in the registers changed, are worked out again when the last
        build's table of who mentions what (`MENTIONED`) is the one made with its
        manifest: every other entry's key and listing are the last build's. (The table
        comes from the issues alone: a register changed, as by a source converted again,
        leaves it to be brought up to date, not made anew: 1.4 s on 19,450 entries.)"""
        registers = self.old["registers"]
        recorded = "entries" in registers
        if recorded and registers.get("key") == self.tei["registers"]:
            digests = registers["entries"]
        else:
            digests = self.register_digests()
        manifest["registers"]["entries"] = digests
        index, touched = self._mentioned(order, summaries, recorded)
        if touched is not None and digests is not registers["entries"]:
            before = registers["entries"]
            touched = touched | {e for e in set(digests) | set(before)
                                 if digests.get(e) != before.get(e)}
        listing, work = [], []
        old, records = self.old["entries"], manifest["entries"]
        for entry in sorted(set(digests) | set(index) if touched is None else
                            set(digests) | set(old.own) | touched):
            record = old.own.get(entry)
            years = (record.get("years") or []) if record else []
            if touched is not None and entry not in touched and record is not None and (
                    not years or old.has_years(entry) if self.intact else
                    all(f"{entry}{YEAR}{y}" in old for y, _, _ in years)):
                count, first = record["count"], record["first"]
                listing.append((entry, digests.get(entry, "-"), count, first))
                if self.intact:   # (its pages stand, as recorded: taken over unread)
                    records.carry(old, entry)
                    continue
                units = {entry: (record["key"], count), **{
                    unit: (old[unit]["key"], old[unit]["count"])
                    for unit in (f"{entry}{YEAR}{y}" for y, _, _ in years)}}
            else:
                rows = self.rows(entry)
                if entry not in digests and not rows:
                    continue   # no longer in the registers and mentioned nowhere
                count, first = sum(r[3] for r in rows), rows[0][4] if rows else ""
                units, years = self._entry_units(entry, digests.get(entry, "-"), rows, first)
                listing.append((entry, digests.get(entry, "-"), count, first))
            for unit, (key, number) in units.items():
                record = old.get(unit)
                if record and record["key"] == key and self.current(record):
                    records[unit] = record if record.get("count") == number and \
                        record.get("first") == first else {**record, "count": number,
                                                           "first": first}
                else:
                    records[unit] = {"key": key, "outputs": {}, "count": number,
                                     "first": first}
                    work.append(unit)
            if years:
                records[entry] = {**records[entry], "years": years}
        return listing, work

    def _entry_units(self, entry: str, register: str, rows: list[tuple], first: str
                     ) -> tuple[dict[str, tuple[str, int]], list[list] | None]:
        """The pages an entry's mentions are rendered on, each with its key and number of
        mentions, and the entry's years ([year, issues, mentions], what its own page lists)
        if it has pages by year (`render.build.year_pages`: many mentions over several
        years). Each year's page is keyed by that year's rows alone: a correction to one
        issue renders one year's page, not the megabytes of every mention of a name."""
        from ..render.build import year_pages

        count = sum(r[3] for r in rows)
        by_year = self.rows_by_year(rows)
        mentions = {year: sum(r[3] for r in mine) for year, mine in by_year.items()}
        found = year_pages(mentions)
        if not found:
            return {entry: (_digest(register, [r[1:3] for r in rows]), count)}, None
        years = [[year, len(by_year[year]), mentions[year]] for year in found]
        units = {entry: (_digest(register, first, years), count)}
        for n, year in enumerate(found):
            around = found[n - 1] if n else None, found[n + 1] if n + 1 < len(found) else None
            units[f"{entry}{YEAR}{year}"] = (
                _digest(register, first, year, around, [r[1:3] for r in by_year[year]]),
                mentions[year])
        return units, years

    def rows_by_year(self, rows: list[tuple]) -> dict[str, list[tuple]]:
        """An entry's rows by the year whose page shows them (`render.build.mention_year`)."""
        if self._years is None:
            from ..render.build import mention_year

            self._years = {n: mention_year(summary["sort"][0])
                           for n, summary in self.summaries.items()}
        by_year: dict[str, list[tuple]] = {}
        for row in rows:
            by_year.setdefault(self._years[row[0]], []).append(row)
        return by_year

    _years: dict[str, str] | None = None   # each issue's year (rows_by_year)

    def _mentioned(self, order: list[str], summaries: dict, recorded: bool):
        """Which issues mention each entry: {"kind/key": packed rows (file name, issue id,
        mentions digest, number, first name)} in issue order (`_unpack_rows`
        reads them), and the entries whose rows differ from the last build's (None:
        all of them).

        The last build's table is brought up to date when it can be trusted (made with
        the very manifest read, the registers' entries and every entry's listing
        recorded); else it is made anew, in SQLite (`make_whole`), from every issue's
        mentions by entry: those read this time, those the table holds for the same TEI
        (whatever its stamp), else worked out from the issue's data."""
        from ..mention_table import MentionTable, make_whole, saved_issue_names  # (not for a no-op)

        old = self.old
        index = None
        if recorded and old.get("digest") and all(
                "count" in r for r in old["entries"].opened_records()):
            index = MentionTable.open(self.state / MENTIONED,
                                      _mention_stamp(self.fingerprint, old["digest"]))
        if index is not None:
            try:
                return self._update_mentioned(index, order, summaries)
            except (ValueError, KeyError):   # a damaged table: made again below
                index.close()
        keys = {name: _names_key(self.fingerprint, summaries[name]["tei"]) for name in order}
        packed = saved_issue_names(self.state / MENTIONED, {
            name: key for name, key in keys.items() if name not in self.names_read})
        packed.update(self.names_read)
        for name in order:
            if name not in packed:   # (no table, or not one an earlier build saved them in)
                packed[name] = _issue_names(self.issue(name, keep=False))
        self.mentioned = make_whole(self.state / MENTIONED, _packed_mentions(
            order, summaries, packed), ((name, keys[name], packed[name]) for name in order))
        self.names_read = {}   # (in the table now: on 10,000 issues, 65 MB)
        return self.mentioned, None

    def _update_mentioned(self, index: "MentionTable", order: list[str], summaries: dict):
        """The last build's table of `_mentioned`, brought up to date from the issues read
        now (and gone), and the entries whose rows changed.

        Of the entries those issues mention, now or before, most have the same rows as
        before (a corrected heading changes what the pages of its article's names show,
        not of the issue's other 100-odd): their pages and keys stand, and their rows
        are compared packed, not unpacked and digested again."""
        old = self.old
        gone = set(old["issues"]) - set(summaries)
        redo = set(self.fresh) | gone
        touched: set[str] = set()
        for name in sorted(redo):
            if name in old["issues"]:
                before = index.issue_names(name, _names_key(self.fingerprint,
                                                            old["issues"][name]["tei"]))
                if before is None:
                    raise ValueError(f"no mentions kept of {name}")
                touched.update(_unpack_names(before))
        fresh = _mention_rows(sorted(self.fresh), summaries, self.names_read)
        touched.update(fresh)
        for name in sorted(self.fresh):
            index.set_issue_names(name, _names_key(self.fingerprint, summaries[name]["tei"]),
                                  self.names_read[name])
        for name in sorted(gone):
            index.drop_issue(name)
        place = {name: n for n, name in enumerate(order)}
        changed = set()

        def where(row: str) -> int:
            return place[_row_file(row)]

        for entry in touched:
            before = index.get(entry, "")
            if before and (not before.endswith(_END)
                           or before.count(_SEP) != 4 * before.count(_END)):
                raise ValueError(f"the damaged rows of {entry}")
            new = {r[0]: _pack_rows([r]) for r in fresh.get(entry, [])}
            if all(_packed_row(before, name) == new.get(name) for name in redo):
                continue
            # the other issues' rows stay as they are, in issue order (an issue's place moves
            # only if its own TEI changed), and each new row goes in at its issue's place
            after = before
            for name in redo:
                after = _without_row(after, name)
            rows = after.split(_END)[:-1]
            for name, row in new.items():
                rows.insert(bisect.bisect(rows, place[name], key=where), row[:-1])
            after = "".join(r + _END for r in rows)
            if after == before:
                continue
            changed.add(entry)
            if after:
                index[entry] = after
            else:
                index.pop(entry, None)
        self.mentioned = index
        return index, changed

    mentioned: "MentionTable | None" = None   # _mentioned's table, for the next build

    def close_mentioned(self) -> None:
        """Let go of the table, unsaved (a build planned again opens or makes it anew)."""
        if self.mentioned is not None:
            self.mentioned.close()

    def rows(self, entry: str) -> list[tuple]:
        """An entry's rows of the `mentioned` table, read from SQLite and unpacked each time:
        the table is not held in memory (see `mention_table.make_whole`)."""
        return _unpack_rows(self.mentioned.get(entry, ""))

    def _plan_entries(self, work: list[str], summaries: dict, manifest: dict) -> tuple:
        """The stale entries' pages in runs for the workers, largest first: (the runs, each
        run's entries as `_entry_pages_into` takes them, made when it is sent, and the
        heading data of the issues they cite)."""
        if not work:
            return [], [], {}
        from ..render.site import Entry, join_mentions

        wanted = {unit.partition(YEAR)[0] for unit in work}
        listed = {f"{e.kind}/{e.key}": e for e in join_mentions(
            {k: e for k, e in self.registers().items() if f"{k[0]}/{k[1]}" in wanted}, [])}
        # each year page's rows, packed until it is rendered: an entry's rows are unpacked
        # once for all its year pages (unpacked for each, a first build of 2,000 issues, with
        # 5,220 year pages, took 298–334 s instead of 236)
        packed: dict[str, str] = {}

        def entries(run: list[str]):   # made only when a worker is about to get it (_Lazy)
            made = []
            for unit in run:
                name, _, year = unit.partition(YEAR)
                record = manifest["entries"][name]
                entry = listed.get(name) or Entry(*name.split("/", 1))
                years = record.get("years")
                if not year and years:   # the entry's own page lists its years
                    page = ("years", [tuple(row) for row in years])
                    made.append((entry, page, record["count"], record["first"], []))
                    continue
                rows = _unpack_rows(packed.pop(unit)) if year else self.rows(name)
                page = ("year", year, [y for y, _, _ in years]) if year else ("whole",)
                made.append((entry, page, record["count"], record["first"],
                             self.entry_mentions(name, [(r[0], r[2]) for r in rows], unit)))
            return made

        count, mentioning, pending = {}, set(), set(work)
        for unit in work:
            name, _, year = unit.partition(YEAR)
            if not year and manifest["entries"][name].get("years"):
                count[unit] = len(manifest["entries"][name]["years"])
                continue
            if year and unit not in packed:
                for other, rows in self.rows_by_year(self.rows(name)).items():
                    if f"{name}{YEAR}{other}" in pending:
                        packed[f"{name}{YEAR}{other}"] = _pack_rows(rows)
            rows = _unpack_rows(packed[unit]) if year else self.rows(name)
            count[unit] = sum(r[3] for r in rows)
            mentioning.update(r[0] for r in rows)
        work = sorted(work, key=lambda unit: -count[unit])  # the longest pages first, to share out
        by_id = {summaries[n]["id"]: self.pickled_head(n) for n in sorted(mentioning)}
        # a few pages are shared out among the workers, not left in one run of 16
        runs = _runs(work, count, length=min(16, -(-len(work) // (2 * resolve_jobs(self.jobs)))))
        return runs, _Lazy(runs, entries), by_id

    def _start_entries(self, planned: tuple) -> Iterator:
        """The entries' pages `_plan_entries` planned, being rendered (`ordered_map`)."""
        _, items, by_id = planned
        return ordered_map(_entry_pages_into, items, self.jobs, initializer=_start_worker,
                           initargs=(self.new, self.edition, by_id), preload=_PRELOAD)

    def _render_entries(self, planned: tuple, rendering: Iterator, manifest: dict) -> None:
        """Takes the pages `_start_entries` renders into the manifest."""
        runs = planned[0]
        for run, outputs in zip(runs, rendering):
            for unit, made in zip(run, outputs):
                manifest["entries"][unit]["outputs"] = _Made(made)
                self.step(unit, ENTRY_STEPS)
        self._grouped.clear()

    def _render_site(self, order: list[str], key: str, listing: list[tuple]) -> dict:
        """The pages that list every issue or entry; staged only where their bytes changed.

        Of an entry's mentions these pages show how many there are and the name first
        printed, which `listing` (from `_stale_entries`) holds: no issue is read again.
        After many issues they are rendered in a worker (`_site_pages_into`): their
        objects, made and let go here, left this process 22 MB larger to its end on 2,000
        issues, 40 MB on 4,000."""
        from ..render.site import REGISTER_FILES, Listed

        before = _outputs(self.old["site"]) if self.old["site"] else {}
        kept = {rel: stamp for rel, stamp in before.items()
                if len(stamp) > 2 and self.on_disk.get(rel) == tuple(stamp[:2])}
        unchanged = {rel: stamp[2] for rel, stamp in kept.items()}   # (their digests)
        work = (self.registers(), listing, [Listed(*self.summaries[n]["listed"]) for n in order],
                self.head(order[-1]), unchanged, self.old["site"].get("pages", {}))
        digests, pages = self._aside(_site_pages_into, work)
        for name in sorted(REGISTER_FILES.values()):
            if (self.tei_dir / name).is_file():
                rel = f"html/tei/{name}"
                data = (self.tei_dir / name).read_bytes()
                digests[rel] = sha256(data)
                if unchanged.get(rel) != digests[rel]:
                    _stage(self.new, rel, data)
        # (those staged are stamped once in place)
        outputs = {rel: kept[rel] if unchanged.get(rel) == digest else [0, 0, digest]
                   for rel, digest in sorted(digests.items())}
        return {"key": key, "outputs": outputs, "pages": pages}

    def _aside(self, func: Callable, work):
        """`func(work)`, a job of the whole edition: in a worker after many issues (what it
        makes and lets go would stay in this process's memory to its end), here after a
        few (a worker's start would cost more than it saves)."""
        return next(ordered_map(func, [work], self.jobs if self.many else 1,
                                initializer=_start_worker, initargs=(self.new, self.edition),
                                preload=_PRELOAD, beside=self.many))

    def _render_search(self, manifest: dict, names_changed: bool,
                       names: dict | None = None) -> dict:
        """The search index's shards whose issues' pages changed, and its common files,
        staged to move in with the pages.

        A shard is a fixed block of issues (`search.shard_of`) indexed from their
        pages in both scripts and the register names they link to; its key is
        those issues' page keys. A register name shown in a shard may change with
        its entry's page: then `search.stale_shards` says which shards to redo.
        A shard whose bundle is in place and of whose issues a few have changed
        since (none gone) keeps its bundle, and those issues are indexed into its
        overlay (`search.overlay_files`): an edit costs one issue's indexing, not
        its shard's. `bases` records the issues each bundle was made from."""
        from .. import search
        from ..search.index import BUNDLE

        old, out_dir = self.old["search"], self.state.parent
        code = _search_code(self.edition.opencc)
        full = old.get("code") != code or not old.get("outputs")
        members, keys = self.shards(manifest)
        stale = {s for s, key in keys.items() if full or old.get("shards", {}).get(s) != key}
        bundle = out_dir / "html" / BUNDLE
        on_disk = {p.name for p in bundle.iterdir() if p.is_dir()} if bundle.is_dir() else set()
        # a shard whose summary or folders (or its overlay's) are not as written is indexed
        # again whole: changed by hand, or written by `tei-build search-index`, which folds
        # overlays in (html/pagefind/<folder>, its shard.json, its fragment/ …; a common
        # file, html/pagefind/pagefind.js, names no shard, and is made again below anyway)
        changed = set() if full else {
            search.base_of(rel.split("/")[2]) for rel in _unstamped(old, out_dir)
            if rel.count("/") >= 2} & set(keys)

        if names is None:
            names = self._register_names(manifest)
        # every shard in place was made with, or checked against, the names the last
        # index was made with: only if they changed can a shard (or its overlay) show an old one
        names_digest = _digest(list(names.items()))
        renamed = set()
        if names_changed and not full and old.get("names") != names_digest:
            shown = {s: d for s, d in search.read_summaries(out_dir).items()
                     if search.base_of(s) in keys}
            renamed = {search.base_of(s) for s in search.stale_shards(shown, names)}
            renamed -= _renamed_in_edits_only(renamed & stale - changed, members,
                                              old.get("bases", {}), names, self.state, code)
        bases = {} if full else dict(old.get("bases", {}))
        overlays = {} if full else dict(old.get("overlays", {}))
        whole, overlaid = _overlays(stale | changed, renamed | changed, members, bases, overlays,
                                    on_disk, search.OVERLAY_ISSUES)
        kept = set(keys) | {search.overlay_of(s) for s in overlays}
        gone = on_disk - kept

        def item(spec: tuple) -> tuple:
            """A shard's work, its pages listed as it is sent (`_Lazy`): only the shards in
            flight are listed (all at once, they were held to the end: ~2 MB on 2,000
            issues, in process)."""
            shard, overlay = spec
            pages = [(rel, str(self._page(rel))) for issue, _ in sorted(members[shard])
                     for rel in search.shard_pages(issue) if self._page(rel).exists()]
            return shard, pages, overlay, names, self.edition.opencc, self.new, self.state, code

        work = [(shard, None) for shard in sorted(whole)]
        work += [(shard, (edited, [issue for issue in edited if issue in bases[shard]]))
                 for shard, edited in sorted(overlaid.items()) if edited]
        summaries = dict.fromkeys(gone)
        for shard in gone:
            (self.state / SEARCH_RECORDS / f"{shard}.json").unlink(missing_ok=True)
        made = [(shard if overlay is None else search.overlay_of(shard))
                for shard, overlay in work]
        # an issue's steps for each issue indexed, before the index's own (`_timed_search`)
        weights = [ISSUE_STEPS * (len(members[shard]) if overlay is None else len(overlay[0]))
                   for shard, overlay in work]
        self.total += sum(weights) - self.indexing
        self.indexing = 0
        for folder, weight, summary in zip(made, weights, ordered_map(
                _index_shard, _Lazy(work, item), self.jobs, preload=_PRELOAD)):
            summaries[folder] = summary
            self.step(f"search index {folder}", weight)
        # (their making, here, left this process 37 MB larger to its end on 2,000 issues)
        summed = None if full else _load_pickle(self.state / SEARCH_SUMS,
                                                 (self.fingerprint, _index_identity(old)))
        common, self.search_sums = self._aside(_common_files_into, (summaries, out_dir, summed))
        self.search_removed = [f"html/{BUNDLE}/{s}" for s in sorted(gone)] + sorted(
            f"html/{BUNDLE}/{p.name}" for p in (bundle.iterdir() if bundle.is_dir() else ())
            if p.is_file() and f"html/{BUNDLE}/{p.name}" not in common)
        self.search_whole = [f"html/{BUNDLE}/{s}" for s in sorted(made) if summaries.get(s)]
        # what the next build checks (`_unstamped`): the common files and each bundle's
        # summary, and each bundle's folders (not the ~1,800 files of a shard one by one).
        # A bundle not made again keeps its stamps, checked when this build began; what
        # was made is stamped once it is in place.
        was = {} if full else old.get("outputs", {})
        outputs = {rel: [0, 0] for rel in common}   # ([0, 0]: to be stamped, see _commit)
        for folder in sorted(kept):
            folders = _bundle_folders(self.new if folder in made else out_dir,
                                      f"html/{BUNDLE}/{folder}")
            if not folders:   # (a shard without records has no bundle)
                continue
            for rel in (f"{folders[0]}/{search.shards.SUMMARY}", *folders):
                outputs[rel] = [0, 0] if folder in made else was.get(rel, [0, 0])
        return {"code": code, "shards": keys, "names": names_digest,
                "bases": {s: dict(sorted(b.items())) for s, b in sorted(bases.items())},
                "overlays": dict(sorted(overlays.items())),
                "outputs": dict(sorted(outputs.items()))}

    search_sums: tuple | None = None   # what the index's common files sum (`search.Sums`)

    def save_caches(self, manifest: dict) -> None:
        """The caches of what this build read (torn or stale files are simply not used)."""
        if self.search_sums is not None:
            _dump_pickle(self.state / SEARCH_SUMS, (self.fingerprint, _index_identity(
                manifest["search"])), self.search_sums)
            self.search_sums = None
        if self.romanized is not None:
            _dump_cache(self.state / ROMANIZED, self.fingerprint, "texts", self.romanized)
        if self.save_registers:
            _dump_pickle(self.state / REGISTERS, (self.fingerprint,), {
                "key": self.tei["registers"], "entries": self._registers,
                "sources": self._register_sources, "digests": self._register_digests})
        if self._heads_stale or self._heads_changed(manifest) or not (self.state / HEADS).is_file():
            cached = self.cached_heads()
            # (a head kept from the cache is checked when it is used, so it is kept unchecked)
            heads = {name: self._fresh_heads.get(name) or cached.get(name) or
                     _head_part(self.head(name), manifest["issues"][name]["head"])
                     for name in manifest["issues"]}
            _dump_pickle(self.state / HEADS, (self.fingerprint,), heads)
        # the mentions caches of pages no longer made, and of an entry's own page once
        # it lists its years instead of its mentions
        records, before = manifest["entries"], self.old["entries"]
        gone = {unit for unit, _ in records.changed_since(before) if unit not in records}
        gone.update(name for name, record in records.own.items() if record.get("years")
                    and not before.own.get(name, {}).get("years"))
        for entry in gone:
            (self.state / ENTRIES / f"{entry}.pickle").unlink(missing_ok=True)

    def _heads_changed(self, manifest: dict) -> bool:
        """An issue read this time is new, or its heading data is not what it was (the heads
        cache then needs writing again; an edit of a paragraph changes no head)."""
        old = self.old["issues"]
        return any(name not in old or old[name].get("head") != manifest["issues"][name]["head"]
                   for name in self.fresh if name in manifest["issues"])

    @property
    def on_disk(self) -> Mapping:
        return self.scan.files

    def current(self, record: dict) -> bool:
        """Every output of the record is on disk as it was written."""
        return self.intact or all(self.on_disk.get(rel) == tuple(stamp[:2])
                                  for rel, stamp in _outputs(record).items())

    def _stamp(self, record: dict, rel: str) -> tuple | None:
        """(size, mtime) of an output in place: as the record has it while the disk is
        assumed to be as recorded (checked once the scan is done, and planned again if
        not), which spares waiting for the scan; else as the scan found it."""
        if self.intact:
            stamp = _output(record, rel)
            return tuple(stamp[:2]) if stamp else None
        return self.on_disk.get(rel)

    def _page(self, rel: str) -> Path:
        """A page of the new edition: staged, or as it is on disk."""
        staged = self.new / rel
        return staged if staged.exists() else self.state.parent / rel

    def _register_names(self, manifest: dict, staged: bool = True) -> dict:
        """The name each register entry's page is headed with, in the new edition: read
        from the pages rendered this time, and from the pages on disk unless the names
        cache has the page's name and the page is as it was when that was read.
        `staged=False`: the pages being rendered are not looked for (their names are
        those of the pages in place: `_names_stand`)."""
        from ..search.records import read_register_name

        code = _search_code(self.edition.opencc)
        cached = _load_names(self.state, code)
        self.names_code = code
        names = {}
        # (paths as strings: a Path for each of 3,747 entries took 0.1 s)
        new, out_dir = str(self.new), str(self.state.parent)
        # (the entries' own pages: a year's page of an entry is headed with the same name)
        for entry, record in manifest["entries"].own.items():
            rel = f"html/registers/{entry}.html"
            where = f"{new}/{rel}"
            # (only a page rendered this time, its outputs not yet packed, may be staged)
            if not staged or not isinstance(record["outputs"], (dict, _Made)) or \
                    not os.path.exists(where):
                kept = cached.get(rel)
                if kept and self._stamp(record, rel) == tuple(kept[:2]):
                    names[tuple(entry.split("/", 1))] = kept[2]
                    continue
                where = f"{out_dir}/{rel}"
            found = read_register_name(where, rel)
            if found:
                names[found[0]] = found[1]
        self.names = names
        return dict(sorted(names.items()))

    names: dict | None = None   # the register names the search index was made with

    def save_mentioned(self, manifest_digest: str) -> None:
        """Who mentions what, for the next build: stamped with the manifest it belongs to,
        so it is used only with that manifest (a stale or torn one is simply remade)."""
        if self.mentioned is not None:
            self.mentioned.save(_mention_stamp(self.fingerprint, manifest_digest))

    def save_names(self, now: dict) -> None:
        """The names cache: each register page's name, with its size and mtime once in place."""
        if self.names is None:
            return
        names = {f"html/registers/{kind}/{key}.html": name
                 for (kind, key), name in self.names.items()}
        pages = {rel: [*stamp, names[rel]] for rel, stamp in now.stamps(names).items()}
        _dump_cache(self.state / NAMES, self.names_code, "pages", pages)
