"""The `tag` stage: persons, places, organisations, titles and dates in an issue's TEI.

    registers = Registers.load(tei_dir)
    tag_issue(tree, registers)
    registers.save(tei_dir)

Markup is added in place to headings, bylines and paragraphs (including summary
boxes and photo captions); it may cross <lb/> and nests where natural. Every
name gets an @ref into the registers but a person named by one character (江 in
江主席, 邓 in 邓先生), whom an entry "江" would not identify; names only the
statistical model found carry @resp="#tagger" (declared in the header's appInfo)
and @cert, high, medium or low as the model is sure of them (`model.cert`).
"""

from __future__ import annotations


from lxml import etree

from .. import TEI_NS, XML_NS, __version__
from .model import CERT_FROM, cert, sure_enough
from .pointers import issue_date, pointers_in
from .registers import HOME_BODY_HEADS, KINDS, Registers, squeezed
from .spans import Span, flatten, rewrap
from .tagger import (NAME_TAGS, certified, decide, dictionary_hits, fixed_candidates, home_hits,
                     name_pattern)

__all__ = ["KINDS", "Registers", "pointers_in", "tag_issue", "text_units"]

NS = {"t": TEI_NS}
RESP = "#tagger"
_UNIT = "(self::t:p or self::t:head or self::t:byline)"
_UNITS = etree.XPath(
    f"//t:text//*[{_UNIT} and not(ancestor::t:fw or ancestor::t:div[@type='masthead'] "
    f"or ancestor::t:teiHeader or ancestor::*[{_UNIT}])]", namespaces=NS)


def text_units(root) -> list[etree._Element]:
    """Headings, bylines and paragraphs outside the masthead, outermost only."""
    return _UNITS(root)


def tag_issue(tree, registers: Registers, model=None) -> dict[str, int]:
    """Tag one issue in place and record its mentions in `registers`; returns counts."""
    from .model import default_model

    model = model if model is not None else default_model()
    root = tree.getroot() if hasattr(tree, "getroot") else tree
    issue = root.get(f"{{{XML_NS}}}id") or ""
    date = issue_date(root)
    when = date.isoformat() if date else ""
    units = text_units(root)
    flats = [flatten(u) for u in units]
    guesses = [model.guesses(f.text) if model is not None else [] for f in flats]
    model_spans = [sure_enough(g) for g in guesses]
    curated = {name: (tag, "register") for name, (tag, _ident) in registers.curated().items()}

    fixed = [fixed_candidates(f.text, date, spans) for f, spans in zip(flats, model_spans)]
    curated_re = name_pattern(curated) if curated else None
    register_hits = [dictionary_hits(f.text, curated, "register", curated_re) for f in flats]
    home = registers.home_places()
    home_found = [home_hits(f.text, home) for f in flats]

    # Pass 1: names found by patterns and the model anywhere in the issue …
    issue_names: dict[str, tuple[str, str]] = {}
    guessed_p: dict[str, float] = {}   # each name the model guessed: its best probability
    first_pass = []
    for flat, regs, (pats, *rest), homes, unit_guesses in zip(flats, register_hits, fixed,
                                                               home_found, guesses):
        blocked = [(s, e) for s, e, _ in flat.blocks]
        first_pass.append(certified(decide(flat.text, [regs, pats, *rest, homes], blocked), homes))
        for f in first_pass[-1]:
            if f.tag in NAME_TAGS and f.source in ("pattern", "model"):
                name = squeezed(flat.text[f.start:f.end])
                prev = issue_names.get(name)
                if prev is None or (prev[1] == "model" and f.source == "pattern"):
                    issue_names[name] = (f.tag, f.source)
                if f.source == "model":
                    guessed_p[name] = max(guessed_p.get(name, 0.0), _held_by(f, unit_guesses))

    # … pass 2: so that every other mention of them in the issue is found too
    # (the model's guesses only after every surer source has had its say).
    confident = {n: v for n, v in issue_names.items() if v[1] != "model"}
    guessed = {n: v for n, v in issue_names.items() if v[1] == "model"}
    confident_re, guessed_re = (name_pattern(d) if d else None for d in (confident, guessed))
    counts = {tag: 0 for tag in (*NAME_TAGS, "roleName", "date")}
    mentioned: set[tuple[str, str]] = set()  # (tag, id): each entry's mentions noted once
    roles: set[tuple[str, str]] = set()  # (person id, title), each noted once
    for unit, flat, regs, (pats, *rest), first, homes, unit_guesses in zip(
            units, flats, register_hits, fixed, first_pass, home_found, guesses):
        blocked = [(s, e) for s, e, _ in flat.blocks]
        sure = dictionary_hits(flat.text, confident, "issue", confident_re)
        unsure = dictionary_hits(flat.text, guessed, "issue", guessed_re)
        short, guesses = rest
        # names known from elsewhere that were all found here already, just as surely,
        # cannot change the first decision: keep it rather than decide again
        decided_here = {(f.start, f.end, f.tag): f.certain for f in first}
        if all(decided_here.get((h.start, h.end, h.tag)) == h.certain for h in (*sure, *unsure)):
            decided = first
        else:
            decided = certified(decide(flat.text, [regs, pats, sure, short, unsure, guesses, homes],
                                       blocked), homes)
        out = []
        for f in decided:
            attrs = dict(f.attrs)
            if f.tag in NAME_TAGS and _identifies(f):
                name = _convened(flat.text, f, decided, home) or flat.text[f.start:f.end]
                reg = registers[f.tag]
                ident = reg.add(name, certain=f.certain)
                attrs["ref"] = f"{reg.kind.file}#{ident}"
                titles = sorted({squeezed(role) for role in f.roles} - {""})
                if f.tag == "persName" and titles:
                    roles.update((ident, title) for title in titles)
                    # the titles it is written with, in the issue itself (att.naming/@role):
                    # what `pointers_in` reads back, so that the register agrees with them
                    attrs["role"] = " ".join(titles)
                mentioned.add((f.tag, ident))
            if f.tag in NAME_TAGS and not f.certain:
                # as sure as the model is of it here, or where it guessed it in the issue
                p = _held_by(f, unit_guesses) or guessed_p.get(
                    squeezed(flat.text[f.start:f.end]), 0.0)
                attrs["cert"] = cert(p)
                attrs["resp"] = RESP
            counts[f.tag] += 1
            out.append(Span(f.start, f.end, f.tag, attrs))
        _record_existing(flat, registers, mentioned)
        if out:
            rewrap(unit, flat, out)
    for ident, role in sorted(roles):
        registers["persName"].note_role(ident, role)
    for tag, ident in sorted(mentioned):
        registers[tag].note_mention(ident, issue, when)
    if root.xpath("//*[@resp=$r]", namespaces=NS, r=RESP) and not root.xpath(
            "//*[@xml:id='tagger']", namespaces=NS):
        _declare_tagger(root)
    return counts


