"""What the output folder holds: every file's size and mtime, digested folder by folder.

A build compares this with what its manifest recorded to know that no output was
deleted or edited by hand since (an output that was is rendered again), and a
build with nothing to do needs nothing else. The folder is read with
`os.scandir` walks: by two processes at once when the build may have nothing
to do (each walks about half the folders), and by a process of its own while
a build with work to do renders (`Scan`).
"""

from __future__ import annotations

import hashlib
import os
from array import array
from collections.abc import Iterable, Iterator, Mapping
from itertools import chain
from pathlib import Path
from typing import NamedTuple

from .fsutil import remove_abandoned

TOPS = ("html", "txt")

#: the search index's place in html/ (teibuild.search's BUNDLE and DATA_FILE; not imported
#: from there, which would cost a build with nothing to do most of its time): swapped in
#: whole, not scanned file by file
SEARCH_INDEX = ("html/pagefind", "html/search-data.json")

#: the folders `tei-build search-index` makes a new index in (`fsutil.staging_dir`), beside
#: html/ (older versions: in it); left behind by a run killed outright
SEARCH_STAGING = ".search-"

#: the folders the second process walks when two read the disk at once: the texts and the
#: traditional-character pages, about two fifths of an edition's files (the rest is html/)
SECOND_HALF = ("txt", "html/zh-Hant")


def remove_abandoned_staging(out_dir: Path) -> None:
    """Remove what a `tei-build search-index` killed outright left beside html/ or in it
    (the folders of processes still running stay)."""
    for parent in (out_dir, out_dir / "html"):
        remove_abandoned(parent, SEARCH_STAGING)


def scan_folders(out_dir: Path, tops: tuple[str, ...] = TOPS, leave: tuple[str, ...] = ()
                 ) -> tuple[dict[str, "Files"], str, dict[str, str]]:
    """Every file under html/ and txt/ with its size and mtime, by folder (`Files`; the
    search index's files apart: the build checks them on its own), one digest of them
    all, and the digest of each folder's files. `OnDisk` turns them into a table by
    path, which a build with nothing to do never needs. `tops` and `leave` name the
    folders to walk and the folders under them not to.

    (One thread: with threads, the Python half of each step waits for the others,
    and 140,000 files took twice as long.)"""
    skip = {*SEARCH_INDEX, *leave}
    parents = {rel.rpartition("/")[0] for rel in skip}
    found: dict[str, Files] = {}
    digests: dict[str, str] = {}
    stack = [top for top in tops if top not in skip and (out_dir / top).is_dir()]
    while stack:
        rel_dir = stack.pop()
        names, sizes, mtimes = [], array("q"), array("q")
        check = rel_dir in parents
        with os.scandir(out_dir / rel_dir) as entries:
            for entry in entries:
                name = entry.name
                if name.startswith(SEARCH_STAGING) or (check and f"{rel_dir}/{name}" in skip):
                    continue
                if entry.is_dir(follow_symlinks=False):
                    stack.append(f"{rel_dir}/{name}")
                else:
                    st = entry.stat(follow_symlinks=False)
                    names.append(name)
                    sizes.append(st.st_size)
                    mtimes.append(st.st_mtime_ns)
        if names:
            files = found[rel_dir] = Files(_SEP.join(names), sizes, mtimes)
            digests[rel_dir] = folder_digest(files.rows())
    return found, combine(digests), digests


class Files(NamedTuple):
    """One folder's files as columns: their names (joined by NUL, which no file name
    holds), sizes and mtimes. As (name, size, mtime) tuples, the 145,000 files of 2,000
    issues took 0.09 s to pickle in the scan's process and as long to unpickle in the
    build's; as columns, 0.01-0.03 s."""
    names: str
    sizes: array
    mtimes: array

    def rows(self) -> Iterator[tuple[str, int, int]]:
        return zip(self.names.split(_SEP), self.sizes, self.mtimes)


_SEP = "\0"


