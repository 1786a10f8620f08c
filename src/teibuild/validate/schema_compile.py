"""Compile the ODD customisation into RELAX NG by restricting the TEI-all schema.

Every step only ever narrows the language of TEI-all: element definitions that
the ODD leaves out become `notAllowed`, closed value lists replace a datatype by
some of its own values (checked), and optional attributes become required.  So
any document valid against the result is valid TEI-all, by construction.  The
work is done on TEI-all's RELAX NG in pure Python/lxml: no Java, no TEI
Stylesheets.  Unreachable definitions are pruned, which is what makes the
result load in milliseconds instead of TEI-all's fifteen seconds.
"""

from __future__ import annotations

import copy
from pathlib import Path

from lxml import etree

from ..errors import TeiBuildError
from ..fsutil import sha256
from ..xmlsafe import parse_bytes
from .odd import AttributeChange, Customisation, read_odd

RNG_NS = "http://relaxng.org/ns/structure/1.0"
ANN_NS = "http://relaxng.org/ns/compatibility/annotations/1.0"
XSD_LIBRARY = "http://www.w3.org/2001/XMLSchema-datatypes"
R = f"{{{RNG_NS}}}"
DOC = f"{{{ANN_NS}}}documentation"

# RELAX NG patterns that hold other patterns, and how a notAllowed child affects them.
_ALL_OR_NOTHING = {"group", "interleave", "oneOrMore", "list", "mixed", "element", "attribute",
                   "define", "start"}
_MAY_BE_EMPTY = {"optional", "zeroOrMore"}
_NAME_CLASSES = {"name", "anyName", "nsName", "except"}


def compile_odd(odd_path: str | Path, tei_all_path: str | Path) -> bytes:
    """The customisation's RELAX NG (XML syntax) as bytes; identical input → identical bytes."""
    custom = read_odd(odd_path)
    tei_all_bytes = Path(tei_all_path).read_bytes()
    grammar = _parse_grammar(tei_all_bytes, str(tei_all_path))
    notices = [c.text for c in grammar if isinstance(c, etree._Comment)]
    defines = _Defines(grammar, str(tei_all_path))

    defines.keep_only_elements(custom.elements, str(odd_path))
    for change in sorted(custom.changes, key=lambda c: not c.owner_is_class):
        _apply_change(defines, change, str(odd_path))
    defines.set_start(custom.start)
    _simplify_not_allowed(grammar, defines)
    _simplify_empty(grammar)
    _report_lost_elements(grammar, custom, str(odd_path))
    _prune_unreachable(grammar)
    return _serialise(grammar, custom, Path(odd_path).name, tei_all_bytes, notices)


# --------------------------------------------------------------------------- reading

def _parse_grammar(data: bytes, name: str) -> etree._Element:
    grammar = parse_bytes(data, name).getroot()
    if grammar.tag != f"{R}grammar":
        raise TeiBuildError("not a RELAX NG grammar", path=name)
    for node in list(grammar.iter()):
        # TEI's embedded Schematron is XPath 2 and not run by this toolchain; the
        # edition's own rules live in tei-newspaper.sch.
        if isinstance(node.tag, str) and not node.tag.startswith(R) and node.tag != DOC \
                and node.getparent() is not None and node.getparent().tag.startswith(R):
            node.getparent().remove(node)
        elif isinstance(node, etree._Comment) and node.getparent() is not grammar:
            node.getparent().remove(node)
    for node in grammar.iter():
        if isinstance(node.tag, str) and node.tag.startswith(R) and node.tag != f"{R}value" \
                and node.tag != f"{R}param" and node.text is not None and not node.text.strip():
            node.text = None
        if node.tail is not None and not node.tail.strip():
            node.tail = None
    return grammar


