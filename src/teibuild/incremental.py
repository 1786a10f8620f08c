"""The build: render only the pages whose inputs changed, never a stale one.

A first build and a rebuild are the same code: with nothing recorded, every
page counts as changed. What each page is given to render is what is
tracked, and the renderers are given nothing more (the pages of an issue
get their neighbours' data without its name mentions, a register entry's
page the data of the issues that mention it), so a page cannot depend on
something its key leaves out:
- an issue's pages (HTML and text, zh-Hans and zh-Hant, its TEI copy, its
  citation files): its TEI file, and the *heading data* (everything but the
  mentions) of the issues before and after it, which its page links to;
- a register entry's page: the entry in its register, and for each issue
  that mentions it, those mentions (the text on either side included) and
  the issue as the page shows it (`render.site.Cited`: its number, its date
  and the articles they are in), so an edit elsewhere in an issue, a new
  heading included, leaves it alone;
  an entry with pages by year (`render.build.year_pages`): its own page, the
  entry, its first name and each year's number of issues and mentions; a
  year's page, the entry, its first name, the years either side and that
  year's issues and mentions only;
- the home, issue-list, register-index and about pages: what a list of the
  issues shows of each (`render.site.Listed`: number, date, pages, number of
  articles), the latest issue's heading data (the home page cites it as an
  example), and each entry's names, number of mentions and first name;
- a shard of the search index (a fixed block of issues, `search.shard_of`):
  the keys of its issues' pages, and the register names it shows; all of it,
  the search stage's code. A few of a shard's issues edited since its bundle
  was made are indexed into an overlay beside it instead (`search.shards`);
- all of it: the *fingerprint*: tei-build's rendering code, templates,
  stylesheets and schemas, the versions of the libraries that render,
  and edition.toml. Any change there and everything is rebuilt. (Not the TEI
  folder's path: the same folder given relative or absolute, or moved, is the
  same edition; each TEI file is known by its name and its digest.)

The output folder keeps a manifest (`.tei-build/manifest.pickle`) of each
output's inputs and of every file written (size, mtime), a small quick record
(`quick.json`: enough to see that there is nothing to do), and caches: each
issue's data, every issue's heading data, each register entry's mentions by
issue, the registers as read, the romanised words of titles (the segmenter's
dictionary need not be loaded), each search shard's records by issue and each
register page's name (a shard is indexed again without reading its other
issues' pages or every register page), and which issues mention each entry
(only the entries an edited issue mentions are worked out again). So an
unchanged TEI file is neither parsed nor
(when its size, times and inode are as recorded) even read, and the page of a
name mentioned in every issue is rendered again without reading the other
issues. A cache is only a short cut: what is taken from one is checked against
the digests in the manifest (search records against their pages' bytes, a
register name against its page's size and mtime, the table of mentions against
the manifest it was made with), and a missing or stale one
is made again from the TEI. Outputs that are missing or were changed on disk are rendered again,
and files in html/ and txt/ that the manifest does not list are removed: the
folder is always what a fresh build makes (the search index's bundles apart,
which may hold overlays: what they find is what a fresh build's find). (When a
TEI file changed, the disk is read by a process of its own while rendering goes
on, the build assuming it is as recorded; it is checked before anything moves
into place, and if it is not, the build is planned again from what is there.)

New files are staged in `.tei-build/staging-*` and moved into place together,
search index included, only when everything has rendered; a failure at any
point (bad input, a full disk, Ctrl-C) leaves the previous edition as it was.
"""

from __future__ import annotations

import bisect
import hashlib
import io
import os
import pickle
import shutil
import tempfile
import time
import zlib
from array import array
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import astuple, dataclass, fields, replace
from importlib import metadata
from pathlib import Path
from types import SimpleNamespace

import orjson

from . import __version__
from .edition import Edition
from .errors import TeiBuildError
from .fsutil import RACY_NS, atomic_write, atomic_write_with, file_stamp, sha256, staging_dir
from .output_scan import SEARCH_INDEX, Now, Scan, remove_abandoned_staging
from .parallel import FORKSERVER_FROM, give_back_memory, ordered_map, resolve_jobs
from .resources import resource_dir

STATE = ".tei-build"
MANIFEST = "manifest.pickle"
QUICK = "quick.json"   # what a build that has nothing to do needs: small, read first
ISSUES = "issues"  # one pickle of each issue's data, read again only when its TEI changes
HEADS = "heads.pickle"          # every issue's heading data, each pickled apart (_Plan.head)
ENTRIES = "entries"             # each register entry's mentions, by issue
YEAR = "@"                      # "persons/guo-fang@2022": an entry's page of one year
REGISTERS = "registers.pickle"  # the register entries as read from tei/
ROMANIZED = "romanized.json"    # the romanised words of titles (cite.romanize), by text
SEARCH_RECORDS = "search"        # each shard's search records, by issue
NAMES = "names.json"            # the name heading each register page (for the search index)
MENTIONED = "mentioned.sqlite"  # which issues mention each register entry (mention_table)
FORMER_MANIFEST = "manifest.json"   # the manifest as versions before the pickle wrote it
FORMER = (FORMER_MANIFEST, "mentioned.pickle")  # what earlier versions kept, removed
#: what a step of each kind counts in a build's progress (`progress(done, total, what)`):
#: steps of equal count take about as long, so that a bar's estimate of the time left
#: holds (on 500 issues: an issue's pages rendered in ~80 ms, a register entry's page in
#: 2–4 ms, an issue's pages indexed for search in ~60 ms)
ISSUE_STEPS, ENTRY_STEPS = 20, 1
#: what this module records and how it renders; it is not part of the fingerprint,
#: so a change to either must change this number
_FORMAT = 6
_PACKAGE = Path(__file__).resolve().parent
#: parts of tei-build whose work reaches the editions only through the TEI files (which
#: are hashed), or not at all
_NOT_RENDERING = {"convert", "tag", "cli.py", "lock.py", "pipeline.py", "parallel.py",
                  "incremental.py", "output_scan.py", "mention_table.py", "render/writer.py",
                  "search"}  # (search: its own key)
#: what the workers of a build use (imported once by the server that starts them)
_PRELOAD = ("teibuild.render.build", "teibuild.search")
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


Outcome = BuildReport


def build(tei_dir: Path, out_dir: Path, edition: Edition, jobs: int | None = None,
          progress: Callable[[int, int, str], None] | None = None,
          search: bool = True) -> BuildReport:
    """Bring `out_dir/html` and `out_dir/txt` up to date with the TEI in `tei_dir`.

    `progress(done, total, what)` is called as work is done; `search=False`
    neither makes nor touches the search index."""
    from .render.site import issue_files

    tei_dir, out_dir = Path(tei_dir), Path(out_dir)
    paths = issue_files(tei_dir)
    if not paths:
        raise TeiBuildError("no TEI issues (*.xml) to build", path=str(tei_dir))
    fingerprint = _fingerprint(edition)
    remove_abandoned_staging(out_dir)
    quick = _load_record(out_dir / STATE / QUICK, fingerprint)
    old = None if quick else _load_manifest(out_dir, fingerprint)
    tei = _hash_inputs(tei_dir, paths, quick or old)
    # with the same inputs, perhaps there is nothing to do: the disk is read at once;
    # else it is read by a process of its own while this one renders
    scan = Scan(out_dir, background=not (quick and quick.get("tei") == tei["issues"] and
                                          quick.get("registers") == tei["registers"]))
    try:
        if quick and scan.ready and _nothing_to_do(quick, tei, scan.digest, out_dir, search,
                                                   edition.opencc):
            return BuildReport(**quick["report"])
        if old is None:
            old = _load_manifest(out_dir, fingerprint, quick.get("manifest"))
        return _build(tei_dir, out_dir, edition, jobs, progress, search, paths, fingerprint,
                      quick, old, tei, scan)
    finally:
        scan.close()


def _build(tei_dir, out_dir, edition, jobs, progress, search, paths, fingerprint, quick, old,
           tei, scan: "Scan") -> BuildReport:
    """build() once it is known there is work to do."""
    # every output recorded is on disk as it was written, and nothing else is: assumed
    # when the last build left its records whole (the disk is then checked before anything
    # is moved into place, and if it is not as recorded, the build is planned again)
    expected = quick.get("scan") if quick and old.get("verified", False) else None
    if scan.ready and scan.digest != expected:
        expected = None
    state = out_dir / STATE
    made_out, made_state = not out_dir.exists(), not state.exists()
    state.mkdir(parents=True, exist_ok=True)
    (state / ".gitignore").write_text("*\n", encoding="utf-8")
    staging = staging_dir(state, "staging-")
    try:
        try:
            plan = _Plan(tei_dir, state, staging, edition, fingerprint, old, tei, scan,
                         expected, jobs, progress)
            manifest, counts = plan.run(paths, search)
            if expected is not None and scan.digest != expected:
                shutil.rmtree(staging / "new", ignore_errors=True)
                plan.close_mentioned()
                plan = _Plan(tei_dir, state, staging, edition, fingerprint, old, tei, scan,
                             None, jobs, progress)
                manifest, counts = plan.run(paths, search)
            on_disk, intact = scan.files, plan.intact
            removed = _removed(old, manifest, on_disk, intact)
            plan.save_caches(manifest)
            moved, made = _commit(out_dir, staging, manifest, removed + plan.search_removed,
                                  plan.search_whole)
        except BaseException:   # the previous edition is as it was: leave nothing of ours
            if made_out:
                shutil.rmtree(out_dir, ignore_errors=True)
            elif made_state:
                shutil.rmtree(state, ignore_errors=True)
            raise
        now = Now(on_disk, removed, _MovedIn(made))
        report = _report(manifest, now.totals(scan.totals), written=moved, removed=len(removed),
                         **counts)
        plan.save_names(now)
        written = _save_manifest(state, manifest, report, tei, now.digest(scan.folders))
        plan.save_mentioned(written)
        if counts["search_rendered"]:   # the replaced index, set aside: its removal is its cost
            start, start_cpu = time.perf_counter(), _cpu()
            shutil.rmtree(staging / "old" / SEARCH_INDEX[0], ignore_errors=True)
            counts["search_seconds"] += time.perf_counter() - start
            counts["search_cpu_seconds"] += _cpu() - start_cpu
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return report


