"""What the build's worker processes do: render an issue, a run of register entries,
the pages of the whole edition, or a shard of the search index, into the staging folder.

Each takes plain data (pickled where that saves the main process the work) and gives
back only what the manifest records of its work (the paths it wrote, their digests, a
shard's summary), so that the main process holds no pages. The pieces of work are
handed out by `ordered_map`, made only as a worker is about to take them (`_Lazy`).
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from types import SimpleNamespace
from typing import NamedTuple

from ..edition import Edition
from ..errors import TeiBuildError
from ..fsutil import sha256
from .caches import HEADS, SEARCH_RECORDS, STATE, _IssueData, _dump_cache, _head_part, \
    _load_cache, _pickled, _unpickled
from .keys import _digest, head
from .manifest import _issue_names, _summary


#: what the workers of a build use (imported once by the server that starts them)
_PRELOAD = ("teibuild.render.build", "teibuild.search")


@dataclass
class _Worker:
    new: Path
    edition: Edition
    issues: Mapping | None = None  # issue id → heading data, for the register entry pages


_worker: _Worker | None = None


def _start_worker(new: Path, edition: Edition, issues: dict | None = None,
                  romanized: dict | None = None) -> None:
    global _worker
    _worker = _Worker(new, edition, None if issues is None else _Heads(
        issues, new.parent.parent / HEADS))   # (new: <state>/staging-…/new)
    if romanized:
        from ..cite import romanize

        romanize.remember(romanized)


class _Heads(Mapping):
    """Issue id → heading data, given as the data or pickled (`_Plan.pickled_head`), each
    loaded when first asked for; `cache`, the heads cache they are from."""

    def __init__(self, given: dict, cache: Path = Path(STATE, HEADS)):
        self._given, self._loaded, self._cache = given, {}, cache

    def __getitem__(self, key: str):
        if key not in self._loaded:
            value = self._given[key]
            if isinstance(value, bytes):
                value = _unpickled(value)
                if value is None:   # (its bytes were checked by their checksum)
                    raise TeiBuildError(f"the heading data of issue {key} in the cache "
                                        f"{self._cache} cannot be read: remove that file "
                                        f"and build again")
            self._loaded[key] = value
        return self._loaded[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._given)

    def __len__(self) -> int:
        return len(self._given)


class _Counted(Sequence):
    """Stands for an entry's mentions on the pages that list entries: their number, and
    the first one's name (all those pages show of them)."""

    def __init__(self, count: int, first: str):
        self.count, self.first = count, SimpleNamespace(name=first)

    def __len__(self) -> int:
        return self.count

    def __getitem__(self, index):
        if isinstance(index, slice):
            raise TypeError("only the number of mentions and the first one are known")
        if not -self.count <= index < self.count:
            raise IndexError(index)
        if index not in (0, -self.count):
            raise TypeError("only the first mention is known")
        return self.first


class _Lazy(Sequence):
    """`make(work[i])` made only when item i is asked for: only the items a worker is
    about to get are held (see ordered_map)."""

    def __init__(self, work: list, make: Callable):
        self.work, self.make = work, make

    def __len__(self) -> int:
        return len(self.work)

    def __getitem__(self, index):
        if isinstance(index, slice):
            return [self.make(w) for w in self.work[index]]
        return self.make(self.work[index])


def _runs(work: list[str], weight: dict[str, int], most: int = 2000,
          length: int = 16) -> list[list[str]]:
    """`work` cut, in order, into runs of at most `length` items weighing `most` together
    (a heavier item alone): a worker is given a run at a time, and a few runs are in
    flight, so that the largest register entries (thousands of mentions each) are not
    held by the dozen (on 2,000 issues, runs of 16 took the entry pages' phase to 738 MB
    and a worker to 318; runs by weight, 615 and 223)."""
    runs: list[list[str]] = []
    total = 0
    for item in work:
        if runs and len(runs[-1]) < length and total + weight[item] <= most:
            runs[-1].append(item)
            total += weight[item]
        else:
            runs.append([item])
            total = weight[item]
    return runs


