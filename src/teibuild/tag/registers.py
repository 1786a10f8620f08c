"""The registers of persons, places and organisations (tei/persons.xml …).

The registers are edited by hand and grow with every issue, so they are
updated in place, never regenerated: an entry's names, notes, authority ids
and any other editor's change survive every run. The tagger only
- adds entries it has not seen (with `resp="#tei-build"`),
- adds roles (`occupation resp="#tei-build"`) it sees with a person,
- keeps the first and last mention (`note[@type='mentions']`) up to date.
After a run, `reconcile` makes every mentions note exactly the first and last
issue in the folder that points to the entry (an issue converted again may no
longer name it), makes the tool's roles of a person exactly the titles the
issues write the name with (`persName/@role`), and takes out the entries the
tool made that no issue points to any more, unless an editor has touched them.

Entries without `resp="#tei-build"` count as curated: their names are looked
up in every issue. A merge is written by keeping the surviving entry (with all
names it should match) and leaving the merged one as a stub
`<person xml:id="old-id" sameAs="#new-id"/>`, so that old references still
resolve; new references follow `@sameAs` to the surviving entry.
"""

from __future__ import annotations

import bisect
from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from pathlib import Path

from lxml import etree

from .. import TEI_NS, XML_NS
from ..errors import TeiBuildError
from ..fsutil import atomic_write
from ..xmlsafe import parse_file
from .ids import base_id, pinyin_label
from .lexicon import GENERIC_NOUNS

T = f"{{{TEI_NS}}}"
XML_ID = f"{{{XML_NS}}}id"
XML_LANG = f"{{{XML_NS}}}lang"
TOOL = "#tei-build"
PINYIN = "zh-Latn-pinyin"


@dataclass
class Pointed:
    """What the issues say of one register entry: (date, issue) of each issue whose `@ref`s
    name it, and the titles (`@role`) it is written with there."""
    seen: list[tuple[str, str]] = field(default_factory=list)
    roles: set[str] = field(default_factory=set)


@dataclass(frozen=True)
class Kind:
    name: str        # person
    file: str        # persons.xml
    entry: str       # person
    name_tag: str    # persName
    list_tag: str    # listPerson
    title: str
    authorities: tuple[str, ...]


KINDS = {
    k.name_tag: k for k in (
        Kind("person", "persons.xml", "person", "persName", "listPerson", "人物名录", ("wikidata",)),
        Kind("place", "places.xml", "place", "placeName", "listPlace", "地名名录",
             ("wikidata", "geonames")),
        Kind("org", "orgs.xml", "org", "orgName", "listOrg", "机构名录", ("wikidata",)),
    )
}


def _hant(name: str, config: str | None = None) -> str:
    """A name in traditional characters, as the edition's zh-Hant pages write it (`config`:
    its OpenCC conversion, edition.toml's `opencc`; None: the default)."""
    from ..render.hant import DEFAULT, converter

    return converter(config or DEFAULT).convert(name)


def squeezed(text: str) -> str:
    """`text` without whitespace, as names and titles are compared (杜松\n全 is 杜松全)."""
    return "".join(text.split())


def _text(el) -> str:
    # (most name elements hold text alone: read without walking them)
    return squeezed(el.text or "" if not len(el) else "".join(el.itertext()))


# A place is written with or without its administrative unit (虹口区 and 虹口, 上海市 and
# 上海, 浦东新区 and 浦东): one entry, its id made from the bare form (hongkou) and its
# name the form with the unit, the other a variant name, whichever comes first.
UNIT_SUFFIXES = ("新区", "地区", "区", "县", "市", "省", "镇")
# …but a compound, a park, a lockdown zone, a military region or a market is not the place
# it is named after (阳光小区, 张江园区, 文苑三居民区, 封控区, 南京军区), nor is any other kind
# of place (GENERIC_NOUNS)
_NOT_UNITS = GENERIC_NOUNS | frozenset({
    "封控区", "管控区", "防范区", "隔离区", "开发区", "保护区", "自治区", "示范区", "试验区",
    "自贸区", "工业区", "商业区", "住宅区", "居住区", "商务区", "服务区", "旅游区", "风景区",
    "风貌区", "中心区", "景区", "校区", "街区", "片区", "山区", "矿区", "厂区", "营区", "库区",
    "湖区", "港区", "市区", "军区", "战区", "选区", "学区", "牧区", "林区", "灾区", "疫区", "院区", "辖区",
    "古镇", "都市", "门市", "夜市", "集市", "早市", "菜市", "股市", "楼市", "车市", "花市"})
