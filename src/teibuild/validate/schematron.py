"""Run the edition's ISO Schematron rules (tei-newspaper.sch) through lxml.

The compiled validator is cached per process: a pre-commit hook or a parallel
runner validates many files with one load.
"""

from __future__ import annotations

import functools
from pathlib import Path

from lxml import etree, isoschematron

from ..resources import resource_dir
from ..xmlsafe import parse_file
from .problem import Problem
from .source import Source

SVRL = "{http://purl.oclc.org/dsdl/svrl}"


def schematron_path() -> Path:
    return resource_dir("schemas") / "tei-newspaper.sch"


def load(path: Path | None = None) -> isoschematron.Schematron:
    """The compiled rules, loaded once per process and path."""
    return _load(Path(path or schematron_path()).resolve())


@functools.lru_cache(maxsize=4)
def _load(path: Path) -> isoschematron.Schematron:
    return isoschematron.Schematron(parse_file(path), store_report=True)


def check(source: Source, path: Path | None = None) -> list[Problem]:
    """One Problem per failed assertion or successful report, named after its pattern."""
    validator = load(path)
    if validator.validate(source.tree):
        return []
    problems, pattern = [], "schematron"
    for node in validator.validation_report.getroot():
        if node.tag == f"{SVRL}active-pattern":
            pattern = node.get("id") or pattern
        elif node.tag in (f"{SVRL}failed-assert", f"{SVRL}successful-report"):
            found = source.tree.xpath(node.get("location"))
            element = found[0] if found and isinstance(found[0], etree._Element) else source.tree.getroot()
            line, column = source.position(element)
            message = " ".join("".join(node.find(f"{SVRL}text").itertext()).split())
            severity = "warning" if node.get("role") in ("warning", "warn", "info") else "error"
            problems.append(Problem(source.path, line, column, message, pattern, severity))
    return problems
