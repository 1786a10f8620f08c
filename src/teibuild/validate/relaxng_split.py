"""The compiled RELAX NG, split into an element grammar for libxml2 and attribute rules for Python.

libxml2 spends most of a validation on attributes: TEI gives every element
dozens of optional ones (att.global and the classes), and libxml2 tries each
of them on every element, then checks every value against its datatype,
compiling XSD patterns as it goes. With the attributes taken out of an
element's content (any attribute allowed there) the same schema checks the
element structure ten times faster. This module works out, for each
element, which attributes it may have, which it must have, and how to tell
whether a value fits its datatype; single_pass checks them as it visits the
elements.

This split is exact only where an element's attributes do not depend on its
content or on each other: each is simply optional or required. Elements whose
attributes sit in a choice, a repetition or a list stay whole in the element
grammar. A value is accepted here only when it certainly fits (a listed
value, an ASCII identifier, an ISO date…); any other value is asked of
libxml2 itself, with a one-attribute schema made from the same pattern, and
the answer is remembered. So a value is never accepted that the full schema
would refuse; refusals are rare, and relaxng.check confirms them with the full
schema before any problem is reported.
"""

from __future__ import annotations

import copy
import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass, field

from lxml import etree

from .. import XML_NS
from .schema_compile import RNG_NS, XSD_LIBRARY as XSD, reachable_defines

R = f"{{{RNG_NS}}}"
_REMEMBERED = 20_000   # values remembered per attribute pattern
_NAME_CLASSES = (f"{R}name", f"{R}anyName", f"{R}nsName", f"{R}choice")
_WS = re.compile(r"[ \t\n\r]+")


@dataclass
class Value:
    """One attribute pattern: a fast test, libxml2 for the rest, answers remembered."""
    pattern: etree._Element
    defines: dict
    fast: Callable[[str], bool | None]
    known: dict = field(default_factory=dict)
    _schema: etree.RelaxNG | None = None

    def ok(self, value: str) -> bool:
        found = self.known.get(value)
        if found is None:
            if len(self.known) >= _REMEMBERED:
                self.known.clear()   # identifiers never repeat: keep memory flat
            found = self.known[value] = bool(self.fast(value)) or self._libxml2(value)
        return found

    def _libxml2(self, value: str) -> bool:
        if self._schema is None:
            self._schema = etree.RelaxNG(_one_attribute_grammar(self.pattern, self.defines))
        holder = etree.Element("v")
        holder.set("a", value)
        return self._schema.validate(holder)


@dataclass
class Attributes:
    """What one element may carry: {Clark name: Value}, and which of them it must."""
    allowed: dict
    required: frozenset


class Rules(dict):
    """Element Clark name → Attributes, and which elements must carry some attribute."""

    def __init__(self, tables: dict):
        super().__init__(tables)
        self.requiring = frozenset(tag for tag, table in tables.items() if table.required)


@dataclass
class Split:
    structure: etree._Element            # the grammar with attributes left to Python
    attributes: Rules


def split(grammar: etree._Element) -> Split:
    """Split a simplified-enough RELAX NG grammar (as the ODD compiler writes it)."""
    grammar = copy.deepcopy(grammar)
    defines = {d.get("name"): d for d in grammar.iter(f"{R}define")}
    tables: dict[str, Attributes | None] = {}
    values: dict[int, Value] = {}
    memo: dict[str, bool] = {}
    for element in grammar.iter(f"{R}element"):
        name = _element_name(element)
        found = _attributes_of(element, defines, memo) if name else None
        if found is None:
            tables[name] = None
            continue
        allowed = {}
        for attribute, _required in found:
            key = id(attribute)
            if key not in values:
                values[key] = Value(attribute, defines, _fast(_content(attribute), defines))
            allowed[_attribute_name(attribute)] = values[key]
        table = Attributes(allowed, frozenset(_attribute_name(a) for a, req in found if req))
        if name in tables and (tables[name] is None or not _same(tables[name], table)):
            tables[name] = None   # defined twice, differently: leave it to libxml2
        else:
            tables[name] = table
    simple = {name for name, table in tables.items() if table is not None}
    for element in list(grammar.iter(f"{R}element")):
        if _element_name(element) in simple:
            _free_attributes(element, defines)
    _unnest_repetitions(grammar)
    return Split(grammar, Rules({name: tables[name] for name in sorted(simple)}))


