"""Which shards of the search index a build makes again, and their making, with the
register names the index shows.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

from ..parallel import ordered_map
from .caches import NAMES, SEARCH_RECORDS, SEARCH_SUMS, _dump_cache, _load_names, _load_pickle
from .entry_records import YEAR
from .indexing import _bundle_folders, _index_identity, _overlays, _renamed_in_edits_only, \
    _shards, _unstamped
from .keys import _digest, _search_code
from .manifest import _Made
from .steps import ENTRY_STEPS, ISSUE_STEPS, _cpu
from .workers import _Lazy, _PRELOAD, _common_files_into, _index_shard


class _SearchIndex:
    """The search index's part of `plan._Plan`."""

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
        adopted = self._made_by_search_index(whole & on_disk, members, names)
        whole -= adopted
        kept = set(keys) | {search.overlay_of(s) for s in overlays}
        gone = on_disk - kept

        def item(spec: tuple) -> tuple:
            """A shard's work, its pages listed as it is sent (`_Lazy`): only the shards in
            flight are listed (all at once, they were held to the end: ~2 MB on 2,000
            issues, in process)."""
            shard, overlay = spec
            pages = [(rel, str(path)) for rel, path in self._shard_pages(members[shard])]
            return shard, pages, overlay, names, self.edition.opencc, self.new, self.state, code

        work = [(shard, None) for shard in sorted(whole)]
        work += [(shard, (edited, [issue for issue in edited if issue in bases[shard]]))
                 for shard, edited in sorted(overlaid.items()) if edited]
        staged = dict.fromkeys(gone)   # each shard's summary, where it is staged
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
            staged[folder] = summary
            self.step(f"search index {folder}", weight)
        # (their making, here, left this process 37 MB larger to its end on 2,000 issues)
        summed = None if full or adopted else _load_pickle(
            self.state / SEARCH_SUMS, (self.fingerprint, _index_identity(old)))
        common, self.search_sums = self._aside(_common_files_into, (staged, out_dir, summed))
        self.search_removed = [f"html/{BUNDLE}/{s}" for s in sorted(gone)] + sorted(
            f"html/{BUNDLE}/{p.name}" for p in (bundle.iterdir() if bundle.is_dir() else ())
            if p.is_file() and f"html/{BUNDLE}/{p.name}" not in common)
        self.search_whole = [f"html/{BUNDLE}/{s}" for s in sorted(made) if staged.get(s)]
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
                outputs[rel] = [0, 0] if folder in made or folder in adopted else \
                    was.get(rel, [0, 0])
        return {"code": code, "shards": keys, "names": names_digest,
                "bases": {s: dict(sorted(b.items())) for s, b in sorted(bases.items())},
                "overlays": dict(sorted(overlays.items())),
                "outputs": dict(sorted(outputs.items()))}

    search_sums: tuple | None = None   # what the index's common files sum (`search.Sums`)

    def _shard_pages(self, members: list) -> list[tuple[str, Path]]:
        """The pages a shard of these (issue, TEI digest) members is made from, both
        scripts, as this build leaves them: ('html/…', where it is)."""
        from .. import search

        return [(rel, page) for issue, _ in sorted(members) for rel in search.shard_pages(issue)
                if (page := self._page(rel)).exists()]

    def _made_by_search_index(self, shards: set[str], members: dict, names: dict) -> set[str]:
        """Of `shards` (to be indexed whole, their bundles in place), those whose bundle
        was made from the very pages this build leaves and the register names it has, by
        this code (`search.made_from`): `tei-build search-index` after `build
        --no-search`. They are kept as they are, and stamped (made again, the whole index
        after a first build put it off: 58 s on 2,000 issues)."""
        from .. import search
        from ..search.index import BUNDLE

        folder = self.state.parent / "html" / BUNDLE
        adopted = set()
        for shard in sorted(shards):
            try:
                summary = (folder / shard / search.SUMMARY).read_bytes()
            except OSError:
                continue

            def pages(shard=shard) -> dict[str, bytes]:
                return {rel: path.read_bytes() for rel, path in self._shard_pages(members[shard])}

            def bundle(shard=shard) -> dict[str, bytes]:
                root = folder / shard
                return {f"html/{BUNDLE}/{shard}/{rel}": path.read_bytes()
                        for path in root.rglob("*") if path.is_file()
                        and (rel := path.relative_to(root).as_posix()) != search.SUMMARY}
            if search.made_from(summary, pages, bundle, names, self.edition.opencc):
                adopted.add(shard)
        return adopted

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

    def save_names(self, now: dict) -> None:
        """The names cache: each register page's name, with its size and mtime once in place."""
        if self.names is None:
            return
        names = {f"html/registers/{kind}/{key}.html": name
                 for (kind, key), name in self.names.items()}
        pages = {rel: [*stamp, names[rel]] for rel, stamp in now.stamps(names).items()}
        _dump_cache(self.state / NAMES, self.names_code, "pages", pages)
