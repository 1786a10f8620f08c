"""Find exactly which element breaks the RELAX NG schema, and say why in plain words.

libxml2 reports the first point where its automaton got stuck, which is often
an ancestor of the real problem.  Since every TEI element has one definition,
each element can be validated on its own: the innermost elements that fail
while all their children pass are the culprits.  For each culprit the
schema's own facts (allowed attributes, closed value lists, datatypes, allowed
children) give a precise message; only when none applies (wrong order or
number of children) does the message fall back to libxml2's hint.
"""

from __future__ import annotations

import copy
import functools
from dataclasses import dataclass
from pathlib import Path

from lxml import etree

from .. import TEI_NS
from ..xmlsafe import parse_file
from . import messages
from .problem import Problem
from .schema_compile import DOC, RNG_NS, value_checker
from .source import Source

R = f"{{{RNG_NS}}}"
_OPTIONAL = {f"{R}optional", f"{R}zeroOrMore", f"{R}choice"}
_TEXTUAL = {f"{R}text", f"{R}data", f"{R}value", f"{R}list", f"{R}mixed"}
_TEXT_HOLDERS = ("p", "ab", "fw", "head", "note", "item")


@dataclass(frozen=True)
class Attribute:
    name: str          # as written in the schema: type, xml:id …
    required: bool
    pattern: etree._Element


class Grammar:
    """Facts about the compiled customisation, read from its RELAX NG."""

    def __init__(self, rng_path: Path, tei_all_path: Path | None = None):
        self.root = parse_file(rng_path).getroot()
        self.defines = {d.get("name"): d for d in self.root.iterfind(f"{R}define")}
        self.elements: dict[str, etree._Element] = {}
        for name, define in self.defines.items():
            pattern = define.find(f"{R}element")
            if pattern is not None and pattern.get("name") and len(define) == 1:
                self.elements[pattern.get("name")] = pattern
        self.tei_all_path = tei_all_path

    @functools.cached_property
    def any_root(self) -> etree.RelaxNG:
        """The same grammar, but any of its elements may be the root."""
        grammar = copy.deepcopy(self.root)
        start = grammar.find(f"{R}start")
        start.clear()
        choice = etree.SubElement(start, f"{R}choice")
        for name, define in self.defines.items():
            if define.find(f"{R}element") is not None and len(define) == 1:
                etree.SubElement(choice, f"{R}ref", name=name)
        return etree.RelaxNG(grammar)

    @functools.cached_property
    def tei_all_elements(self) -> frozenset[str]:
        if not self.tei_all_path or not self.tei_all_path.exists():
            return frozenset()
        root = parse_file(self.tei_all_path).getroot()
        return frozenset(e.get("name") for e in root.iter(f"{R}element") if e.get("name"))

    @functools.lru_cache(maxsize=None)
    def attributes(self, element: str) -> dict[str, Attribute]:
        found: dict[str, Attribute] = {}
        self._walk_attributes(self.elements[element], False, set(), found)
        return found

    def _walk_attributes(self, node, optional, seen, found):
        for child in node:
            if not isinstance(child.tag, str) or child.tag == f"{R}element":
                continue
            if child.tag == f"{R}attribute":
                if child.get("name"):
                    found.setdefault(child.get("name"), Attribute(child.get("name"), not optional, child))
            elif child.tag == f"{R}ref":
                name = child.get("name")
                define = self.defines.get(name)
                if name not in seen and define is not None and define.find(f"{R}element") is None:
                    self._walk_attributes(define, optional, seen | {name}, found)
            else:
                self._walk_attributes(child, optional or child.tag in _OPTIONAL, seen, found)

    @functools.lru_cache(maxsize=None)
    def children(self, element: str) -> tuple[frozenset[str], bool]:
        """(names of the elements allowed as children, whether text is allowed)."""
        names: set[str] = set()
        text = [False]
        self._walk_children(self.elements[element], set(), names, text)
        return frozenset(names), text[0]

    def _walk_children(self, node, seen, names, text):
        for child in node:
            if not isinstance(child.tag, str) or child.tag == f"{R}attribute":
                continue
            if child.tag in _TEXTUAL:
                text[0] = True
            if child.tag == f"{R}element":
                if child.get("name"):
                    names.add(child.get("name"))
            elif child.tag == f"{R}ref":
                name = child.get("name")
                define = self.defines.get(name)
                if define is None or name in seen:
                    continue
                inner = define.find(f"{R}element")
                if inner is not None and inner.get("name") and len(define) == 1:
                    names.add(inner.get("name"))
                else:
                    self._walk_children(define, seen | {name}, names, text)
            else:
                self._walk_children(child, seen, names, text)

    @functools.lru_cache(maxsize=None)
    def accepts(self, element: str, attribute: str):
        return value_checker(self.attributes(element)[attribute].pattern, self.defines)

    def expected_value(self, element: str, attribute: str) -> str:
        pattern = self.attributes(element)[attribute].pattern
        values, glosses = [], {}
        for node in pattern.iter(f"{R}value"):
            values.append(node.text or '""')   # <value/>: the empty string
            following = node.getnext()
            if following is not None and following.tag == DOC and following.text:
                glosses[node.text] = following.text
        types = [d.get("type") for d in pattern.iter(f"{R}data")]
        if values and not types:
            return "one of: " + ", ".join(f"{v} ({glosses[v]})" if glosses.get(v) and glosses[v] != v
                                          else v for v in values)
        order = list(messages.DATATYPE_WORDS)
        types = sorted(set(types), key=lambda t: order.index(t) if t in order else len(order))
        words = [messages.DATATYPE_WORDS.get(t, t) for t in types]
        if values:
            words.append("one of " + ", ".join(values))
        return ", ".join(words[:-1]) + (" or " if len(words) > 1 else "") + words[-1]