_NOT_UNITS_FOR = {suffix: tuple(sorted(w for w in _NOT_UNITS if len(w) > len(suffix) and w.endswith(suffix)))
                  for suffix in UNIT_SUFFIXES}


def bare_form(name: str) -> str | None:
    """A place name without its administrative unit (虹口区 → 虹口), if it ends in one and
    two characters or more are left; else None."""
    suffix = next((s for s in UNIT_SUFFIXES if name.endswith(s)), None)
    if suffix is None or name.endswith(_NOT_UNITS_FOR[suffix]) or len(name) - len(suffix) < 2:
        return None
    return name[:-len(suffix)]


def unit_forms(name: str) -> list[str]:
    """The other forms of a place name, without or with an administrative unit: 虹口区 →
    [虹口]; 虹口 → [虹口新区, 虹口区, 虹口县 …]. A bare form has two characters or more."""
    if name.endswith(UNIT_SUFFIXES):
        bare = bare_form(name)
        return [bare] if bare else []
    return [name + suffix for suffix in UNIT_SUFFIXES] if len(name) >= 2 else []


# A paper's own bodies are written with their unit alone: in 虹口报, 区委 is 虹口区委 and 市政府
# 上海市政府 (the edition's `home`). What may follow the unit for that reading: a body of the
# party or the state, not 市场监管局, 市民 or 区域.
HOME_BODY_HEADS = ("委", "政府", "人民政府", "人大", "政协", "纪委", "监委", "法院", "人民法院",
                   "检察院", "人民检察院", "公安", "疫情防控", "卫健委", "总工会", "妇联", "团委",
                   "残联", "红十字会")


def home_form(name: str, home: tuple[str, ...]) -> str | None:
    """The name of one of the home units' bodies with the unit in full (区委组织部 →
    虹口区委组织部 when 虹口区 is home), or written in full, its short form (虹口区委 → 区委);
    None if `name` is neither."""
    for unit in home:
        short = unit[-1]
        if name.startswith(unit) and name[len(unit):].startswith(HOME_BODY_HEADS):
            return short + name[len(unit):]
        if name.startswith(short) and name[1:].startswith(HOME_BODY_HEADS):
            return unit + name[1:]
    return None