def _cpu() -> float:
    """CPU time of this process and of the processes it has waited for."""
    import resource

    own, children = (resource.getrusage(who) for who in (resource.RUSAGE_SELF,
                                                          resource.RUSAGE_CHILDREN))
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def _nothing_to_do(quick: dict, tei: dict, scan: str, out_dir: Path, search: bool,
                   opencc: str) -> bool:
    """Same inputs, and every output on disk exactly as it was written (and nothing else)."""
    return quick.get("tei") == tei["issues"] and quick.get("registers") == tei["registers"] \
        and quick.get("scan") == scan and "report" in quick and \
        _file_digest(out_dir / STATE / MANIFEST) == quick.get("manifest") and (not search or (
            quick["search"].get("code") == _search_code(opencc) and
            _search_current(quick["search"], out_dir)))


# --- what the outputs depend on -------------------------------------------------------

def _fingerprint(edition: Edition) -> str:
    """Everything every page depends on besides the TEI."""
    from lxml import etree

    digest = hashlib.sha256()
    for part in (_FORMAT, __version__, repr(edition), etree.LXML_VERSION,
                 etree.LIBXML_VERSION, etree.LIBXSLT_VERSION,
                 *map(_version, ("jinja2", "markupsafe", "opencc", "citeproc-py", "pagefind",
                                 "jieba", "pypinyin"))):
        digest.update(repr(part).encode() + b"\0")
    folders = [_PACKAGE] + [resource_dir(name) for name in ("xslt", "schemas")]
    for folder in dict.fromkeys(folders):
        for path in sorted(folder.rglob("*")):
            rel = path.relative_to(folder).parts
            if path.is_file() and "__pycache__" not in rel and path.suffix != ".pyc" and \
                    not (folder == _PACKAGE and (rel[0] in _NOT_RENDERING or
                                                 "/".join(rel) in _NOT_RENDERING)):
                digest.update(path.relative_to(folder).as_posix().encode() + b"\0")
                digest.update(path.read_bytes() + b"\0")
    return digest.hexdigest()


def _version(distribution: str) -> str:
    try:
        return metadata.version(distribution)
    except metadata.PackageNotFoundError:
        return ""


def _hash_inputs(tei_dir: Path, paths: list[Path], old: dict) -> dict:
    """The sha256 of every issue and register file, and of the registers together.

    A file whose size, mtime, ctime and inode are those recorded is not read again
    (git's rule), unless its mtime is so close to the last build that it may have
    changed within the same clock tick."""
    from .render.site import REGISTER_FILES

    known = old.get("stat", {})
    limit = old.get("written_ns", 0) - RACY_NS   # (closer to it: may have changed unseen)
    stats: dict[str, list] = {}

    def digest(path: Path) -> str | None:
        try:
            st = path.stat()
        except FileNotFoundError:
            return None
        stamp = file_stamp(st)
        before = known.get(path.name)
        value = before[4] if before and before[:4] == stamp and st.st_mtime_ns < limit \
            else sha256(path.read_bytes())
        stats[path.name] = [*stamp, value]
        return value

    issues = {path.name: digest(path) for path in paths}
    registers = _digest(*((name, digest(tei_dir / name))
                          for name in sorted(REGISTER_FILES.values())))
    return {"issues": issues, "registers": registers, "stat": stats}


def _search_code(opencc: str) -> str:
    """What the whole search index depends on besides the pages: the search stage."""
    digest = hashlib.sha256(repr((_FORMAT, opencc, _version("pagefind"))).encode())
    folder = _PACKAGE / "search"
    for path in sorted(folder.glob("*.py")):
        digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def _digest(*parts) -> str:
    return hashlib.sha256(repr(parts).encode("utf-8")).hexdigest()[:32]


def head(issue):
    """An issue's data without its name mentions: what other pages may show of it (its
    file named without its folder: no page shows where the TEI was read from, and the
    edition is not rebuilt when its folder is reached by another path)."""
    return replace(issue, mentions=(), path=Path(issue.path.name))


def _summary(issue, digest: str, heading: str) -> dict:
    """What the manifest keeps of an issue, so that an unchanged one need not be loaded:
    its heading data's digest, what the pages listing every issue show of it (`site.Listed`),
    and for each entry it mentions, the digest of those mentions
    with the issue as the entry's page shows it (`site.cited`: so a heading the page does
    not show leaves the page alone), their number and first name."""
    from .render.site import cited, listed

    names: dict[str, list] = {}
    for m in issue.mentions:
        names.setdefault(f"{m.kind}/{m.key}", []).append(m)
    return {"tei": digest, "id": issue.id, "sort": list(issue.sort_key),
            "articles": len(issue.articles), "head": heading,
            "listed": list(astuple(listed(issue))),
            "names": _pack_names({k: [_digest(cited(issue, ms), *ms), len(ms), ms[0].name]
                                  for k, ms in sorted(names.items())})}


def _register_digest(entry) -> str:
    return _digest(*(getattr(entry, f.name) for f in fields(entry) if f.name != "mentions"))


# --- rendering ---------------------------------------------------------------------------

