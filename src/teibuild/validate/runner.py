"""Validate files and folders: RELAX NG, then Schematron, then cross-document pointers.

Each file is parsed once; one pass of Python (single_pass) then decides its
attributes and the Schematron rules, libxml2 its element structure, and only
what that finds wrong goes through the full schemas for its messages. The
schemas are loaded once per process, before the worker processes are forked,
so they share them.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

from .. import TEI_NS
from ..errors import TeiBuildError
from ..parallel import ordered_map
from . import messages, references, relaxng, schematron, single_pass
from .problem import Problem
from .source import Source


def expand(paths) -> list[Path]:
    """Folders become their *.xml files (sorted); files are kept as given."""
    files: list[Path] = []
    for path in map(Path, paths):
        if path.is_dir():
            files.extend(sorted(path.glob("*.xml")))
        elif path.is_file():
            files.append(path)
        else:
            raise TeiBuildError("no such file or folder", path=str(path))
    return files


def validate_file(path: Path, registers_dir: Path | None = None,
                  index: references.IdIndex | None = None) -> list[Problem]:
    """All problems of one file, in file order; an empty list means valid."""
    try:
        source = Source.read(path)
    except TeiBuildError as exc:
        return [_unreadable(path, exc)]
    if source.tree.getroot().tag != f"{{{TEI_NS}}}TEI":
        # not a TEI document at all: the rules below would only add noise
        return relaxng.check(source, attributes_ok=False)
    scan = single_pass.scan(source.tree, relaxng.load_split()[1], source.data)
    problems = relaxng.check(source, attributes_ok=scan.attributes_ok)
    problems += schematron.check(source, rules_ok=scan.rules_ok)
    problems += references.check(source, registers_dir, index or references.IdIndex(), scan.external)
    return sorted(set(problems), key=lambda p: (p.line, p.column, p.rule, p.message))


def validate_paths(paths, registers_dir: Path | None = None,
                   jobs: int | None = 1) -> list[Problem]:
    """Problems of every file under `paths` (folders expand to their *.xml files),
    checked in `jobs` worker processes (None: every core); in file order."""
    return [problem for found in iter_problems(expand(paths), registers_dir, jobs)
            for problem in found]


def iter_problems(files: list[Path], registers_dir: Path | None = None,
                  jobs: int | None = 1) -> Iterator[list[Problem]]:
    """The problems of each file, file by file as they are checked (for a progress bar)."""
    _load_schemas()
    yield from ordered_map(_validate_in_worker, files, jobs, batch=8,
                           initializer=_start_worker, initargs=(registers_dir,))


_worker: tuple = (None, None)  # registers folder, and the ids of the files pointed into


def _load_schemas() -> None:
    """What every file needs, loaded here once (workers forked later inherit it)."""
    relaxng.load_split()
    schematron.load()


def _start_worker(registers_dir: Path | None) -> None:
    global _worker
    _load_schemas()   # already loaded unless workers are spawned rather than forked
    _worker = (registers_dir, references.IdIndex())


def _validate_in_worker(path: Path) -> list[Problem]:
    return validate_file(path, *_worker)


def _unreadable(path: Path, exc: TeiBuildError) -> Problem:
    """The parser stops at a duplicate xml:id too; say that in the words of the rule."""
    duplicate = re.search(r"ID (\S+) already defined", exc.message)
    if duplicate:
        return Problem(str(path), exc.line or 1, exc.column or 1,
                       f"xml:id=\"{duplicate.group(1)}\" is used a second time here; identifiers "
                       "must be unique in a file. Renumber one of them.", "id-duplicate")
    return Problem(str(path), exc.line or 1, exc.column or 1,
                   messages.translate_parser(exc.message), "well-formed")
