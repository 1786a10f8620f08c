"""The manifest's records of the register pages, by page: an entry's own page
("persons/guo-fang") and, for an entry with many mentions over several years, each
year's page ("persons/guo-fang@2022", `manifest.YEAR`).

Most of them are year pages (at 10,000 issues, 86,700 of 91,693 records), and a build
touches the few of the entries its issues mention. So an entry's year pages' records are
kept together, packed into one bytes, and unpacked only when one of them is asked for;
an entry no issue read this time mentions is carried over packed (`carry`). Loaded as
91,693 dicts, they were half the manifest's load and save, and an edit went through
every one of them.

In the manifest file they are `"entries"` (the entries' own pages, as before) and
`"years"` (each entry's year pages packed): a manifest without `"years"`, written by an
earlier version, has its year pages in `"entries"` and is read as well.
"""

from __future__ import annotations

import io
import pickle
from collections.abc import Iterator, MutableMapping

from .caches import _unpickled

YEAR = "@"                      # "persons/guo-fang@2022": an entry's page of one year
_FIELDS = ("key", "outputs", "count", "first")   # what a year page's record holds


class EntryRecords(MutableMapping):
    """The register pages' records by page name, as a dict of them would be; an entry's
    year pages packed until one is asked for."""

    __slots__ = ("own", "_packed", "_opened")

    def __init__(self, own: dict | None = None, packed: dict[str, bytes] | None = None):
        self.own: dict[str, dict] = own if own is not None else {}   # the entries' own pages
        self._packed: dict[str, bytes] = packed if packed is not None else {}
        self._opened: dict[str, dict[str, dict]] = {}   # an entry's year pages, unpacked

    @classmethod
    def loaded(cls, entries: dict, years: dict | None) -> "EntryRecords":
        """The records as the manifest file holds them (`saved`), or as an earlier version
        wrote them (every page in `entries`)."""
        records = cls({}, {e: p for e, p in (years or {}).items() if isinstance(p, bytes)})
        for unit, record in entries.items():
            records[unit] = record
        return records

    def saved(self) -> tuple[dict, dict[str, bytes]]:
        """The entries' own records and each entry's year pages packed, in name order: what
        the manifest file holds. (Their outputs must be packed first: `opened_records`.)"""
        for entry in list(self._opened):
            self._pack(entry)
        return dict(sorted(self.own.items())), dict(sorted(self._packed.items()))

    def carry(self, old: "EntryRecords", entry: str) -> None:
        """Take `entry`'s records from the last build's as they are, its year pages packed."""
        self.own[entry] = old.own[entry]
        self._packed.pop(entry, None)
        self._opened.pop(entry, None)
        if entry in old._packed:
            self._packed[entry] = old._packed[entry]
        elif entry in old._opened:
            self._opened[entry] = dict(old._opened[entry])

    def has_years(self, entry: str) -> bool:
        """Whether records of `entry`'s year pages are kept (they are kept all together)."""
        return entry in self._packed or entry in self._opened

    def year_records(self, entry: str) -> dict[str, dict]:
        """`entry`'s year pages' records, by page name (unpacked and kept so)."""
        if entry not in self._opened:
            self._opened[entry] = _unpacked(entry, self._packed.pop(entry, None))
        return self._opened[entry]

    def opened_records(self) -> Iterator[dict]:
        """The records that may have changed since they were loaded: the entries' own, and
        the year pages' unpacked (those still packed are as they were)."""
        yield from self.own.values()
        for records in self._opened.values():
            yield from records.values()

    def all_records(self) -> Iterator[dict]:
        """Every record, those packed unpacked one entry at a time (and not kept)."""
        yield from self.opened_records()
        for entry, packed in self._packed.items():
            yield from _unpacked(entry, packed).values()

    def changed_since(self, old: "EntryRecords") -> Iterator[tuple[str, dict]]:
        """(page, record) of `old`'s records whose page this one no longer has, or has with
        other outputs. An entry carried over packed is skipped unread."""
        for unit, record in old.own.items():
            now = self.own.get(unit)
            if now is None or now["outputs"] is not record["outputs"]:
                yield unit, record
        for entry in sorted({*old._packed, *old._opened}):
            if entry in self._packed and self._packed[entry] is old._packed.get(entry):
                continue
            now = self.year_records(entry) if self.has_years(entry) else {}
            for unit, record in old._years(entry).items():
                if unit not in now or now[unit]["outputs"] != record["outputs"]:
                    yield unit, record

    def _years(self, entry: str) -> dict[str, dict]:
        """`entry`'s year pages' records, not kept unpacked."""
        if entry in self._opened:
            return self._opened[entry]
        return _unpacked(entry, self._packed.get(entry))

    def _pack(self, entry: str) -> None:
        records = self._opened.pop(entry)
        if records:
            self._packed[entry] = _packed(records)
        else:
            self._packed.pop(entry, None)

    # as a dict of records by page name
    def __getitem__(self, unit: str) -> dict:
        entry, year, _ = unit.partition(YEAR)
        if not year:
            return self.own[unit]
        if not self.has_years(entry):
            raise KeyError(unit)
        return self.year_records(entry)[unit]

    def __setitem__(self, unit: str, record: dict) -> None:
        entry, year, _ = unit.partition(YEAR)
        if not year:
            self.own[unit] = record
            return
        self._opened.setdefault(entry, {} if entry not in self._packed
                                else _unpacked(entry, self._packed.pop(entry)))[unit] = record

    def __delitem__(self, unit: str) -> None:
        entry, year, _ = unit.partition(YEAR)
        if not year:
            del self.own[unit]
        else:
            del self.year_records(entry)[unit]

    def __iter__(self) -> Iterator[str]:
        yield from self.own
        for entry in sorted({*self._packed, *self._opened}):
            yield from self._years(entry)

    def __len__(self) -> int:
        return len(self.own) + sum(len(self._years(e)) for e in {*self._packed, *self._opened})


def _packed(records: dict[str, dict]) -> bytes:
    """An entry's year pages' records as one bytes: a tuple of (year, *_FIELDS) rows, pickled
    without pickle's memo, so that equal records make the same bytes."""
    rows = tuple((unit.partition(YEAR)[2], *(record[f] for f in _FIELDS))
                 for unit, record in sorted(records.items()))
    out = io.BytesIO()
    pickler = pickle.Pickler(out, protocol=pickle.HIGHEST_PROTOCOL)
    pickler.fast = True
    pickler.dump(rows)
    return out.getvalue()


def _unpacked(entry: str, packed: bytes | None) -> dict[str, dict]:
    """What `_packed` made of an entry's year pages' records ({} if none, or torn: those
    pages are then rendered again)."""
    rows = _unpickled(packed)
    if not isinstance(rows, tuple):
        return {}
    if not all(isinstance(row, tuple) and len(row) == 1 + len(_FIELDS) for row in rows):
        return {}
    return {f"{entry}{YEAR}{year}": dict(zip(_FIELDS, values)) for year, *values in rows}
