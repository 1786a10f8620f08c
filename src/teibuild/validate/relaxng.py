"""Validate against the customisation's compiled RELAX NG (tei-newspaper.rng).

The schema is loaded once per process (about 0.2 s); a valid issue then
costs a few milliseconds.  Only when a file is invalid does diagnose.py work
out precise, plain-words problems.
"""

from __future__ import annotations

import functools
from pathlib import Path

from lxml import etree

from ..resources import resource_dir
from ..xmlsafe import parse_file
from . import messages
from .diagnose import diagnose, grammar_for
from .problem import Problem
from .source import Source


def rng_path() -> Path:
    return resource_dir("schemas") / "tei-newspaper.rng"


def load(path: Path | None = None) -> etree.RelaxNG:
    """The compiled schema, loaded once per process and path."""
    return _load(Path(path or rng_path()).resolve())


@functools.lru_cache(maxsize=4)
def _load(path: Path) -> etree.RelaxNG:
    return etree.RelaxNG(parse_file(path))


def check(source: Source, path: Path | None = None) -> list[Problem]:
    schema = load(path)
    if schema.validate(source.tree):
        return []
    path = path or rng_path()
    problems = diagnose(source, grammar_for(path, path.with_name("tei_all.rng")))
    if problems:
        return problems
    return [Problem(source.path, error.line or 1, error.column or 1,
                    messages.translate_libxml2(error.message), "relaxng")
            for error in schema.error_log]
