"""Read the edition's ODD customisation into plain data the schema compiler can apply.

The ODD is the human-readable record of encoding decisions; this module reads
only the part a machine must enforce: which elements are kept, which attribute
value lists are closed, and which attributes are required.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from .. import TEI_NS
from ..errors import TeiBuildError
from ..xmlsafe import parse_file

T = f"{{{TEI_NS}}}"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"


@dataclass(frozen=True)
class Value:
    """One permitted value of a closed list, with its explanation for humans."""

    ident: str
    gloss: dict[str, str] = field(default_factory=dict, compare=False, hash=False)


@dataclass(frozen=True)
class AttributeChange:
    """A change to one attribute, either on one element or on a whole attribute class."""

    owner: str              # element name, or class name such as att.global.responsibility
    owner_is_class: bool
    name: str               # attribute name as TEI spells it (xml:id, type, cert …)
    required: bool | None   # True: usage="req"; False: usage="opt"; None: unchanged
    values: tuple[Value, ...] | None  # closed value list, or None to keep TEI's datatype
    line: int


@dataclass(frozen=True)
class Customisation:
    ident: str
    start: str
    elements: tuple[str, ...]
    changes: tuple[AttributeChange, ...]


def read_odd(path: str | Path) -> Customisation:
    """Read `schemaSpec` from an ODD file; unsupported constructs are errors, not ignored."""
    tree = parse_file(path)
    specs = tree.getroot().findall(f".//{T}schemaSpec")
    if len(specs) != 1:
        raise TeiBuildError(f"expected exactly one <schemaSpec>, found {len(specs)}", path=str(path))
    spec = specs[0]
    elements: set[str] = set()
    changes: list[AttributeChange] = []
    for child in spec:
        if not isinstance(child.tag, str):
            continue
        where = dict(path=str(path), line=child.sourceline)
        if child.tag == f"{T}moduleRef":
            include = child.get("include")
            if child.get("except") is not None:
                raise TeiBuildError("moduleRef/@except is not supported; list elements with @include",
                                    **where)
            if include is None:
                if child.get("key") == "tei":
                    continue  # the infrastructure module: classes and datatypes, no elements
                raise TeiBuildError(f"moduleRef key={child.get('key')!r} must list its elements "
                                    "in @include", **where)
            elements.update(include.split())
        elif child.tag == f"{T}elementRef":
            elements.add(child.get("key"))
        elif child.tag in (f"{T}elementSpec", f"{T}classSpec"):
            if child.get("mode") != "change":
                raise TeiBuildError(f"<{_local(child.tag)} ident={child.get('ident')!r}>: only "
                                    "mode=\"change\" is supported", **where)
            changes.extend(_attribute_changes(child, path))
        elif child.tag in (f"{T}desc", f"{T}gloss", f"{T}constraintSpec"):
            continue  # constraintSpecs are extracted by schematron_extract
        else:
            raise TeiBuildError(f"<{_local(child.tag)}> inside <schemaSpec> is not supported", **where)
    for change in changes:
        if not change.owner_is_class and change.owner not in elements:
            raise TeiBuildError(f"<elementSpec ident={change.owner!r}> changes an element the "
                                "customisation does not include", path=str(path), line=change.line)
    return Customisation(ident=spec.get("ident", "customisation"), start=spec.get("start", "TEI"),
                         elements=tuple(sorted(elements)), changes=tuple(changes))


def _attribute_changes(spec, path) -> list[AttributeChange]:
    out = []
    for att in spec.iterfind(f"{T}attList/{T}attDef"):
        if att.get("mode") not in ("change", None):
            raise TeiBuildError(f"<attDef ident={att.get('ident')!r}>: only mode=\"change\" "
                                "is supported", path=str(path), line=att.sourceline)
        usage = att.get("usage")
        vallist = att.find(f"{T}valList")
        values = None
        if vallist is not None and vallist.get("type") == "closed":
            if vallist.get("mode") not in (None, "replace"):
                raise TeiBuildError(f"<attDef ident={att.get('ident')!r}>: a closed valList must "
                                    "replace TEI's (mode=\"replace\")", path=str(path),
                                    line=vallist.sourceline)
            values = tuple(Value(item.get("ident"), _glosses(item))
                           for item in vallist.iterfind(f"{T}valItem"))
        out.append(AttributeChange(
            owner=spec.get("ident"), owner_is_class=spec.tag == f"{T}classSpec",
            name=att.get("ident"), required={"req": True, "opt": False}.get(usage),
            values=values, line=att.sourceline))
    return out


def _glosses(item) -> dict[str, str]:
    return {g.get(XML_LANG, "en"): " ".join("".join(g.itertext()).split())
            for g in item.iterfind(f"{T}gloss")}


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]