class _Plan:
    """One build: decides what is stale, renders it into the staging folder, and
    makes the new manifest."""

    def __init__(self, tei_dir, state, staging, edition, fingerprint, old, tei, scan,
                 expected, jobs, progress):
        """`expected`: the scan digest the disk is assumed to have (every output as the
        old manifest records it), or None: every output is checked against `scan`."""
        self.tei_dir, self.state, self.new = tei_dir, state, staging / "new"
        self.edition, self.fingerprint, self.old, self.tei = edition, fingerprint, old, tei
        self.scan, self.jobs, self.intact = scan, jobs, expected is not None
        self.note = progress or (lambda _done, _total, _what: None)
        # the issues read (or read again) this time: their data is written to its cache as
        # soon as it is read, and their mentions to the spool, not held (see _keep)
        self.fresh: set[str] = set()
        self._fresh_heads: dict = {}
        self._loaded: dict = {}
        self._registers = None
        self._register_sources: dict = {}   # (registers) what each entry was read from
        self._register_digests: dict = {}   # (register_digests) each entry's digest so far
        self._heads: dict[str, bytes] | None = None   # (cached_heads)
        self._head_data: dict = {}   # the heads loaded from it
        self._heads_stale = False    # one of them was torn or not the issue's
        self.spool = _Spool(staging)
        self._grouped: dict = {}
        self.summaries: dict = {}
        self.done = self.total = 0
        self.indexing = 0   # the steps foreseen for the search index (see run)
        self.search_removed: list[str] = []   # index files and shards no longer made
        self.search_whole: list[str] = []     # shard folders replaced as a whole

    # the issues' data, read only when needed
    def issue(self, name: str):
        """An issue's data, from its cache (an issue read this time is needed once, and is
        not kept), else from its TEI."""
        if name in self._loaded:
            return self._loaded[name]
        issue = _load_issue(self.state, name, self.fingerprint, self.tei["issues"][name])
        if issue is None:   # no cache, or a torn one: read the TEI again
            issue = _read_issue(self.tei_dir / name)
            self._keep(name, issue)
        else:
            issue = _at(issue, self.tei_dir / name)
        if name not in self.fresh:
            self._loaded[name] = issue
        return issue

    def pickled_issue(self, name: str):
        """`issue(name)` as a worker is given it: the bytes its cache holds, for the worker
        to load (`_render_issue_into`; loaded here and pickled again to be sent, it cost
        this process 1.7 ms an issue), else the data itself."""
        if name not in self._loaded:
            pickled = _cached_issue(self.state, name, self.fingerprint, self.tei["issues"][name])
            if pickled is not None:
                return pickled
        return self.issue(name)

    def _keep(self, name: str, issue) -> str:
        """An issue read this time: its data goes to its cache at once and its mentions to
        the spool, and the main process holds only its heading (on 2,000 issues its PSS
        while the issues rendered went 390 → 181 MB; the spool alone saved 120 MB), pickled
        as the heads cache keeps it (`_head_part`: ~2.3 KB an issue, where its objects
        took ~9). Each issue is written once (a cache is checked against the digests when
        used, so one written by a build that then fails is harmless). Returns the
        heading's digest (`_summary`'s "head")."""
        _save_issues(self.state, self.fingerprint,
                     {name: _pickled(issue)}, self.tei)
        self.fresh.add(name)
        kept = head(issue)
        self._fresh_heads[name] = _head_part(kept, _digest(kept))
        self.spool.add(name, _pickled_by_entry(issue))
        return self._fresh_heads[name][0]

    def registers(self) -> dict:
        """The register entries, as the last build read them while the registers are as
        they were; else read again, each entry whose source is as it was (`site.
        read_register_sources`) reused with its digest (`register_digests`)."""
        if self._registers is None:
            cached = _registers_cache(_load_pickle(self.state / REGISTERS, (self.fingerprint,)))
            if cached is not None and cached["key"] == self.tei["registers"]:
                self._registers, self._register_sources, self._register_digests = \
                    cached["entries"], cached["sources"], cached["digests"]
                return self._registers
            from .render.site import read_register_sources

            before, known = {}, {}
            if cached is not None:
                before = cached["entries"]
                known = {digest: before[k] for k, digest in cached["sources"].items()
                         if k in before}
            self._registers, self._register_sources = read_register_sources(self.tei_dir, known)
            self._register_digests = {k: digest for k, digest in cached["digests"].items()
                                      if before.get(k) is self._registers.get(k)
                                      } if cached is not None else {}
            self.save_registers = True
        return self._registers

    def register_digests(self) -> dict[str, str]:
        """Each register entry's digest (`_register_digest`), by "kind/key"."""
        entries, digests = self.registers(), self._register_digests
        for k, entry in entries.items():
            if k not in digests:
                digests[k] = _register_digest(entry)
        return {f"{kind}/{key}": digests[(kind, key)] for kind, key in entries}

    save_registers = False

    def head(self, name: str):
        """An issue's heading data: from the heads cache if it is what the manifest says.
        The cache holds each issue's pickled apart, and only those asked for are loaded
        (loading all 2,000 issues' took 0.16 s of an edit that needs two, or a few
        hundred for a register entry's page)."""
        if name in self._head_data:
            return self._head_data[name]
        kept = _unpickled(self._head_bytes(name))
        if kept is None:   # (the cache is written again at the end)
            kept = head(self.issue(name))
            self.cached_heads()[name] = _head_part(kept, self.summaries[name]["head"])
            self._heads_stale = True
        self._head_data[name] = kept
        return kept

    def pickled_head(self, name: str):
        """`head(name)` as a worker is given it: its bytes as the heads cache holds them,
        checked, for the worker to load if a page it renders cites the issue (`_Heads`:
        the 1,083 issues a corrected heading's register pages cite took 0.1 s to load
        here), else the data itself."""
        if name not in self._head_data:
            pickled = self._head_bytes(name)
            if pickled is not None:
                return pickled
        return self.head(name)

    def _head_bytes(self, name: str) -> bytes | None:
        """An issue's heading data pickled, read this time or from the heads cache, if it
        is what the manifest says (`_cached_part`); else None."""
        part = self._fresh_heads.get(name) or self.cached_heads().get(name)
        return _cached_part(part, self.summaries[name]["head"])

    def cached_heads(self) -> dict[str, list]:
        """The heads cache: each issue's heading data, pickled (`_head_part`)."""
        if self._heads is None:
            heads = _load_pickle(self.state / HEADS, (self.fingerprint,))
            self._heads = heads if isinstance(heads, dict) else {}
        return self._heads

    def grouped(self, name: str) -> dict[str, bytes]:
        """The mentions by entry (`_pickled_by_entry`) of an issue not read this time, whose
        part of an entry's cache is missing or stale (those read are in the spool)."""
        if name not in self._grouped:
            self._grouped[name] = _pickled_by_entry(self.issue(name))
        return self._grouped[name]

    def entry_mentions(self, entry: str, groups: list[tuple[str, str]],
                       unit: str | None = None) -> list[bytes]:
        """An entry's mentions in issue order, pickled issue by issue (the main process
        need not hold them as objects, ten times larger): from the issues read now and
        the entry's cache (each issue's part checked against the digest the manifest
        holds), else from the issues' data; the cache is written again at once, so that
        no more than the entries in the workers' hands are held (a cache is checked
        against the digests when used, so one written by a build that then fails is
        harmless). `unit`: the page they are for, whose cache this is (a year's page of
        the entry: see _entry_units)."""
        path = self.state / ENTRIES / f"{unit or entry}.pickle"
        cached = _load_pickle(path, (self.fingerprint,)) or {}
        spooled = self.spool.places(entry)
        out, kept = [], {}
        for name, digest in groups:
            issue_id = self.summaries[name]["id"]
            data = None if name in self.fresh else _cached_part(cached.get(issue_id), digest)
            if data is None:
                data = self.spool.read(spooled[name]) if name in spooled \
                    else self.grouped(name)[entry]
            kept[issue_id] = [digest, data, zlib.crc32(data)]
            out.append(data)
        _dump_pickle(path, (self.fingerprint,), kept)
        return out

    def step(self, what: str, weight: int) -> None:
        """`weight`: what the step counts (`ISSUE_STEPS`, `ENTRY_STEPS`). Counted one
        each, the 3,416 register pages of 500 issues (6 s) and the 500 issues (40 s) made
        the bar's estimate 2:17 left when 39 s were, and the search index's shards of
        50 issues 0:07 left when 31 s were; weighted, it was 6 s off at most."""
        self.done += weight
        self.note(self.done, self.total, what)

    def run(self, paths: list[Path], search: bool) -> tuple[dict, dict]:
        from .render.build import _check_unique

        old = self.old
        changed = [p for p in paths if old["issues"].get(p.name, {}).get("tei")
                   != self.tei["issues"][p.name]]
        summaries = {}
        for n, (path, issue) in enumerate(zip(changed, ordered_map(
                _read_issue, changed, self.jobs, preload=_PRELOAD)), start=1):
            heading = self._keep(path.name, issue)
            self.note(n, len(changed), f"read {path.name}")
            summaries[path.name] = _summary(issue, self.tei["issues"][path.name], heading)
        for path in paths:
            if path.name not in summaries:
                kept = old["issues"][path.name]
                summaries[path.name] = {k: v for k, v in kept.items()
                                        if k not in ("key", "outputs")}
        order = sorted(summaries, key=lambda n: tuple(summaries[n]["sort"]))
        _check_unique([SimpleNamespace(id=summaries[n]["id"], path=self.tei_dir / n)
                       for n in order])
        manifest = {"format": _FORMAT, "fingerprint": self.fingerprint, "issues": {},
                    "entries": {}, "site": {}, "search": {}, "stat": self.tei["stat"],
                    "registers": {"key": self.tei["registers"]}}

        self.summaries = summaries
        issue_work = self._stale_issues(order, summaries, manifest)
        # a few issues render while the register pages are planned (in a corrected heading's
        # rebuild, the planning took 0.5 s with the second core idle); many, after: the
        # workers would finish the few sent at once and wait while this process plans
        few = len(issue_work) < FORKSERVER_FROM
        self.many = not few
        known, rendering = self._start_issues(issue_work) if few else ({}, None)
        try:
            entries, entry_work = self._stale_entries(order, summaries, manifest)
            site_key = _digest([summaries[n]["listed"] for n in order],
                               summaries[order[-1]]["head"], entries, self.tei["registers"])
            site_stale = old["site"].get("key") != site_key or not self.current(old["site"])
            search_stale = search and (
                old["search"].get("code") != _search_code(self.edition.opencc)
                or not _search_current(old["search"], self.state.parent) or bool(entry_work)
                or old["search"].get("shards") != _shards(manifest)[1])
            # the search index's shards are known only when it comes to them: until then
            # the issues rendered stand for the issues to index (`_render_search`)
            self.indexing = ISSUE_STEPS * len(issue_work) if search_stale else 0
            self.total = ISSUE_STEPS * (len(issue_work) + site_stale) + self.indexing + \
                ENTRY_STEPS * (len(entry_work) + search_stale)
            entry_pages = self._plan_entries(entry_work, summaries, manifest)
            if search_stale and few:   # (imported while the issues render: 0.1 s)
                from . import search  # noqa: F401
            if not few:
                known, rendering = self._start_issues(issue_work)
            self._render_issues(known, rendering, issue_work, order, manifest)
        finally:
            if rendering is not None:
                rendering.close()
        self._loaded = {}   # (issues not read this time, loaded to render them again)
        # before the entries' workers, and Pagefind's, come on top (a few issues rendered
        # leave little to give back, and it took 40–90 ms)
        if not few:
            give_back_memory()
        # the search index is made while the entries' pages render, if the names those
        # pages are headed with stand (a corrected heading: 0.3 s less); else after them,
        # as always after many issues, whose shards' workers would add to the entries'
        early = search_stale and few and self._names_stand(entry_work, manifest)
        timed = {"search_seconds": 0.0, "search_cpu_seconds": 0.0}
        rendering = self._start_entries(entry_pages)
        try:
            if early:
                names = self._register_names(manifest, staged=False)
                manifest["search"] = self._timed_search(manifest, bool(entry_work), names,
                                                        timed)
            self._render_entries(entry_pages, rendering, manifest)
        finally:
            rendering.close()
        self.spool.close()
        if early and not self._names_as_foreseen(entry_work, names):   # made again, anew
            shutil.rmtree(self.new / SEARCH_INDEX[0], ignore_errors=True)
            (self.new / SEARCH_INDEX[1]).unlink(missing_ok=True)
            manifest["search"] = self._timed_search(manifest, bool(entry_work), None, timed)
        if site_stale:
            manifest["site"] = self._render_site(order, site_key, entries)
            self.step("index, register and site pages", ISSUE_STEPS)
        else:
            manifest["site"] = old["site"]
        if search_stale and not early:
            if not few:   # (before Pagefind and the index's workers come on top: on 2,000
                give_back_memory()   # issues, 15 MB of the 213 the entry and site pages left)
            manifest["search"] = self._timed_search(manifest, bool(entry_work), None, timed)
        elif search and not search_stale:
            manifest["search"] = old["search"]
        return manifest, {"rendered_issues": len(issue_work), "rendered_entries": len(entry_work),
                          "site_rendered": site_stale, "search_rendered": search_stale, **timed}

    def _names_as_foreseen(self, work: list[str], names: dict) -> bool:
        """Whether the register pages rendered this time are headed with the `names` the
        search index was made with (`_names_stand`)."""
        from . import search
        from .search.records import register_head

        pages = [f"html/registers/{unit}.html" for unit in work if YEAR not in unit]
        heads = {rel: register_head(f"{self.new}/{rel}") for rel in pages}
        if None in heads.values():
            return False
        found = search.register_names(heads)
        return all(found.get(key) == names.get(key) for key in
                   (tuple(unit.split("/", 1)) for unit in work if YEAR not in unit))

    def _timed_search(self, manifest: dict, names_changed: bool, names: dict | None,
                      timed: dict) -> dict:
        """`_render_search`, its time and CPU added to `timed`."""
        start, start_cpu = time.perf_counter(), _cpu()
        made = self._render_search(manifest, names_changed, names)
        timed["search_seconds"] += time.perf_counter() - start
        timed["search_cpu_seconds"] += _cpu() - start_cpu
        self.step("search index", ENTRY_STEPS)
        return made

    def _names_stand(self, work: list[str], manifest: dict) -> bool:
        """Whether every register page rendered this time will be headed with the name it
        has now (`site.Entry.name`: the register's, else the one first printed), so that
        the search index can be made from the pages in place: the registers as they were,
        and each entry's first name too, its page on disk as written."""
        if self.old["registers"].get("key") != self.tei["registers"]:
            return False
        for unit in work:
            if YEAR in unit:   # (a year's page is headed like the entry's own)
                continue
            record = self.old["entries"].get(unit)
            if record is None or record.get("first") != manifest["entries"][unit]["first"] \
                    or not self.current(record):
                return False
        return True

    def _stale_issues(self, order: list[str], summaries: dict, manifest: dict) -> list[tuple]:
        """Issues whose pages must be rendered: their TEI changed, or what their page shows
        of the issue before or after it (`site.Listed`: a corrected heading there is not
        on it), or an output is not on disk as it was written."""
        work = []
        for n, name in enumerate(order):
            around = [order[n - 1] if n else None, order[n + 1] if n + 1 < len(order) else None]
            key = "|".join([summaries[name]["tei"]] + [
                _SEP.join(map(str, summaries[x]["listed"])) if x else "-" for x in around])
            record = self.old["issues"].get(name)
            if record and record.get("key") == key and self.current(record):
                manifest["issues"][name] = {**summaries[name], "key": key,
                                            "outputs": record["outputs"]}
            else:
                manifest["issues"][name] = {**summaries[name], "key": key, "outputs": {}}
                work.append((name, *around))
        return work

    def _start_issues(self, work: list[tuple]) -> tuple[dict, Iterator]:
        """The stale issues' pages, being rendered (`ordered_map`: the outputs and the titles
        romanised of each, in order), and the romanisations the workers were given."""
        from .render.site import Listed

        items = _Lazy(work, lambda w: (self.pickled_issue(w[0]), self.tei_dir / w[0], *(
            Listed(*self.summaries[x]["listed"]) if x else None for x in w[1:])))
        known = {}
        if work:
            known = _load_romanized(self.state, self.fingerprint)
        if work and not self.many:
            from .render.hant import converter

            # loaded here, where the search index needs it too, a forked worker has it
            # (each loaded OpenCC's dictionaries: 84 ms). Not after many issues: their
            # workers start from a forkserver, and the pages that need it in this
            # process then render in workers too; it would hold 41 MB here to the end.
            converter(self.edition.opencc)
        return known, ordered_map(_render_issue_into, items, self.jobs,
                                  initializer=_start_worker,
                                  initargs=(self.new, self.edition, None, known),
                                  preload=_PRELOAD, beside=True)

    def _render_issues(self, known: dict, rendering, work: list[tuple], order: list[str],
                       manifest: dict) -> None:
        """Takes the pages `_start_issues` renders into the manifest."""
        if not work:
            return
        used: dict = {} if len(work) == len(order) else dict(known)
        for (name, *_), (outputs, romanized) in zip(work, rendering):
            manifest["issues"][name]["outputs"] = _Made(outputs)
            used.update(romanized)
            self.step(manifest["issues"][name]["id"], ISSUE_STEPS)
        self.romanized = used if used != known else None

    romanized: dict | None = None   # the romanisations to keep, if they changed
    many = False   # many issues rendered: the pages of the whole edition render in a worker

    def _stale_entries(self, order: list[str], summaries: dict, manifest: dict):
        """Each entry's key, and the entries whose pages must be rendered.

        Returns the (entry, register digest, number of mentions, first name) of every
        entry, which the site pages show, and the stale ones' "kind/key"s. Only the
        entries that the issues read this time (or gone) mention, now or before, and
        those whose entry in the registers changed, are worked out again when the last
        build's table of who mentions what (`MENTIONED`) is the one made with its
        manifest: every other entry's key and listing are the last build's. (The table
        comes from the issues alone: a register changed, as by a source converted again,
        leaves it to be brought up to date, not made anew: 1.4 s on 19,450 entries.)"""
        registers = self.old["registers"]
        recorded = "entries" in registers
        if recorded and registers.get("key") == self.tei["registers"]:
            digests = registers["entries"]
        else:
            digests = self.register_digests()
        manifest["registers"]["entries"] = digests
        index, touched = self._mentioned(order, summaries, recorded)
        if touched is not None and digests is not registers["entries"]:
            before = registers["entries"]
            touched = touched | {e for e in set(digests) | set(before)
                                 if digests.get(e) != before.get(e)}
        listing, work = [], []
        old = self.old["entries"]
        for entry in sorted(set(digests) | set(index) if touched is None else
                            set(digests) | {e for e in old if YEAR not in e} | touched):
            record = old.get(entry)
            years = (record.get("years") or []) if record else []
            if touched is not None and entry not in touched and record is not None and \
                    all(f"{entry}{YEAR}{y}" in old for y, _, _ in years):
                count, first = record["count"], record["first"]
                units = {entry: (record["key"], count), **{
                    unit: (old[unit]["key"], old[unit]["count"])
                    for unit in (f"{entry}{YEAR}{y}" for y, _, _ in years)}}
            else:
                rows = self.rows(entry)
                if entry not in digests and not rows:
                    continue   # no longer in the registers and mentioned nowhere
                count, first = sum(r[3] for r in rows), rows[0][4] if rows else ""
                units, years = self._entry_units(entry, digests.get(entry, "-"), rows, first)
            listing.append((entry, digests.get(entry, "-"), count, first))
            for unit, (key, number) in units.items():
                record = old.get(unit)
                if record and record["key"] == key and self.current(record):
                    manifest["entries"][unit] = record if record.get("count") == number and \
                        record.get("first") == first else {**record, "count": number,
                                                           "first": first}
                else:
                    manifest["entries"][unit] = {"key": key, "outputs": {}, "count": number,
                                                 "first": first}
                    work.append(unit)
            if years:
                manifest["entries"][entry] = {**manifest["entries"][entry], "years": years}
        return listing, work

    def _entry_units(self, entry: str, register: str, rows: list[tuple], first: str
                     ) -> tuple[dict[str, tuple[str, int]], list[list] | None]:
        """The pages an entry's mentions are rendered on, each with its key and number of
        mentions, and the entry's years ([year, issues, mentions], what its own page lists)
        if it has pages by year (`render.build.year_pages`: many mentions over several
        years). Each year's page is keyed by that year's rows alone: a correction to one
        issue renders one year's page, not the megabytes of every mention of a name."""
        from .render.build import year_pages

        count = sum(r[3] for r in rows)
        by_year = self.rows_by_year(rows)
        mentions = {year: sum(r[3] for r in mine) for year, mine in by_year.items()}
        found = year_pages(mentions)
        if not found:
            return {entry: (_digest(register, [r[1:3] for r in rows]), count)}, None
        years = [[year, len(by_year[year]), mentions[year]] for year in found]
        units = {entry: (_digest(register, first, years), count)}
        for n, year in enumerate(found):
            around = found[n - 1] if n else None, found[n + 1] if n + 1 < len(found) else None
            units[f"{entry}{YEAR}{year}"] = (
                _digest(register, first, year, around, [r[1:3] for r in by_year[year]]),
                mentions[year])
        return units, years

    def rows_by_year(self, rows: list[tuple]) -> dict[str, list[tuple]]:
        """An entry's rows by the year whose page shows them (`render.build.mention_year`)."""
        if self._years is None:
            from .render.build import mention_year

            self._years = {n: mention_year(summary["sort"][0])
                           for n, summary in self.summaries.items()}
        by_year: dict[str, list[tuple]] = {}
        for row in rows:
            by_year.setdefault(self._years[row[0]], []).append(row)
        return by_year

    _years: dict[str, str] | None = None   # each issue's year (rows_by_year)

    def _mentioned(self, order: list[str], summaries: dict, recorded: bool):
        """Which issues mention each entry: {"kind/key": packed rows (file name, issue id,
        mentions digest, number, first name)} in issue order (`_unpack_rows`
        reads them), and the entries whose rows differ from the last build's (None:
        all of them).

        The last build's table is brought up to date when it can be trusted (made with
        the very manifest read, the registers' entries and every entry's listing
        recorded); else it is made anew from every issue's names, in SQLite
        (`make_whole`)."""
        from .mention_table import MentionTable, make_whole   # (sqlite3: not for a no-op)

        old = self.old
        index = None
        if recorded and old.get("digest") and all(
                "count" in r for r in old["entries"].values()):
            index = MentionTable.open(self.state / MENTIONED,
                                      _mention_stamp(self.fingerprint, old["digest"]))
        if index is not None:
            try:
                return self._update_mentioned(index, order, summaries)
            except (ValueError, KeyError):   # a damaged table: made again below
                index.close()
        self.mentioned = make_whole(self.state / MENTIONED, _packed_mentions(order, summaries))
        return self.mentioned, None

    def _update_mentioned(self, index: dict, order: list[str], summaries: dict):
        """The last build's table of `_mentioned`, brought up to date from the issues read
        now (and gone), and the entries whose rows changed.

        Of the entries those issues mention, now or before, most have the same rows as
        before (a corrected heading changes what the pages of its article's names show,
        not of the issue's other 100-odd): their pages and keys stand, and their rows
        are compared packed, not unpacked and digested again."""
        old = self.old
        redo = set(self.fresh) | (set(old["issues"]) - set(summaries))
        touched: set[str] = set()
        for name in redo:
            if name in old["issues"]:
                touched.update(_unpack_names(old["issues"][name]["names"]))
        fresh = _mention_rows(sorted(self.fresh), summaries)
        touched.update(fresh)
        place = {name: n for n, name in enumerate(order)}
        changed = set()

        def where(row: str) -> int:
            return place[_row_file(row)]

        for entry in touched:
            before = index.get(entry, "")
            if before and (not before.endswith(_END)
                           or before.count(_SEP) != 4 * before.count(_END)):
                raise ValueError(f"the damaged rows of {entry}")
            new = {r[0]: _pack_rows([r]) for r in fresh.get(entry, [])}
            if all(_packed_row(before, name) == new.get(name) for name in redo):
                continue
            # the other issues' rows stay as they are, in issue order (an issue's place moves
            # only if its own TEI changed), and each new row goes in at its issue's place
            after = before
            for name in redo:
                after = _without_row(after, name)
            rows = after.split(_END)[:-1]
            for name, row in new.items():
                rows.insert(bisect.bisect(rows, place[name], key=where), row[:-1])
            after = "".join(r + _END for r in rows)
            if after == before:
                continue
            changed.add(entry)
            if after:
                index[entry] = after
            else:
                index.pop(entry, None)
        self.mentioned = index
        return index, changed

    mentioned: "MentionTable | None" = None   # _mentioned's table, for the next build

    def close_mentioned(self) -> None:
        """Let go of the table, unsaved (a build planned again opens or makes it anew)."""
        if self.mentioned is not None:
            self.mentioned.close()

    def rows(self, entry: str) -> list[tuple]:
        """An entry's rows of the `mentioned` table, read from SQLite and unpacked each time:
        the table is not held in memory (see `mention_table.make_whole`)."""
        return _unpack_rows(self.mentioned.get(entry, ""))

    def _plan_entries(self, work: list[str], summaries: dict, manifest: dict) -> tuple:
        """The stale entries' pages in runs for the workers, largest first: (the runs, each
        run's entries as `_entry_pages_into` takes them, made when it is sent, and the
        heading data of the issues they cite)."""
        if not work:
            return [], [], {}
        from .render.site import Entry, join_mentions

        wanted = {unit.partition(YEAR)[0] for unit in work}
        listed = {f"{e.kind}/{e.key}": e for e in join_mentions(
            {k: e for k, e in self.registers().items() if f"{k[0]}/{k[1]}" in wanted}, [])}
        # each year page's rows, packed until it is rendered: an entry's rows are unpacked
        # once for all its year pages (unpacked for each, a first build of 2,000 issues, with
        # 5,220 year pages, took 298–334 s instead of 236)
        packed: dict[str, str] = {}

        def entries(run: list[str]):   # made only when a worker is about to get it (_Lazy)
            made = []
            for unit in run:
                name, _, year = unit.partition(YEAR)
                record = manifest["entries"][name]
                entry = listed.get(name) or Entry(*name.split("/", 1))
                years = record.get("years")
                if not year and years:   # the entry's own page lists its years
                    page = ("years", [tuple(row) for row in years])
                    made.append((entry, page, record["count"], record["first"], []))
                    continue
                rows = _unpack_rows(packed.pop(unit)) if year else self.rows(name)
                page = ("year", year, [y for y, _, _ in years]) if year else ("whole",)
                made.append((entry, page, record["count"], record["first"],
                             self.entry_mentions(name, [(r[0], r[2]) for r in rows], unit)))
            return made

        count, mentioning, pending = {}, set(), set(work)
        for unit in work:
            name, _, year = unit.partition(YEAR)
            if not year and manifest["entries"][name].get("years"):
                count[unit] = len(manifest["entries"][name]["years"])
                continue
            if year and unit not in packed:
                for other, rows in self.rows_by_year(self.rows(name)).items():
                    if f"{name}{YEAR}{other}" in pending:
                        packed[f"{name}{YEAR}{other}"] = _pack_rows(rows)
            rows = _unpack_rows(packed[unit]) if year else self.rows(name)
            count[unit] = sum(r[3] for r in rows)
            mentioning.update(r[0] for r in rows)
        work = sorted(work, key=lambda unit: -count[unit])  # the longest pages first, to share out
        by_id = {summaries[n]["id"]: self.pickled_head(n) for n in sorted(mentioning)}
        # a few pages are shared out among the workers, not left in one run of 16
        runs = _runs(work, count, length=min(16, -(-len(work) // (2 * resolve_jobs(self.jobs)))))
        return runs, _Lazy(runs, entries), by_id

    def _start_entries(self, planned: tuple) -> Iterator:
        """The entries' pages `_plan_entries` planned, being rendered (`ordered_map`)."""
        _, items, by_id = planned
        return ordered_map(_entry_pages_into, items, self.jobs, initializer=_start_worker,
                           initargs=(self.new, self.edition, by_id), preload=_PRELOAD)

    def _render_entries(self, planned: tuple, rendering: Iterator, manifest: dict) -> None:
        """Takes the pages `_start_entries` renders into the manifest."""
        runs = planned[0]
        for run, outputs in zip(runs, rendering):
            for unit, made in zip(run, outputs):
                manifest["entries"][unit]["outputs"] = _Made(made)
                self.step(unit, ENTRY_STEPS)
        self._grouped.clear()

    def _render_site(self, order: list[str], key: str, listing: list[tuple]) -> dict:
        """The pages that list every issue or entry; staged only where their bytes changed.

        Of an entry's mentions these pages show how many there are and the name first
        printed, which `listing` (from `_stale_entries`) holds: no issue is read again.
        After many issues they are rendered in a worker (`_site_pages_into`): their
        objects, made and let go here, left this process 22 MB larger to its end on 2,000
        issues, 40 MB on 4,000."""
        from .render.site import REGISTER_FILES, Listed

        before = _outputs(self.old["site"]) if self.old["site"] else {}
        kept = {rel: stamp for rel, stamp in before.items()
                if len(stamp) > 2 and self.on_disk.get(rel) == tuple(stamp[:2])}
        unchanged = {rel: stamp[2] for rel, stamp in kept.items()}   # (their digests)
        work = (self.registers(), listing, [Listed(*self.summaries[n]["listed"]) for n in order],
                self.head(order[-1]), unchanged, self.old["site"].get("pages", {}))
        digests, pages = self._aside(_site_pages_into, work)
        for name in sorted(REGISTER_FILES.values()):
            if (self.tei_dir / name).is_file():
                rel = f"html/tei/{name}"
                data = (self.tei_dir / name).read_bytes()
                digests[rel] = sha256(data)
                if unchanged.get(rel) != digests[rel]:
                    _stage(self.new, rel, data)
        # (those staged are stamped once in place)
        outputs = {rel: kept[rel] if unchanged.get(rel) == digest else [0, 0, digest]
                   for rel, digest in sorted(digests.items())}
        return {"key": key, "outputs": outputs, "pages": pages}

    def _aside(self, func: Callable, work):
        """`func(work)`, a job of the whole edition: in a worker after many issues (what it
        makes and lets go would stay in this process's memory to its end), here after a
        few (a worker's start would cost more than it saves)."""
        return next(ordered_map(func, [work], self.jobs if self.many else 1,
                                initializer=_start_worker, initargs=(self.new, self.edition),
                                preload=_PRELOAD, beside=self.many))

    def _render_search(self, manifest: dict, names_changed: bool,
                       names: dict | None = None) -> dict:
        """The search index's shards whose issues' pages changed, and its common files,
        staged to move in with the pages.

        A shard is a fixed block of issues (`search.shard_of`) indexed from their
        pages in both scripts and the register names they link to; its key is
        those issues' page keys. A register name shown in a shard may change with
        its entry's page: then `search.stale_shards` says which shards to redo.
        A shard whose bundle is in place and of whose issues a few have changed
        since (none gone) keeps its bundle, and those issues are indexed into its
        overlay (`search.overlay_files`): an edit costs one issue's indexing, not
        its shard's. `bases` records the issues each bundle was made from."""
        from . import search
        from .search.index import BUNDLE

        old, out_dir = self.old["search"], self.state.parent
        code = _search_code(self.edition.opencc)
        full = old.get("code") != code or not old.get("outputs")
        members, keys = _shards(manifest)
        stale = {s for s, key in keys.items() if full or old.get("shards", {}).get(s) != key}
        bundle = out_dir / "html" / BUNDLE
        on_disk = {p.name for p in bundle.iterdir() if p.is_dir()} if bundle.is_dir() else set()
        # a shard whose summary or folders (or its overlay's) are not as written is indexed
        # again whole: changed by hand, or written by `tei-build search-index`, which folds
        # overlays in (html/pagefind/<folder>, its shard.json, its fragment/ …; a common
        # file, html/pagefind/pagefind.js, names no shard, and is made again below anyway)
        changed = set() if full else {
            search.base_of(rel.split("/")[2]) for rel in _unstamped(old, out_dir)
            if rel.count("/") >= 2} & set(keys)

        if names is None:
            names = self._register_names(manifest)
        # every shard in place was made with, or checked against, the names the last
        # index was made with: only if they changed can a shard (or its overlay) show an old one
        names_digest = _digest(list(names.items()))
        renamed = set()
        if names_changed and not full and old.get("names") != names_digest:
            shown = {s: d for s, d in search.read_summaries(out_dir).items()
                     if search.base_of(s) in keys}
            renamed = {search.base_of(s) for s in search.stale_shards(shown, names)}
            renamed -= _renamed_in_edits_only(renamed & stale - changed, members,
                                              old.get("bases", {}), names, self.state, code)
        bases = {} if full else dict(old.get("bases", {}))
        overlays = {} if full else dict(old.get("overlays", {}))
        whole, overlaid = _overlays(stale | changed, renamed | changed, members, bases, overlays,
                                    on_disk, search.OVERLAY_ISSUES)
        kept = set(keys) | {search.overlay_of(s) for s in overlays}
        gone = on_disk - kept

        def item(spec: tuple) -> tuple:
            """A shard's work, its pages listed as it is sent (`_Lazy`): only the shards in
            flight are listed (all at once, they were held to the end: ~2 MB on 2,000
            issues, in process)."""
            shard, overlay = spec
            pages = [(rel, str(self._page(rel))) for issue, _ in sorted(members[shard])
                     for rel in search.shard_pages(issue) if self._page(rel).exists()]
            return shard, pages, overlay, names, self.edition.opencc, self.new, self.state, code

        work = [(shard, None) for shard in sorted(whole)]
        work += [(shard, (edited, [issue for issue in edited if issue in bases[shard]]))
                 for shard, edited in sorted(overlaid.items()) if edited]
        summaries = dict.fromkeys(gone)
        for shard in gone:
            (self.state / SEARCH_RECORDS / f"{shard}.json").unlink(missing_ok=True)
        made = [(shard if overlay is None else search.overlay_of(shard))
                for shard, overlay in work]
        # an issue's steps for each issue indexed, before the index's own (`_timed_search`)
        weights = [ISSUE_STEPS * (len(members[shard]) if overlay is None else len(overlay[0]))
                   for shard, overlay in work]
        self.total += sum(weights) - self.indexing
        self.indexing = 0
        for folder, weight, summary in zip(made, weights, ordered_map(
                _index_shard, _Lazy(work, item), self.jobs, preload=_PRELOAD)):
            summaries[folder] = summary
            self.step(f"search index {folder}", weight)
        # (their making, here, left this process 37 MB larger to its end on 2,000 issues)
        common = self._aside(_common_files_into, (summaries, out_dir))
        self.search_removed = [f"html/{BUNDLE}/{s}" for s in sorted(gone)] + sorted(
            f"html/{BUNDLE}/{p.name}" for p in (bundle.iterdir() if bundle.is_dir() else ())
            if p.is_file() and f"html/{BUNDLE}/{p.name}" not in common)
        self.search_whole = [f"html/{BUNDLE}/{s}" for s in sorted(made) if summaries.get(s)]
        # what the next build checks (`_unstamped`): the common files and each bundle's
        # summary, and each bundle's folders (not the ~1,800 files of a shard one by one).
        # A bundle not made again keeps its stamps, checked when this build began; what
        # was made is stamped once it is in place.
        was = {} if full else old.get("outputs", {})
        outputs = {rel: [0, 0] for rel in common}   # ([0, 0]: to be stamped, see _commit)
        for folder in sorted(kept):
            folders = _bundle_folders(self.new if folder in made else out_dir,
                                      f"html/{BUNDLE}/{folder}")
            if not folders:   # (a shard without records has no bundle)
                continue
            for rel in (f"{folders[0]}/{search.shards.SUMMARY}", *folders):
                outputs[rel] = [0, 0] if folder in made else was.get(rel, [0, 0])
        return {"code": code, "shards": keys, "names": names_digest,
                "bases": {s: dict(sorted(b.items())) for s, b in sorted(bases.items())},
                "overlays": dict(sorted(overlays.items())),
                "outputs": dict(sorted(outputs.items()))}

    def save_caches(self, manifest: dict) -> None:
        """The caches of what this build read (torn or stale files are simply not used)."""
        if self.romanized is not None:
            _dump_cache(self.state / ROMANIZED, self.fingerprint, "texts", self.romanized)
        if self.save_registers:
            _dump_pickle(self.state / REGISTERS, (self.fingerprint,), {
                "key": self.tei["registers"], "entries": self._registers,
                "sources": self._register_sources, "digests": self._register_digests})
        if self._heads_stale or self._heads_changed(manifest) or not (self.state / HEADS).is_file():
            cached = self.cached_heads()
            # (a head kept from the cache is checked when it is used, so it is kept unchecked)
            heads = {name: self._fresh_heads.get(name) or cached.get(name) or
                     _head_part(self.head(name), manifest["issues"][name]["head"])
                     for name in manifest["issues"]}
            _dump_pickle(self.state / HEADS, (self.fingerprint,), heads)
        # the mentions caches of pages no longer made, and of an entry's own page once
        # it lists its years instead of its mentions
        gone = set(self.old["entries"]) - set(manifest["entries"])
        gone.update(name for name, record in manifest["entries"].items() if record.get("years")
                    and not self.old["entries"].get(name, {}).get("years"))
        for entry in gone:
            (self.state / ENTRIES / f"{entry}.pickle").unlink(missing_ok=True)

    def _heads_changed(self, manifest: dict) -> bool:
        """An issue read this time is new, or its heading data is not what it was (the heads
        cache then needs writing again; an edit of a paragraph changes no head)."""
        old = self.old["issues"]
        return any(name not in old or old[name].get("head") != manifest["issues"][name]["head"]
                   for name in self.fresh if name in manifest["issues"])

    @property
    def on_disk(self) -> Mapping:
        return self.scan.files

    def current(self, record: dict) -> bool:
        """Every output of the record is on disk as it was written."""
        return self.intact or all(self.on_disk.get(rel) == tuple(stamp[:2])
                                  for rel, stamp in _outputs(record).items())

    def _stamp(self, record: dict, rel: str) -> tuple | None:
        """(size, mtime) of an output in place: as the record has it while the disk is
        assumed to be as recorded (checked once the scan is done, and planned again if
        not), which spares waiting for the scan; else as the scan found it."""
        if self.intact:
            stamp = _output(record, rel)
            return tuple(stamp[:2]) if stamp else None
        return self.on_disk.get(rel)

    def _page(self, rel: str) -> Path:
        """A page of the new edition: staged, or as it is on disk."""
        staged = self.new / rel
        return staged if staged.exists() else self.state.parent / rel

    def _register_names(self, manifest: dict, staged: bool = True) -> dict:
        """The name each register entry's page is headed with, in the new edition: read
        from the pages rendered this time, and from the pages on disk unless the names
        cache has the page's name and the page is as it was when that was read.
        `staged=False`: the pages being rendered are not looked for (their names are
        those of the pages in place: `_names_stand`)."""
        from .search.records import read_register_name

        code = _search_code(self.edition.opencc)
        cached = _load_names(self.state, code)
        self.names_code = code
        names = {}
        # (paths as strings: a Path for each of 3,747 entries took 0.1 s)
        new, out_dir = str(self.new), str(self.state.parent)
        for entry, record in manifest["entries"].items():
            if YEAR in entry:   # (a year's page of an entry: headed with the same name)
                continue
            rel = f"html/registers/{entry}.html"
            where = f"{new}/{rel}"
            # (only a page rendered this time, its outputs not yet packed, may be staged)
            if not staged or not isinstance(record["outputs"], (dict, _Made)) or \
                    not os.path.exists(where):
                kept = cached.get(rel)
                if kept and self._stamp(record, rel) == tuple(kept[:2]):
                    names[tuple(entry.split("/", 1))] = kept[2]
                    continue
                where = f"{out_dir}/{rel}"
            found = read_register_name(where, rel)
            if found:
                names[found[0]] = found[1]
        self.names = names
        return dict(sorted(names.items()))

    names: dict | None = None   # the register names the search index was made with

    def save_mentioned(self, manifest_digest: str) -> None:
        """Who mentions what, for the next build: stamped with the manifest it belongs to,
        so it is used only with that manifest (a stale or torn one is simply remade)."""
        if self.mentioned is not None:
            self.mentioned.save(_mention_stamp(self.fingerprint, manifest_digest))

    def save_names(self, now: dict) -> None:
        """The names cache: each register page's name, with its size and mtime once in place."""
        if self.names is None:
            return
        names = {f"html/registers/{kind}/{key}.html": name
                 for (kind, key), name in self.names.items()}
        pages = {rel: [*stamp, names[rel]] for rel, stamp in now.stamps(names).items()}
        _dump_cache(self.state / NAMES, self.names_code, "pages", pages)


def _mention_stamp(fingerprint: str, manifest_digest: str) -> str:
    return f"{fingerprint}:{manifest_digest}"


def _shards(manifest: dict) -> tuple[dict, dict]:
    """The search index's shards: the (issue id, TEI digest) of their issues, and their keys.

    An issue's records depend on its own TEI (and on the register names, see
    `stale_shards`), not on its neighbours, whose headings its pages show: a heading
    edited is one issue to overlay, not three (the edited issue and both neighbours used
    up an overlay's five issues in two edits)."""
    from .search import shard_of

    members: dict[str, list] = {}
    for record in manifest["issues"].values():
        members.setdefault(shard_of(record["id"]), []).append((record["id"], record["tei"]))
    return members, {shard: _digest(sorted(issues)) for shard, issues in sorted(members.items())}


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
    from .search.shards import names_changed

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


def _index_shard(item: tuple) -> bytes | None:
    """Index one shard from its pages into the staging folder (or, given `overlay`, the
    issues edited and those of them its bundle holds, its overlay); the summary, or None
    if the shard has no records. A shard's records are cached by issue (`shard_files`'
    `known`), for the search stage's code (`code`)."""
    from .render.writer import stage_same
    from .search import overlay_files, shard_files
    from .search.shards import SUMMARY

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
    return next((data for rel, data in files.items() if rel.endswith(f"/{SUMMARY}")), None)


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


class _Spool:
    """The mentions of the issues read this time, pickled by entry (`_pickled_by_entry`),
    in a temporary file until the entries' pages are made rather than in memory (on
    2,000 issues, 100–120 MB of the main process's PSS): what is held is where each
    entry's part of each issue is."""

    def __init__(self, folder: Path):
        self.folder, self.file, self.end = folder, None, 0
        self.names: list[str] = []                # the issues, in the order spooled
        self.where: dict[str, array] = {}         # entry → (issue's number, offset, size)…

    def add(self, name: str, grouped: dict[str, bytes]) -> None:
        if self.file is None:
            self.file = tempfile.TemporaryFile(dir=self.folder)
        number = len(self.names)
        self.names.append(name)
        for entry, data in grouped.items():
            self.where.setdefault(entry, array("q")).extend((number, self.end, len(data)))
            self.end += len(data)
        self.file.write(b"".join(grouped.values()))

    def places(self, entry: str) -> dict[str, tuple[int, int]]:
        """Where the entry's part of each issue spooled is: {file name: (offset, size)}."""
        found = self.where.get(entry, ())
        return {self.names[n]: (offset, size)
                for n, offset, size in zip(found[0::3], found[1::3], found[2::3])}

    def read(self, place: tuple[int, int]) -> bytes:
        self.file.flush()
        return os.pread(self.file.fileno(), place[1], place[0])

    def close(self) -> None:
        if self.file is not None:
            self.file.close()
        self.file, self.names, self.where = None, [], {}


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
        from .cite import romanize

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
    from .render.site import read_issue

    return read_issue(path)


def _render_issue_into(work: tuple) -> tuple[list[str], dict]:
    """Render one issue (it links to its neighbours) into the staging folder; the files
    written, and the titles romanised (for the cache). The issue may come as the bytes
    its cache holds (`_Plan.pickled_issue`), with the path of its TEI."""
    from .cite import romanize
    from .render.build import _render_issue

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
    from .render.build import _site_pages, site_page_keys
    from .render.pages import page_files
    from .render.site import Entry, join_mentions

    registers, listing, listed, latest, unchanged, before = work
    joined = {(e.kind, e.key): e for e in join_mentions(registers, [])}
    for entry, _digest, count, first in listing:
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


def _common_files_into(work: tuple) -> list[str]:
    """The search index's common files (`search.common_files`), from every shard's summary
    (`summaries`: those made this time, None for those gone; the others read from
    `out_dir`), staged; their paths."""
    from . import search

    summaries, out_dir = work
    common = search.common_files(search.read_summaries(out_dir, summaries),
                                 _worker.edition.opencc)
    for rel, data in common.items():
        _stage(_worker.new, rel, data)
    return sorted(common)


def _entry_pages_into(run: list[tuple]) -> list[list[str]]:
    """Render register entries' pages into the staging folder, each given as (entry, which
    page, number of mentions, first name, its mentions pickled issue by issue:
    `_Plan.entry_mentions`); the files of each."""
    from .render.build import entry_page, entry_year_page, group_mentions

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
    from .render.writer import stage

    stage(new, rel, data)


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


def _registers_cache(cached) -> dict | None:
    """The registers cache (`_Plan.save_caches`) if it is shaped as one, else None."""
    if not isinstance(cached, dict) or not isinstance(cached.get("key"), str) or \
            not all(isinstance(cached.get(k), dict) for k in ("entries", "sources", "digests")):
        return None
    return cached


def _load_pickle(path: Path, stamp: tuple):
    """What a cache file holds, if it was written with `stamp` (fingerprint, …), else None."""
    try:
        with path.open("rb") as fh:
            cached = _IssueData(fh).load()
    except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ImportError,
            TypeError, ValueError, IndexError, KeyError):
        return None
    if not isinstance(cached, tuple) or len(cached) != 2 or cached[0] != stamp:
        return None
    return cached[1]


def _pickled(value) -> bytes:
    return pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)


def _dump_plainly(value, file) -> None:
    """`_pickled` into `file`, the same bytes for equal values: an object met twice is
    written twice (pickle's memo writes it once, and then where it is met again depends
    on which objects are the same, not only equal)."""
    pickler = pickle.Pickler(file, protocol=pickle.HIGHEST_PROTOCOL)
    pickler.fast = True
    pickler.dump(value)


class _Hashed:
    """A file that `write`s go through, added to `digest` on their way."""

    def __init__(self, file, digest):
        self.file, self.digest = file, digest

    def write(self, data) -> int:
        self.digest.update(data)
        return self.file.write(data)


def _unpickled(data):
    """What `_pickled` made of it, or None (no bytes, or torn ones)."""
    if not isinstance(data, bytes):
        return None
    try:
        return _IssueData(io.BytesIO(data)).load()
    except (pickle.UnpicklingError, EOFError, AttributeError, ImportError, TypeError,
            ValueError, IndexError, KeyError):
        return None


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
    try:
        with (state / ISSUES / f"{name}.pickle").open("rb") as fh:
            cached = _IssueData(fh).load()
    except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ImportError,
            TypeError, ValueError, IndexError, KeyError):
        return None
    if not isinstance(cached, tuple) or len(cached) != 3 or cached[:2] != (fingerprint, digest):
        return None
    return cached[2] if isinstance(cached[2], bytes) else None


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


