"""The index in shards: fixed blocks of issues, so that editing one issue re-indexes one block.

Pagefind searches several indexes as one in the reader's browser (`mergeIndex`),
so the edition's index is one Pagefind bundle per block of SHARD_SIZE issue
numbers (`html/pagefind/<shard>/`), plus a primary bundle of no pages that
carries Pagefind's runtime and into which the search page merges the shards
listed in `search-data.json`. Blocks are fixed by issue number, not by count,
so adding issues never moves an issue to another shard.

A shard is made from its issues' built pages alone (both scripts) and the
names of the register entries they link to. Each shard keeps a summary
(`shard.json`: its issues, the names in its filters, the register names it
used, its traditional → simplified character counts), from which the files
common to all shards are made without reading any page again.

An edit need not re-index its issue's whole block: an incremental build may
index the few issues of a shard edited since its bundle was made into an
overlay bundle beside it (`<shard>-edits`, OVERLAY_ISSUES at most), whose
summary names the issues it supersedes; the search page merges every bundle
with its name as a filter (`layer`) and leaves those issues out of the older
bundle. A full index (a first build, `tei-build search-index`) has no overlays.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable, Iterator, Mapping, MutableMapping
from pathlib import Path

import orjson

from ..code_digests import search_code
from ..render.hant import DEFAULT as HANT_DEFAULT, text_to_hant
from .canonical import empty_index
from .index import BUNDLE, pagefind_files, run_pagefind
from .records import HANT_PREFIX, Record, read_register_name, record_order, \
    register_names as _page_names, site_records
from .scripts import fold_counts, search_data

SHARD_SIZE = 50  # issues per shard: a weekly's year, a daily's two months
OVERLAY = "-edits"   # an overlay's folder: the shard's name and this
OVERLAY_ISSUES = 5   # issues an overlay holds at most; beyond, the shard is indexed again
SUMMARY = "shard.json"
DATA_FILE = "search-data.json"
_NUMBER = re.compile(r"(\d+)\Z")
_RUNTIME = re.compile(r"(pagefind\.js|pagefind-worker\.js|wasm\.[^/]+\.pagefind)\Z")
_ISSUE_PAGE = re.compile(rf"html/(?:{HANT_PREFIX})?issues/([^/]+)\.html\Z")
_PLACEHOLDER = ('<!DOCTYPE html><html lang="und"><head><meta charset="utf-8"></head><body>'
                '<main data-pagefind-body>runtime</main></body></html>\n')


def shard_of(issue_id: str) -> str:
    """The shard an issue belongs to: `hongkou-1845` → `n001800` (issues 1800–1849).

    An issue id without a number at its end goes to one of 256 shards by hash.
    """
    m = _NUMBER.search(issue_id)
    if m:
        return f"n{int(m.group(1)) // SHARD_SIZE * SHARD_SIZE:06d}"
    return "x" + hashlib.sha256(issue_id.encode("utf-8")).hexdigest()[:2]


def overlay_of(shard: str) -> str:
    """The folder of a shard's overlay (see the module's docstring)."""
    return shard + OVERLAY


def base_of(folder: str) -> str:
    """The shard a bundle's folder belongs to: itself, or the shard it is the overlay of."""
    return folder.removesuffix(OVERLAY)


def shard_pages(issue_id: str) -> tuple[str, str]:
    """The pages whose text feeds the index: the issue page in each script."""
    return f"html/issues/{issue_id}.html", f"html/{HANT_PREFIX}issues/{issue_id}.html"


def issue_of_page(path: str) -> str | None:
    """The issue whose text the page `path` ('html/…') holds, if it is an issue page."""
    m = _ISSUE_PAGE.match(path)
    return m.group(1) if m and m.group(1) != "index" else None


def register_names(source: Mapping[str, bytes] | Path) -> dict[tuple[str, str], str]:
    """(kind, key) → the name a filter shows for a register entry, from its page's heading.

    `source` is a built site `{'html/…': bytes}` or the folder holding html/.
    """
    if isinstance(source, Mapping):
        return _page_names(source)
    names = {}
    folder = Path(source) / "html" / "registers"
    for kind in sorted(("persons", "places", "orgs")):   # (the pages' order, as a site's)
        for path in sorted((folder / kind).glob("*.html")):
            found = read_register_name(path, f"html/registers/{kind}/{path.name}")
            if found:
                names[found[0]] = found[1]
    return names


