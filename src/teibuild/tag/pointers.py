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
from collections.abc import MutableMapping
from pathlib import Path

import orjson
from lxml import etree

from .. import TEI_NS, XML_NS
from ..cachedir import drop_others, kept_file
from ..errors import TeiBuildError
from ..fsutil import atomic_write, sha256
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
    files = {kind.file for kind in KINDS.values()}
    found: dict[str, dict[str, Pointed]] = {file: {} for file in files}
    for path in sorted(Path(tei_dir).glob("*.xml")):
        if path.name in files:
            continue
        try:
            try:
                data = path.read_bytes()
            except OSError as exc:
                raise TeiBuildError(f"cannot read: {exc.strerror or exc}", path=str(path))
            key = sha256(data)
            if key not in remembered:
                remembered[key] = issue_pointers(data, str(path))
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


class Remembered(dict):
    """issue_pointers by the digest of an issue's bytes, kept in tei-build's cache folder
    (`cachedir.cache_dir`) between commands. The file is named after the code that reads
    an issue (this module), so a change in it starts afresh; a file that cannot be read
    or written is only no cache. Entries not used by the last save are dropped past
    `KEPT` (several archives may share the folder)."""

    KEPT = 50_000

    def __init__(self, path: Path | None):
        super().__init__()
        self.path, self.used = path, set()
        if path is not None:
            try:   # as read: lists where issue_pointers gives tuples, which unpack alike
                data = orjson.loads(path.read_bytes())
            except (OSError, ValueError):
                data = None
            if isinstance(data, dict):
                self.update((k, v) for k, v in data.items() if _well_formed(v))

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
        try:
            atomic_write(self.path, orjson.dumps({k: self[k] for k in keep[:max(
                self.KEPT, len(self.used))] if k in self}))
            drop_others(self.path)
        except OSError:
            pass


def _well_formed(value) -> bool:
    """An entry as issue_pointers gives it (read back from JSON: a list)."""
    return isinstance(value, list) and len(value) == 3 and all(isinstance(v, str) for v in value)
