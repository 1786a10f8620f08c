"""Incremental builds: re-render only the pages whose inputs changed, never a stale one.

A page depends on exactly what its render function is given, so that is what
is tracked:
- an issue's pages (HTML and text, zh-Hans and zh-Hant, its TEI copy) on that
  issue's TEI file;
- the site pages (home, issue list, registers, one page per register entry,
  about, guidelines) on every issue's data and on the registers;
- every page on the *fingerprint*: tei-build's code (all but the convert and tag
  stages, whose work reaches the editions only through the TEI), templates,
  stylesheets and schemas, the versions of the libraries that render, edition.toml and the TEI
  folder. Any change there and everything is rebuilt.

The output folder keeps a manifest (`.tei-build/manifest.json`) of the input
hashes each output came from and of every file written (size, mtime). A build
hashes the inputs again, and re-renders an issue (or the site pages) whose
inputs differ or whose outputs are missing or were changed on disk. Files in
html/ and txt/ that the manifest does not list are removed, so the folder is
always what a fresh build would make.

New pages are written to a staging folder first; only when every issue has
rendered are they moved into place, so bad input leaves the edition untouched.
The manifest is removed before anything moves and written last: a build cut
short is followed by a full one.
"""

from __future__ import annotations

import hashlib
import json
import os
import pickle
import shutil
import tempfile
from importlib import metadata
from collections.abc import Callable
from dataclasses import dataclass, fields
from pathlib import Path

from . import __version__
from .edition import Edition
from .errors import TeiBuildError
from .fsutil import atomic_write, sha256
from .parallel import ordered_map
from .resources import resource_dir

STATE = ".tei-build"
MANIFEST = "manifest.json"
ISSUES = "issues"  # one pickle of each issue's data, read again only when its TEI changes
TOPS = ("html", "txt")
_FORMAT = 1
_PACKAGE = Path(__file__).resolve().parent
#: stages whose work reaches the editions only through the TEI files, which are hashed
_NOT_RENDERING = {"convert", "tag"}


@dataclass(frozen=True)
class Outcome:
    """What a build did: counts of the whole edition and of the work done this time."""
    issues: int
    articles: int
    register_entries: int
    html_pages: int
    text_files: int
    files: int
    bytes: int
    rendered_issues: int
    site_rendered: bool
    written: int
    removed: int