@functools.lru_cache(maxsize=4)
@functools.lru_cache(maxsize=4)
def grammar_for(rng_path: Path, tei_all_path: Path | None) -> Grammar:
    """Loaded once per process: a run with several invalid files pays for it once."""
    return Grammar(rng_path, tei_all_path)


def diagnose(source: Source, grammar: Grammar) -> list[Problem]:
    """Precise problems for a document the schema rejects (may be empty if none is found)."""
    root = source.tree.getroot()
    if root.tag != f"{{{TEI_NS}}}TEI":
        return [_problem(source, root, None, "namespace" if etree.QName(root).localname == "TEI"
                         else "element-unknown", _wrong_root(root))]
    problems: list[Problem] = []
    culprits: list[etree._Element] = []

    def valid(element) -> bool:
        qname = etree.QName(element)
        if qname.namespace != TEI_NS or qname.localname not in grammar.elements:
            culprits.append(element)  # what is inside a foreign or unknown element is noise
            return False
        results = [valid(child) for child in element if isinstance(child.tag, str)]
        if not all(results):
            return False
        if grammar.any_root.validate(etree.ElementTree(_detached(element))):
            return True
        culprits.append(element)
        return False

    valid(root)
    for element in culprits:
        problems.extend(_explain(source, grammar, element))
    return sorted(set(problems), key=lambda p: (p.line, p.column, p.message))


def _detached(element):
    twin = copy.deepcopy(element)
    twin.tail = None
    return twin


