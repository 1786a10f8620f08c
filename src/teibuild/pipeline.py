"""convert → tag → write: the sequence `tei-build convert` runs over its sources.

Sources are converted and tagged in worker processes (`jobs`), one issue at a
time, and each TEI file goes to a staging folder as soon as it is ready, so
memory does not grow with the number of issues. Only when every source has
been converted and checked are the files moved into place: a bad source or an
edited TEI file stops the run with nothing half-done.

Registers are shared by all issues, so workers do not write them. Each worker
tags against its own copy and records what it did to it (names added, roles,
mentions); the main process replays those records issue by issue in source
order, exactly as a serial run would have made them. Where two workers gave
the same new identifier to different names, the main process renumbers the
issue's pointers to the identifiers the serial order gives. The TEI and the
registers are therefore byte-identical whatever the number of jobs.
"""

from __future__ import annotations

import shutil
import sys
from dataclasses import dataclass, field
from pathlib import Path

import click

from .convert import convert_bytes, insert_spaces, load_overrides, overrides_path
from .convert.decode import MAX_SOURCE_BYTES
from .edition import Edition
from .errors import TeiBuildError
from .fsutil import atomic_write, sha256, staging_dir
from .parallel import ordered_map, resolve_jobs
from .serialize import generated_unchanged, to_bytes
from .xmlsafe import parse_bytes


def convert_sources(sources: list[Path], out_dir: Path, edition: Edition, force: bool = False,
                    encoding: str | None = None, quiet: bool = True,
                    jobs: int | None = 1) -> list[Path]:
    """Convert every source to TEI in `out_dir`; returns the files written."""
    out_dir = Path(out_dir)
    registers, tag_issue = _tagger(out_dir, edition.opencc, home=edition.home_units)
    jobs = min(resolve_jobs(jobs), max(1, len(sources)))
    # one job: tag straight into the registers; several: each worker tags into its own
    # copy of their names (without the trees, which only this process writes)
    shared = (registers, tag_issue) if jobs == 1 else \
        (None if registers is None else registers.index(), None)
    made_dir = not out_dir.exists()
    moved = False
    out_dir.mkdir(parents=True, exist_ok=True)
    staging = staging_dir(out_dir, ".convert-")
    try:
        origin: dict[Path, Path] = {}
        remembered = None
        if registers is not None:
            from .tag.pointers import Remembered

            remembered = Remembered.load()
        results = ordered_map(_convert_in_worker, list(sources), jobs,
                              initializer=_start_worker,
                              initargs=(out_dir, edition, encoding, *shared))
        with _progress(results, len(sources), quiet, "converting") as bar:
            for source, done in zip(sources, bar):
                target = out_dir / f"{done.issue_id}.xml"
                if target in origin:
                    raise TeiBuildError(f"gives issue {done.issue_id} again (already from "
                                        f"{origin[target]}); put all pages of an issue in one "
                                        "source, separated by form feeds", path=str(source))
                check_overwrite(target, force)
                data = done.data if done.log is None else _replay(done, registers)
                atomic_write(staging / target.name, data)   # on disk (fsync) before it moves in
                if remembered is not None and done.pointers and data is done.data:
                    remembered[sha256(data)] = done.pointers   # (renumbered: read again)
                origin[target] = source
        moved = True
        for target in sorted(origin):
            (staging / target.name).replace(target)
        if registers is not None:
            from .tag.pointers import pointers_in

            # what every issue in the folder now points to, those not converted this time
            # included: a name an issue converted again no longer has loses its mention
            problems: list[TeiBuildError] = []
            registers.reconcile(pointers_in(out_dir, remembered, problems))
            for problem in problems:   # the issues written are in place: said, not failed
                click.echo(f"tei-build: warning: {problem}; the registers were not brought up "
                           "to date with what the issues name (correct it and convert again)",
                           err=True)
            remembered.save()
            registers.save(out_dir)
        return sorted(origin)
    except BaseException:
        if made_dir and not moved:
            shutil.rmtree(out_dir, ignore_errors=True)
        raise
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def convert_one(source: Path, edition: Edition, encoding: str | None = None):
    """One source file (and its override file, if any) to a built TEI document."""
    try:
        with source.open("rb") as fh:   # never more than the limit: a 50 GB file is refused too
            data = fh.read(MAX_SOURCE_BYTES + 1)
    except OSError as exc:
        raise TeiBuildError(f"cannot read: {exc.strerror}", path=str(source)) from None
    override_file = overrides_path(source)
    overrides = load_overrides(override_file) if override_file.is_file() else None
    return convert_bytes(data, str(source), edition, overrides, encoding)