def shard_files(shard: str, pages: Mapping[str, bytes], names: Mapping[tuple[str, str], str],
                opencc: str = HANT_DEFAULT, known: MutableMapping[str, list] | None = None
                ) -> dict[str, bytes]:
    """The files of one shard (`html/pagefind/<shard>/…`) from the issue pages of its issues.

    `pages` holds both scripts' issue pages of every issue of the shard (others
    are ignored). No issues: no files (the shard's folder goes). `known`: the
    records of the shard's issues as this function left them last time (JSON
    data); an issue whose pages and register names are the same is not read
    again, and `known` is brought up to date.
    """
    records, used, mine = _shard_records(shard, pages, names, known)
    return shard_bundle(shard, records, used, opencc, _known_folds(known), files_digest(mine))


def _shard_records(shard: str, pages: Mapping[str, bytes], names: Mapping[tuple[str, str], str],
                   known: MutableMapping[str, list] | None):
    """The records of the shard's issues in `pages` (from `known` where it holds), the
    register names they looked up, and the shard's pages."""
    mine = {path: data for path, data in pages.items()
            if (issue := issue_of_page(path)) and shard_of(issue) == shard}
    used = _Used(names)
    records = site_records(mine, used) if known is None else _known_records(mine, used, known)
    return records, used.seen, mine


def files_digest(files: Mapping[str, bytes]) -> str:
    """The digest of files ({'html/…': bytes}): a shard's summary keeps that of its issue
    pages (both scripts), which with the register names it used and the search stage's
    code are all its bundle is made from, and that of its bundle's other files
    (`made_from`)."""
    digest = hashlib.sha256()
    for path in sorted(files):
        digest.update(f"{path}\0{len(files[path])}\0".encode() + files[path])
    return digest.hexdigest()


def made_from(summary: bytes, pages: Callable[[], Mapping[str, bytes]],
              bundle: Callable[[], Mapping[str, bytes]],
              names: Mapping[tuple[str, str], str], opencc: str) -> bool:
    """Whether a whole shard (not an overlay) is what `shard_files` makes of the `pages` and
    `names` with this code: its `summary` as written (its seal), of this code
    (`code_digests.search_code`), showing the same name for every register entry, made
    from the same pages, and its other files, `bundle` ({'html/…': bytes}), as written
    with it. `pages` and `bundle` are read only when all before them holds. (A build
    takes such a shard, made by `tei-build search-index` after `build --no-search`, as
    its own rather than make it again.)"""
    try:
        made = json.loads(summary)
        return made.get("seal") == _seal(made) and made.get("code") == search_code(opencc) \
            and not names_changed(made["registers"], names) \
            and made.get("pages") == files_digest(pages()) \
            and made.get("bundle") == files_digest(bundle())
    except (ValueError, TypeError, KeyError, AttributeError):
        return False


def overlay_files(shard: str, pages: Mapping[str, bytes], names: Mapping[tuple[str, str], str],
                  edited: list[str], supersedes: list[str], opencc: str = HANT_DEFAULT,
                  known: MutableMapping[str, list] | None = None) -> dict[str, bytes]:
    """The overlay of `shard` (`html/pagefind/<shard>-edits/…`): its `edited` issues indexed
    alone, `supersedes` (those of them the shard's bundle holds) for the search page to
    leave out of the shard's results.

    `pages` are the shard's issue pages, all of them (as for shard_files, with `known`):
    the overlay's summary speaks for the whole shard as it is now (its issues, names and
    characters, for the common files), so that search-data.json is what a full index
    of the same pages would give, its list of bundles apart."""
    records, used, _ = _shard_records(shard, pages, names, known)
    edited = set(edited)
    indexed = [r for r in records if r.issue in edited]
    folder = overlay_of(shard)
    files = _bundle(folder, indexed)
    files[f"html/{BUNDLE}/{folder}/{SUMMARY}"] = _summary(
        records, used, opencc, {"supersedes": sorted(supersedes), "indexed": len(indexed)},
        _known_folds(known))
    return files