class _Names(ABC):
    """What tagging asks of a register: the entry a name is, and the id a new name gets.

    `Register` keeps this beside its tree; `NameIndex` without one, for convert's
    worker processes, which tag against a copy of the registers and write nothing (what
    they add is replayed on the main process's `Register`), and so need not each hold
    the trees (~8 KB an entry; a few hundred bytes without)."""

    kind: Kind
    opencc: str | None
    home: tuple[str, ...]
    entries: dict
    by_name: dict[str, str]
    _curated: dict[str, str] | None

    # what each kind of register says of its entries, and does when one is added to
    @abstractmethod
    def _same_as(self, ident: str) -> str | None:
        """The @sameAs of entry `ident` (a merged entry's survivor), if any."""

    @abstractmethod
    def _by_tool(self, ident: str) -> bool:
        """Whether entry `ident` is the tool's (resp="#tei-build"), not an editor's."""

    def _confirm(self, ident: str) -> None:
        """A name of entry `ident` was found for certain."""

    @abstractmethod
    def _make(self, ident: str, name: str, certain: bool) -> None:
        """A new entry `ident` for `name`."""

    @abstractmethod
    def _note_variant(self, ident: str, name: str) -> str:
        """Note `name` as a variant of the tool's entry `ident`; returns the name whose
        zh-Hant form now also leads to it."""

    def resolve(self, ident: str) -> str:
        """Follow @sameAs from merged entries to the surviving one."""
        seen = set()
        while ident in self.entries and ident not in seen:
            seen.add(ident)
            target = self._same_as(ident)
            if not target:
                break
            target = target.split("#")[-1]
            if target not in self.entries:
                break
            ident = target
        return ident

    def curated(self) -> dict[str, str]:
        """Names of entries an editor owns (no resp="#tei-build"), name → id.

        Worked out once: entries added while tagging are the tool's, never curated."""
        if self._curated is None:
            self._curated = {name: self.resolve(ident) for name, ident in self.by_name.items()
                             if not self._by_tool(ident)}
        return dict(self._curated)

    def lookup(self, name: str) -> str | None:
        ident = self.by_name.get(squeezed(name))
        return self.resolve(ident) if ident else None

    def add(self, name: str, *, certain: bool) -> str:
        """The id for `name`, creating a new entry (sorted by id) if needed."""
        name = squeezed(name)
        home = home_form(name, self.home)
        full = home if home and len(home) > len(name) else None   # 区委 → 虹口区委
        found = self.lookup(name) or self._other_form(name, home)
        if found:
            if certain:
                self._confirm(found)
            # (an entry made before the edition had a home is named in full now, its id kept)
            for form in (name, full):
                if form and form not in self.by_name:
                    self._add_variant(found, form)
            return found
        # a home body is named in full, its short form a variant
        short, name = (name, full) if full else (None, name)
        # a place's id is made from its name without its unit, whichever form comes first
        bare = bare_form(name) if self.kind.name == "place" else None
        base = base_id(bare or name, self.kind.name)
        ident, n = base, 1
        while ident in self.entries:
            n += 1
            ident = f"{base}-{n}"
        self._make(ident, name, certain)
        self.by_name[name] = ident
        if short:
            self._add_variant(ident, short)
        return ident

    def _other_form(self, name: str, home: str | None) -> str | None:
        """The entry that has this name in another form, if exactly one entry does: a place
        with or without its unit (unit_forms), a home body in full or short (`home`, what
        home_form gave)."""
        forms = unit_forms(name) if self.kind.name == "place" else [home] if home else []
        found = {self.lookup(form) for form in forms} - {None}
        return found.pop() if len(found) == 1 else None

    def _add_variant(self, ident: str, name: str) -> None:
        """Note `name` as another name of an entry the tool made (an editor's entry keeps
        the names the editor gave it; the name still leads to it). The form with the
        unit leads (虹口区, and 虹口 is the variant) whichever came first, unless the
        entry's names are no longer as the tool wrote them."""
        self.by_name[name] = ident
        if not self._by_tool(ident):
            return
        name = self._note_variant(ident, name)
        self.by_name.setdefault(squeezed(_hant(name, self.opencc)), ident)

    def _made(self, name: str) -> list[tuple[str, None, str]]:
        """The names a new entry for `name` is given, as (lang, type, text)."""
        return [("zh-Hans", None, name), ("zh-Hant", None, _hant(name, self.opencc)),
                (PINYIN, None, pinyin_label(name, self.kind.name))]

    def note_role(self, ident: str, role: str) -> None:
        """A title `ident` is written with (a register without a tree keeps none)."""

    def note_mention(self, ident: str, issue: str, date: str) -> None:
        """An issue that names `ident` (a register without a tree keeps none)."""