def check_overwrite(target: Path, force: bool) -> None:
    """Refuse to replace a TEI file that an editor changed after tei-build wrote it."""
    if force or not target.exists():
        return
    state = generated_unchanged(target.read_bytes())
    if state is True:
        return
    why = "was edited after it was generated" if state is False else \
        "was not written by tei-build"
    raise TeiBuildError(f"{why}; not overwriting it (use --force to replace it)",
                        path=str(target))


# --- in the worker processes (or here, with one job) ---------------------------------

@dataclass
class Converted:
    """One issue's TEI, and what tagging it did to the worker's copy of the registers."""
    issue_id: str
    data: bytes
    log: list | None = None   # None: tagged straight into the main registers (one job)
    pointers: tuple | None = None   # what it points to (tag.pointers.tree_pointers)


@dataclass
class _Worker:
    out_dir: Path
    edition: Edition
    encoding: str | None
    registers: object = None
    tag_issue: object = None
    recording: bool = False
    log: list = field(default_factory=list)


_worker: _Worker | None = None


def _start_worker(out_dir: Path, edition: Edition, encoding: str | None,
                  registers=None, tag_issue=None) -> None:
    global _worker
    _worker = _Worker(out_dir, edition, encoding, registers, tag_issue)


def _convert_in_worker(source: Path) -> Converted:
    w = _worker
    built = convert_one(source, w.edition, w.encoding)
    log = None
    if w.tag_issue is None and w.registers is not None:
        # a worker process: its own, recording copy of the registers' names
        from .tag import Registers, tag_issue

        w.registers = Registers({tag: _RecordingRegister(register, w.log)
                                 for tag, register in w.registers.by_tag.items()},
                                w.registers.home)
        w.tag_issue, w.recording = tag_issue, True
    if w.tag_issue is not None:
        del w.log[:]
        w.tag_issue(built.tree, w.registers)
        log = list(w.log) if w.recording else None
    insert_spaces(built.spaces)
    pointers = None
    if w.tag_issue is not None:
        from .tag.pointers import tree_pointers

        pointers = tree_pointers(built.tree.getroot())
    return Converted(built.issue_id, to_bytes(built.tree), log, pointers)


class _RecordingRegister:
    """A register that notes every change the tagger makes, so it can be replayed."""

    def __init__(self, register, log: list):
        self._register = register
        self._log = log

    def __getattr__(self, name):
        return getattr(self._register, name)

    def add(self, name: str, *, certain: bool) -> str:
        ident = self._register.add(name, certain=certain)
        self._log.append(("add", self.kind.name_tag, ident, name, certain))
        return ident

    def note_role(self, ident: str, role: str) -> None:
        self._register.note_role(ident, role)
        self._log.append(("role", self.kind.name_tag, ident, role))

    def note_mention(self, ident: str, issue: str, date: str) -> None:
        self._register.note_mention(ident, issue, date)
        self._log.append(("mention", self.kind.name_tag, ident, issue, date))


def _replay(done: Converted, registers) -> bytes:
    """Apply a worker's register changes to the main registers; renumber if ids differ."""
    if not done.log:
        return done.data
    renumber: dict[tuple[str, str], str] = {}
    for op, tag, ident, *rest in done.log:
        register = registers[tag]
        ident = renumber.get((tag, ident), ident)
        if op == "add":
            name, certain = rest
            main_ident = register.add(name, certain=certain)
            if main_ident != ident:
                renumber[(tag, ident)] = main_ident
        elif op == "role":
            register.note_role(ident, *rest)
        else:
            register.note_mention(ident, *rest)
    if not renumber:
        return done.data
    by_pointer = {f"{registers[tag].kind.file}#{old}": f"{registers[tag].kind.file}#{new}"
                  for (tag, old), new in renumber.items()}
    tree = parse_bytes(done.data, f"{done.issue_id}.xml")
    for element in tree.getroot().iter():
        ref = element.get("ref") if isinstance(element.tag, str) else None
        if ref in by_pointer:
            element.set("ref", by_pointer[ref])
    return to_bytes(tree)


def _tagger(out_dir: Path, opencc: str | None = None, home: tuple[str, ...] = ()):
    """The tag stage and the registers it adds to, if the tagger is installed (`opencc`:
    the edition's conversion, in which new entries' zh-Hant names are written; `home`: its
    home units, whose bodies are named in full)."""
    try:
        from .tag import Registers, tag_issue
    except ImportError:
        return None, None
    return Registers.load(out_dir, opencc, home), tag_issue


def _progress(results, total: int, quiet: bool, label: str):
    if quiet or total < 2 or not sys.stderr.isatty():
        return _Plain(results)
    return click.progressbar(results, length=total, label=label, file=sys.stderr)


class _Plain:
    def __init__(self, items):
        self.items = items

    def __enter__(self):
        return self.items

    def __exit__(self, *exc):
        return False
