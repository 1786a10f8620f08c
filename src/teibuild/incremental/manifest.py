"""The manifest: what the last build made of each issue, entry and site page, and from
what; read at the start of a build and written at its end.

Its large tables are packed into strings (`_pack`, `_SEP` and `_END` between fields
and rows), so that the manifest of thousands of issues loads quickly and holds few
objects.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import zlib
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import astuple, dataclass, fields
from pathlib import Path

import orjson

from ..fsutil import atomic_write, atomic_write_with, file_stamp, sha256
from .caches import FORMER, FORMER_MANIFEST, ISSUES, MANIFEST, QUICK, STATE, _load_pickled
from .entry_records import EntryRecords
from .keys import _FORMAT, _digest_after

#: separators of the packed tables in the manifest: characters XML 1.0 does not allow, so
#: in no name and no path (packed, the manifest of thousands of issues loads in a blink)
_SEP, _END = "\x1f", "\x1e"


@dataclass(frozen=True)
class BuildReport:
    """What a build did: counts of the whole edition and of the work done this time."""
    issues: int
    articles: int
    register_entries: int
    html_pages: int
    text_files: int
    files: int
    bytes: int
    rendered_issues: int = 0
    rendered_entries: int = 0
    site_rendered: bool = False
    search_rendered: bool = False
    search_seconds: float = 0.0       # wall-clock time the search index took
    search_cpu_seconds: float = 0.0   # its CPU time (with Pagefind's and the workers')
    written: int = 0
    removed: int = 0


def _summary(issue, heading: str) -> dict:
    """What the manifest keeps of an issue, so that an unchanged one need not be loaded,
    but its TEI's digest ("tei", put first by the build): its heading data's digest, and
    what the pages listing every issue show of it (`site.Listed`). (Its mentions by entry,
    `_issue_names`, are kept in the table of who mentions what.)"""
    from ..render.site import listed

    return {"id": issue.id, "sort": list(issue.sort_key), "articles": len(issue.articles),
            "head": heading, "listed": list(astuple(listed(issue)))}


def _issue_names(issue) -> bytes:
    """An issue's mentions by entry, packed (`_pack_names`): for each entry it mentions,
    the digest of those mentions with the issue as the entry's page shows it
    (`site.cited`: so a heading the page does not show leaves the page alone), their
    number and first name."""
    from ..render.site import cited

    names: dict[str, list] = {}
    for m in issue.mentions:
        names.setdefault(f"{m.kind}/{m.key}", []).append(m)
    # what the pages show of the issue depends on the articles alone: most of an issue's
    # hundred entries are in one article, whose repr was worked out for each (0.6 ms an
    # issue, in the process that reads them)
    shown: dict[frozenset, str] = {}

    def digest(ms: list) -> str:
        articles = frozenset(m.article for m in ms)
        if articles not in shown:
            shown[articles] = repr(cited(issue, ms))
        return _digest_after(shown[articles], *ms)   # `_digest(cited(issue, ms), *ms)`

    return _pack_names({k: [digest(ms), len(ms), ms[0].name]
                        for k, ms in sorted(names.items())})


def _names_key(fingerprint: str, tei: str) -> str:
    """What an issue's `_issue_names` were made from, kept with them."""
    return f"{_FORMAT}:{fingerprint}:{tei}"


def _records(manifest: dict, packed: bool = True) -> Iterator[dict]:
    """Every record with outputs under html/ and txt/ (the search index apart); without
    the register year pages' still `packed` (`EntryRecords`): those made, stamped or
    changed this time are among the rest."""
    yield from manifest["issues"].values()
    entries = manifest["entries"]
    yield from entries.all_records() if packed else entries.opened_records()
    if manifest["site"]:
        yield manifest["site"]


def _removed(old: dict, manifest: dict, on_disk: dict, intact: bool) -> list[str]:
    """Files on disk that the new edition does not have. When the disk is as the old
    manifest says, those are what the records rendered again or gone no longer make."""
    if not intact:   # (names by folder, the disk's paths one at a time: at 10,000 issues
        # two sets of every path, 822,000 of each, peaked at 216 MB; this at 119)
        listed: dict[str, set[str]] = {}
        for record in _records(manifest):
            for rel in _outputs(record):
                folder, _, name = rel.rpartition("/")
                listed.setdefault(folder, set()).add(name)

        def unlisted(rel: str) -> bool:
            folder, _, name = rel.rpartition("/")
            return name not in listed.get(folder, ())

        return sorted(filter(unlisted, on_disk))
    made = set()
    for record in _records(manifest, packed=False):
        if isinstance(record["outputs"], (dict, _Made)):
            made.update(record["outputs"])
    gone = set()
    for name, record in old["issues"].items():
        if manifest["issues"].get(name, {}).get("outputs") is not record["outputs"]:
            gone.update(_outputs(record))
    for _, record in manifest["entries"].changed_since(old["entries"]):
        gone.update(_outputs(record))
    if old["site"] and manifest["site"] is not old["site"]:
        gone.update(_outputs(old["site"]))
    return sorted(gone - made)