def folder_digest(rows) -> str:
    """The (name, size, mtime) rows of one folder as one digest: how many, and the sum of
    each row's hash (BLAKE2b of name/size/mtime: unambiguous, as no file name holds a
    slash). A sum does not depend on the rows' order, and a build that changes a few
    files of a folder of 50,000 updates it with theirs alone (`Now.digest`)."""
    count = total = 0
    for row in rows:
        count += 1
        total += _row_value(row)
    return f"{count}:{total % _MOD:032x}"


_MOD = 1 << 128


def _row_value(row: tuple) -> int:
    name, size, mtime = row
    return int.from_bytes(hashlib.blake2b(f"{name}/{size}/{mtime}".encode(
        "utf-8", "surrogateescape"), digest_size=16).digest(), "big")


def combine(digests: dict[str, str]) -> str:
    return hashlib.sha256("".join(f"{folder}\0{digest}\n" for folder, digest in
                                  sorted(digests.items())).encode(
        "utf-8", "surrogateescape")).hexdigest()


class Scan:
    """`scan_folders` of the output folder, made now (on two cores, `_scan_in_two`) or, with
    `background`, by two processes started now, each walking about half the folders (a
    build has hundreds of thousands of files to stat, and rendering to do meanwhile; one
    process alone left a one-issue edit of 10,000 issues waiting 5.5 s for it); its
    results are waited for when first asked for."""

    def __init__(self, out_dir: Path, background: bool = False):
        self.out_dir, self._result, self._children = out_dir, None, []
        self._files = self._totals = None
        if background:
            for tops, leave in ((TOPS, SECOND_HALF), (SECOND_HALF, ())):
                forked = _fork_scan(out_dir, tops, with_totals=True, leave=leave)
                if forked is None:   # (no fork, or no second process: read here instead)
                    self.close()
                    break
                self._children.append(forked)
        else:
            self._result = _scan_in_two(out_dir)
        if not self._children and self._result is None:
            self._result = scan_folders(out_dir)

    @property
    def ready(self) -> bool:
        return self._result is not None

    def _get(self) -> tuple:
        if self._result is None:
            try:
                halves = [receive.recv() for receive, _child in self._children]
                self._result = _joined([half[:3] for half in halves])
                self._totals = {key: sum(half[3][key] for half in halves)
                                for key in halves[0][3]}
            except (EOFError, OSError, ValueError):   # one failed: the disk is read here
                self._totals = None
            self.close()
            if self._result is None:
                self._result = scan_folders(self.out_dir)
        return self._result

    def close(self) -> None:
        """Stop the processes still at work (the build ended early)."""
        for receive, child in self._children:
            if child.is_alive() and self._result is None:
                child.terminate()
            child.join()
            receive.close()
        self._children = []

    @property
    def digest(self) -> str:
        return self._get()[1]

    @property
    def folders(self) -> dict[str, str]:
        return self._get()[2]

    @property
    def files(self) -> "OnDisk":
        if self._files is None:
            self._files = OnDisk(self._get()[0])
        return self._files

    @property
    def totals(self) -> dict[str, int]:
        """`totals` of the files found."""
        if self._totals is None:
            self._totals = found_totals(self._get()[0])
        return self._totals


def _fork_scan(out_dir: Path, tops: tuple[str, ...], with_totals: bool,
               leave: tuple[str, ...] = ()):
    """`scan_into` started in a forked process: (the end its result arrives at, the
    process), or None where there is no fork or the process could not be started."""
    import multiprocessing   # (not needed until a scan is forked)

    if "fork" not in multiprocessing.get_all_start_methods():
        return None
    context = multiprocessing.get_context("fork")
    receive, send = context.Pipe(duplex=False)
    child = context.Process(target=scan_into, args=(out_dir, send, tops, with_totals, leave),
                            daemon=True)
    try:
        child.start()
    except (OSError, AssertionError):   # (a daemon's worker may have no children)
        receive.close()
        return None
    finally:
        send.close()
    return receive, child