def _convened(text: str, found, decided, home: dict[str, str]) -> str | None:
    """The register name of a body without a unit that one of the home units is said to
    convene (虹口区召开疫情防控工作领导小组会议: the district's group), with that unit in full;
    None otherwise. The text keeps what was printed; only the entry it points to changes."""
    start = found.start - len(_CONVENES)
    if found.tag != "orgName" or text[start:found.start] != _CONVENES:
        return None
    name = text[found.start:found.end]
    if not name.startswith(HOME_BODY_HEADS):
        return None
    for place in decided:   # (found as a home unit, or from an editor's entry for it)
        if place.tag == "placeName" and place.end == start:
            unit = home.get(text[place.start:place.end])   # (home_places: form → unit)
            return unit + name if unit else None
    return None


_CONVENES = "召开"


def _held_by(found, guesses) -> float:
    """The probability of the model's guess that holds `found` (a guess may have been
    trimmed or cut into names since), or 0.0 if none does."""
    return max((p for s, e, _k, p in guesses if s <= found.start and found.end <= e), default=0.0)


def _identifies(found) -> bool:
    """Whether a name can have a register entry: not a person named by one character
    (江 in 江主席 is his name, but an entry "江" would identify nobody)."""
    return not (found.tag == "persName" and found.end - found.start == 1)


def _record_existing(flat, registers, mentioned):
    """Names already marked up (by an editor or an earlier run) count as mentions."""
    for _s, _e, el in flat.blocks:
        for name_el in el.iter(*(f"{{{TEI_NS}}}{t}" for t in NAME_TAGS)):
            ref = name_el.get("ref") or ""
            file, _, ident = ref.partition("#")
            tag = etree.QName(name_el).localname
            reg = registers[tag]
            if file == reg.kind.file and ident in reg.entries:
                mentioned.add((tag, reg.resolve(ident)))


def _declare_tagger(root) -> None:
    """The target of @resp="#tagger": an application in the header's encodingDesc."""
    enc = root.find(f"{{{TEI_NS}}}teiHeader/{{{TEI_NS}}}encodingDesc")
    if enc is None:
        return
    T = f"{{{TEI_NS}}}"
    app_info = etree.SubElement(enc, f"{T}appInfo")
    app = etree.SubElement(app_info, f"{T}application", ident="tei-build-tag", version=__version__)
    app.set(f"{{{XML_NS}}}id", "tagger")
    label = etree.SubElement(app, f"{T}label")
    label.text = "tei-build 名称标注：登记表、新闻用语规则与字符 CRF 模型"
    p = etree.SubElement(app, f"{T}p")
    *graded, (_, lowest) = CERT_FROM
    p.text = ("仅由统计模型识别的名称标有 resp=\"#tagger\" 与 cert：模型对名称每个字的标注"
              "所给概率中最低者" + "，".join(f"不低于 {least} 为 {level}" for least, level in graded)
              + f"，其余为 {lowest}（在开发集上分别约九成、四分之三、一半正确）。"
              "模型的训练语料与评测分数见项目说明。")
    # indent like the surrounding header
    depth = sum(1 for _ in enc.iterancestors()) + 1
    prev = app_info.getprevious()
    if prev is not None:
        app_info.tail = prev.tail
        prev.tail = "\n" + "  " * depth
    etree.indent(app_info, space="  ", level=depth)