def _records(manifest: dict) -> list[dict]:
    """Every record with outputs under html/ and txt/ (the search index apart)."""
    return [*manifest["issues"].values(), *manifest["entries"].values(),
            *([manifest["site"]] if manifest["site"] else [])]


def _removed(old: dict, manifest: dict, on_disk: dict, intact: bool) -> list[str]:
    """Files on disk that the new edition does not have. When the disk is as the old
    manifest says, those are what the records rendered again or gone no longer make."""
    if not intact:
        listed: set[str] = set()
        for record in _records(manifest):
            listed.update(_outputs(record))
        return sorted(set(on_disk) - listed)
    made = set()
    for record in _records(manifest):
        if isinstance(record["outputs"], (dict, _Made)):
            made.update(record["outputs"])
    gone = set()
    for part in ("issues", "entries"):
        for name, record in old[part].items():
            if manifest[part].get(name, {}).get("outputs") is not record["outputs"]:
                gone.update(_outputs(record))
    if old["site"] and manifest["site"] is not old["site"]:
        gone.update(_outputs(old["site"]))
    return sorted(gone - made)


class _Made:
    """The outputs of a record rendered this time, until `_commit` stamps them in place:
    their paths in one string. As a dict of ~150 paths an issue, they were the largest
    thing a first build's main process held while the entry pages and the search index
    were made (about 120 bytes a path: 18 MB on 1,000 issues)."""

    __slots__ = ("_paths",)

    def __init__(self, paths: Iterable[str]):
        self._paths = _END.join(paths)

    def __iter__(self) -> Iterator[str]:
        return iter(self._paths.split(_END) if self._paths else ())


