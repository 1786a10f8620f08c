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

from lxml import etree

from ..errors import TeiBuildError
from ..parallel import give_back_memory
from .problem import Problem
from .source import Source

POINTER_ATTRIBUTES = ("ref", "target", "next", "prev", "resp", "who")
REGISTERS = ("persons.xml", "places.xml", "orgs.xml")
XML_ID = "{http://www.w3.org/XML/1998/namespace}id"
_HAS_POINTER = etree.XPath("//*[" + " or ".join(f"@{a}" for a in POINTER_ATTRIBUTES) + "]")
_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")
# plain strings: lxml's own ("smart") strings each keep their element, and so the whole
# document, alive (a register of 19,450 entries read for its ids held ~156 MB)
_IDS = etree.XPath("//@xml:id", smart_strings=False)


class IdIndex:
    """xml:ids of the documents pointed into, read once each (per process)."""

    def __init__(self):
        self._ids: dict[str, frozenset[str] | str] = {}
        self._files: dict[str, bool] = {}
        self._named: dict[tuple[str, str], tuple[str, str]] = {}
        self._answers: dict[tuple, list] = {}

    def ids(self, path: Path | str) -> frozenset[str] | str:
        """The identifiers in `path`, or a string saying why they cannot be read."""
        key = os.path.abspath(path)
        if key not in self._ids:
            if not self.exists(key):
                self._ids[key] = "the file does not exist"
            else:
                try:
                    self._ids[key] = frozenset(_IDS(Source.read(key).tree))
                except TeiBuildError as exc:
                    self._ids[key] = f"the file cannot be read ({exc.message})"
                # the document is gone: its memory back to the system, not kept by this
                # process while it validates (a register's tree is ~10 times its file)
                give_back_memory()
        return self._ids[key]

    def exists(self, path: str) -> bool:
        found = self._files.get(path)
        if found is None:
            found = self._files[path] = os.path.isfile(path)
        return found

    def target(self, folder: str, file_part: str, fragment: str) -> str | None:
        """Why `file_part#fragment` (beside `folder`) does not resolve, or None if it does.
        A pointer to a whole file needs the file; a pointer to an entry, the entry."""
        key = (folder, file_part)
        found = self._named.get(key)
        if found is None:
            shown = str(Path(folder) / file_part)
            found = self._named[key] = (shown, os.path.abspath(shown))
        shown, path = found
        if not fragment and self.exists(path):
            return None
        ids = self._ids.get(path) or self.ids(path)
        if isinstance(ids, str):
            return f"{file_part} cannot be checked: {ids} (looked for {shown})"
        if fragment and fragment not in ids:
            return f"{file_part} has no entry with xml:id=\"{fragment}\""
        return None

    def why(self, here: str, registers: str | None, value: str) -> list[tuple[str, str]]:
        """[(pointer, why it does not resolve)] for one pointer attribute's value, in a
        file in folder `here`. `#id` pointers and web addresses are not this module's
        business. Remembered, since the same names are pointed at in issue after issue."""
        key = (here, registers, value)
        found = self._answers.get(key)
        if found is None:
            found = []
            for pointer in value.split():
                if pointer[0] == "#" or _SCHEME.match(pointer):
                    continue
                file_part, _, fragment = pointer.partition("#")
                folder = registers if registers and file_part in REGISTERS else here
                why = self.target(folder, file_part, fragment)
                if why is not None:
                    found.append((pointer, why))
            if len(self._answers) >= 100_000:
                self._answers.clear()   # pointers to issues are many: keep memory flat
            self._answers[key] = found
        return found


def check(source: Source, registers_dir: Path | None, index: IdIndex,
          pointers: list | None = None) -> list[Problem]:
    """Problems of the pointers into other files. `pointers`: (element, attribute,
    value) as single_pass.scan found them, if it ran (otherwise found here)."""
    if pointers is None:
        pointers = [(element, attribute, element.get(attribute))
                    for element in _HAS_POINTER(source.tree)
                    for attribute in POINTER_ATTRIBUTES if element.get(attribute)]
    here = str(Path(source.path).parent)
    registers = str(registers_dir) if registers_dir else None
    problems = []
    for element, attribute, value in pointers:
        for pointer, why in index.why(here, registers, value):
            line, column = source.position(element, attribute)
            name = element.tag.rsplit("}", 1)[-1]
            problems.append(Problem(
                source.path, line, column,
                f"<{name}> has {attribute}=\"{pointer}\", but {why}: correct the pointer or "
                "add the entry.", "pointer-register"))
    return problems