class Register(_Names):
    """One register file as an lxml tree plus an index from names to ids."""

    def __init__(self, kind: Kind, tree: etree._ElementTree | None, path: Path | None = None,
                 opencc: str | None = None, home: tuple[str, ...] = ()):
        self.kind = kind
        self.opencc = opencc   # how new names are written in zh-Hant
        self.home = home if kind.name == "org" else ()   # see home_form
        self.path = path
        self.original: bytes | None = None
        if tree is None:
            tree = _new_document(kind)
        self.tree = tree
        root = tree.getroot()
        lists = root.findall(f".//{T}body//{T}{kind.list_tag}")
        if not lists:
            raise TeiBuildError(f"no <{kind.list_tag}> in the register body", path=str(path or kind.file))
        self.list = lists[0]
        self.entries: dict[str, etree._Element] = {}
        for entry in root.iter(f"{T}{kind.entry}"):
            ident = entry.get(XML_ID)
            if ident:
                if ident in self.entries:
                    raise TeiBuildError(f"duplicate xml:id {ident!r}", path=str(path or kind.file),
                                        line=entry.sourceline)
                self.entries[ident] = entry
        # ids of the list's entries in order, when they are sorted (as tei-build keeps
        # them): a new entry's place is then found by bisection, not by a scan
        ids = [c.get(XML_ID) or "" for c in self.list if c.tag == f"{T}{kind.entry}"]
        self._sorted_ids: list[str] | None = ids if ids == sorted(ids) else None
        self._curated: dict[str, str] | None = None
        self.by_name: dict[str, str] = {}
        for ident, entry in self.entries.items():
            for name in self._names(entry):
                self.by_name.setdefault(name, ident)

    def index(self) -> "NameIndex":
        """What tagging against this register needs, without its tree."""
        return NameIndex(self)

    def _names(self, entry) -> list[str]:
        out = []
        for el in entry.findall(f"{T}{self.kind.name_tag}"):
            if el.get(XML_LANG) != PINYIN:
                name = _text(el)
                if name:
                    out.append(name)
        return out

    def _same_as(self, ident: str) -> str | None:
        return self.entries[ident].get("sameAs")

    def _by_tool(self, ident: str) -> bool:
        return self.entries[ident].get("resp") == TOOL

    def _confirm(self, ident: str) -> None:
        entry = self.entries[ident]
        if entry.get("resp") == TOOL and entry.get("cert") == "medium":
            del entry.attrib["cert"]

    def _make(self, ident: str, name: str, certain: bool) -> None:
        entry = self._new_entry(ident, name, certain)
        _insert_sorted(self.list, entry, f"{T}{self.kind.entry}", self._before(ident))
        self.entries[ident] = entry

    def _note_variant(self, ident: str, name: str) -> str:
        entry = self.entries[ident]
        names = entry.findall(f"{T}{self.kind.name_tag}")
        made = names[0].text if names else None
        if made and len(name) > len(made) and \
                [(n.get(XML_LANG), n.get("type"), n.text) for n in names] == self._made(made):
            for el, (_lang, _type, text) in zip(names, self._made(name)):
                el.text = text
            name = made
        after = _last_of(entry, (self.kind.name_tag,))
        for lang, text in (("zh-Hant", _hant(name, self.opencc)), ("zh-Hans", name)):
            el = etree.Element(f"{T}{self.kind.name_tag}")
            el.set(XML_LANG, lang)
            el.set("type", "variant")
            el.text = text
            _insert_after(entry, after, el)
        return name

    def _before(self, ident: str):
        """The entry a new `ident` goes before, when the list is sorted (else: scan)."""
        if self._sorted_ids is None:
            return _SCAN
        at = bisect.bisect_right(self._sorted_ids, ident)
        self._sorted_ids.insert(at, ident)
        if at + 1 == len(self._sorted_ids):
            return None
        return self.entries[self._sorted_ids[at + 1]]

    def _new_entry(self, ident, name, certain):
        k = self.kind
        entry = etree.Element(f"{T}{k.entry}")
        entry.set(XML_ID, ident)
        entry.set("resp", TOOL)
        if not certain:
            entry.set("cert", "medium")
        for lang, _type, text in self._made(name):
            el = etree.SubElement(entry, f"{T}{k.name_tag}")
            el.set(XML_LANG, lang)
            el.text = text
        for authority in k.authorities:
            etree.SubElement(entry, f"{T}idno").set("type", authority)
        return entry

    def note_role(self, ident: str, role: str) -> None:
        role = squeezed(role)
        entry = self.entries[ident]
        roles = entry.findall(f"{T}occupation")
        if any(_text(r) == role for r in roles):
            return
        occ = etree.Element(f"{T}occupation", resp=TOOL)   # (an editor's has no @resp)
        occ.text = role
        # sorted among the roles already there, so the order issues come in does not show
        earlier = [r for r in roles if _text(r) < role]
        if earlier:
            after = earlier[-1]
        elif roles:
            after = roles[0].getprevious()
        else:
            after = _last_of(entry, ("idno", self.kind.name_tag))
        _insert_after(entry, after, occ)

    def note_mention(self, ident: str, issue: str, date: str) -> None:
        entry = self.entries[ident]
        note = next((n for n in entry.iterchildren(f"{T}note") if n.get("type") == "mentions"), None)
        if note is not None:
            refs = {r.get("type"): r for r in note.iterchildren(f"{T}ref")}
            first, last = refs.get("first"), refs.get("last")
            if first is not None and last is not None and \
                    (_date_of(first), first.get("n") or "") <= (date, issue) <= (_date_of(last), last.get("n") or ""):
                return  # within the mentions already recorded: nothing to change
        if note is None:
            note = etree.Element(f"{T}note")
            note.set("type", "mentions")
            _insert_after(entry, _last_of(entry, ("occupation", "idno", self.kind.name_tag)), note)
        for which, better in (("first", lambda new, old: new < old), ("last", lambda new, old: new > old)):
            ref = note.find(f"{T}ref[@type='{which}']")
            new = (date, issue)
            if ref is not None:
                old = (_date_of(ref), ref.get("n") or "")
                if not better(new, old):
                    continue
                note.remove(ref)
            ref = etree.Element(f"{T}ref")
            ref.set("type", which)
            ref.set("n", issue)
            ref.set("target", f"{issue}.xml")
            d = etree.SubElement(ref, f"{T}date")
            if date:
                d.set("when", date)
            d.text = f"{issue}（{date}）" if date else issue
            note.insert(0 if which == "first" else len(note), ref)

    def reconcile(self, pointed: dict[str, Pointed]) -> None:
        """Make the register agree with the issues: `pointed` is entry id → what the issues
        say of it. A mentions note becomes exactly the first and last issue that points to
        it (none: no note); the roles the tool noted (`occupation[@resp]`) become exactly
        the titles the issues write it with (an editor's stay); an entry the tool made
        that no issue points to, that no entry is merged into and that no editor has
        touched, is taken out."""
        merged_into = {(e.get("sameAs") or "").split("#")[-1] for e in self.entries.values()}
        for ident, entry in list(self.entries.items()):
            said = pointed.get(ident, Pointed())
            self._agree_roles(ident, said.roles)
            seen = said.seen
            note = next((n for n in entry.iterchildren(f"{T}note")
                         if n.get("type") == "mentions"), None)
            if seen:
                first, last = min(seen), max(seen)
                if note is not None and _mentions(note) == (first, last):
                    continue
                if note is not None:
                    _remove(note)
                for date, issue in (first, last):
                    self.note_mention(ident, issue, date)
            elif ident not in merged_into and self._untouched(entry):
                self._drop(ident)
            elif note is not None:
                _remove(note)

    def _agree_roles(self, ident: str, titles: set[str]) -> None:
        """The tool's roles of an entry made exactly `titles` (those an editor wrote, without
        @resp, are left as they are and count as there). A merged entry's stub has none."""
        if self.entries[ident].get("sameAs"):
            return
        for occ in self.entries[ident].findall(f"{T}occupation"):
            if occ.get("resp") == TOOL and _text(occ) not in titles:
                _remove(occ)
        for title in sorted(titles):
            self.note_role(ident, title)

    def _untouched(self, entry) -> bool:
        """An entry exactly as the tool writes them: its names as made (and variants in
        pairs), empty authority slots, roles, a mentions note, nothing else."""
        if entry.get("resp") != TOOL or set(entry.attrib) - {XML_ID, "resp", "cert"}:
            return False
        names, rest = [], []
        for child in entry:
            if not isinstance(child.tag, str):
                return False   # a comment or processing instruction: an editor's
            (names if child.tag == f"{T}{self.kind.name_tag}" else rest).append(child)
        rows = [(n.get(XML_LANG), n.get("type"), n.text) for n in names]
        if any(len(n) or set(n.attrib) - {XML_LANG, "type"} for n in names) or \
                not rows or rows[:3] != self._made(rows[0][2] or ""):
            return False
        variants = rows[3:]
        if len(variants) % 2 or any(
                (hant[:2], hans[:2]) != (("zh-Hant", "variant"), ("zh-Hans", "variant")) or
                hant[2] != _hant(hans[2] or "", self.opencc)
                for hant, hans in zip(variants[::2], variants[1::2])):
            return False
        for child in rest:
            local = etree.QName(child).localname
            if local == "idno" and not (child.text or "").strip() and not len(child):
                continue
            if local == "occupation" and dict(child.attrib) == {"resp": TOOL} and not len(child):
                continue
            if local == "note" and child.get("type") == "mentions":
                continue
            return False
        return True

    def _drop(self, ident: str) -> None:
        _remove(self.entries.pop(ident))
        for name in [name for name, found in self.by_name.items() if found == ident]:
            del self.by_name[name]
        if self._sorted_ids is not None:
            self._sorted_ids.remove(ident)

    def serialize(self) -> bytes:
        return etree.tostring(self.tree, encoding="UTF-8", xml_declaration=True) + b"\n"


