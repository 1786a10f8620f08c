"""Run the edition's ISO Schematron rules (tei-newspaper.sch) through lxml.

The compiled validator is cached per process: a pre-commit hook or a parallel
runner validates many files with one load. Most documents break no rule, and
single_pass decides that in a fraction of the time the XSLT takes; only a
document it does not pass is run through the Schematron, which words the
problems. A .sch other than the one single_pass was written for (an edited
ODD, another schema) is always run in full.
"""

from __future__ import annotations

import functools
from pathlib import Path

from lxml import etree, isoschematron

from ..fsutil import sha256
from ..resources import resource_dir
from ..xmlsafe import parse_file
from . import single_pass
from .problem import Problem
from .source import Source

SVRL = "{http://purl.oclc.org/dsdl/svrl}"


@functools.lru_cache(maxsize=1)
def schematron_path() -> Path:
    return (resource_dir("schemas") / "tei-newspaper.sch").resolve()


def _rules(path: Path | None) -> Path:
    """The rules file to use: `path` if given, else the packaged one (resolved, so that
    _load holds one validator per file)."""
    return Path(path).resolve() if path else schematron_path()


def load(path: Path | None = None) -> isoschematron.Schematron:
    """The compiled rules, loaded once per process and path."""
    return _load(_rules(path))[0]


@functools.lru_cache(maxsize=4)
def _load(path: Path) -> tuple[isoschematron.Schematron, bool]:
    """(validator, whether single_pass decides exactly these rules)."""
    data = path.read_bytes()
    validator = isoschematron.Schematron(parse_file(path), store_report=True)
    return validator, sha256(data) == single_pass.RULES_SHA256


def check(source: Source, path: Path | None = None, rules_ok: bool | None = None) -> list[Problem]:
    """One Problem per failed assertion or successful report, named after its pattern.
    `rules_ok` is what single_pass.scan found, if it ran (otherwise it runs here)."""
    validator, screened = _load(_rules(path))
    if screened:
        if rules_ok is None:
            rules_ok = single_pass.scan(source.tree, {}).rules_ok
        if rules_ok:
            return []
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