class _Made:
    """The outputs of a record rendered this time, until `_commit` stamps them in place:
    their paths in one string, compressed. As a dict of ~150 paths an issue, they were the
    largest thing a first build's main process held while the entry pages and the search
    index were made (about 120 bytes a path: 18 MB on 1,000 issues); as one string, still
    6 MB of the 40 MB it held on 2,000 issues (an issue's paths share most of their
    characters: compressed, `_squeezed`, a tenth of that or less). A register page's two are
    left as they are."""

    __slots__ = ("_paths",)

    def __init__(self, paths: Iterable[str]):
        self._paths = _squeezed(_END.join(paths))

    def __iter__(self) -> Iterator[str]:
        paths = _unsqueezed(self._paths)
        return iter(paths.split(_END) if paths else ())


def _outputs(record: dict) -> dict:
    """A record's outputs, {path: [size, mtime(, sha256)]}, however they are stored."""
    value = record["outputs"]
    if isinstance(value, _Made):   # (rendered this time, not stamped yet)
        return dict.fromkeys(value)
    if isinstance(value, bytes):
        value = _unsqueezed(value)
    if not isinstance(value, str):
        return value
    return dict(map(_output_row, value.split(_END)[:-1]))


def _output(record: dict, rel: str) -> list | None:
    """One output of a record, as `_outputs` gives it, its other rows left packed."""
    value = record["outputs"]
    if isinstance(value, _Made):
        return None
    if isinstance(value, bytes):
        value = _unsqueezed(value)
    if not isinstance(value, str):
        return value.get(rel)
    span = _row_span(value, rel)
    return None if span is None else _output_row(value[span[0]:span[1] - 1])[1]


#: a record's outputs packed longer than this are kept compressed: an issue's ~100 paths
#: (3.9 KB) compress five times (at 10,000 issues, 39 MB of the manifest became 7.5 MB, in
#: 46 µs an issue; a record's outputs are unpacked only when it is rendered again, gone,
#: or checked against the disk); a register page's two do not
_COMPRESSED = 1024


def _pack_outputs(table: dict) -> str | bytes:
    """A record's outputs as the manifest keeps them: `_pack`ed, compressed if long."""
    return _squeezed(_pack(table))


def _squeezed(text: str) -> str | bytes:
    """`text` compressed if it is longer than `_COMPRESSED`, else as it is."""
    return zlib.compress(text.encode("utf-8")) if len(text) > _COMPRESSED else text


def _unsqueezed(value: str | bytes) -> str:
    """What `_squeezed` was given."""
    return zlib.decompress(value).decode("utf-8") if isinstance(value, bytes) else value


def _output_row(row: str) -> tuple[str, list]:
    """A packed row of a record's outputs: (path, [size, mtime(, sha256)])."""
    rel, size, mtime, *rest = row.split(_SEP)
    return rel, [int(size), int(mtime), *rest]


def _pack_names(table: dict) -> bytes:
    """An issue's mentions by entry as they are kept (`_issue_names`): `_pack`ed, in UTF-8.
    The first names make a str of two bytes a character, its digests and keys included;
    in UTF-8 it takes about half."""
    return _pack(table).encode("utf-8")


def _unpack_names(value) -> dict:
    """An issue's mentions by entry: {"kind/key": [digest, number, first name]}."""
    out = {}
    for row in value.decode("utf-8").split(_END)[:-1]:
        entry, digest, count, first = row.split(_SEP)
        out[entry] = [digest, int(count), first]
    return out


def _mention_rows(names: list[str], summaries: dict, packed: Mapping[str, bytes]
                  ) -> dict[str, list[tuple]]:
    """The rows of `_Plan._mentioned`'s table that the issues `names` (in this order) give,
    from their `packed` mentions by entry (`_issue_names`)."""
    rows: dict[str, list] = {}
    for name in names:
        for entry, (digest, count, first) in _unpack_names(packed[name]).items():
            rows.setdefault(entry, []).append((name, summaries[name]["id"], digest, count,
                                               first))
    return rows