class _Defines:
    """TEI-all's named patterns, with the element each element-define declares."""

    def __init__(self, grammar, name):
        self.grammar = grammar
        self.by_name = {d.get("name"): d for d in grammar.iterfind(f"{R}define")}
        self.element_of: dict[str, str] = {}   # element name -> define name
        for define in self.by_name.values():
            element = _single_pattern(define)
            if element is not None and element.tag == f"{R}element" and element.get("name"):
                self.element_of.setdefault(element.get("name"), define.get("name"))
        self.source = name

    def keep_only_elements(self, keep, odd_path):
        unknown = sorted(set(keep) - set(self.element_of))
        if unknown:
            raise TeiBuildError(f"the ODD lists elements that TEI-all does not define: "
                                f"{', '.join(unknown)}", path=odd_path)
        kept = set(keep)
        for element, define_name in self.element_of.items():
            if element not in kept:
                define = self.by_name[define_name]
                for child in list(define):
                    define.remove(child)
                etree.SubElement(define, f"{R}notAllowed")

    def element_pattern(self, element):
        return _single_pattern(self.by_name[self.element_of[element]])

    def set_start(self, start):
        if start not in self.element_of:
            raise TeiBuildError(f"schemaSpec/@start names an unknown element {start!r}")
        old = self.grammar.find(f"{R}start")
        new = etree.Element(f"{R}start")
        etree.SubElement(new, f"{R}ref", name=self.element_of[start])
        self.grammar.replace(old, new)


def _single_pattern(node):
    patterns = [c for c in node if isinstance(c.tag, str) and c.tag.startswith(R)]
    return patterns[0] if len(patterns) == 1 else None


def _patterns(node):
    return [c for c in node if isinstance(c.tag, str) and c.tag.startswith(R)
            and _local(c.tag) not in _NAME_CLASSES]


def _local(tag):
    return tag.rsplit("}", 1)[-1]


# --------------------------------------------------------------------------- attributes

def _apply_change(defines: _Defines, change: AttributeChange, odd_path: str) -> None:
    if change.owner_is_class:
        root = defines.by_name.get(f"{change.owner}.attributes")
        if root is None:
            raise TeiBuildError(f"<classSpec ident={change.owner!r}>: TEI-all has no such "
                                "attribute class", path=odd_path, line=change.line)
    else:
        root = defines.element_pattern(change.owner)
    attribute = _localise_attribute(root, change.name, defines, inline=not change.owner_is_class)
    if attribute is None:
        raise TeiBuildError(f"<{change.owner}> has no attribute {change.name!r} in TEI-all",
                            path=odd_path, line=change.line)
    what = f"{change.owner}/@{change.name}"
    if change.values is not None:
        _close_values(attribute, change, defines, what, odd_path)
    if change.required is not None:
        _set_required(attribute, change.required, what, odd_path, change.line)


def _localise_attribute(container, name, defines, inline):
    """The `attribute` pattern for `name` reachable from `container` without crossing an element.

    With inline=True, definitions on the way are copied into the element so
    that changing the attribute there affects this element only (as an ODD
    elementSpec change must); with inline=False the shared definition is found
    (a classSpec change applies to every member of the class).
    """
    memo: dict[str, bool] = {}

    def define_has(define_name, seen):
        if define_name in memo:
            return memo[define_name]
        if define_name in seen:
            return False
        define = defines.by_name.get(define_name)
        found = define is not None and subtree_has(define, seen | {define_name})
        memo[define_name] = found
        return found

    def subtree_has(node, seen):
        for child in node:
            if not isinstance(child.tag, str):
                continue
            if child.tag == f"{R}attribute" and child.get("name") == name:
                return True
            if child.tag == f"{R}element":
                continue
            if child.tag == f"{R}ref" and define_has(child.get("name"), seen):
                return True
            if subtree_has(child, seen):
                return True
        return False

    while True:
        direct = [a for a in _own_nodes(container) if a.tag == f"{R}attribute"
                  and a.get("name") == name]
        if direct:
            return direct[0]
        refs = [r for r in _own_nodes(container) if r.tag == f"{R}ref"
                and define_has(r.get("name"), frozenset())]
        if not refs:
            return None
        ref = refs[0]
        if not inline:
            container = defines.by_name[ref.get("name")]
            continue
        body = [copy.deepcopy(c) for c in _patterns(defines.by_name[ref.get("name")])]
        if len(body) == 1:
            replacement = body[0]
        else:
            replacement = etree.Element(f"{R}group")
            replacement.extend(body)
        ref.getparent().replace(ref, replacement)


