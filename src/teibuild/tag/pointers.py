"""What the issues of a TEI folder point to, for `Registers.reconcile`.

Converting one issue into a folder of thousands must still say, for every
register entry, which issues name it, so every issue's pointers are needed.
Parsing 2,000 issues for them took ~2.7 s of a 3.8–4.8 s one-issue convert. An
issue's pointers depend only on its bytes, so they are remembered by the digest
of those bytes (`Remembered`, in tei-build's cache folder): an issue that has
not changed is not parsed again, and one convert has just written not at all
(convert notes what each points to as it writes it). The same convert now
takes ~1.9 s.
"""

from __future__ import annotations

import datetime as dt
import os
import time
from collections.abc import MutableMapping
from pathlib import Path

import orjson
from lxml import etree

from .. import TEI_NS, XML_NS
from ..cachedir import drop_others, kept_file
from ..errors import TeiBuildError
from ..fsutil import RACY_NS, atomic_write, file_stamp, sha256
from ..xmlsafe import parse_bytes
from .registers import KINDS, Pointed

_REFERRING = etree.XPath("//*[@ref]")
_DATE = etree.XPath("string(t:teiHeader//t:sourceDesc//t:imprint/t:date/@when)",
                    namespaces={"t": TEI_NS})

#: an issue's pointers: its id, its date (ISO, or ""), and a line for each pointer of
#: its @ref, sorted: the pointer, a tab, the roles given with it (sorted, by spaces).
#: Neither holds white space of its own (both are read from lists split on it), and
#: as text a folder's pointers are read back from the cache twenty times faster than as lists.
IssuePointers = tuple[str, str, str]


def issue_date(root) -> dt.date | None:
    """The issue's date, from its header (None if it gives no full date)."""
    when = _DATE(root)
    try:
        return dt.date.fromisoformat(when) if len(when) == 10 else None
    except ValueError:
        return None


def issue_pointers(data: bytes, where: str) -> IssuePointers:
    """What one issue (its TEI as bytes) points to."""
    return tree_pointers(parse_bytes(data, where).getroot())


def tree_pointers(root: etree._Element) -> IssuePointers:
    """What one issue (its TEI root) points to: convert notes this of each issue it
    writes, so that none it has just written is parsed again."""
    date = issue_date(root)
    roles: dict[str, set[str]] = {}
    for el in _REFERRING(root):
        for pointer in el.get("ref").split():
            roles.setdefault(pointer, set()).update((el.get("role") or "").split())
    return (root.get(f"{{{XML_NS}}}id") or "", date.isoformat() if date else "",
            "\n".join(f"{pointer}\t{' '.join(sorted(roles[pointer]))}"
                      for pointer in sorted(roles)))


def pointers_in(tei_dir: Path, remembered: MutableMapping[str, IssuePointers] | None = None,
                problems: list[TeiBuildError] | None = None
                ) -> dict[str, dict[str, Pointed]] | None:
    """What the issues in `tei_dir` point to: register file → entry id → `Pointed`,
    issue and date as tag_issue notes a mention. None if an issue cannot be read: then
    nothing can be said of what no issue names, and what is wrong with it is added to
    `problems`. `remembered`: issue_pointers by the digest of the issue's bytes, used
    and added to."""
    remembered = {} if remembered is None else remembered
    digest_of = getattr(remembered, "digest_of", _read_digest)
    files = {kind.file for kind in KINDS.values()}
    found: dict[str, dict[str, Pointed]] = {file: {} for file in files}
    for path in sorted(Path(tei_dir).glob("*.xml")):
        if path.name in files:
            continue
        try:
            try:
                key, data = digest_of(path)
                if key not in remembered:
                    data = path.read_bytes() if data is None else data
                    remembered[key] = issue_pointers(data, str(path))
            except OSError as exc:
                raise TeiBuildError(f"cannot read: {exc.strerror or exc}", path=str(path))
        except TeiBuildError as exc:
            if problems is not None:
                problems.append(exc)
            return None
        issue, when, pointers = remembered[key]
        seen = (when, issue)
        for line in pointers.split("\n") if pointers else ():
            pointer, _, roles = line.partition("\t")
            file, _, ident = pointer.partition("#")
            table = found.get(file)
            if table is not None and ident:
                pointed = table.get(ident)
                if pointed is None:   # (made only when new: 200,000 pointers on 2,000 issues)
                    pointed = table[ident] = Pointed()
                pointed.seen.append(seen)
                if roles:
                    pointed.roles.update(roles.split())
    return found