_MADE_LANGS = ("zh-Hans", "zh-Hant", PINYIN)


class NameIndex(_Names):
    """A register's names and ids without its tree: what a worker of convert tags against.

    Each entry is kept as (made by the tool, @sameAs, the texts of its three names when
    it has those the tool gives a new entry and no others), enough to give every name
    the id `Register` gives it, and to change by each addition as the tree's index does."""

    def __init__(self, register: Register):
        self.kind, self.opencc, self.home = register.kind, register.opencc, register.home
        self.by_name = dict(register.by_name)
        self._curated = register._curated
        name_tag = f"{T}{self.kind.name_tag}"
        self.entries: dict[str, tuple[bool, str | None, tuple[str, ...] | None]] = {}
        for ident, entry in register.entries.items():
            by_tool, texts = entry.get("resp") == TOOL, None
            if by_tool:
                names = entry.findall(name_tag)
                if len(names) == 3 and all(n.get(XML_LANG) == lang and n.get("type") is None
                                           for n, lang in zip(names, _MADE_LANGS)):
                    texts = tuple(n.text for n in names)
            self.entries[ident] = (by_tool, entry.get("sameAs"), texts)

    def _same_as(self, ident: str) -> str | None:
        return self.entries[ident][1]

    def _by_tool(self, ident: str) -> bool:
        return self.entries[ident][0]

    def _make(self, ident: str, name: str, certain: bool) -> None:
        self.entries[ident] = (True, None, tuple(text for _l, _t, text in self._made(name)))

    def _note_variant(self, ident: str, name: str) -> str:
        by_tool, same_as, texts = self.entries[ident]
        made = texts[0] if texts else None
        if made and len(name) > len(made) and \
                [(lang, None, text) for lang, text in zip(_MADE_LANGS, texts)] == self._made(made):
            name = made
        self.entries[ident] = (by_tool, same_as, None)   # (a variant now among its names)
        return name