def _unnest_repetitions(grammar) -> None:
    """(A+, B*)+ becomes A, (A | B)*: the same sequences, but libxml2 no longer
    tries every way of cutting a long list of entries into runs (TEI's
    listPerson, listPlace, listOrg: quadratic in the length of a register)."""
    for outer in list(grammar.iter(f"{R}oneOrMore")):
        parts = _children(outer)
        if (len(parts) == 2 and parts[0].tag == f"{R}oneOrMore" and parts[1].tag == f"{R}zeroOrMore"
                and len(_children(parts[0])) == 1 and len(_children(parts[1])) == 1):
            first, other = _children(parts[0])[0], _children(parts[1])[0]
            group = etree.Element(f"{R}group")
            group.append(copy.deepcopy(first))
            choice = etree.SubElement(etree.SubElement(group, f"{R}zeroOrMore"), f"{R}choice")
            choice.append(copy.deepcopy(first))
            choice.append(copy.deepcopy(other))
            outer.getparent().replace(outer, group)


def _same(a: Attributes, b: Attributes) -> bool:
    return a.required == b.required and {k: id(v) for k, v in a.allowed.items()} == {
        k: id(v) for k, v in b.allowed.items()}


def _element_name(element) -> str | None:
    name = element.get("name")
    if name is None or ":" in name:
        return None
    ns = next((e.get("ns") for e in element.iterancestors() if e.get("ns") is not None), "")
    ns = element.get("ns", ns)
    return f"{{{ns}}}{name}" if ns else name


def _attribute_name(attribute) -> str:
    name = attribute.get("name")
    if ":" in name:
        prefix, local = name.split(":", 1)
        return f"{{{attribute.nsmap.get(prefix, XML_NS if prefix == 'xml' else prefix)}}}{local}"
    ns = attribute.get("ns", "")
    return f"{{{ns}}}{name}" if ns else name


def _children(node) -> list:
    return [c for c in node if isinstance(c.tag, str) and c.tag.startswith(R)]


def _content(node) -> list:
    """The pattern children of an element or attribute (not its name class)."""
    children = _children(node)
    if node.get("name") is None and children and children[0].tag in _NAME_CLASSES:
        children = children[1:]
    return children


def _is_attribute_only(node, defines, seen=()) -> bool:
    """A pattern made only of attributes (through refs, groups, optionals)."""
    tag = node.tag
    if tag == f"{R}attribute":
        return True
    if tag == f"{R}empty":
        return True
    if tag == f"{R}ref":
        name = node.get("name")
        if name in seen:
            return False
        return all(_is_attribute_only(c, defines, (*seen, name)) for c in _children(defines[name]))
    if tag in (f"{R}optional", f"{R}group"):
        return all(_is_attribute_only(c, defines, seen) for c in _children(node))
    return False


def _mentions_attribute(node, defines, memo: dict) -> bool:
    """Whether any attribute hides in a pattern (not counting nested elements)."""
    tag = node.tag
    if tag == f"{R}attribute":
        return True
    if tag == f"{R}element":
        return False
    if tag == f"{R}ref":
        name = node.get("name")
        if name not in memo:
            memo[name] = False   # a cycle adds nothing
            memo[name] = any(_mentions_attribute(c, defines, memo) for c in _children(defines[name]))
        return memo[name]
    return any(_mentions_attribute(c, defines, memo) for c in _children(node))


def _attributes_of(element, defines, memo: dict) -> list | None:
    """[(attribute pattern, required)] if every attribute of `element` is simply
    optional or required (and outside its content model); otherwise None."""
    found: list = []
    for child in _content(element):
        if _is_attribute_only(child, defines):
            _collect(child, defines, True, found)
        elif _mentions_attribute(child, defines, memo):
            return None
    if any(required is None for _, required in found):
        return None
    names = [_attribute_name(a) for a, _ in found]
    if len(names) != len(set(names)):
        return None
    return found


def _collect(node, defines, required: bool, found: list) -> None:
    tag = node.tag
    if tag == f"{R}attribute":
        found.append((node, required))
    elif tag == f"{R}ref":
        for child in _children(defines[node.get("name")]):
            _collect(child, defines, required, found)
    elif tag == f"{R}optional":
        inside: list = []
        for child in _children(node):
            _collect(child, defines, False, inside)
        if len(inside) > 1:   # optional(group(a, b)): both or neither, not two optionals
            inside = [(attribute, None) for attribute, _ in inside]
        found.extend(inside)
    elif tag == f"{R}group":
        for child in _children(node):
            _collect(child, defines, required, found)


def _free_attributes(element, defines) -> None:
    """Drop the element's attribute patterns; let it carry any attribute."""
    for child in _content(element):
        if _is_attribute_only(child, defines):
            element.remove(child)
    anything = etree.SubElement(element, f"{R}zeroOrMore")
    attribute = etree.SubElement(anything, f"{R}attribute")
    etree.SubElement(attribute, f"{R}anyName")
    etree.SubElement(attribute, f"{R}text")