def _packed_mentions(names: list[str], summaries: dict, packed: Mapping[str, bytes]
                     ) -> Iterator[tuple[str, str]]:
    """(entry, packed row) of `_Plan._mentioned`'s table, issue by issue in the order of
    `names`: what `mention_table.make_whole` joins, entry by entry."""
    for name in names:
        for entry, rows in _mention_rows([name], summaries, packed).items():
            yield entry, _pack_rows(rows)


def _pack_rows(rows: list[tuple]) -> str:
    return "".join(_SEP.join(map(str, row)) + _END for row in rows)


def _packed_row(value: str, name: str) -> str | None:
    """The row of file `name` in an entry's packed rows (an issue has one at most), with
    its end, or None."""
    span = _row_span(value, name)
    return None if span is None else value[span[0]:span[1]]


def _without_row(value: str, name: str) -> str:
    """An entry's packed rows without the row of file `name`."""
    span = _row_span(value, name)
    return value if span is None else value[:span[0]] + value[span[1]:]


def _row_span(value: str, name: str) -> tuple[int, int] | None:
    """Where the row of file `name` is in an entry's packed rows, its end included."""
    at = 0 if value.startswith(name + _SEP) else value.find(f"{_END}{name}{_SEP}") + 1
    if at == 0 and not value.startswith(name + _SEP):
        return None
    end = value.find(_END, at)
    return (at, end + 1) if end >= 0 else None


def _row_file(row: str) -> str:
    """The file name a packed row of `_Plan._mentioned`'s table begins with."""
    if row.count(_SEP) != 4:
        raise ValueError(f"a damaged row: {row!r}")
    return row[:row.index(_SEP)]


def _unpack_rows(value: str) -> list[tuple]:
    """The rows of `_Plan._mentioned`'s table: (file name, issue id, mentions digest (the
    issue as the entry's page shows it included: `_summary`), number of mentions, first
    name)."""
    out = []
    for row in value.split(_END)[:-1]:
        name, issue, digest, count, first = row.split(_SEP)
        out.append((name, issue, digest, int(count), first))
    return out


def _pack(table: dict) -> str:
    return "".join(_SEP.join(map(str, (key, *values))) + _END for key, values in table.items())


def _mention_stamp(fingerprint: str, manifest_digest: str) -> str:
    return f"{fingerprint}:{manifest_digest}"


def _load_manifest(out_dir: Path, fingerprint: str, quick: dict | None = None) -> dict:
    """The last build's manifest (empty if there is none this build can use); it is
    "verified" when it is the one the `quick` record was written with. (Pickled: the
    2,000 synthetic issues' unpickles in 0.055-0.06 s, against 0.12-0.13 s as JSON.)"""
    empty = {"format": _FORMAT, "fingerprint": fingerprint, "issues": {}, "entries": {},
             "site": {}, "search": {}, "registers": {}, "stat": {}}
    state = out_dir / STATE
    digest = (quick or {}).get("manifest")
    if (state / MANIFEST).is_file() or not (state / FORMER_MANIFEST).is_file():
        data = _load_record(state / MANIFEST, fingerprint, digest, pickled=True,
                            stamp=(quick or {}).get("manifest_stamp"))
    else:   # the JSON an earlier version wrote: read once (rather than render it all again)
        data = _load_record(state / FORMER_MANIFEST, fingerprint, digest)
    if not data or set(empty) - set(data) or not isinstance(data["entries"], dict):
        data = empty
    data["entries"] = EntryRecords.loaded(data["entries"], data.pop("years", None))
    return data


def _load_record(path: Path, fingerprint: str, digest: str | None = None,
                 pickled: bool = False, stamp: list | None = None) -> dict:
    """A record of the last build (JSON, or `pickled`), if it was made with this fingerprint
    (and, given a digest, is exactly the file expected: known by its `stamp` as written,
    else by its bytes), else {}. A pickle is loaded as it is read, not read whole first
    (the manifest of 10,000 issues is 135 MB)."""
    try:
        with path.open("rb") as file:
            st = os.fstat(file.fileno())
            written = st.st_mtime_ns
            known = digest is not None and stamp is not None and file_stamp(st) == stamp
            hashed = _Hashed(file, hashlib.sha256()) if digest is not None and not known \
                else None
            read = hashed or file
            if pickled:
                data = _load_pickled(read)
                read.read()   # (anything after the pickle is part of the file's digest)
            else:
                data = orjson.loads(read.read())
    except (OSError, ValueError):
        return {}
    if not isinstance(data, dict) or data.get("format") != _FORMAT or \
            data.get("fingerprint") != fingerprint:
        return {}
    data["written_ns"] = written
    data["verified"] = known or hashed is not None and hashed.digest.hexdigest() == digest
    if data["verified"]:
        data["digest"] = digest
    return data