def _mentions(note) -> tuple[tuple[str, str], tuple[str, str]] | None:
    refs = {r.get("type"): r for r in note.iterchildren(f"{T}ref")}
    if set(refs) != {"first", "last"}:
        return None
    return tuple((_date_of(refs[k]), refs[k].get("n") or "") for k in ("first", "last"))


def _remove(element) -> None:
    """Take `element` out, leaving the whitespace around it as its siblings have it."""
    previous = element.getprevious()
    if previous is not None:
        previous.tail = element.tail
    elif element.getnext() is None:   # the only child: the parent closes where it began
        element.getparent().text = element.tail
    element.getparent().remove(element)


def _date_of(ref) -> str:
    d = next(ref.iterchildren(f"{T}date"), None)
    return (d.get("when") if d is not None else "") or ""


def _last_of(entry, local_names):
    last = None
    for child in entry:
        if isinstance(child.tag, str) and etree.QName(child).localname in local_names:
            last = child
    return last


def _insert_after(parent, after, new):
    """Insert `new` after `after` (or first), indenting it like its siblings and
    leaving every other piece of whitespace (an editor's layout) untouched."""
    depth = sum(1 for _ in parent.iterancestors())
    child_ws = "\n" + "  " * (depth + 1)
    if after is not None:
        parent.insert(parent.index(after) + 1, new)
        new.tail, after.tail = after.tail, child_ws
    else:
        new.tail = child_ws if len(parent) else "\n" + "  " * depth
        parent.insert(0, new)
        parent.text = child_ws


def _reindent(entry):
    """Indent a newly made entry (never one an editor may have laid out)."""
    depth = sum(1 for _ in entry.iterancestors())
    etree.indent(entry, space="  ", level=depth)


_SCAN = object()


def _insert_sorted(parent, entry, tag, before=_SCAN):
    """Insert `entry` before the first sibling with a greater id (given, or found by a scan)."""
    if before is _SCAN:
        ident = entry.get(XML_ID)
        before = next((s for s in parent if s.tag == tag and (s.get(XML_ID) or "") > ident),
                      None)
    depth = sum(1 for _ in parent.iterancestors())
    child_ws = "\n" + "  " * (depth + 1)
    if before is not None:
        before.addprevious(entry)
        entry.tail = child_ws
    else:
        last = next(parent.iterchildren(reversed=True), None)
        if last is not None:
            entry.tail = last.tail
            last.tail = child_ws
        else:
            parent.text = child_ws
            entry.tail = "\n" + "  " * depth
        parent.append(entry)
    _reindent(entry)