def _own_nodes(container):
    """Descendants of a pattern that belong to it, not to nested elements or attributes."""
    stack = list(container)
    while stack:
        node = stack.pop(0)
        if not isinstance(node.tag, str):
            continue
        yield node
        if node.tag not in (f"{R}element", f"{R}attribute"):
            stack[0:0] = list(node)


def _close_values(attribute, change, defines, what, odd_path):
    old = _patterns(attribute)
    accepts = value_checker(attribute, defines.by_name)
    rejected = [v.ident for v in change.values if not accepts(v.ident)]
    if rejected:
        raise TeiBuildError(f"{what}: TEI-all's datatype does not allow "
                            f"{', '.join(map(repr, rejected))}", path=odd_path, line=change.line)
    for node in old:
        attribute.remove(node)
    choice = etree.SubElement(attribute, f"{R}choice")
    for value in change.values:
        etree.SubElement(choice, f"{R}value").text = value.ident
        gloss = value.gloss.get("en")
        if gloss:
            etree.SubElement(choice, DOC).text = gloss


def value_checker(attribute, defines_by_name):
    """A function telling whether an attribute pattern's value part accepts a string."""
    grammar = etree.Element(f"{R}grammar", datatypeLibrary=XSD_LIBRARY)
    start = etree.SubElement(grammar, f"{R}start")
    element = etree.SubElement(start, f"{R}element", name="v")
    probe = etree.SubElement(element, f"{R}attribute", name="a")
    probe.extend(copy.deepcopy(c) for c in _patterns(attribute))
    wanted, done = [r.get("name") for r in probe.iter(f"{R}ref")], set()
    while wanted:
        name = wanted.pop()
        if name in done:
            continue
        done.add(name)
        define = copy.deepcopy(defines_by_name[name])
        grammar.append(define)
        wanted.extend(r.get("name") for r in define.iter(f"{R}ref"))
    schema = etree.RelaxNG(grammar)

    def accepts(value):
        probe_doc = etree.Element("v", a=value)
        return schema.validate(probe_doc)

    return accepts


def _set_required(attribute, required, what, odd_path, line):
    parent = attribute.getparent()
    is_optional = parent.tag == f"{R}optional"
    if required and is_optional:
        if len(_patterns(parent)) != 1:
            raise TeiBuildError(f"{what}: cannot be made required (it is optional together "
                                "with other attributes)", path=odd_path, line=line)
        parent.getparent().replace(parent, attribute)
    elif not required and not is_optional:
        raise TeiBuildError(f"{what}: TEI-all requires this attribute; a customisation of "
                            "TEI-all cannot make it optional", path=odd_path, line=line)


# --------------------------------------------------------------------------- simplification

def _simplify_not_allowed(grammar, defines: _Defines) -> None:
    """Propagate notAllowed as RELAX NG simplification does (spec section 4.19)."""
    dead: set[str] = set()
    while True:
        newly = {name for name, define in defines.by_name.items()
                 if name not in dead and _is_not_allowed(define, dead)}
        if not newly:
            break
        dead |= newly
    for node in list(grammar):
        if node.tag in (f"{R}define", f"{R}start"):
            if node.tag == f"{R}define" and node.get("name") in dead:
                grammar.remove(node)
            else:
                _rewrite(node, dead)


def _is_not_allowed(node, dead) -> bool:
    kind = _local(node.tag)
    if kind == "notAllowed":
        return True
    if kind == "ref":
        return node.get("name") in dead
    children = _patterns(node)
    if kind == "choice":
        return all(_is_not_allowed(c, dead) for c in children)
    if kind in _ALL_OR_NOTHING:
        return any(_is_not_allowed(c, dead) for c in children)
    return False   # optional, zeroOrMore, text, empty, data, value


def _rewrite(node, dead) -> None:
    """Remove dead branches below `node` (which is itself alive)."""
    for child in _patterns(node):
        if not _is_not_allowed(child, dead):
            _rewrite(child, dead)
            continue
        kind = _local(node.tag)
        if kind == "choice":
            node.remove(child)
        elif kind in _MAY_BE_EMPTY:
            node.getparent().replace(node, etree.Element(f"{R}empty"))
            return
        else:  # cannot happen: an all-or-nothing parent of a dead child is dead itself
            raise AssertionError(f"dead {_local(child.tag)} inside live {kind}")
    if _local(node.tag) == "choice":
        survivors = _patterns(node)
        if len(survivors) == 1 and not any(c.tag == DOC for c in node):
            node.getparent().replace(node, survivors[0])


