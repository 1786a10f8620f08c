"""The build's state folder (`.tei-build` in the output folder): its files' names, and the
caches in it.

A cache is only a short cut. Each is written with what it was made from (the
fingerprint, an issue's digest, a checksum) and read back only if that still holds;
a missing, torn or stale one reads as nothing, and what it held is made again from
the TEI. Pickles are read by `_IssueData`, which loads issue data and nothing else.
"""

from __future__ import annotations

import io
import os
import pickle
import tempfile
import zlib
from array import array
from bisect import bisect_left
from collections.abc import Callable, Iterable
from pathlib import Path

import orjson

from ..fsutil import atomic_write, sha256


STATE = ".tei-build"
MANIFEST = "manifest.pickle"
QUICK = "quick.json"   # what a build that has nothing to do needs: small, read first
ISSUES = "issues"  # one pickle of each issue's data, read again only when its TEI changes
HEADS = "heads.pickle"          # every issue's heading data, each pickled apart (_Plan.head)
ENTRIES = "entries"             # each register entry's mentions, by issue
REGISTERS = "registers.pickle"  # the register entries as read from tei/
ROMANIZED = "romanized.json"    # the romanised words of titles (cite.romanize), by text
SEARCH_RECORDS = "search"        # each shard's search records, by issue
SEARCH_SUMS = "search-sums.pickle"   # what the search index's common files sum (search.Sums)
NAMES = "names.json"            # the name heading each register page (for the search index)
MENTIONED = "mentioned.sqlite"  # which issues mention each register entry (mention_table)
FORMER_MANIFEST = "manifest.json"   # the manifest as versions before the pickle wrote it
FORMER = (FORMER_MANIFEST, "mentioned.pickle")  # what earlier versions kept, removed


class _IssueData(pickle.Unpickler):
    """The cache holds issue data and nothing else: a pickle planted in the output
    folder (which may come with a pull request) must not run code on the next build."""

    ALLOWED = {("teibuild.render.site", "Issue"), ("teibuild.render.site", "Article"),
               ("teibuild.render.site", "Mention"), ("teibuild.render.site", "Entry"),
               ("pathlib", "PosixPath"),
               ("pathlib", "WindowsPath"), ("pathlib", "Path")}

    def find_class(self, module, name):
        if (module, name) in self.ALLOWED:
            return super().find_class(module, name)
        raise pickle.UnpicklingError(f"{module}.{name} is not issue data")


def _load_pickle(path: Path, stamp: tuple):
    """What a cache file holds, if it was written with `stamp` (fingerprint, …), else None."""
    cached = _load_file(path)
    if not isinstance(cached, tuple) or len(cached) != 2 or cached[0] != stamp:
        return None
    return cached[1]


def _pickled(value) -> bytes:
    return pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)


def _unpickled(data):
    """What `_pickled` made of it, or None (no bytes, or torn ones)."""
    if not isinstance(data, bytes):
        return None
    return _load_pickled(io.BytesIO(data))


def _load_pickled(file):
    """What the pickle `file` reads on to holds, or None if it is torn (only issue data
    loads: `_IssueData`)."""
    try:
        return _IssueData(file).load()
    except _TORN:
        return None


def _load_file(path: Path):
    """What the pickle file at `path` holds, or None if it is missing, unreadable or torn."""
    try:
        with path.open("rb") as fh:
            return _load_pickled(fh)
    except OSError:
        return None


#: what a torn pickle raises
_TORN = (pickle.UnpicklingError, EOFError, AttributeError, ImportError, TypeError, ValueError,
         IndexError, KeyError)


def _dump_pickle(path: Path, stamp: tuple, value) -> None:
    _write(path, _pickled((stamp, value)))


def _load_cache(path: Path, stamp: str, field: str, valid: Callable = lambda _v: True) -> dict:
    """The table `field` of a JSON cache, if it was written with `stamp` and `valid` holds
    for each of its values; else {} (also if it is missing or torn)."""
    try:
        data = orjson.loads(path.read_bytes())
        found = data[field] if data["stamp"] == stamp else {}
    except (OSError, ValueError, TypeError, KeyError):
        return {}
    if not isinstance(found, dict) or not all(valid(value) for value in found.values()):
        return {}
    return found


def _dump_cache(path: Path, stamp: str, field: str, table: dict) -> None:
    atomic_write(path, orjson.dumps({"stamp": stamp, field: table}, option=orjson.OPT_SORT_KEYS),
                 durable=False)


def _registers_cache(cached) -> dict | None:
    """The registers cache (`_Plan.save_caches`) if it is shaped as one, else None."""
    if not isinstance(cached, dict) or not isinstance(cached.get("key"), str) or \
            not all(isinstance(cached.get(k), dict) for k in ("entries", "sources", "digests")):
        return None
    return cached


def _load_romanized(state: Path, fingerprint: str) -> dict[str, list[str]]:
    """The romanised words of the titles a build with this fingerprint (which covers the
    romaniser and the versions of jieba and pypinyin) has seen, or {}."""
    return _load_cache(state / ROMANIZED, fingerprint, "texts", lambda words: isinstance(
        words, list) and all(isinstance(w, str) for w in words))


