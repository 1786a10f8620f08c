"""Which issues mention each register entry, kept between builds in SQLite.

The table ({"kind/key": the entry's packed rows}, see
incremental.plan_entries._EntryPages._mentioned) holds every mention of every
issue: 15 MB for 2,000 issues. A corrected issue
changes the rows of the few dozen entries it mentions, so a rebuild reads those
and writes back the ones that changed, rather than loading and saving the whole
table (as a pickle, 0.09-0.14 s of each rebuild). A first build makes it in
SQLite too (`make_whole`), row by row, rather than in memory, where it grew with
the number of issues.

Beside it, each issue's mentions by entry (`issue_names`: what its rows of the
table come from, ~6.5 KB an issue), so that the rows an edited issue gave can be
taken out: they were half the manifest, read and written whole by every build
(65 of 135 MB at 10,000 issues). Each is kept with the key of the issue it was
made from (the build's fingerprint and the issue's TEI digest).

A table belongs to the manifest it was saved with (its stamp): a build that
finds another stamp makes it again from the issues' mentions (`make_whole`),
those of unchanged issues taken from the table still (`saved_issue_names`).
Changes and stamp are committed together, in WAL mode: a power cut may lose the
last commit, never leave half of one, and a lost one is a table with the
previous stamp.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Iterator, Mapping, MutableMapping
from itertools import groupby
from operator import itemgetter
from pathlib import Path

from .errors import TeiBuildError

_CREATE = ("CREATE TABLE mentions (entry TEXT PRIMARY KEY, rows TEXT NOT NULL)",
           "CREATE TABLE issues (file TEXT PRIMARY KEY, key TEXT NOT NULL, names BLOB NOT NULL)",
           "CREATE TABLE stamp (value TEXT NOT NULL)")


class MentionTable(MutableMapping):
    """The table saved at `path`, with this build's changes held until `save`."""

    def __init__(self, path: Path, db: sqlite3.Connection):
        self.path, self._db = Path(path), db
        self._changed: dict[str, str | None] = {}   # None: the entry's rows are gone
        self._issues: dict[str, tuple[str, bytes] | None] = {}   # (key, names); None: gone

    @classmethod
    def open(cls, path: Path, stamp: str) -> MentionTable | None:
        """The table at `path` if it was saved with `stamp`, else None (none there, another
        stamp, or not a table this module wrote)."""
        if not Path(path).is_file():
            return None
        try:
            db = _connect(path)
        except sqlite3.Error:
            return None
        try:
            found = db.execute("SELECT value FROM stamp").fetchall()
            db.execute("SELECT file, key, names FROM issues LIMIT 0")   # (an older cache's: none)
        except sqlite3.Error:
            found = None
        if found != [(stamp,)]:
            db.close()
            return None
        return cls(path, db)

    def _read(self, query: str, args: tuple = ()) -> list:
        try:
            return self._db.execute(query, args).fetchall()
        except sqlite3.Error as exc:
            raise TeiBuildError(f"the cache {self.path} cannot be read ({exc}): remove it "
                                "and build again") from None

    def __getitem__(self, entry: str) -> str:
        if entry in self._changed:
            rows = self._changed[entry]
        else:
            found = self._read("SELECT rows FROM mentions WHERE entry = ?", (entry,))
            rows = found[0][0] if found else None
        if rows is None:
            raise KeyError(entry)
        if not isinstance(rows, str):
            raise ValueError(f"{self.path}: the rows of {entry} are not text")
        return rows

    def __setitem__(self, entry: str, rows: str) -> None:
        self._changed[entry] = rows

    def __delitem__(self, entry: str) -> None:
        self[entry]   # (KeyError if there is none)
        self._changed[entry] = None

    def __iter__(self) -> Iterator[str]:
        saved = [entry for (entry,) in self._read("SELECT entry FROM mentions ORDER BY entry")]
        yield from (entry for entry in saved if self._changed.get(entry, "") is not None)
        known = set(saved)
        yield from (entry for entry, rows in self._changed.items()
                    if rows is not None and entry not in known)

    def __len__(self) -> int:
        return sum(1 for _ in self)

    def issue_names(self, file: str, key: str) -> bytes | None:
        """An issue's mentions by entry as saved (or set since), if made from `key`."""
        if file in self._issues:
            found = [self._issues[file]] if self._issues[file] else []
        else:
            found = self._read("SELECT key, names FROM issues WHERE file = ?", (file,))
        return found[0][1] if found and found[0][0] == key and \
            isinstance(found[0][1], bytes) else None

    def set_issue_names(self, file: str, key: str, names: bytes) -> None:
        self._issues[file] = (key, names)

    def drop_issue(self, file: str) -> None:
        self._issues[file] = None

    def save(self, stamp: str) -> None:
        """Write the changes and the new stamp in one commit, and close."""
        changed = self._changed.items()
        try:
            with self._db:
                self._db.executemany("INSERT OR REPLACE INTO mentions VALUES (?, ?)",
                                     [(e, rows) for e, rows in changed if rows is not None])
                self._db.executemany("DELETE FROM mentions WHERE entry = ?",
                                     [(e,) for e, rows in changed if rows is None])
                issues = self._issues.items()
                self._db.executemany("INSERT OR REPLACE INTO issues VALUES (?, ?, ?)",
                                     [(f, *made) for f, made in issues if made is not None])
                self._db.executemany("DELETE FROM issues WHERE file = ?",
                                     [(f,) for f, made in issues if made is None])
                self._db.execute("UPDATE stamp SET value = ?", (stamp,))
        except sqlite3.Error as exc:
            raise _unwritten(self.path, exc) from None
        finally:
            self.close()

    def close(self) -> None:
        self._db.close()
        self._changed, self._issues = {}, {}


