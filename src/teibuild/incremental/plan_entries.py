"""Which register entries' pages a build renders, and their rendering: the table of
which issues mention each entry, brought up to date, says which.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterator
from typing import TYPE_CHECKING

from ..parallel import ordered_map, resolve_jobs
from .caches import MENTIONED
from .entry_records import YEAR
from .keys import _digest
from .manifest import _END, _Made, _SEP, _issue_names, _mention_rows, _mention_stamp, \
    _names_key, _pack_rows, _packed_mentions, _packed_row, _row_file, _unpack_names, _unpack_rows, \
    _without_row
from .steps import ENTRY_STEPS
from .workers import _Lazy, _PRELOAD, _entry_pages_into, _runs, _start_worker

if TYPE_CHECKING:
    from ..mention_table import MentionTable


class _EntryPages:
    """The register entries' part of `plan._Plan`."""

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
        # each year page's rows, packed in the spool until it is rendered: an entry's rows
        # are unpacked once for all its year pages (unpacked for each, a first build of
        # 2,000 issues, with 5,220 year pages, took 298–334 s instead of 236); packed in
        # memory, they were 98 MB of the main process on 10,000 issues
        packed: dict[str, tuple[int, int]] = {}

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
                rows = self._year_rows(packed.pop(unit)) if year else self.rows(name)
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
                        packed[f"{name}{YEAR}{other}"] = self.spool.keep(
                            _pack_rows(rows).encode("utf-8"))
            rows = self._year_rows(packed[unit]) if year else self.rows(name)
            count[unit] = sum(r[3] for r in rows)
            mentioning.update(r[0] for r in rows)
        work = sorted(work, key=lambda unit: -count[unit])  # the longest pages first, to share out
        by_id = {summaries[n]["id"]: self.pickled_head(n) for n in sorted(mentioning)}
        # a few pages are shared out among the workers, not left in one run of 16
        runs = _runs(work, count, length=min(16, -(-len(work) // (2 * resolve_jobs(self.jobs)))))
        return runs, _Lazy(runs, entries), by_id

    def _year_rows(self, place: tuple[int, int]) -> list[tuple]:
        """A year page's rows, as `_plan_entries` keeps them in the spool till it is sent."""
        return _unpack_rows(self.spool.read(place).decode("utf-8"))

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

    def save_mentioned(self, manifest_digest: str) -> None:
        """Who mentions what, for the next build: stamped with the manifest it belongs to,
        so it is used only with that manifest (a stale or torn one is simply remade)."""
        if self.mentioned is not None:
            self.mentioned.save(_mention_stamp(self.fingerprint, manifest_digest))
