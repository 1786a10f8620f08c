"""The search index within a build: which of its shards to index again, whole or as an
overlay, and how its files on disk are known to be as they were written.
"""

from __future__ import annotations

import os
from pathlib import Path

from ..fsutil import sha256
from .caches import SEARCH_RECORDS, _file_digest, _load_cache
from .keys import _digest


def _shards(manifest: dict) -> tuple[dict, dict]:
    """The search index's shards: the (issue id, TEI digest) of their issues, and their keys.

    An issue's records depend on its own TEI (and on the register names, see
    `stale_shards`), not on its neighbours, whose headings its pages show: a heading
    edited is one issue to overlay, not three (the edited issue and both neighbours used
    up an overlay's five issues in two edits)."""
    from ..search import shard_of

    members: dict[str, list] = {}
    for record in manifest["issues"].values():
        members.setdefault(shard_of(record["id"]), []).append((record["id"], record["tei"]))
    return members, {shard: _digest(sorted(issues)) for shard, issues in sorted(members.items())}


def _index_identity(search: dict) -> str:
    """What says which index a manifest's search record is of: the same shards, made from
    the same issues, register names and code, with the same overlays (a summary on disk not
    as written is found by `_unstamped`, and its shard indexed again)."""
    return _digest(*(search.get(part) for part in ("code", "shards", "names", "bases",
                                                    "overlays")))


def _overlays(stale: set[str], whole: set[str], members: dict, bases: dict, overlays: dict,
              on_disk: set[str], limit: int) -> tuple[set[str], dict[str, list[str]]]:
    """Which stale shards are indexed whole and which get an overlay of their edited
    issues (none: the overlay goes); `bases` (shard → {issue: page key} its bundle was made
    from) and `overlays` (shard → issues overlaid) are brought up to date in place.

    A shard is indexed whole if asked (`whole`), new, not on disk, has lost an issue, or
    has more than `limit` issues changed since its bundle was made."""
    whole, overlaid = set(whole), {}
    for shard in sorted(stale - whole):
        now, base = dict(members[shard]), bases.get(shard)
        if base is None or shard not in on_disk or set(base) - set(now):
            whole.add(shard)
            continue
        edited = sorted(issue for issue, key in now.items() if base.get(issue) != key)
        if len(edited) > limit:
            whole.add(shard)
        else:
            overlaid[shard] = edited
    for shard in whole:
        bases[shard] = dict(members[shard])
        overlays.pop(shard, None)
    for shard, edited in overlaid.items():
        if edited:
            overlays[shard] = edited
        else:   # back as its bundle has it
            overlays.pop(shard, None)
    for shard in set(bases) - set(members):
        del bases[shard]
        overlays.pop(shard, None)
    return whole, overlaid


def _renamed_in_edits_only(shards: set[str], members: dict, bases: dict, names: dict,
                           state: Path, code: str) -> set[str]:
    """Of `shards` (to index again; a register name they show changed), those in which
    only issues changed since their bundle was made show a changed name, by the records
    each issue had when last indexed (`_index_shard`'s cache). Their overlay indexes
    those issues anew, with the names as they are, and a search leaves them out of the
    bundle, which then shows no name that changed: a corrected name printed in one
    issue need not index its shard's ~2,000 records again (2.0–2.3 s of a rebuild on
    19,450 entries). Without the cache of a shard, or of one of its issues, the shard
    is indexed whole."""
    from ..search.shards import names_changed

    out = set()
    for shard in sorted(shards):
        base = bases.get(shard) or {}
        known = _load_cache(state / SEARCH_RECORDS / f"{shard}.json", code, "issues")
        unedited = [issue for issue, key in members[shard] if base.get(issue) == key]
        try:
            if not any(names_changed(known[issue][1], names) for issue in unedited):
                out.add(shard)
        except (KeyError, IndexError, TypeError, AttributeError, ValueError):
            continue   # (an issue not in the cache, or a cache not as written)
    return out


#: the size a stamp gives a folder of the search index (see _unstamped)
_FOLDER = -1


def _bundle_folders(root: Path, rel: str) -> list[str]:
    """A search bundle's folder and the folders in it (fragment/, index/, filter/), as
    they are under `root`."""
    try:
        with os.scandir(root / rel) as found:
            inside = sorted(f"{rel}/{e.name}" for e in found if e.is_dir(follow_symlinks=False))
    except OSError:
        return []
    return [rel, *inside]


def _listing_digest(path: Path) -> str | None:
    """What a folder holds: the name and size of each file, the name of each folder (whose
    size says how it grew, not what it holds); None if it is not a folder."""
    try:
        with os.scandir(path) as found:
            rows = sorted(f"{e.name}/" if e.is_dir(follow_symlinks=False) else
                          f"{e.name}\0{e.stat(follow_symlinks=False).st_size}" for e in found)
    except OSError:
        return None
    return sha256("\n".join(rows).encode("utf-8", "surrogateescape"))


def _search_current(record: dict, out_dir: Path) -> bool:
    """The search index's files are on disk as they were written (see _unstamped)."""
    return bool(record.get("outputs")) and not _unstamped(record, out_dir)


def _unstamped(record: dict, out_dir: Path) -> list[str]:
    """The search index's stamped files and folders that are not on disk as they were
    written: as stamped, or written again with the same bytes (as `tei-build
    search-index` writes them from the same pages; the stamp is then brought up to date
    in `record`). The files stamped are the shards' summaries, which name the pages each
    shard was made from, and the common files made from them (Pagefind's runtime
    among them). A bundle's folders are stamped with their time and, for when that
    changes, the name and size of each file in them (`_listing_digest`): a file of a
    bundle removed or added is found, and one put in its place with another size, but
    not one written over in place, which changes no folder's time. (Stamping each file, on
    2,000 issues 75,000, would cost every rebuild about half as much again as the
    check of all the other outputs.)"""
    found = []
    for rel, stamp in record.get("outputs", {}).items():
        path = os.path.join(out_dir, rel)
        try:
            st = os.stat(path)
        except OSError:
            found.append(rel)
            continue
        if stamp[0] == _FOLDER:
            if st.st_mtime_ns != stamp[1]:
                if len(stamp) < 3 or _listing_digest(Path(path)) != stamp[2]:
                    found.append(rel)
                else:
                    stamp[1] = st.st_mtime_ns
        elif (st.st_size, st.st_mtime_ns) != tuple(stamp[:2]):
            if len(stamp) < 3 or st.st_size != stamp[0] or _file_digest(Path(path)) != stamp[2]:
                found.append(rel)
            else:
                stamp[1] = st.st_mtime_ns
    return found


def _search_stamp(path: Path) -> list:
    """How `_unstamped` knows a file or folder of the search index again: a file by its
    size, time and digest; a folder by `_FOLDER`, its time and `_listing_digest`."""
    st = path.stat()
    if path.is_dir():
        return [_FOLDER, st.st_mtime_ns, _listing_digest(path)]
    return [st.st_size, st.st_mtime_ns, sha256(path.read_bytes())]