def _outputs(record: dict) -> dict:
    """A record's outputs, {path: [size, mtime(, sha256)]}, however they are stored."""
    value = record["outputs"]
    if isinstance(value, _Made):   # (rendered this time, not stamped yet)
        return dict.fromkeys(value)
    if not isinstance(value, str):
        return value
    return dict(map(_output_row, value.split(_END)[:-1]))


def _output(record: dict, rel: str) -> list | None:
    """One output of a record, as `_outputs` gives it, its other rows left packed."""
    value = record["outputs"]
    if isinstance(value, _Made):
        return None
    if not isinstance(value, str):
        return value.get(rel)
    span = _row_span(value, rel)
    return None if span is None else _output_row(value[span[0]:span[1] - 1])[1]


def _output_row(row: str) -> tuple[str, list]:
    """A packed row of a record's outputs: (path, [size, mtime(, sha256)])."""
    rel, size, mtime, *rest = row.split(_SEP)
    return rel, [int(size), int(mtime), *rest]


def _pack_names(table: dict) -> bytes:
    """An issue's mentions by entry as the manifest keeps them: `_pack`ed, in UTF-8. The
    first names make a str of two bytes a character, its digests and keys included;
    in UTF-8 it takes about half (~11 KB an issue held from start to end as str)."""
    return _pack(table).encode("utf-8")