def _known_records(pages: Mapping[str, bytes], used: "_Used",
                   known: MutableMapping[str, list]) -> list[Record]:
    """site_records(pages, used), issue by issue, taking an issue's records from `known`
    when its pages are byte for byte those they were read from and every register
    name they looked up is unchanged. `known` keeps each issue's character counts
    (`_fold`) beside its records, so a summary need not count the whole shard again."""
    by_issue: dict[str, dict[str, bytes]] = {}
    for path in sorted(pages):
        by_issue.setdefault(issue_of_page(path), {})[path] = pages[path]
    records: list[Record] = []
    kept: dict[str, list] = {}
    for issue, mine in sorted(by_issue.items()):
        digest = hashlib.sha256()
        for path, data in sorted(mine.items()):
            digest.update(f"{path}\0{len(data)}\0".encode() + data)
        before = known.get(issue)
        found = _known_issue(before, digest.hexdigest(), used.names)
        if found is not None:
            for ref, name in before[1].items():
                used.seen[tuple(ref.split("/", 1))] = name
            if not _is_fold(before[3:4]):
                before = [*before[:3], _fold(found)]
        else:
            one = _Used(used.names)
            found = site_records(mine, one)
            used.seen.update(one.seen)
            before = [digest.hexdigest(), {f"{kind}/{key}": name
                                           for (kind, key), name in one.seen.items()},
                      [_fields(record) for record in found], _fold(found)]
        kept[issue] = before
        records.extend(found)
    known.clear()
    known.update(kept)
    return sorted(records, key=record_order)


def _fields(record: Record) -> dict:
    """A record as JSON data: dataclasses.asdict's result, without its deep copy of every
    string (a third of a shard's own time in Python, for values that are never changed)."""
    return {**vars(record), "names": dict(record.names)}


def _known_issue(before, digest: str, names: Mapping[tuple[str, str], str]) -> list | None:
    """A known issue's records (see _known_records) if they hold for these pages and
    names, else None (also if what is known is not records)."""
    try:
        if before[0] != digest or names_changed(before[1], names):
            return None
        return [Record(**{**fields, "names": {kind: tuple(values) for kind, values
                                              in fields["names"].items()}})
                for fields in before[2]]
    except (TypeError, IndexError, KeyError, AttributeError, ValueError):
        return None


def shard_bundle(shard: str, records: list[Record], used: Mapping[tuple[str, str], str | None],
                 opencc: str = HANT_DEFAULT, folds: list[dict] | None = None,
                 pages: str = "") -> dict[str, bytes]:
    """One shard's Pagefind bundle and summary, from its records (in record order);
    `folds`: their issues' character counts, if known (`_known_records`); `pages`: the
    digest of the pages they were read from (`files_digest`)."""
    if not records:
        return {}
    files = _bundle(shard, records)
    made = {"code": search_code(opencc), "pages": pages, "bundle": files_digest(files)}
    files[f"html/{BUNDLE}/{shard}/{SUMMARY}"] = _summary(records, used, opencc, made, folds)
    return files


def _bundle(folder: str, records: list[Record]) -> dict[str, bytes]:
    """The Pagefind bundle of `records` in `html/pagefind/<folder>/` (none for no records)."""
    if not records:
        return {}
    prefix = f"html/{BUNDLE}/{folder}/"
    return {prefix + path: data for path, data in pagefind_files(records, folder).items()
            if not _RUNTIME.match(path)}


def current_summaries(summaries: Mapping[str, bytes | dict]) -> Iterator[tuple[str, dict]]:
    """Each shard's summary as its shard is now: its overlay's, if it has one (which speaks
    for the whole shard), else its own; (shard, summary) in order, each loaded as it comes.
    (Summaries as bytes or as read.)"""
    for shard, folder in _current_folders(summaries).items():
        yield shard, _loaded(summaries[folder])


def _current_folders(summaries: Mapping[str, object]) -> dict[str, str]:
    """The folder whose summary is each shard's now (an overlay comes after its shard)."""
    return {base_of(folder): folder for folder in sorted(summaries)}


def _loaded(data: bytes | dict) -> dict:
    return orjson.loads(data) if isinstance(data, bytes) else data