def _stage(new: Path, rel: str, data: bytes) -> None:
    from ..render.writer import stage

    stage(new, rel, data)


def _pickled_by_entry(issue) -> dict[str, bytes]:
    """An issue's mentions by register entry ("kind/key"), each entry's list pickled: all
    issues' mentions are held until the entries' pages are made, and as objects they
    take ten times the room."""
    groups: dict[str, list] = {}
    for m in issue.mentions:
        groups.setdefault(f"{m.kind}/{m.key}", []).append(m)
    return {entry: _pickled(mentions) for entry, mentions in groups.items()}


def _at(issue, path: Path):
    """A cached issue with the path its TEI is read from now (it may have been cached when
    read by another path)."""
    return issue if issue.path == path else replace(issue, path=path)


def _read_issue(path: Path):
    from ..render.site import read_issue

    return read_issue(path)


class _Read(NamedTuple):
    """What a build keeps of an issue it reads (`_Plan._keep_read`): its data pickled (for its
    cache), what the manifest summarises of it but its TEI's digest (`_summary`), its
    mentions by entry packed (`_issue_names`) and pickled (`_pickled_by_entry`), and its
    heading data as the heads cache keeps it (`_head_part`)."""
    pickled: bytes
    summary: dict
    names: bytes
    by_entry: dict[str, bytes]
    head: list


def _read_and_kept(path: Path) -> _Read:
    """`_read_issue`, and what the build keeps of the issue worked out here: in the main
    process, as it took the issues in, it was 3.7 ms an issue, more than half of what a
    worker took to read one, and the reading waited for it."""
    return _kept(_read_issue(path))


def _kept(issue) -> _Read:
    heading = head(issue)
    part = _head_part(heading, _digest(heading))
    return _Read(_pickled(issue), _summary(issue, part[0]), _issue_names(issue),
                 _pickled_by_entry(issue), part)


def _render_issue_into(work: tuple) -> tuple[list[str], dict]:
    """Render one issue (it links to its neighbours) into the staging folder; the files
    written, and the titles romanised (for the cache). The issue may come as the bytes
    its cache holds (`_Plan.pickled_issue`), with the path of its TEI."""
    from ..cite import romanize
    from ..render.build import _render_issue

    issue, path, prev, next_ = work
    if isinstance(issue, bytes):   # (`_Plan.pickled_issue`)
        issue = _unpickled(issue)
        # (its cache torn inside: read here, as `_Plan.issue` would)
        issue = _read_issue(path) if issue is None else _at(issue, path)
    romanize.used()
    files = _render_issue(issue, prev, next_, _worker.edition)
    for rel, data in files.items():
        _stage(_worker.new, rel, data)
    return sorted(files), {text: list(words) for text, words in romanize.used().items()}


def _site_pages_into(work: tuple) -> tuple[dict[str, str], dict[str, str]]:
    """Render the pages that list every issue or entry (`_Plan._render_site`) into the
    staging folder, but those whose digest is the one on disk (`unchanged`); every page's
    digest, and what each page shows (`site_page_keys`). A page that shows what it showed
    (`before`), and is on disk as it was written, is not rendered: a name's count changed
    renders its initial's page, not the 20,000 names of its register, nor the list of
    every issue."""
    from ..render.build import _site_pages, site_page_keys
    from ..render.pages import page_files
    from ..render.site import Entry, join_mentions

    registers, listing, listed, latest, unchanged, before = work
    joined = {(e.kind, e.key): e for e in join_mentions(registers, [])}
    for entry, _mentions_digest, count, first in listing:
        kind, name = entry.split("/", 1)
        joined.setdefault((kind, name), Entry(kind=kind, key=name)).mentions = \
            _Counted(count, first)
    entries = [joined[k] for k in sorted(joined)]
    keys = site_page_keys(listed, entries)
    same = {path for path, key in keys.items() if before.get(path) == key
            and all(rel in unchanged for rel in page_files(path))}
    files = _site_pages(listed, latest, entries, _worker.edition, unchanged=same)
    digests = {rel: unchanged[rel] for path in same for rel in page_files(path)}
    for rel in sorted(files):
        digests[rel] = sha256(files[rel])
        if unchanged.get(rel) != digests[rel]:
            _stage(_worker.new, rel, files[rel])
    return dict(sorted(digests.items())), keys