def _scan_in_two(out_dir: Path) -> tuple | None:
    """`scan_folders` with SECOND_HALF walked by a forked process meanwhile (the walk is
    CPU-bound: a no-op rebuild of 2,000 issues spent most of its time in it); None
    where there is no fork, or the process could not be started or did not answer."""
    forked = _fork_scan(out_dir, SECOND_HALF, with_totals=False)
    if forked is None:
        return None
    receive, child = forked
    try:
        mine = scan_folders(out_dir, leave=SECOND_HALF)
        try:
            theirs = receive.recv()
        except (EOFError, OSError, ValueError):
            return None
    finally:
        if child.is_alive():
            child.terminate()
        child.join()
        receive.close()
    return _joined([mine, theirs])


def _joined(parts: list[tuple]) -> tuple:
    """`scan_folders`'s results of parts of the folder (no folder in two), as one."""
    files, digests = {}, {}
    for found, _digest, folders in parts:
        files.update(found)
        digests.update(folders)
    return files, combine(digests), digests


def scan_into(out_dir: Path, send, tops: tuple[str, ...] = TOPS, with_totals: bool = True,
              leave: tuple[str, ...] = ()) -> None:
    """`scan_folders`, and the totals of what it found, sent back (see Scan). Any failure is
    left to the build to meet and report when it reads the disk itself; Ctrl-C is the
    build's to handle (it stops this process)."""
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        found = scan_folders(out_dir, tops, leave)
        send.send((*found, found_totals(found[0])) if with_totals else found)
    except BaseException:   # (not a traceback of its own)
        pass
    finally:
        send.close()


def _index(names: str, name: str) -> int:
    """The place of `name` among the _SEP-joined `names` (KeyError where it is not one)."""
    if _SEP in name or not name:
        raise KeyError(name)
    at = (_SEP + names + _SEP).find(_SEP + name + _SEP)
    if at < 0:
        raise KeyError(name)
    return names.count(_SEP, 0, at)


class OnDisk(Mapping):
    """Size and mtime of every file by its path under the edition, from `scan_folders`'s
    files by folder. A folder's table (each name's place in its columns) is made when a
    file in it is first looked up: as places rather than (size, mtime) pairs, the
    folders a corrected heading's rebuild looks into (145,000 files, 54,000 of them in
    one) took 0.03 s rather than 0.05-0.06."""

    _FEW = 32   # (lookups in a folder found in its names as they are, before its table)

    def __init__(self, files_by_folder: dict[str, Files]):
        self.rows, self._places, self._asked = files_by_folder, {}, {}

    def _place(self, folder: str, name: str) -> int:
        """Where `name` is in its folder's columns (KeyError where it is not). An edit
        looks up a handful of files in the large folders: the first few are found in the
        names as they are, the table made only for a folder asked about more."""
        places = self._places.get(folder)
        if places is None:
            files = self.rows.get(folder)
            if files is None:
                raise KeyError(name)
            asked = self._asked[folder] = self._asked.get(folder, 0) + 1
            if asked <= self._FEW:
                return _index(files.names, name)
            names = files.names.split(_SEP)
            places = self._places[folder] = dict(zip(names, range(len(names))))
        return places[name]

    def __getitem__(self, rel: str) -> tuple[int, int]:
        folder, _, name = rel.rpartition("/")
        at = self._place(folder, name)
        files = self.rows[folder]
        return files.sizes[at], files.mtimes[at]

    def __iter__(self) -> Iterator[str]:
        for folder, files in self.rows.items():
            for name in files.names.split(_SEP):
                yield f"{folder}/{name}"

    def __len__(self) -> int:
        return sum(len(files.sizes) for files in self.rows.values())

    def items(self):
        for folder, files in self.rows.items():
            for name, size, mtime in files.rows():
                yield f"{folder}/{name}", (size, mtime)