class Sums:
    """What the common files are made of (`common_files`), summed over the shards' summaries
    as they are now (`current_summaries`): the issues, the names in each filter (each with
    the number of summaries naming it), the character counts; and of every summary,
    whether its bundle is indexed, what it supersedes and its digest.

    Kept between builds (`plain`), so that a build making a shard or an overlay again
    takes out the part of the summary it replaces and adds the new one's, where it read
    and summed every summary (at 10,000 issues 207 of them, 21.6 MB of JSON: 0.4 s of an
    edit). A summary is taken out only as it was summed: read again, it must have the
    digest it had."""

    def __init__(self, meta: dict | None = None, issues: dict | None = None,
                 names: dict | None = None, counts: dict | None = None):
        self.meta: dict[str, list] = meta or {}   # folder: [indexed, supersedes, digest]
        self.issues: dict[str, dict] = issues or {}
        self.names: dict[str, dict[str, int]] = names or {}
        self.counts: dict[str, dict[str, int]] = counts or {}

    @classmethod
    def of(cls, summaries: Mapping[str, bytes | dict]) -> "Sums":
        sums = cls()
        sums.update(summaries, None)
        return sums

    def plain(self) -> tuple:
        """The sums as plain data, to be kept (`from_plain` reads them back)."""
        return self.meta, self.issues, self.names, self.counts

    @classmethod
    def from_plain(cls, data) -> "Sums":
        meta, issues, names, counts = data
        if not all(isinstance(v, dict) for v in data):
            raise ValueError("not the sums of summaries")
        return cls(meta, issues, names, counts)

    def update(self, made: Mapping[str, bytes | dict | None],
               read: Callable[[str], bytes] | None, in_place: set[str] | None = None) -> None:
        """Take in the summaries `made` (None: the bundle is gone). `read(folder)` reads a
        summary summed before and still in place, `in_place` names every bundle in place;
        ValueError if they are not those summed (`tei-build search-index` folds overlays
        in, say), or a summary is not as it was summed."""
        if in_place is not None and in_place != set(self.meta):
            raise ValueError("the bundles in place are not those summed")
        before = _current_folders(self.meta)
        loaded = {folder: _loaded(data) for folder, data in made.items() if data is not None}
        meta = {folder: kept for folder, kept in self.meta.items() if folder not in made}
        for folder, summary in loaded.items():
            data = made[folder]
            meta[folder] = [summary.get("indexed", True), summary.get("supersedes"),
                            hashlib.sha256(data).hexdigest() if isinstance(data, bytes) else None]
        after = _current_folders(meta)
        moved = [shard for shard in sorted({*before, *after}) if before.get(shard) !=
                 after.get(shard) or after.get(shard) in made]
        for shard in moved:   # (all taken out first: an issue may have moved to another shard)
            if shard in before:
                self._add(self._read(before[shard], self.meta[before[shard]][2], read), -1)
        for shard in moved:
            folder = after.get(shard)
            if folder is not None:
                self._add(loaded[folder] if folder in loaded
                          else self._read(folder, meta[folder][2], read), 1)
        self.meta = dict(sorted(meta.items()))

    @staticmethod
    def _read(folder: str, digest: str | None, read: Callable[[str], bytes] | None) -> dict:
        data = read(folder) if read is not None and digest is not None else None
        if data is None or hashlib.sha256(data).hexdigest() != digest:
            raise ValueError(f"the summary of {folder} is not as it was summed")
        return orjson.loads(data)

    def _add(self, summary: dict, sign: int) -> None:
        """Add a summary's part into the sums (`sign` 1), or take it out (-1)."""
        for issue, data in summary["issues"].items():
            if sign > 0:
                self.issues[issue] = data
            else:
                self.issues.pop(issue, None)
        for kind, names in summary["names"].items():
            _add_counts(self.names, {kind: dict.fromkeys(names, 1)}, sign)
        _add_counts(self.counts, summary["fold"], sign)


def common_files(summaries: Mapping[str, bytes] | Sums, opencc: str = HANT_DEFAULT
                 ) -> dict[str, bytes]:
    """Pagefind's runtime, the primary index and `search-data.json`, from every shard's
    summary, or from their `Sums`. The summaries are loaded one at a time (all at once,
    10,000 issues' took 190 MB)."""
    runtime = run_pagefind([_PLACEHOLDER])
    files = {f"html/{BUNDLE}/{path}": data for path, data in runtime.items() if _RUNTIME.match(path)}
    files.update({f"html/{BUNDLE}/{path}": data for path, data in empty_index(runtime).items()})
    sums = summaries if isinstance(summaries, Sums) else Sums.of(summaries)
    bundles = [folder for folder, (indexed, _, _) in sums.meta.items() if indexed]
    superseded = {shard: sums.meta[folder][1] for shard, folder in
                  _current_folders(sums.meta).items() if sums.meta[folder][1]}
    filter_values = {kind: sorted(names) for kind, names in sorted(sums.names.items())}
    files[f"html/{DATA_FILE}"] = search_data(filter_values, sums.issues, sums.counts, bundles,
                                             opencc, superseded)
    return files