def _unpack_names(value) -> dict:
    """An issue's mentions by entry: {"kind/key": [digest, number, first name]}."""
    if isinstance(value, bytes):
        value = value.decode("utf-8")
    if not isinstance(value, str):
        return value
    out = {}
    for row in value.split(_END)[:-1]:
        entry, digest, count, first = row.split(_SEP)
        out[entry] = [digest, int(count), first]
    return out


def _mention_rows(names: list[str], summaries: dict) -> dict[str, list[tuple]]:
    """The rows of `_Plan._mentioned`'s table that the issues `names` (in this order) give."""
    rows: dict[str, list] = {}
    for name in names:
        s = summaries[name]
        for entry, (digest, count, first) in _unpack_names(s["names"]).items():
            rows.setdefault(entry, []).append((name, s["id"], digest, count, first))
    return rows


def _packed_mentions(names: list[str], summaries: dict) -> Iterator[tuple[str, str]]:
    """(entry, packed row) of `_Plan._mentioned`'s table, issue by issue in the order of
    `names`: what `mention_table.make_whole` joins, entry by entry."""
    for name in names:
        for entry, rows in _mention_rows([name], summaries).items():
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


# --- putting it in place -----------------------------------------------------------------

def _commit(out_dir: Path, staging: Path, manifest: dict, removed: list[str],
            whole: list[str]) -> tuple[int, list[dict]]:
    """Move the staged files into place (the search index as a whole), take out what is
    no longer made, and stamp what moved in. If this fails, the previous edition is
    put back and so is its manifest. Returns the number of files moved in and the
    records rendered this time."""
    from .render.writer import move_into_place

    previous = {}
    for name in (QUICK, MANIFEST):   # a build cut short is followed by a full one
        path = out_dir / STATE / name
        if path.is_file():
            previous[path] = staging / f"previous-{name}"
            os.replace(path, previous[path])
    written = sum(len(files) for _, _, files in os.walk(staging / "new"))
    try:
        move_into_place(out_dir, staging / "new", staging / "old", remove=removed,
                                whole=whole if (out_dir / SEARCH_INDEX[0]).is_dir()
                                else SEARCH_INDEX[:1])
    except BaseException:
        for path, kept in previous.items():
            os.replace(kept, path)
        raise
    made = []
    for record in _records(manifest):   # stamp what was written this time
        if isinstance(record["outputs"], _Made):
            record["outputs"] = _stamped(out_dir, record["outputs"])
            made.append(record)
        elif isinstance(record["outputs"], dict):
            for rel, value in record["outputs"].items():
                if not value or not value[0] and not value[1]:
                    st = (out_dir / rel).stat()
                    record["outputs"][rel] = [st.st_size, st.st_mtime_ns, *(value or [])[2:]]
            made.append(record)
    for rel, value in manifest["search"].get("outputs", {}).items():
        if value == [0, 0]:   # made this time
            manifest["search"]["outputs"][rel] = _search_stamp(out_dir / rel)
    return written, made