def build(tei_dir: Path, out_dir: Path, edition: Edition, jobs: int | None = None,
          progress: Callable[[int, int, str], None] | None = None) -> Outcome:
    """Bring `out_dir/html` and `out_dir/txt` up to date with the TEI in `tei_dir`."""
    from .render.site import issue_files

    tei_dir, out_dir = Path(tei_dir), Path(out_dir)
    paths = issue_files(tei_dir)
    if not paths:
        raise TeiBuildError("no TEI issues (*.xml) to build", path=str(tei_dir))
    note = progress or (lambda _done, _total, _what: None)
    fingerprint = _fingerprint(tei_dir, edition)
    old = _load_manifest(out_dir, fingerprint)
    on_disk = _scan(out_dir)
    hashes = {p.name: sha256(p.read_bytes()) for p in paths}
    site_key = _site_key(fingerprint, tei_dir, hashes)
    if _nothing_to_do(old, hashes, site_key, on_disk):
        return _outcome(old, rendered=0, site=False, written=0, removed=0)

    state = out_dir / STATE
    made = not out_dir.exists()  # a failed first build leaves no folder behind
    state.mkdir(parents=True, exist_ok=True)
    (state / ".gitignore").write_text("*\n", encoding="utf-8")
    staging = Path(tempfile.mkdtemp(prefix="staging-", dir=state))
    try:
        cached = {p.name: _load_issue(state, p.name, fingerprint, hashes[p.name]) for p in paths}
        changed = [p for p in paths if cached[p.name] is None]
        for path, issue in zip(changed, ordered_map(_read_issue, changed, jobs)):
            cached[path.name] = issue
        issues = sorted(cached.values(), key=lambda i: i.sort_key)
        from .render.build import _check_unique
        _check_unique(issues)
        names = {issue.id: issue.path.name for issue in issues}
        manifest = {"format": _FORMAT, "fingerprint": fingerprint, "issues": {}, "site": {}}
        work = []
        for n, issue in enumerate(issues):
            prev = issues[n - 1] if n else None
            next_ = issues[n + 1] if n + 1 < len(issues) else None
            key = "|".join(f"{i.path.name}:{hashes[i.path.name]}" if i else "-"
                           for i in (issue, prev, next_))
            record = old["issues"].get(names[issue.id])
            if record and record["key"] == key and _outputs_current(record["outputs"], on_disk):
                manifest["issues"][names[issue.id]] = record
            else:
                manifest["issues"][names[issue.id]] = {"key": key, "id": issue.id,
                                                       "articles": len(issue.articles)}
                work.append((issue, prev, next_))
        site_ok = old["site"].get("key") == site_key and _outputs_current(
            old["site"].get("outputs", {}), on_disk)
        total = len(work) + (0 if site_ok else 1)
        done = 0
        for (issue, _, _), outputs in zip(work, ordered_map(
                _render_issue_into, work, jobs, initializer=_start_worker,
                initargs=(staging, edition))):
            manifest["issues"][names[issue.id]]["outputs"] = dict.fromkeys(outputs)
            done += 1
            note(done, total, issue.id)
        if site_ok:
            manifest["site"] = old["site"]
        else:
            manifest["site"] = _render_site_into(staging, tei_dir, edition, issues, hashes,
                                                 site_key, old["site"], on_disk, jobs)
            note(total, total, "index, register and site pages")
    except BaseException:
        shutil.rmtree(out_dir if made else staging, ignore_errors=True)
        raise
    try:
        written = _commit(out_dir, staging, manifest, on_disk)
        _save(state, manifest, fingerprint, {p.name: (hashes[p.name], cached[p.name])
                                             for p in changed})
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    removed = len(set(on_disk) - _listed(manifest))
    return _outcome(manifest, rendered=len(work), site=not site_ok, written=written,
                    removed=removed)


def _nothing_to_do(old: dict, hashes: dict, site_key: str, on_disk: dict) -> bool:
    """Same issues with the same TEI, same registers, and every output as it was written.

    (With no TEI changed, the order of the issues and so every page's neighbours are
    unchanged too.)"""
    records = old["issues"]
    if set(records) != set(hashes) or old["site"].get("key") != site_key:
        return False
    if any(records[name]["key"].split("|")[0] != f"{name}:{digest}"
           for name, digest in hashes.items()):
        return False
    if set(on_disk) != _listed(old):
        return False
    return all(_outputs_current(r["outputs"], on_disk) for r in records.values()) and \
        _outputs_current(old["site"]["outputs"], on_disk)


# --- what the outputs depend on -------------------------------------------------------

def _fingerprint(tei_dir: Path, edition: Edition) -> str:
    """Everything every page depends on besides its own TEI."""
    from lxml import etree

    digest = hashlib.sha256()
    for part in (__version__, repr(edition), str(tei_dir), etree.LXML_VERSION,
                 etree.LIBXML_VERSION, etree.LIBXSLT_VERSION,
                 *map(_version, ("jinja2", "markupsafe", "opencc"))):
        digest.update(repr(part).encode() + b"\0")
    folders = [_PACKAGE] + [resource_dir(name) for name in ("xslt", "schemas")]
    for folder in dict.fromkeys(folders):
        for path in sorted(folder.rglob("*")):
            rel = path.relative_to(folder).parts
            if path.is_file() and "__pycache__" not in rel and path.suffix != ".pyc" and \
                    not (folder == _PACKAGE and rel[0] in _NOT_RENDERING):
                digest.update(path.relative_to(folder).as_posix().encode() + b"\0")
                digest.update(path.read_bytes() + b"\0")
    return digest.hexdigest()


def _version(distribution: str) -> str:
    try:
        return metadata.version(distribution)
    except metadata.PackageNotFoundError:
        return ""