def _one_attribute_grammar(attribute, defines) -> etree._Element:
    """<v a="…"/> with the attribute's own pattern (and the defines it uses)."""
    grammar = etree.Element(f"{R}grammar", nsmap={None: RNG_NS}, datatypeLibrary=XSD)
    start = etree.SubElement(grammar, f"{R}start")
    holder = etree.SubElement(start, f"{R}element", name="v")
    copied = etree.SubElement(holder, f"{R}attribute", name="a")
    for child in _content(attribute):
        copied.append(copy.deepcopy(child))
    if not _content(attribute):
        etree.SubElement(copied, f"{R}text")
    for name in sorted(reachable_defines(copied, defines)):
        grammar.append(copy.deepcopy(defines[name]))
    return grammar


# Values that certainly fit --------------------------------------------------------

_NCNAME = re.compile(r"[A-Za-z_][A-Za-z0-9._-]*\Z")
_LANGUAGE = re.compile(r"[a-zA-Z]{1,8}(?:-[a-zA-Z0-9]{1,8})*\Z")
_URI = re.compile(r"(?:[A-Za-z][A-Za-z0-9+.-]*://[A-Za-z0-9.-]+(?::[0-9]+)?)?"
                  r"[A-Za-z0-9._~/-]*(?:#[A-Za-z0-9._~/-]*)?\Z")
_INTEGER = re.compile(r"[0-9]{1,9}\Z")
_DECIMAL = re.compile(r"-?[0-9]{1,9}(?:\.[0-9]{1,9})?\Z")
_YEAR = re.compile(r"[1-9][0-9]{3}\Z")
_YEAR_MONTH = re.compile(r"[1-9][0-9]{3}-(?:0[1-9]|1[0-2])\Z")
_DATE = re.compile(r"[1-9][0-9]{3}-[0-9]{2}-[0-9]{2}\Z")
_NO_SPACE = re.compile(r"[^ \t\n\r]+\Z")
# never a control, separator or unassigned character, in any Unicode version
_VISIBLE = re.compile(r"[\x21-\x7e\u4e00-\u9fa5]+\Z")


def _date(value: str) -> bool:
    if not _DATE.match(value):
        return False
    try:
        dt.date.fromisoformat(value)
    except ValueError:
        return False
    return True


_TYPES = {
    "string": lambda v: True,
    "ID": _NCNAME.match, "NCName": _NCNAME.match, "Name": _NCNAME.match,
    "language": _LANGUAGE.match,
    "anyURI": _URI.match,
    "nonNegativeInteger": _INTEGER.match,
    "decimal": _DECIMAL.match, "double": _DECIMAL.match,
    "gYear": _YEAR.match, "gYearMonth": _YEAR_MONTH.match, "date": _date,
    "boolean": lambda v: v in ("true", "false", "1", "0"),
}
_PATTERNS = {r"\S+": _NO_SPACE.match, r"[^\p{C}\p{Z}]+": _VISIBLE.match}


def _never(value: str) -> None:
    return None


def _fast(patterns: list, defines) -> Callable[[str], bool | None]:
    """A test that returns True only for values the pattern certainly accepts."""
    if not patterns:
        return lambda v: True
    if len(patterns) > 1:
        return _never
    node = patterns[0]
    tag = node.tag
    if tag == f"{R}text":
        return lambda v: True
    if tag == f"{R}ref":
        return _fast(_children(defines[node.get("name")]), defines)
    if tag == f"{R}choice":
        tests = [_fast([c], defines) for c in _children(node)]
        return lambda v: any(test(v) for test in tests)
    if tag == f"{R}value":
        listed = node.text or ""
        return lambda v: v == listed
    if tag == f"{R}data":
        return _fast_data(node)
    if tag == f"{R}list":
        return _fast_list(_children(node), defines)
    return _never


def _fast_data(node) -> Callable[[str], bool | None]:
    kind = node.get("type")
    library = next((e.get("datatypeLibrary") for e in node.iterancestors(f"{R}*")
                    if e.get("datatypeLibrary") is not None), "")
    library = node.get("datatypeLibrary", library)
    if library != XSD or _children(node) and any(c.tag != f"{R}param" for c in _children(node)):
        return _never
    tests = []
    base = _TYPES.get(kind) if kind not in ("token", "normalizedString") else _NO_SPACE.match
    if base is None:
        return _never
    tests.append(base)
    for param in _children(node):
        if param.get("name") != "pattern" or param.text not in _PATTERNS:
            return _never
        tests.append(_PATTERNS[param.text])
    return lambda v: all(test(v) for test in tests)


def _fast_list(patterns: list, defines) -> Callable[[str], bool | None]:
    if len(patterns) != 1:
        return _never
    node = patterns[0]
    if node.tag not in (f"{R}oneOrMore", f"{R}zeroOrMore"):
        return _never
    item = _fast(_children(node), defines)
    at_least = 1 if node.tag == f"{R}oneOrMore" else 0

    def test(value: str) -> bool:
        tokens = _WS.split(value.strip(" \t\n\r")) if value.strip(" \t\n\r") else []
        return len(tokens) >= at_least and all(item(t) for t in tokens)
    return test
