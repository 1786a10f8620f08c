"""Validate files and folders: RELAX NG, then Schematron, then cross-document pointers."""

from __future__ import annotations

import re
from pathlib import Path

from .. import TEI_NS
from ..errors import TeiBuildError
from ..parallel import ordered_map
from . import messages, references, relaxng, schematron
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
    problems = relaxng.check(source)
    if source.tree.getroot().tag != f"{{{TEI_NS}}}TEI":
        return problems  # not a TEI document at all: the rules below would only add noise
    problems += schematron.check(source)
    problems += references.check(source, registers_dir, index or references.IdIndex())
    return sorted(set(problems), key=lambda p: (p.line, p.column, p.rule, p.message))


def validate_paths(paths, registers_dir: Path | None = None,
                   jobs: int | None = 1) -> list[Problem]:
    """Problems of every file under `paths` (folders expand to their *.xml files),
    checked in `jobs` worker processes (None: every core); in file order."""
    problems: list[Problem] = []
    for found in ordered_map(_validate_in_worker, expand(paths), jobs, batch=8,
                             initializer=_start_worker, initargs=(registers_dir,)):
        problems.extend(found)
    return problems


_worker: tuple = (None, None)  # registers folder, and the ids of the files pointed into


def _start_worker(registers_dir: Path | None) -> None:
    global _worker
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