def _is_manifest(path: Path, quick: dict) -> bool:
    """Whether the manifest at `path` is the one the quick record was written with: by its
    stamp (size, times, inode: taken as soon as it was written), as the build's inputs are
    known, else by its bytes (at 10,000 issues, 135 MB read and hashed by every build
    that had nothing to do)."""
    try:
        if file_stamp(os.stat(path)) == quick.get("manifest_stamp"):
            return True
        return sha256(path.read_bytes()) == quick.get("manifest")
    except OSError:
        return False


def _save_manifest(state: Path, manifest: dict, report: BuildReport, tei: dict,
                   scan: str) -> str:
    """The manifest and the quick record, written last; the cached data of issues gone
    is dropped. Returns the manifest's digest."""
    try:   # (not a Path for each of 2,000 issues: 0.02 s)
        with os.scandir(state / ISSUES) as cached:
            gone = [entry.path for entry in cached if entry.name.endswith(".pickle")
                    and entry.name[:-len(".pickle")] not in manifest["issues"]]
    except FileNotFoundError:
        gone = []
    for path in gone:
        os.unlink(path)
    for name in FORMER:
        (state / name).unlink(missing_ok=True)
    for record in _records(manifest, packed=False):   # (what was carried over is packed)
        if isinstance(record["outputs"], dict):
            record["outputs"] = _pack_outputs(record["outputs"])
    for part in ("issues", "stat"):   # (the order they are read back in)
        manifest[part] = dict(sorted(manifest[part].items()))
    entries, years = manifest["entries"].saved()
    # written as it is pickled, not held whole first (at 4,000 issues, 47 MB of the main
    # process's peak); checked when read (see _load_record): no fsync
    digest = hashlib.sha256()
    atomic_write_with(state / MANIFEST, lambda file: _dump_plainly(
        {**manifest, "entries": entries, "years": years}, _Hashed(file, digest)), durable=False)
    stamp = file_stamp(os.stat(state / MANIFEST))
    counts = {f.name: getattr(report, f.name) for f in fields(report)
              if f.name in ("issues", "articles", "register_entries", "html_pages",
                            "text_files", "files", "bytes")}
    quick = {"format": _FORMAT, "fingerprint": manifest["fingerprint"],
             "manifest": digest.hexdigest(), "manifest_stamp": stamp,
             "stat": manifest["stat"], "tei": tei["issues"], "registers": tei["registers"],
             "search": manifest["search"], "scan": scan, "report": counts}
    atomic_write(state / QUICK, orjson.dumps(quick, option=orjson.OPT_SORT_KEYS), durable=False)
    return quick["manifest"]


def _dump_plainly(value, file) -> None:
    """`_pickled` into `file`, the same bytes for equal values: an object met twice is
    written twice (pickle's memo writes it once, and then where it is met again depends
    on which objects are the same, not only equal)."""
    pickler = pickle.Pickler(file, protocol=pickle.HIGHEST_PROTOCOL)
    pickler.fast = True
    pickler.dump(value)


class _Hashed:
    """A file whose bytes are added to `digest` on their way in or out (as a pickle is
    written or read: `write`, `read`, `readinto`, `readline`)."""

    def __init__(self, file, digest):
        self.file, self.digest = file, digest

    def write(self, data) -> int:
        self.digest.update(data)
        return self.file.write(data)

    def read(self, size: int = -1) -> bytes:
        data = self.file.read(size)
        self.digest.update(data)
        return data

    def readinto(self, buffer) -> int:
        count = self.file.readinto(buffer)
        self.digest.update(memoryview(buffer)[:count])
        return count

    def readline(self) -> bytes:
        line = self.file.readline()
        self.digest.update(line)
        return line


def _report(manifest: dict, totals: dict[str, int], **done) -> BuildReport:
    """What the edition holds (its pages and texts: `totals` of its files), and what
    was done."""
    return BuildReport(
        issues=len(manifest["issues"]),
        articles=sum(r["articles"] for r in manifest["issues"].values()),
        register_entries=len(manifest["entries"].own), **totals,
        **done)

