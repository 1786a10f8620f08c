"""One build, planned and run: what is stale, rendered into the staging folder by the
workers, and the new manifest (`_Plan`).
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Mapping
from pathlib import Path
from types import SimpleNamespace

from ..fsutil import sha256
from ..output_scan import SEARCH_INDEX
from ..parallel import FORKSERVER_FROM, give_back_memory, ordered_map
from .caches import ENTRIES, HEADS, REGISTERS, ROMANIZED, SEARCH_SUMS, _Spool, _dump_cache, \
    _dump_pickle, _head_part
from .entry_records import EntryRecords
from .indexing import _index_identity, _search_current
from .keys import _FORMAT, _digest, _search_code
from .manifest import _output, _outputs
from .plan_entries import _EntryPages
from .plan_issues import _IssuePages
from .plan_reads import _Reads
from .plan_search import _SearchIndex
from .steps import ENTRY_STEPS, ISSUE_STEPS
from .workers import _PRELOAD, _read_and_kept, _site_pages_into, _stage, _start_worker


class _Plan(_Reads, _IssuePages, _EntryPages, _SearchIndex):
    """One build: decides what is stale, renders it into the staging folder, and
    makes the new manifest. `run` goes through the parts in turn: the issues' pages
    (`plan_issues`), the register entries' (`plan_entries`), the pages that list them
    all (here), the search index (`plan_search`); all read through `plan_reads`, and
    all keep their state here, set up in `__init__`."""

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
        for n, (path, read) in enumerate(zip(changed, ordered_map(
                _read_and_kept, changed, self.jobs, preload=_PRELOAD)), start=1):
            summaries[path.name] = self._keep_read(path.name, read)
            self.note(n, len(changed), f"read {path.name}")
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

    many = False   # many issues rendered: the pages of the whole edition render in a worker

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

    def save_caches(self, manifest: dict) -> None:
        """The caches of what this build read (torn or stale files are simply not used)."""
        if self.search_sums is not None:
            _dump_pickle(self.state / SEARCH_SUMS, (self.fingerprint, _index_identity(
                manifest["search"])), self.search_sums)
            self.search_sums = None
        if self.romanized is not None:
            _dump_cache(self.state / ROMANIZED, self.fingerprint, "texts", self.romanized_words())
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