def _site_key(fingerprint: str, tei_dir: Path, hashes: dict[str, str]) -> str:
    """The site pages' inputs: every issue (through its hash) and the registers."""
    from .render.site import REGISTER_FILES

    digest = hashlib.sha256(fingerprint.encode())
    for name, value in sorted(hashes.items()):
        digest.update(f"{name}\0{value}\0".encode())
    for name in sorted(REGISTER_FILES.values()):
        path = tei_dir / name
        digest.update(name.encode() + b"\0" + (path.read_bytes() if path.is_file() else b"-"))
    return digest.hexdigest()


def _search_index() -> set[str]:
    """The search index's files in html/: made from the built pages by the search stage,
    not by rendering, so neither tracked nor removed here."""
    try:
        from .search import DATA_FILE
        from .search.index import BUNDLE
    except ImportError:
        return set()
    return {f"html/{BUNDLE}", f"html/{DATA_FILE}"}


def _scan(out_dir: Path) -> dict[str, tuple[int, int]]:
    """Every file under html/ and txt/ with its size and mtime."""
    found: dict[str, tuple[int, int]] = {}
    prefix = len(str(out_dir)) + 1
    skip = _search_index()
    stack = [str(out_dir / top) for top in TOPS if (out_dir / top).is_dir()]
    while stack:
        with os.scandir(stack.pop()) as entries:
            for entry in entries:
                rel = entry.path[prefix:].replace(os.sep, "/")
                if rel in skip or entry.name.startswith(".search-"):
                    continue
                if entry.is_dir(follow_symlinks=False):
                    stack.append(entry.path)
                else:
                    st = entry.stat(follow_symlinks=False)
                    found[rel] = (st.st_size, st.st_mtime_ns)
    return found


def _outputs_current(outputs: dict, on_disk: dict) -> bool:
    """Every recorded output is on disk exactly as it was written."""
    return all(on_disk.get(rel) == tuple(stamp[:2]) for rel, stamp in outputs.items())


def _issue_current(record: dict | None, digest: str, on_disk: dict) -> bool:
    return record is not None and record["sha256"] == digest and \
        _outputs_current(record["outputs"], on_disk)


def _listed(manifest: dict) -> set[str]:
    """Every output the manifest accounts for."""
    out = set(manifest["site"].get("outputs", {}))
    for record in manifest["issues"].values():
        out.update(record["outputs"])
    return out


# --- rendering ---------------------------------------------------------------------------

@dataclass
class _Worker:
    staging: Path
    edition: Edition
    issues: dict | None = None  # issue id → issue data, for the register entry pages


_worker: _Worker | None = None


def _start_worker(staging: Path, edition: Edition, issues: dict | None = None) -> None:
    global _worker
    _worker = _Worker(staging, edition, issues)


def _read_issue(path: Path):
    from .render.site import read_issue

    return read_issue(path)


def _render_issue_into(work: tuple) -> list[str]:
    """Render one issue (it links to its neighbours) into the staging folder."""
    from .render.build import _render_issue

    issue, prev, next_ = work
    files = _render_issue(issue, prev, next_, _worker.edition)
    for rel, data in files.items():
        _write(_worker.staging / "new" / rel, data)
    return sorted(files)