def _load_names(state: Path, code: str) -> dict:
    """The names cache: {page: [size, mtime, name]} made by this search stage (`code`)."""
    return _load_cache(state / NAMES, code, "pages", lambda v: isinstance(v, list) and
                      len(v) == 3 and isinstance(v[2], str))


def _load_issue(state: Path, name: str, fingerprint: str, digest: str):
    """An issue's data as a build with this fingerprint read it from this TEI, or None."""
    return _unpickled(_cached_issue(state, name, fingerprint, digest))


def _cached_issue(state: Path, name: str, fingerprint: str, digest: str) -> bytes | None:
    """An issue's data pickled, as its cache holds it, if a build with this fingerprint
    read it from this TEI; else None."""
    cached = _load_file(state / ISSUES / f"{name}.pickle")
    if not isinstance(cached, tuple) or len(cached) != 3 or cached[:2] != (fingerprint, digest):
        return None
    return cached[2] if isinstance(cached[2], bytes) else None


def _save_issues(state: Path, fingerprint: str, read: dict, tei: dict) -> None:
    """The data of the issues read this time (a cache: a torn file fails to load, and
    the issue is simply read again)."""
    folder = state / ISSUES
    folder.mkdir(exist_ok=True)
    for name, data in read.items():   # (the issue pickled: see _load_issue)
        _write(folder / f"{name}.pickle", _pickled((fingerprint, tei["issues"][name], data)))


def _head_part(data, digest: str) -> list:
    """An issue's heading data as the heads cache keeps it: [its digest (`_summary`'s
    "head"), pickled, CRC-32], checked by `_cached_part` (a head digested again each time
    it was used took 0.15 s of a corrected heading's rebuild, for 1,089 issues)."""
    pickled = _pickled(data)
    return [digest, pickled, zlib.crc32(pickled)]


def _cached_part(part, digest: str) -> bytes | None:
    """An issue's part of an entry's cache ([digest, its mentions pickled, their CRC-32]),
    if it is for the mentions the manifest says (`digest`) and its bytes are those written
    (checked by checksum, not by loading them: the worker that renders the entry loads
    them, and loading them here too took 0.18 s of a one-issue edit on 2,000 issues)."""
    if isinstance(part, list) and len(part) == 3 and part[0] == digest and \
            isinstance(part[1], bytes) and part[2] == zlib.crc32(part[1]):
        return part[1]
    return None


def _file_digest(path: Path) -> str | None:
    try:
        return sha256(path.read_bytes())
    except OSError:
        return None


def _write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)


class _Spool:
    """The mentions of the issues read this time, pickled by entry (`_pickled_by_entry`),
    in a temporary file until the entries' pages are made rather than in memory (on
    2,000 issues, 100–120 MB of the main process's PSS): what is held is where each
    entry's part of each issue is."""

    def __init__(self, folder: Path):
        self.folder, self.file, self.end = folder, None, 0
        self.names: list[str] = []                # the issues, in the order spooled
        self.number: dict[str, int] = {}          # each issue's place in `names`
        self.where: dict[str, array] = {}         # entry → (issue's number, offset, size)…

    def add(self, name: str, grouped: dict[str, bytes]) -> None:
        number = self.number[name] = len(self.names)
        self.names.append(name)
        offset = self.end
        for entry, data in grouped.items():
            self.where.setdefault(entry, array("q")).extend((number, offset, len(data)))
            offset += len(data)
        self.keep(b"".join(grouped.values()))

    def keep(self, data: bytes) -> tuple[int, int]:
        """Spool bytes; where they are, for `read`."""
        if self.file is None:
            self.file = tempfile.TemporaryFile(dir=self.folder)
        self.file.write(data)
        place = (self.end, len(data))
        self.end += len(data)
        return place

    def places(self, entry: str, names: Iterable[str]) -> dict[str, tuple[int, int]]:
        """Where the entry's part of each of the issues `names` is, of those spooled:
        {file name: (offset, size)}. Found by bisection, not by going through all the
        entry's issues: a year's page of an entry named in every issue wants that year's
        (all of them, for each of its 192 years, were 35 s of a first build's main
        process on 10,000 issues)."""
        found = self.where.get(entry)
        if not found:
            return {}
        numbers = found[0::3]   # (ascending: spooled in turn)
        out = {}
        for name in names:
            number = self.number.get(name)
            at = bisect_left(numbers, number) if number is not None else len(numbers)
            if at < len(numbers) and numbers[at] == number:
                out[name] = (found[3 * at + 1], found[3 * at + 2])
        return out

    def read(self, place: tuple[int, int]) -> bytes:
        self.file.flush()
        return os.pread(self.file.fileno(), place[1], place[0])

    def close(self) -> None:
        if self.file is not None:
            self.file.close()
        self.file, self.names, self.number, self.where = None, [], {}, {}