def _explain(source: Source, grammar: Grammar, element) -> list[Problem]:
    qname = etree.QName(element)
    if qname.namespace != TEI_NS:
        where = f"namespace {qname.namespace}" if qname.namespace else "no namespace"
        return [_problem(source, element, None, "namespace",
                         f"<{qname.localname}> is in {where}, not in the TEI namespace: TEI "
                         "elements need xmlns=\"http://www.tei-c.org/ns/1.0\" (check for a "
                         "misplaced xmlns declaration).")]
    name = qname.localname
    if name not in grammar.elements:
        if name in grammar.tei_all_elements:
            text = (f"<{name}> is a TEI element, but this edition's encoding does not use it. "
                    f"Use the elements listed in the encoding guidelines, or add <{name}> to "
                    "schemas/tei-newspaper.odd and run `tei-build schema`.")
        else:
            text = (f"<{name}> is not a TEI element." + messages.did_you_mean(name, grammar.elements)
                    + " Check its spelling.")
        return [_problem(source, element, None, "element-unknown", text)]
    label = messages.element_label(element)
    problems = _attribute_problems(source, grammar, element, name, label)
    allowed, text_ok = grammar.children(name)
    for child in element:
        if isinstance(child.tag, str) and etree.QName(child).namespace == TEI_NS:
            child_name = etree.QName(child).localname
            if child_name in grammar.elements and child_name not in allowed:
                problems.append(_problem(
                    source, child, None, "element-misplaced",
                    f"<{child_name}> is not allowed inside <{name}>. Inside <{name}> you may use: "
                    f"{messages.name_list(allowed) or 'no elements'}. Move it, or use one of these."))
    stray = [t for t in [element.text] + [c.tail for c in element] if t and t.strip()]
    if stray and not text_ok:
        holders = [n for n in _TEXT_HOLDERS if n in allowed] or sorted(allowed)[:5]
        problems.append(_problem(
            source, element, None, "text-misplaced",
            f"{label} cannot contain text directly (found \"{stray[0].strip()[:20]}\"); put the "
            f"text inside {' or '.join(f'<{n}>' for n in holders)}."))
    if problems:
        return problems
    grammar.any_root.validate(etree.ElementTree(_detached(element)))
    hint = grammar.any_root.error_log.last_error
    found = [etree.QName(c).localname for c in element if isinstance(c.tag, str)]
    detail = ""
    if hint:
        at = f" (line {hint.line})" if hint.line and hint.line != element.sourceline else ""
        detail = f" The schema's validator reports{at}: {messages.translate_libxml2(hint.message)}."
    return [_problem(source, element, None, "content-order",
                     f"The content of {label} is not in an order or number this edition allows "
                     f"(it contains: {', '.join(found) or 'nothing'})."
                     + (detail or " Compare it with the encoding guidelines."))]


def _attribute_problems(source, grammar, element, name, label) -> list[Problem]:
    problems = []
    known = grammar.attributes(name)
    for clark, value in element.attrib.items():
        attribute = messages.attribute_name(clark)
        if attribute not in known:
            problems.append(_problem(
                source, element, attribute, "attribute-unknown",
                f"{label} may not have the attribute {attribute}.{messages.did_you_mean(attribute, known)}"
                f" Remove it or correct its name."))
        elif not grammar.accepts(name, attribute)(value):
            problems.append(_problem(
                source, element, attribute, "attribute-value",
                f"{label}: {attribute}=\"{value}\" is not allowed; {attribute} must be "
                f"{grammar.expected_value(name, attribute)}."))
    present = {messages.attribute_name(k) for k in element.attrib}
    for attribute in sorted(known.values(), key=lambda a: a.name):
        if attribute.required and attribute.name not in present:
            problems.append(_problem(
                source, element, None, "attribute-missing",
                f"{label} needs the attribute {attribute.name}: add {attribute.name}=\"…\" "
                f"({grammar.expected_value(name, attribute.name)})."))
    return problems


def _wrong_root(root) -> str:
    qname = etree.QName(root)
    if qname.localname == "TEI":
        where = f"namespace {qname.namespace}" if qname.namespace else "no namespace"
        return ("<TEI> is in " + where + ", not in the TEI namespace: write "
                "<TEI xmlns=\"http://www.tei-c.org/ns/1.0\">.")
    return (f"the document starts with <{qname.localname}>, but a TEI document must start with "
            "<TEI xmlns=\"http://www.tei-c.org/ns/1.0\">.")


def _problem(source, element, attribute, rule, message) -> Problem:
    line, column = source.position(element, attribute)
    return Problem(source.path, line, column, message, rule)


__all__ = ["Grammar", "grammar_for", "diagnose"]
