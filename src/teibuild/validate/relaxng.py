"""Validate against the customisation's compiled RELAX NG (tei-newspaper.rng).

A document is first checked the fast way: libxml2 checks the element
structure with a grammar whose attributes are left to Python, and Python
checks the attributes (relaxng_split explains why and how). Both are loaded
once per process. Only when that finds something does the full schema run,
and, when it agrees the file is invalid, diagnose.py works out precise,
plain-words problems.
"""

from __future__ import annotations

import functools
from pathlib import Path

from lxml import etree

from ..resources import resource_dir
from ..xmlsafe import parse_file
from . import messages, relaxng_split, single_pass
from .diagnose import diagnose, grammar_for
from .problem import Problem
from .source import Source


@functools.lru_cache(maxsize=1)
def rng_path() -> Path:
    return (resource_dir("schemas") / "tei-newspaper.rng").resolve()


def _schema(path: Path | None) -> Path:
    """The schema file to use: `path` if given, else the packaged one (resolved, so that
    the caches below hold one schema per file)."""
    return Path(path).resolve() if path else rng_path()


def load(path: Path | None = None) -> etree.RelaxNG:
    """The compiled schema, loaded once per process and path."""
    return _load(_schema(path))


@functools.lru_cache(maxsize=4)
def _load(path: Path) -> etree.RelaxNG:
    return etree.RelaxNG(parse_file(path))


def load_split(path: Path | None = None) -> tuple[etree.RelaxNG, dict]:
    """(element-structure schema, attribute rules by element), once per process and path."""
    return _load_split(_schema(path))


@functools.lru_cache(maxsize=4)
def _load_split(path: Path) -> tuple[etree.RelaxNG, dict]:
    split = relaxng_split.split(parse_file(path).getroot())
    return etree.RelaxNG(split.structure), split.attributes


def check(source: Source, path: Path | None = None,
          attributes_ok: bool | None = None) -> list[Problem]:
    """Problems against the schema; `attributes_ok` is what single_pass.scan found
    about the attributes, if it ran (otherwise they are checked here)."""
    structure, attributes = load_split(path)
    if attributes_ok is None:
        attributes_ok = single_pass.scan(source.tree, attributes, source.data).attributes_ok
    if attributes_ok and structure.validate(source.tree):
        return []
    schema = load(path)
    if schema.validate(source.tree):
        return []
    path = _schema(path)
    problems = diagnose(source, grammar_for(path, path.with_name("tei_all.rng")))
    if problems:
        return problems
    return [Problem(source.path, error.line or 1, error.column or 1,
                    messages.translate_libxml2(error.message), "relaxng")
            for error in schema.error_log]