def read_summaries(out_dir: Path, replaced: Mapping[str, bytes | None] | None = None) -> dict[str, bytes]:
    """Every shard's summary: those in `replaced` (None: the shard is gone), the rest from disk."""
    found = {path.parent.name: path.read_bytes()
             for path in sorted((Path(out_dir) / "html" / BUNDLE).glob(f"*/{SUMMARY}"))}
    found.update(replaced or {})
    return {shard: data for shard, data in sorted(found.items()) if data is not None}


def stale_shards(summaries: Mapping[str, bytes], names: Mapping[tuple[str, str], str]) -> set[str]:
    """Shards that show a register name which has changed since they were made."""
    return {shard for shard, data in summaries.items()
            if names_changed(json.loads(data)["registers"], names)}


def names_changed(shown: Mapping[str, str], names: Mapping[tuple[str, str], str]) -> bool:
    """Whether a register name of `shown` ({"kind/key": name}, as a summary or an issue's
    cached records keep them) is no longer the entry's name in `names`."""
    return any(names.get(tuple(ref.split("/", 1))) != name for ref, name in shown.items())


def _fold(records: list[Record]) -> dict[str, dict[str, int]]:
    """The traditional → simplified character counts of `records`, as a summary keeps them
    (each record's text and its title: counts add up over records)."""
    pairs = [(r.text, r.text_hant) for r in records] + [(r.title, r.title_hant) for r in records]
    return {hant: dict(seen) for hant, seen in fold_counts(pairs).items()}


def _add_counts(total: dict[str, dict[str, int]], counts: Mapping[str, Mapping[str, int]],
                sign: int = 1) -> None:
    """Add counts ({traditional: {simplified: times}}, or {kind: {name: summaries}}) into
    `total`, or take them out (`sign` -1: what falls to none goes)."""
    for key, seen in counts.items():
        into = total.setdefault(key, {})
        for item, n in seen.items():
            left = into.get(item, 0) + sign * n
            if left:
                into[item] = left
            else:
                into.pop(item, None)
        if not into:
            del total[key]


def _is_fold(value: list) -> bool:
    return len(value) == 1 and isinstance(value[0], dict) and all(
        isinstance(seen, dict) and all(isinstance(n, int) for n in seen.values())
        for seen in value[0].values())


def _known_folds(known: Mapping[str, list] | None) -> list[dict] | None:
    return None if known is None else [known[issue][3] for issue in sorted(known)]


def _summary(records: list[Record], used: Mapping[tuple[str, str], str | None], opencc: str,
             extra: Mapping[str, object] | None = None,
             folds: list[dict] | None = None) -> bytes:
    """A shard's summary (`extra`: an overlay's, or what a whole shard was made from),
    sealed (`_seal`)."""
    issues = {}
    for r in records:   # (an issue's records share its label)
        if r.issue not in issues:
            issues[r.issue] = {"label": r.issue_label, "date": r.date,
                               "label_hant": text_to_hant(r.issue_label, opencc)}
    names: dict[str, set[str]] = {}
    for record in records:
        for kind, found in record.names.items():
            names.setdefault(kind, set()).update(found)
    if folds is None:
        fold = _fold(records)
    else:   # the issues' counts added up
        fold = {}
        for counts in folds:
            _add_counts(fold, counts)
    summary = {"issues": issues, "records": len(records),
               "names": {kind: sorted(found) for kind, found in names.items()},
               "registers": {f"{kind}/{key}": name for (kind, key), name in used.items()},
               "fold": fold}
    summary.update(extra or {})
    summary["seal"] = _seal(summary)
    return _dumped(summary)


def _dumped(summary: dict) -> bytes:
    return json.dumps(summary, ensure_ascii=False, sort_keys=True,
                      separators=(",", ":")).encode("utf-8")


def _seal(summary: dict) -> str:
    """The digest of a summary without its seal: one changed by hand no longer matches it."""
    return hashlib.sha256(_dumped({k: v for k, v in summary.items() if k != "seal"})).hexdigest()


class _Used:
    """The register names, noting which ones the records looked up (for stale_shards)."""

    def __init__(self, names: Mapping[tuple[str, str], str]):
        self.names = names
        self.seen: dict[tuple[str, str], str | None] = {}

    def get(self, key: tuple[str, str], default=None):
        value = self.names.get(key)
        self.seen[key] = value
        return default if value is None else value