def _stamped(out_dir: Path, made: _Made) -> str:
    """The outputs `made`, now in place, each with its size and mtime, packed as the
    manifest keeps them (one record's dict at a time, not every record's until saved)."""
    base = str(out_dir)
    return _pack({rel: [(st := os.stat(f"{base}/{rel}")).st_size, st.st_mtime_ns]
                  for rel in made})


class _MovedIn(Mapping):
    """The files moved in this time, path → (size, mtime), read from the records' rows
    as they are gone through (`output_scan.Now`). As a dict beside the records' own
    stamps, the main process held every file a first build wrote twice at its end
    (~250 bytes a file, ~150 files an issue); looked up by name, it makes that dict."""

    def __init__(self, records: list[dict]):
        self.records = records
        self._index: dict | None = None

    def items(self) -> Iterator[tuple[str, tuple[int, int]]]:
        for record in self.records:   # (one record's dict at a time)
            for rel, stamp in _outputs(record).items():
                yield rel, (stamp[0], stamp[1])

    def __iter__(self) -> Iterator[str]:
        return (rel for rel, _ in self.items())

    def __len__(self) -> int:
        return sum(1 for _ in self.items())

    def __getitem__(self, rel: str) -> tuple[int, int]:
        if self._index is None:
            self._index = dict(self.items())
        return self._index[rel]