class Now(Mapping):
    """The files of the edition once this build's are in place: those `on_disk`, less
    `removed`, with `updated` moved in: a mapping path → (size, mtime), or anything with
    `items()` that can be gone through more than once (a build's is read from its
    records, not held as a dict of every file it wrote: see `incremental.commit._MovedIn`)."""

    def __init__(self, on_disk: OnDisk, removed: list[str], updated):
        self.on_disk, self.removed, self.updated = on_disk, set(removed), updated

    def __getitem__(self, rel: str) -> tuple[int, int]:
        if rel in self.updated:
            return self.updated[rel]
        if rel in self.removed:
            raise KeyError(rel)
        return self.on_disk[rel]

    def __iter__(self) -> Iterator[str]:
        yield from self.updated
        yield from (rel for rel in self.on_disk if rel not in self.removed
                    and rel not in self.updated)

    def __len__(self) -> int:
        return sum(1 for _ in self)

    def stamps(self, wanted: Iterable[str]) -> dict[str, tuple[int, int]]:
        """(size, mtime) of each of the files `wanted` that there is, `updated` gone
        through once (not asked file by file)."""
        wanted = set(wanted)
        found = {rel: tuple(stamp) for rel, stamp in self.updated.items() if rel in wanted}
        for rel in wanted - found.keys() - self.removed:
            stamp = self.on_disk.get(rel)
            if stamp is not None:
                found[rel] = stamp
        return found

    def totals(self, before: dict[str, int]) -> dict[str, int]:
        """`totals` of these files, from `before` (the totals of `on_disk`) and the changes."""
        gone = ((rel, stamp) for rel in chain(self.removed, self.updated)
                if (stamp := self.on_disk.get(rel)) is not None)
        out = dict(before)
        for sign, rows in ((-1, gone), (1, self.updated.items())):
            for key, value in totals(rows).items():
                out[key] += sign * value
        return out

    def digest(self, folders: dict[str, str]) -> str:
        """The digest `scan_folders` would give these files, given the digests of `on_disk`'s
        folders: each folder's is updated with the files removed or moved in alone (a
        folder's digest is a count and a sum, so each file is taken as it comes)."""
        sums: dict[str, list[int]] = {}

        def change(rel: str, stamp) -> None:
            folder, _, name = rel.rpartition("/")
            counted = sums.get(folder)
            if counted is None:
                counted = sums[folder] = [0, 0]
                if folder in folders:
                    written, _, summed = folders[folder].partition(":")
                    counted[:] = int(written), int(summed, 16)
            was = self.on_disk.get(rel)
            if was is not None:
                counted[0] -= 1
                counted[1] -= _row_value((name, *was))
            if stamp is not None:
                counted[0] += 1
                counted[1] += _row_value((name, *stamp))

        replaced = set()   # (a file both removed and moved in counts as moved in)
        for rel, stamp in self.updated.items():
            if rel in self.removed:
                replaced.add(rel)
            change(rel, stamp)
        for rel in self.removed - replaced:
            change(rel, None)
        digests = dict(folders)
        for folder, (count, total) in sums.items():
            if count:
                digests[folder] = f"{count}:{total % _MOD:032x}"
            else:
                digests.pop(folder, None)
        return combine(digests)


def found_totals(files_by_folder: dict[str, Files]) -> dict[str, int]:
    """`totals` of `scan_folders`'s files."""
    html = text = count = size = 0
    for files in files_by_folder.values():
        names = files.names.split(_SEP)
        count += len(names)
        size += sum(files.sizes)
        html += sum(name.endswith(".html") for name in names)
        text += sum(name.endswith(".txt") for name in names)
    return {"html_pages": html, "text_files": text, "files": count, "bytes": size}


def totals(files) -> dict[str, int]:
    """Pages, texts, files and bytes among (path, (size, mtime)) pairs."""
    html = text = count = size = 0
    for rel, (length, _mtime) in files:
        count += 1
        size += length
        if rel.endswith(".html"):
            html += 1
        elif rel.endswith(".txt"):
            text += 1
    return {"html_pages": html, "text_files": text, "files": count, "bytes": size}