def _new_document(kind: Kind) -> etree._ElementTree:
    E = lambda tag, *children, **attrs: _el(tag, children, attrs)  # noqa: E731
    root = E("TEI", E("teiHeader", E("fileDesc",
        E("titleStmt", E("title", kind.title),
          E("respStmt", E("resp", "由 tei-build 自动添加的条目（resp=\"#tei-build\"）"),
            E("name", "tei-build"), **{XML_ID: "tei-build"})),
        E("publicationStmt", E("p", "本名录随各期 TEI 文件一起发布。")),
        E("sourceDesc", E("p", "条目由 tei-build 从各期报纸中标注的名称生成，并由编者校订。")))),
        E("text", E("body", E(kind.list_tag))), **{XML_LANG: "zh-Hans"})
    etree.indent(root, space="  ")
    return root.getroottree()


def _el(tag, children, attrs):
    el = etree.Element(f"{T}{tag}", nsmap={None: TEI_NS} if tag == "TEI" else None)
    for key, value in attrs.items():
        el.set(key, value)
    for child in children:
        if isinstance(child, str):
            el.text = child
        else:
            el.append(child)
    return el


class Registers:
    """The three registers of an edition, loaded from and saved to a TEI folder."""

    def __init__(self, registers: dict[str, Register], home: tuple[str, ...] = ()):
        self.by_tag = registers
        self.home = home   # the edition's home units (上海市 虹口区), largest first

    @classmethod
    def load(cls, tei_dir, opencc: str | None = None, home: tuple[str, ...] = ()) -> "Registers":
        """The registers in `tei_dir`; `opencc`: the edition's conversion to zh-Hant, in which
        new entries' traditional names are written; `home`: the edition's home units."""
        tei_dir = Path(tei_dir)
        out = {}
        for tag, kind in KINDS.items():
            path = tei_dir / kind.file
            if path.exists():
                data = path.read_bytes()
                reg = Register(kind, parse_file(path), path, opencc, home)
                reg.original = data
            else:
                reg = Register(kind, None, opencc=opencc, home=home)
            out[tag] = reg
        return cls(out, home)

    def __getitem__(self, name_tag: str) -> Register:
        return self.by_tag[name_tag]

    def index(self) -> "Registers":
        """The registers without their trees (`NameIndex`), to tag against in a worker."""
        return Registers({tag: reg.index() for tag, reg in self.by_tag.items()}, self.home)

    def curated(self) -> dict[str, tuple[str, str]]:
        """name → (element name, id) for every curated entry of the three registers."""
        out = {}
        for tag in sorted(self.by_tag):
            for name, ident in self.by_tag[tag].curated().items():
                out.setdefault(name, (tag, ident))
        return out

    def home_places(self) -> dict[str, str]:
        """The edition's home units as a paper names them, in full and bare (虹口区, 虹口),
        each with the unit in full; not bare where that is a common word (和平 of 天津市和平区,
        大兴 of 大兴区: jieba's dictionary lists it as a plain word), which would make a
        place of peace."""
        from . import words

        plain = words.load()
        return {form: unit for unit in self.home for form in (unit, bare_form(unit))
                if form and (form == unit or plain.get(form) != "W")}

    def reconcile(self, pointed: dict[str, dict[str, Pointed]] | None) -> None:
        """Each register made to agree with what the issues point to (`tag.pointers_in`;
        None: left as it is)."""
        if pointed is None:
            return
        for tag in sorted(self.by_tag):
            register = self.by_tag[tag]
            register.reconcile(pointed.get(register.kind.file, {}))

    def save(self, tei_dir) -> list[Path]:
        """Write the registers that have entries or existed; returns the paths written."""
        tei_dir = Path(tei_dir)
        written = []
        for tag in sorted(self.by_tag):
            reg = self.by_tag[tag]
            if reg.original is None and not reg.entries:
                continue
            data = reg.serialize()
            path = tei_dir / reg.kind.file
            if path.exists() and path.read_bytes() == data:
                continue
            atomic_write(path, data)
            reg.original = data
            written.append(path)
        return written
