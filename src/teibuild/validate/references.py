"""Pointers into other documents: `persons.xml#guo-fang`, `hongkou-1846.xml#hongkou-1846-a02`.

Schematron sees one document at a time (reaching others would need XSLT's
document(), which loads files outside the hardened parser), so these pointers
are checked here: the file must exist beside the document (or, for the
registers, in the registers folder) and contain the identifier.  Web
addresses and other URI schemes are not followed; `#id` pointers are the
Schematron rule pointer-local's job.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from ..errors import TeiBuildError
from .problem import Problem
from .source import Source

POINTER_ATTRIBUTES = ("ref", "target", "next", "prev", "resp", "who")
REGISTERS = ("persons.xml", "places.xml", "orgs.xml")
XML_ID = "{http://www.w3.org/XML/1998/namespace}id"
_HAS_POINTER = "//*[" + " or ".join(f"@{a}" for a in POINTER_ATTRIBUTES) + "]"
_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")


class IdIndex:
    """xml:ids of the documents pointed into, read once each."""

    def __init__(self):
        self._ids: dict[str, frozenset[str] | str] = {}

    def ids(self, path: Path) -> frozenset[str] | str:
        """The identifiers in `path`, or a string saying why they cannot be read."""
        key = os.path.abspath(path)   # cheaper than resolve(), called once per pointer
        if key not in self._ids:
            if not path.is_file():
                self._ids[key] = "the file does not exist"
            else:
                try:
                    tree = Source.read(path).tree
                    self._ids[key] = frozenset(tree.getroot().xpath("//@xml:id"))
                except TeiBuildError as exc:
                    self._ids[key] = f"the file cannot be read ({exc.message})"
        return self._ids[key]


def check(source: Source, registers_dir: Path | None, index: IdIndex) -> list[Problem]:
    here = Path(source.path).parent
    problems = []
    for element in source.tree.getroot().xpath(_HAS_POINTER):
        for attribute in POINTER_ATTRIBUTES:
            for pointer in (element.get(attribute) or "").split():
                if pointer.startswith("#") or _SCHEME.match(pointer):
                    continue
                file_part, _, fragment = pointer.partition("#")
                folder = registers_dir if registers_dir and file_part in REGISTERS else here
                target = folder / file_part
                ids = index.ids(target)
                if isinstance(ids, str):
                    why = f"{file_part} cannot be checked: {ids} (looked for {target})"
                elif fragment and fragment not in ids:
                    why = f"{file_part} has no entry with xml:id=\"{fragment}\""
                else:
                    continue
                line, column = source.position(element, attribute)
                name = element.tag.rsplit("}", 1)[-1]
                problems.append(Problem(
                    source.path, line, column,
                    f"<{name}> has {attribute}=\"{pointer}\", but {why}: correct the pointer or "
                    "add the entry.", "pointer-register"))
    return problems