def _search_stamp(path: Path) -> list:
    """How `_unstamped` knows a file or folder of the search index again: a file by its
    size, time and digest; a folder by `_FOLDER`, its time and `_listing_digest`."""
    st = path.stat()
    if path.is_dir():
        return [_FOLDER, st.st_mtime_ns, _listing_digest(path)]
    return [st.st_size, st.st_mtime_ns, sha256(path.read_bytes())]


def _load_manifest(out_dir: Path, fingerprint: str, digest: str | None = None) -> dict:
    """The last build's manifest (empty if there is none this build can use); it is
    "verified" when it is the one the quick record was written with. (Pickled: the
    2,000 synthetic issues' unpickles in 0.055-0.06 s, against 0.12-0.13 s as JSON.)"""
    empty = {"format": _FORMAT, "fingerprint": fingerprint, "issues": {}, "entries": {},
             "site": {}, "search": {}, "registers": {}, "stat": {}}
    state = out_dir / STATE
    if (state / MANIFEST).is_file() or not (state / FORMER_MANIFEST).is_file():
        data = _load_record(state / MANIFEST, fingerprint, digest, _unpickled)
    else:   # the JSON an earlier version wrote: read once (rather than render it all again)
        data = _load_record(state / FORMER_MANIFEST, fingerprint, digest)
    if not data or set(empty) - set(data):
        return empty
    return data


def _load_record(path: Path, fingerprint: str, digest: str | None = None,
                 loads: Callable[[bytes], object] = orjson.loads) -> dict:
    """A record of the last build (JSON, or what `loads` reads), if it was made with this
    fingerprint (and, given a digest, is exactly the file expected), else {}."""
    try:
        raw = path.read_bytes()
        data = loads(raw)
        written = path.stat().st_mtime_ns
    except (OSError, ValueError):
        return {}
    if not isinstance(data, dict) or data.get("format") != _FORMAT or \
            data.get("fingerprint") != fingerprint:
        return {}
    data["written_ns"] = written
    data["verified"] = digest is not None and sha256(raw) == digest
    if data["verified"]:
        data["digest"] = digest
    return data


def _save_issues(state: Path, fingerprint: str, read: dict, tei: dict) -> None:
    """The data of the issues read this time (a cache: a torn file fails to load, and
    the issue is simply read again)."""
    folder = state / ISSUES
    folder.mkdir(exist_ok=True)
    for name, data in read.items():   # (the issue pickled: see _load_issue)
        _write(folder / f"{name}.pickle", _pickled((fingerprint, tei["issues"][name], data)))


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
    for record in _records(manifest):   # (what was carried over is packed already)
        if isinstance(record["outputs"], dict):
            record["outputs"] = _pack(record["outputs"])
    for record in manifest["issues"].values():
        if isinstance(record["names"], dict):   # (an earlier version's, carried over)
            record["names"] = _pack_names(record["names"])
        elif isinstance(record["names"], str):
            record["names"] = record["names"].encode("utf-8")
    for part in ("issues", "entries", "stat"):   # (the order they are read back in)
        manifest[part] = dict(sorted(manifest[part].items()))
    # written as it is pickled, not held whole first (at 4,000 issues, 47 MB of the main
    # process's peak); checked when read (see _load_record): no fsync
    digest = hashlib.sha256()
    atomic_write_with(state / MANIFEST,
                      lambda file: _dump_plainly(manifest, _Hashed(file, digest)), durable=False)
    counts = {f.name: getattr(report, f.name) for f in fields(report)
              if f.name in ("issues", "articles", "register_entries", "html_pages",
                            "text_files", "files", "bytes")}
    quick = {"format": _FORMAT, "fingerprint": manifest["fingerprint"],
             "manifest": digest.hexdigest(),
             "stat": manifest["stat"], "tei": tei["issues"], "registers": tei["registers"],
             "search": manifest["search"], "scan": scan, "report": counts}
    atomic_write(state / QUICK, orjson.dumps(quick, option=orjson.OPT_SORT_KEYS), durable=False)
    return quick["manifest"]


def _write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)


def _report(manifest: dict, totals: dict[str, int], **done) -> BuildReport:
    """What the edition holds (its pages and texts: `totals` of its files), and what
    was done."""
    return BuildReport(
        issues=len(manifest["issues"]),
        articles=sum(r["articles"] for r in manifest["issues"].values()),
        register_entries=sum(YEAR not in name for name in manifest["entries"]), **totals,
        **done)