def saved_issue_names(path: Path, keys: Mapping[str, str]) -> dict[str, bytes]:
    """The issues' mentions by entry that the table at `path` holds, whatever its stamp:
    {file: names} of each file of `keys` saved with its key there ({} if there is no
    table that can be read)."""
    if not Path(path).is_file():
        return {}
    try:
        db = _connect(path)
    except sqlite3.Error:
        return {}
    try:
        return {file: names for file, key, names in db.execute(
                    "SELECT file, key, names FROM issues ORDER BY file")
                if keys.get(file) == key and isinstance(names, bytes)}
    except sqlite3.Error:
        return {}
    finally:
        db.close()


def make_whole(path: Path, rows: Iterable[tuple[str, str]],
               issues: Iterable[tuple[str, str, bytes]] = ()) -> MentionTable:
    """A new table at `path` (what was there is replaced) from `rows`, (entry, packed row)
    in issue order, and `issues`, (file, key, its mentions by entry), open and unstamped
    until `save`.

    The rows go into SQLite as they come and are joined there, entry by entry, so the
    table is never held in memory. Made as a dict, it was 17.5 MB for 1,000 issues, held
    to the end, and more while its rows were grouped: on 2,000 issues the build's main
    process held 171 MB once the table was made (now 120) and at most 316 (now 294).
    Joining them in SQLite costs ~1.4 s more than in a dict (440,000 rows)."""
    path = Path(path)
    for stale in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        stale.unlink(missing_ok=True)
    try:
        db = _connect(path)
        try:
            with db:
                for statement in _CREATE:
                    db.execute(statement)
                db.execute("INSERT INTO stamp VALUES ('')")   # (no build's stamp)
                # (rows inserted into an empty table are numbered in order: rowid)
                db.execute("CREATE TEMP TABLE given (entry TEXT, row TEXT)")
                db.executemany("INSERT INTO given VALUES (?, ?)", rows)
                joined = db.execute("SELECT entry, row FROM given ORDER BY entry, rowid")
                db.executemany("INSERT INTO mentions VALUES (?, ?)",
                               ((entry, "".join(row for _, row in group))
                                for entry, group in groupby(joined, key=itemgetter(0))))
                db.execute("DROP TABLE given")
                db.executemany("INSERT INTO issues VALUES (?, ?, ?)", issues)
        except BaseException:
            db.close()
            raise
    except sqlite3.Error as exc:   # (made before anything is rendered: nothing is built)
        raise TeiBuildError(f"the cache {path} cannot be written ({exc})") from None
    return MentionTable(path, db)


def _unwritten(path: Path, exc: sqlite3.Error) -> TeiBuildError:
    """(The edition is in place by then, and its manifest: the next build, finding the
    table stale, makes it again.)"""
    return TeiBuildError(f"the cache {path} cannot be written ({exc}); the edition is "
                         "built, and the next build makes the cache again")


def _connect(path: Path) -> sqlite3.Connection:
    db = sqlite3.connect(path)
    db.execute("PRAGMA journal_mode = WAL")   # (a commit is atomic, and needs no fsync …)
    db.execute("PRAGMA synchronous = NORMAL")   # (… until a checkpoint)
    return db