def _render_site_into(staging: Path, tei_dir: Path, edition: Edition, issues: list,
                      hashes: dict, key: str, previous: dict, on_disk: dict,
                      jobs: int | None) -> dict:
    """Render the site pages; stage those whose bytes differ from what is on disk.

    A register entry's page shows the entry and the issues that mention it, so it is
    rendered again only when the entry (names, notes, mentions) or one of those
    issues changed; every other site page lists all issues or entries and is
    rendered whenever anything changed."""
    from .render import build as render
    from .render.site import REGISTER_FILES, join_mentions, read_registers

    entries = join_mentions(read_registers(tei_dir), issues)
    tei_hash = {issue.id: hashes[issue.path.name] for issue in issues}
    old_outputs, old_keys = previous.get("outputs", {}), previous.get("entry_keys", {})
    entry_keys, outputs = {}, {}
    stale = []
    for entry in entries:
        rel = f"registers/{entry.kind}/{entry.key}.html"
        # all it holds but its mentions, and the issues it is mentioned in (the mentions,
        # their order and the issues' headings are all made from those issues' TEI)
        digest = hashlib.sha256(repr([getattr(entry, f.name) for f in fields(entry)
                                      if f.name != "mentions"]).encode())
        for issue in sorted({m.issue for m in entry.mentions}):
            digest.update(f"\0{issue}\0{tei_hash.get(issue)}".encode())
        entry_keys[rel] = digest.hexdigest()
        pages = [f"html/{rel}", f"html/zh-Hant/{rel}"]
        if old_keys.get(rel) == entry_keys[rel] and all(
                p in old_outputs and on_disk.get(p) == tuple(old_outputs[p][:2]) for p in pages):
            outputs.update({p: old_outputs[p] for p in pages})
        else:
            stale.append(entry)

    files = render._site_pages(issues, entries, edition, with_entries=False)
    stale.sort(key=lambda e: -len(e.mentions))  # the longest pages first, to share out
    for made in ordered_map(_entry_pages_into, stale, jobs, batch=16, initializer=_start_worker,
                            initargs=(staging, edition, {i.id: i for i in issues})):
        outputs.update(made)
    for name in sorted(REGISTER_FILES.values()):
        if (tei_dir / name).is_file():
            files[f"html/tei/{name}"] = (tei_dir / name).read_bytes()
    for rel in sorted(files):
        digest = sha256(files[rel])
        before = old_outputs.get(rel)
        if before and before[2] == digest and on_disk.get(rel) == tuple(before[:2]):
            outputs[rel] = before
        else:
            _write(staging / "new" / rel, files[rel])
            outputs[rel] = [0, 0, digest]  # stamped once in place
    return {"key": key, "entries": len(entries), "entry_keys": entry_keys,
            "outputs": outputs}


def _entry_pages_into(entry) -> dict[str, list]:
    """Render one register entry's pages into the staging folder."""
    from .render.build import entry_pages

    made = {}
    for _entry, files in entry_pages(_worker.issues, [entry], _worker.edition):
        for rel, data in files.items():
            _write(_worker.staging / "new" / rel, data)
            made[rel] = [0, 0, sha256(data)]
    return made


def _write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)


class _IssueData(pickle.Unpickler):
    """The cache holds issue data and nothing else: a pickle planted in the output
    folder (which may come with a pull request) must not run code on the next build."""

    ALLOWED = {("teibuild.render.site", "Issue"), ("teibuild.render.site", "Article"),
               ("teibuild.render.site", "Mention"), ("pathlib", "PosixPath"),
               ("pathlib", "WindowsPath"), ("pathlib", "Path")}

    def find_class(self, module, name):
        if (module, name) in self.ALLOWED:
            return super().find_class(module, name)
        raise pickle.UnpicklingError(f"{module}.{name} is not issue data")


def _load_issue(state: Path, name: str, fingerprint: str, digest: str):
    """An issue's data as a build with this fingerprint read it from this TEI, or None."""
    try:
        with (state / ISSUES / f"{name}.pickle").open("rb") as fh:
            cached = _IssueData(fh).load()
    except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ImportError,
            TypeError, ValueError, IndexError):
        return None
    if not isinstance(cached, tuple) or cached[:2] != (fingerprint, digest):
        return None
    return cached[2]


# --- putting it in place -----------------------------------------------------------------