def _read_digest(path: Path) -> tuple[str, bytes]:
    data = path.read_bytes()
    return sha256(data), data


class Remembered(dict):
    """issue_pointers by the digest of an issue's bytes, kept in tei-build's cache folder
    (`cachedir.cache_dir`) between commands. The file is named after the code that reads
    an issue (this module), so a change in it starts afresh; a file that cannot be read
    or written is only no cache. Entries not used by the last save are dropped past
    `KEPT` (several archives may share the folder).

    Each issue file's stamp (size, times, inode) is kept with its digest too, so that
    a file whose stamp is as it was is not even read again (`digest_of`, git's rule):
    a one-issue convert into 2,000 issues read and hashed every one of them, 35 MB."""

    KEPT = 50_000
    _STAMPS = "stamps"   # (the key they are kept under: no digest is named so)

    def __init__(self, path: Path | None):
        super().__init__()
        self.path, self.used = path, set()
        self.stamps: dict[str, list] = {}   # file → [size, mtime, ctime, inode, digest]
        self._seen: dict[str, list] = {}    # the stamps taken this time, to keep
        # a stamp is kept only of files changed before this (`RACY_NS`)
        self._since = time.time_ns() - RACY_NS
        if path is not None:
            try:   # as read: lists where issue_pointers gives tuples, which unpack alike
                data = orjson.loads(path.read_bytes())
            except (OSError, ValueError):
                data = None
            if isinstance(data, dict):
                stamps = data.pop(self._STAMPS, None)
                self.update((k, v) for k, v in data.items() if _well_formed(v))
                if isinstance(stamps, dict):
                    self.stamps = {k: v for k, v in stamps.items() if _well_stamped(v)}

    def digest_of(self, path: Path) -> tuple[str, bytes | None]:
        """The sha256 of a file's bytes, and the bytes if they had to be read: not while
        the file's size, times and inode are those kept with its digest. A stamp is kept
        only of a file last changed well before it was taken, so a change in the same
        clock tick cannot hide behind it; any change after it changes its ctime."""
        name = os.path.abspath(path)
        st = os.stat(name)
        stamp = file_stamp(st)
        before = self.stamps.get(name)
        if before is not None and before[:4] == stamp and super().__contains__(before[4]):
            self._seen[name] = before
            return before[4], None
        data = path.read_bytes()
        key = sha256(data)
        if st.st_mtime_ns < self._since and st.st_ctime_ns < self._since:
            self._seen[name] = [*stamp, key]
        return key, data

    @classmethod
    def load(cls) -> Remembered:
        return cls(kept_file("pointers", ".json", Path(__file__).read_bytes()))

    def __contains__(self, key) -> bool:
        self.used.add(key)
        return super().__contains__(key)

    def __setitem__(self, key, value) -> None:
        self.used.add(key)
        super().__setitem__(key, value)

    def save(self) -> None:
        if self.path is None:
            return
        keep = sorted(self.used) + sorted(set(self) - self.used)
        kept = {k: self[k] for k in keep[:max(self.KEPT, len(self.used))] if k in self}
        others = [k for k in sorted(self.stamps) if k not in self._seen]
        stamps = {**{k: self.stamps[k] for k in others[:max(0, self.KEPT - len(self._seen))]
                     if self.stamps[k][4] in kept}, **self._seen}
        try:
            atomic_write(self.path, orjson.dumps({**kept, self._STAMPS: stamps}))
            drop_others(self.path)
        except OSError:
            pass


def _well_stamped(value) -> bool:
    """A file's stamp as `Remembered.digest_of` keeps it."""
    return isinstance(value, list) and len(value) == 5 and \
        all(isinstance(v, int) and not isinstance(v, bool) for v in value[:4]) and \
        isinstance(value[4], str)


def _well_formed(value) -> bool:
    """An entry as issue_pointers gives it (read back from JSON: a list)."""
    return isinstance(value, list) and len(value) == 3 and all(isinstance(v, str) for v in value)