def _common_files_into(work: tuple) -> tuple[list[str], tuple]:
    """The search index's common files (`search.common_files`), staged: from the sums of
    the last build's shard summaries (`kept`, `search.Sums`) brought up to date with the
    summaries made this time (`staged`: where `_index_shard` staged each, None for those
    gone), else from every summary (the others read from `out_dir`). Returns their paths
    and the sums, to be kept."""
    from .. import search
    from ..search.index import BUNDLE

    staged, out_dir, kept = work
    summaries = {name: None if rel is None else (_worker.new / rel).read_bytes()
                 for name, rel in staged.items()}
    sums = None
    if kept is not None:
        folder = Path(out_dir) / "html" / BUNDLE
        try:
            sums = search.Sums.from_plain(kept)
            sums.update(summaries, lambda name: (folder / name / search.SUMMARY).read_bytes(),
                        {path.parent.name for path in folder.glob(f"*/{search.SUMMARY}")})
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            sums = None   # (not as summed: every summary is read)
    if sums is None:
        sums = search.Sums.of(search.read_summaries(out_dir, summaries))
    common = search.common_files(sums, _worker.edition.opencc)
    for rel, data in common.items():
        _stage(_worker.new, rel, data)
    return sorted(common), sums.plain()


def _entry_pages_into(run: list[tuple]) -> list[list[str]]:
    """Render register entries' pages into the staging folder, each given as (entry, which
    page, number of mentions, first name, its mentions pickled issue by issue:
    `_Plan.entry_mentions`); the files of each."""
    from ..render.build import entry_page, entry_year_page, group_mentions

    out = []
    for entry, page, count, first, parts in run:
        mentions = [m for part in parts for m in _IssueData(io.BytesIO(part)).load()]
        if page[0] == "whole":
            entry.mentions = mentions
            files = entry_page(entry, _worker.edition,
                               groups=group_mentions(mentions, _worker.issues))
        else:   # the entry's name is the one its own page shows
            entry.mentions = _Counted(count, first)
            if page[0] == "years":
                files = entry_page(entry, _worker.edition, years=page[1])
            else:
                files = entry_year_page(entry, _worker.edition, page[1], page[2],
                                        group_mentions(mentions, _worker.issues))
        for rel, data in files.items():
            _stage(_worker.new, rel, data)
        out.append(sorted(files))
    return out


def _index_shard(item: tuple) -> str | None:
    """Index one shard from its pages into the staging folder (or, given `overlay`, the
    issues edited and those of them its bundle holds, its overlay); where its summary is
    staged (not the summary: on 10,000 issues the 201 summaries, 22 MB, were held by the
    main process and sent again to `_common_files_into`), or None if the shard has no
    records. A shard's records are cached by issue (`shard_files`'
    `known`), for the search stage's code (`code`)."""
    from ..render.writer import stage_same
    from ..search import overlay_files, shard_files
    from ..search.shards import SUMMARY

    shard, pages, overlay, names, opencc, new, state, code = item
    read = {rel: Path(path).read_bytes() for rel, path in pages}
    cache = state / SEARCH_RECORDS / f"{shard}.json"
    known = _load_cache(cache, code, "issues")
    if overlay is None:
        files = shard_files(shard, read, names, opencc, known)
    else:
        files = overlay_files(shard, read, names, *overlay, opencc, known)
    if known:
        cache.parent.mkdir(exist_ok=True)
        _dump_cache(cache, code, "issues", known)
    else:
        cache.unlink(missing_ok=True)
    out_dir = state.parent
    for rel, data in files.items():   # (mostly as they are in the shard in place)
        stage_same(new, rel, data, out_dir / rel)
    return next((rel for rel in files if rel.endswith(f"/{SUMMARY}")), None)