def _commit(out_dir: Path, staging: Path, manifest: dict, on_disk: dict) -> int:
    """Move the staged files into place, stamp them, and remove what is no longer made."""
    (out_dir / STATE / MANIFEST).unlink(missing_ok=True)
    new = staging / "new"
    moved = []
    undo: list[tuple[Path, Path | None]] = []   # (what was put in place, the old file kept aside)
    try:
        if new.is_dir():
            for top in TOPS:
                if not (new / top).is_dir():
                    continue
                if not (out_dir / top).is_dir():
                    (new / top).rename(out_dir / top)
                    undo.append((out_dir / top, None))
                    moved.extend(_relative_files(out_dir, top))
                    continue
                for rel in _relative_files(new, top):
                    target = out_dir / rel
                    target.parent.mkdir(parents=True, exist_ok=True)
                    kept = None
                    if target.exists():
                        kept = staging / "old" / rel
                        kept.parent.mkdir(parents=True, exist_ok=True)
                        os.replace(target, kept)
                    undo.append((target, kept))
                    os.replace(new / rel, target)
                    moved.append(rel)
    except BaseException:   # a fault halfway: put every old file back, take the new ones out
        for target, kept in reversed(undo):
            if kept is not None:
                os.replace(kept, target)
            elif target.is_dir():
                shutil.rmtree(target)
            else:
                target.unlink(missing_ok=True)
        raise
    stamps = {}
    for rel in moved:
        st = (out_dir / rel).stat()
        stamps[rel] = [st.st_size, st.st_mtime_ns]
    for record in manifest["issues"].values():
        for rel in record["outputs"]:
            if rel in stamps:
                record["outputs"][rel] = stamps[rel]
    for rel, value in manifest["site"]["outputs"].items():
        if rel in stamps:
            manifest["site"]["outputs"][rel] = [*stamps[rel], value[2]]
    listed = _listed(manifest)
    for rel in sorted(set(on_disk) - listed):
        path = out_dir / rel
        path.unlink(missing_ok=True)
        _prune(path.parent, out_dir)
    return len(moved)


def _relative_files(root: Path, top: str) -> list[str]:
    out = []
    for folder, _dirs, files in os.walk(root / top):
        rel = Path(folder).relative_to(root).as_posix()
        out.extend(f"{rel}/{name}" for name in files)
    return sorted(out)


def _prune(folder: Path, out_dir: Path) -> None:
    """Remove folders emptied by deletions, up to html/ and txt/ themselves."""
    while folder != out_dir and folder.parent != out_dir:
        try:
            folder.rmdir()
        except OSError:
            return
        folder = folder.parent


def _load_manifest(out_dir: Path, fingerprint: str) -> dict:
    empty = {"format": _FORMAT, "fingerprint": fingerprint, "issues": {}, "site": {}}
    try:
        data = json.loads((out_dir / STATE / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return empty
    if not isinstance(data, dict) or data.get("format") != _FORMAT or \
            data.get("fingerprint") != fingerprint:
        return empty
    return data


def _save(state: Path, manifest: dict, fingerprint: str, read: dict) -> None:
    """The manifest, and the data of the issues read this time; drop that of issues gone."""
    folder = state / ISSUES
    folder.mkdir(exist_ok=True)
    for name, (digest, issue) in read.items():
        # a cache: a torn file fails to load and the issue is simply read again
        _write(folder / f"{name}.pickle",
               pickle.dumps((fingerprint, digest, issue), protocol=pickle.HIGHEST_PROTOCOL))
    for path in folder.glob("*.pickle"):
        if path.name[:-len(".pickle")] not in manifest["issues"]:
            path.unlink()
    atomic_write(state / MANIFEST, json.dumps(manifest, sort_keys=True).encode("utf-8"))


def _outcome(manifest: dict, rendered: int, site: bool, written: int, removed: int) -> Outcome:
    sizes = {}
    for record in manifest["issues"].values():
        sizes.update({rel: stamp[0] for rel, stamp in record["outputs"].items()})
    sizes.update({rel: stamp[0] for rel, stamp in manifest["site"].get("outputs", {}).items()})
    return Outcome(
        issues=len(manifest["issues"]),
        articles=sum(r["articles"] for r in manifest["issues"].values()),
        register_entries=manifest["site"].get("entries", 0),
        html_pages=sum(1 for rel in sizes if rel.endswith(".html")),
        text_files=sum(1 for rel in sizes if rel.endswith(".txt")),
        files=len(sizes), bytes=sum(sizes.values()),
        rendered_issues=rendered, site_rendered=site, written=written, removed=removed)