def _simplify_empty(node) -> None:
    """Drop `empty` where it adds nothing (spec section 4.20).

    Besides shrinking the schema this avoids a libxml2 bug: it rejects valid
    documents against `<oneOrMore><ref name="monogr"/><empty/></oneOrMore>`,
    which the removal of `series` leaves behind in biblStruct.
    """
    for child in _patterns(node):
        _simplify_empty(child)
    kind = _local(node.tag)
    if kind in ("attribute", "choice", "value", "data", "param"):
        return
    children = _patterns(node)
    empties = [c for c in children if c.tag == f"{R}empty"]
    if empties and len(empties) < len(children):
        for child in empties:
            node.remove(child)
    elif empties and kind in ("optional", "zeroOrMore", "oneOrMore", "group", "interleave"):
        node.getparent().replace(node, etree.Element(f"{R}empty"))
        return
    children = _patterns(node)
    if kind == "group" and len(children) == 1 and node.getparent().tag != f"{R}choice":
        node.getparent().replace(node, children[0])


def _report_lost_elements(grammar, custom: Customisation, odd_path):
    alive = {e.get("name") for e in grammar.iter(f"{R}element")}
    lost = [name for name in custom.elements if name not in alive]
    if lost:
        raise TeiBuildError("these elements can never be valid with the elements the ODD keeps "
                            f"(each requires a child the ODD leaves out): {', '.join(lost)}",
                            path=odd_path)


def reachable_defines(start, defines: dict) -> set[str]:
    """Names of the defines that `start` reaches through refs, directly or not."""
    reached, todo = set(), [start]
    while todo:
        for ref in todo.pop().iter(f"{R}ref"):
            name = ref.get("name")
            if name not in reached:
                reached.add(name)
                todo.append(defines[name])
    return reached


def _prune_unreachable(grammar) -> None:
    defines = {d.get("name"): d for d in grammar.iterfind(f"{R}define")}
    reached = reachable_defines(grammar.find(f"{R}start"), defines)
    for name, define in defines.items():
        if name not in reached:
            grammar.remove(define)


# --------------------------------------------------------------------------- output

def _serialise(grammar, custom, odd_name, tei_all_bytes, notices) -> bytes:
    out = etree.Element(f"{R}grammar", nsmap={None: RNG_NS, "a": ANN_NS},
                        ns=grammar.get("ns"), datatypeLibrary=XSD_LIBRARY)
    out.append(etree.Comment(
        f" {custom.ident}: the RELAX NG schema of this edition's TEI customisation.\n"
        f"Generated by `tei-build schema` from {odd_name} and the TEI-all schema\n"
        f"(tei_all.rng, sha256 {sha256(tei_all_bytes)}). Do not edit by hand:\n"
        f"change the ODD and run `tei-build schema`. Every document valid against this\n"
        f"schema is valid against TEI-all.\n"
        "The notices of the TEI-all schema follow. "))
    for text in notices:
        out.append(etree.Comment(text))
    for node in grammar:
        if isinstance(node.tag, str):
            out.append(_rebuild(node))
    etree.indent(out, space="  ")
    return etree.tostring(out, xml_declaration=True, encoding="UTF-8") + b"\n"


def _rebuild(node):
    """Copy with the default RELAX NG prefix (TEI-all mixes `rng:` and unprefixed forms)."""
    if not isinstance(node.tag, str):
        return copy.deepcopy(node)
    if node.tag.startswith(R) or node.tag == DOC:
        new = etree.Element(node.tag, {k: v for k, v in node.attrib.items()
                                       if k != "datatypeLibrary" or v != XSD_LIBRARY})
        new.text = node.text
        for child in node:
            rebuilt = _rebuild(child)
            rebuilt.tail = child.tail
            new.append(rebuilt)
        return new
    return copy.deepcopy(node)
