"""The zh-Hant edition: OpenCC applied to what readers read, never to markup.

Text between tags and a few human-readable attributes (title, aria-label,
alt …, a page's meta description) are converted; tag names, ids, hrefs and anything inside an element
marked `translate="no"` (the 简/繁 switcher's own label) are left alone.

OpenCC converts by phrases, so where a phrase ends matters twice: a phrase cut
by markup (头<br>发) must still convert as one (頭髮, not 頭發), and a name must
not merge with its neighbours (区长胡广杰 is 區長 + 胡廣傑, not 區長鬍廣傑). So
text runs on across inline tags, and names are converted on their own.

A site repeats itself: the chrome of every page, and each article's text on
the issue page and on the article's own page. No phrase runs across a line
break or a block tag, so a page is converted piece by piece, cut before each
block tag, and a piece already converted (in the same state: inside a name or
a translate="no" element or not) is remembered. Whatever the pieces cannot
show to be safe (a tag cut in two) is converted as a whole page instead,
exactly as before.

Converted text is cut back into its places between the tags. Most conversions
keep lengths, so the cuts fall where the lengths say; one with phrases of its
own (s2twp: U盘 → 隨身碟, 方便面 → 泡麵) does not, and its cuts are found where
the text converted without those phrases lines up with it (`_placed`).
"""

from __future__ import annotations

import re
from bisect import bisect_right
from functools import lru_cache
from itertools import accumulate

import opencc

from ..edition import OPENCC_CONVERSIONS
from ..errors import TeiBuildError

HANS, HANT = "zh-Hans", "zh-Hant"

_TAG = re.compile(r"<!--.*?-->|<(/?)([A-Za-z][A-Za-z0-9-]*)((?:[^>\"']|\"[^\"]*\"|'[^']*')*)>",
                  re.S)
# _TAG without its groups, to cut a page into text, tag, text … in one go
_SPLIT = re.compile(r"(<!--.*?-->|</?[A-Za-z][A-Za-z0-9-]*(?:[^>\"']|\"[^\"]*\"|'[^']*')*>)", re.S)
# what begins a tag or a comment (<!DOCTYPE does not)
_OPENER = re.compile(r"<(?:!--|/?[A-Za-z])")
_READABLE_ATTR = re.compile(
    r"(\s(?:title|aria-label|alt|placeholder|data-label-[a-z-]+)=\"|"
    r"\sname=\"description\"\scontent=\")([^\"]*)(\")")   # and a page's description
_NO_TRANSLATE = re.compile(r"\stranslate=\"no\"")
_NAME = re.compile(r"\sclass=\"name\b")
_INLINE = {"a", "abbr", "b", "br", "cite", "code", "em", "i", "mark", "q", "small", "span",
           "strong", "sub", "sup", "time", "u", "wbr"}


#: the conversion when edition.toml names none: Taiwan's standard characters, the forms
#: most readers of traditional characters expect (群眾 為 啟動, where s2t writes OpenCC's
#: own 羣衆 爲 啓動), and right where s2t is wrong for this text (核酸 and 核准, not
#: 覈酸 and 覈准; 吃勁, not 喫勁); no words are changed (s2twp would: 软件 → 軟體)
DEFAULT = "s2tw"

#: what OpenCC converts wrongly in newspaper text, put right after it (same lengths):
#: 准 "permit" stays 准 in a masthead's 准印证号 (準 is "standard")
_CORRECTIONS = {"準印證": "准印證", "準生證": "准生證"}
_CORRECTED = re.compile("|".join(_CORRECTIONS))


class _Converter:
    """An OpenCC converter with _CORRECTIONS applied to what it writes."""

    def __init__(self, cc: opencc.OpenCC, corrections: bool):
        self._convert, self._corrections = cc.convert, corrections

    def convert(self, text: str) -> str:
        out = self._convert(text)
        if self._corrections and "準" in out:
            out = _CORRECTED.sub(lambda m: _CORRECTIONS[m.group(0)], out)
        return out


@lru_cache(maxsize=None)
def converter(config: str = DEFAULT) -> _Converter:
    """The OpenCC converter named in edition.toml (`s2tw`, `s2hk`, `s2t`, …)."""
    name = config if config.endswith(".json") else f"{config}.json"
    try:
        cc = opencc.OpenCC(name)
    except Exception:  # opencc raises a bare RuntimeError/Exception for unknown configs
        raise TeiBuildError(f"the edition's opencc: unknown OpenCC conversion {config!r} "
                            f"(try {', '.join(OPENCC_CONVERSIONS)})") from None
    _never_freed(cc)
    return _Converter(cc, name.startswith("s2"))


def _never_freed(obj: object) -> None:
    """Keep `obj` to the end of the process, and past it: a converter is kept for good
    anyway (`converter` is cached), and when Python frees it at exit, OpenCC's destructor
    walks the nodes of its dictionaries one by one (0.13 s of the exit of a build that
    loaded two), where the system takes the process's memory back at once."""
    try:
        import ctypes

        ctypes.pythonapi.Py_IncRef(ctypes.py_object(obj))
    except (ImportError, AttributeError, OSError):   # not CPython: freed as usual
        pass


def text_to_hant(text: str, config: str = DEFAULT, names: tuple[str, ...] = ()) -> str:
    """Convert plain text; each of `names` (as printed) is converted on its own.

    Line by line (no phrase or name runs across a line break), each line remembered:
    an article's text is also part of its issue's. The lines not remembered are
    converted together, in one call, as the text they make when joined (a call a line
    cost as much as the conversion itself)."""
    if not text:
        return text
    names = frozenset(names)
    if any("\n" in n for n in names):
        return _text_to_hant(text, config, names)
    memo = _memo(("text", config, names))
    lines = text.split("\n")
    found = {line: memo.get(line) for line in lines}
    new = [line for line, converted in found.items() if converted is None]
    if new:
        joined = _text_to_hant("\n".join(new), config, names, whole=False)
        converted = None if joined is None else joined.split("\n")
        if converted is None or len(converted) != len(new):
            return _text_to_hant(text, config, names)  # a length changed: the text as one
        for line, line_converted in zip(new, converted):
            found[line] = line_converted
            memo.put(line, line_converted)
    return "\n".join(found[line] for line in lines)


def _text_to_hant(text: str, config: str, names: frozenset,
                  whole: bool = True) -> str | None:
    convert = converter(config).convert
    if not text or not names:
        return convert(text) if text else text
    parts: list[str | None] = []
    pos = 0
    for start, end in name_spans(text, names):
        parts += [text[pos:start], None, text[start:end], None]
        pos = end
    parts.append(text[pos:])
    converted = _convert_runs(config, parts, whole)
    return None if converted is None else "".join(p for p in converted if p is not None)


def name_spans(text: str, names) -> list[tuple[int, int]]:
    """Where `names` occur in `text`, from the left, the longest name where several begin,
    none overlapping: what a pattern of the names, longest first, finds. Looked for name
    by name (compiling that pattern for each issue's names cost about as much as the
    conversion itself)."""
    longest: dict[int, int] = {}   # start: end of the longest name there
    for name in names:
        if not name:
            continue
        at = text.find(name)
        while at >= 0:
            if longest.get(at, 0) < at + len(name):
                longest[at] = at + len(name)
            at = text.find(name, at + 1)
    spans, pos = [], 0
    for start in sorted(longest):
        if start >= pos:
            spans.append((start, longest[start]))
            pos = longest[start]
    return spans


_NEUTRAL = ("", 0, "", 0)   # (translate="no" tag, its depth, name tag, its depth)
# where a long line is cut: before each block tag (every phrase run ends there)
_BLOCK = re.compile("<(?!/?(?i:%s)(?![A-Za-z0-9-]))(?=/?[A-Za-z])" % "|".join(sorted(_INLINE)))
_LONG = 400
_SEP = "\ue000"  # between pieces converted together: no OpenCC phrase holds it


def html_to_hant(html: str, config: str = DEFAULT,
                 done: dict[str, tuple[str, str]] | None = None) -> str:
    """Convert the text of an HTML page, leaving every tag byte-for-byte as it was.

    `done`: parts of the page already converted, {marker: (HTML, its conversion)}, each
    part whole lines between block tags (see render/mentions.py), its marker a line of
    `html` of its own standing for it. Should the page have to be converted as a
    whole, the parts are put back and converted with it."""
    if _SEP in html:
        return _convert_page(restored(html, done), config)
    memo = _memo(("html", config))
    out: list[str | None] = []
    todo: list[tuple] = []   # pieces met for the first time: (place in out, key, prepared)
    state = _NEUTRAL
    for line in html.split("\n"):
        if done and line in done:
            if state != _NEUTRAL:
                return _convert_page(restored(html, done), config)
            out += [done[line][1].removesuffix("\n"), "\n"]
            continue
        for piece in _cut(line) if len(line) > _LONG else (line,):
            key = (piece, state)
            known = memo.get(key)
            if known is None:
                known = _prepare(piece, state, config)
                if known is False:
                    memo.put(key, False)
                else:
                    todo.append((len(out), key, known))
                    out.append(None)
                    state = known[3]
                    continue
            if known is False:  # this piece cannot be converted on its own
                return _convert_page(restored(html, done), config)
            out.append(known[0])
            state = known[1]
        out.append("\n")
    if todo and not _finish(todo, out, memo, config):
        return _convert_page(restored(html, done), config)
    out.pop()
    return "".join(out)


def restored(html: str, done: dict[str, tuple[str, str]] | None) -> str:
    """The page with its converted parts' markers (html_to_hant's `done`) replaced by the
    parts as they were."""
    for marker, (part, _converted) in (done or {}).items():
        html = html.replace(marker + "\n", part, 1)
    return html


def convert_runs(runs: list[tuple[str, ...]], config: str = DEFAULT
                 ) -> list[tuple[str, ...]] | None:
    """Convert runs of text, each a tuple of texts that read on into each other (text
    between inline tags) and end where a run of `html_to_hant` ends (at a line break, a
    block tag, a name), as it would: all in one call to OpenCC (`_convert_runs`). None if
    a text holds a line break (the caller then converts its page).

    A run converts alike wherever it is (no phrase runs across its ends), and runs
    repeat: the text around a mention is on its name's page, its year's page and the
    pages of the names beside it, four fifths of the characters of all entry pages. So
    each run is remembered, and only those not seen lately are converted."""
    if any("\n" in text or _SEP in text for run in runs for text in run):
        return None
    memo = _memo(("runs", config))
    found = {run: memo.get(run) for run in dict.fromkeys(runs)}
    todo = [run for run, converted in found.items() if converted is None]
    if todo:
        parts = [part for run in todo for part in (None, *run)][1:]
        converted = _convert_runs(config, parts, whole=False)
        if converted is None:
            return None
        texts = (text for text in converted if text is not None)
        for run in todo:
            found[run] = tuple(next(texts) for _ in run)
            memo.put(run, found[run])
    return [found[run] for run in runs]


def _cut(line: str) -> list[str]:
    starts = [m.start() for m in _BLOCK.finditer(line)]
    return [line[a:b] for a, b in zip([0, *starts], [*starts, len(line)])]


def _prepare(html: str, state: tuple, config: str):
    """A piece of a page ready to convert, from `state`: (pieces, at, runs, state after
    it); False if it might be read differently inside the whole page (a tag cut in two)."""
    pieces = _SPLIT.split(html)
    if "<" in html and _OPENER.search("".join(pieces[::2])):
        return False  # a tag or comment begins here and ends in a later piece
    runs, at, after = _runs(pieces, state, config)
    return pieces, at, runs, after


def _finish(todo: list[tuple], out: list, memo, config: str) -> bool:
    """Convert the new pieces of a page at once, into `out`; False if OpenCC's result
    cannot be cut back into them (the page is then converted as a whole)."""
    sources = ["".join("\n" if r is None else r for r in runs) for _, _, (_, _, runs, _) in todo]
    joined = _SEP.join(sources)
    results = converter(config).convert(joined).split(_SEP)
    plain = _plain(joined, config)
    references = [None] * len(sources) if plain is None else plain.split(_SEP)
    if len(results) != len(sources) or len(references) != len(sources):
        return False
    for (slot, key, (pieces, at, runs, after)), source, result, reference in zip(
            todo, sources, results, references):
        placed = _placed(runs, source, result, config, reference)
        if placed is None:
            return False
        for index, text in zip(at, (text for text in placed if text is not None)):
            pieces[index] = text
        out[slot] = "".join(pieces)
        memo.put(key, (out[slot], after))
    return True


def _convert_page(html: str, config: str) -> str:
    """html_to_hant in one go: the page as a whole."""
    pieces = _SPLIT.split(html)
    runs, at, _state = _runs(pieces, _NEUTRAL, config)
    converted = [c for c in _convert_runs(config, runs) if c is not None]
    for index, text in zip(at, converted):
        pieces[index] = text
    return "".join(pieces)


def _runs(pieces: list[str], state: tuple, config: str):
    """The convertible text of `pieces` (text, tag, text … text) as phrase runs, None
    ending a phrase; where each text came from in `pieces`; and the state at the end.
    Readable attributes of tags are converted in `pieces` on the way."""
    runs: list[str | None] = []    # convertible text; None ends a phrase run
    at: list[int] = []             # where each text of `runs` came from in `pieces`
    frozen_tag, frozen, name_tag, name = state  # inside translate="no"; inside a name
    info = _tag_info
    last = len(pieces) - 1
    for k in range(0, last + 1, 2):
        text = pieces[k]
        if text and not frozen and not text.isspace():
            at.append(k)
            runs.append(text)
        if k == last:
            break
        tag = pieces[k + 1]
        tag_name, closing, no_translate, is_name, readable, inline = info(tag)
        if frozen:
            if tag_name == frozen_tag:
                frozen += -1 if closing else 1
        elif no_translate:
            frozen_tag, frozen = tag_name, 1
        elif readable:
            pieces[k + 1] = _readable(tag, config)
        if name:
            if tag_name == name_tag:
                name += -1 if closing else 1
                if not name:
                    runs.append(None)
        elif is_name:
            name_tag, name = tag_name, 1
            runs.append(None)
        if not inline:
            runs.append(None)
    # (a tag closed is forgotten: what follows it is converted, and remembered, as anywhere)
    return runs, at, (frozen_tag if frozen else "", frozen, name_tag if name else "", name)


class _Memo(dict):
    """Conversions remembered, within bounds (all forgotten when full)."""

    LIMIT = 20000

    def put(self, key, value) -> None:
        if len(self) >= self.LIMIT:
            self.clear()
        self[key] = value


_MEMOS: dict = {}


def _memo(kind: tuple) -> _Memo:
    if kind not in _MEMOS:
        if len(_MEMOS) >= 64:   # one per issue's set of names: keep only the latest
            for key in [k for k in _MEMOS if k[0] == "text"]:
                del _MEMOS[key]
        _MEMOS[kind] = _Memo()
    return _MEMOS[kind]


@lru_cache(maxsize=65536)
def _tag_info(tag: str) -> tuple[str, bool, bool, bool, bool, bool]:
    """What converting needs to know of a tag: (name, closing, opens translate="no",
    opens a name, has readable attributes, is inline). Tags repeat, so this is remembered."""
    m = _TAG.fullmatch(tag)
    closing, tag_name = bool(m.group(1)), (m.group(2) or "").lower()
    attrs = m.group(3) or ""
    opening = bool(tag_name) and not closing
    return (tag_name, closing, opening and bool(_NO_TRANSLATE.search(attrs)),
            opening and bool(_NAME.search(attrs)), bool(_READABLE_ATTR.search(tag)),
            tag_name in _INLINE)


@lru_cache(maxsize=16384)
def _readable(tag: str, config: str) -> str:
    """A tag with its human-readable attributes converted."""
    convert = converter(config).convert
    return _READABLE_ATTR.sub(lambda a: a[1] + convert(a[2]) + a[3], tag)


def _convert_runs(config: str, parts: list[str | None], whole: bool = True
                  ) -> list[str | None] | None:
    """Convert the parts as running text, None marking where a phrase must end: at once,
    and cut back (`_placed`). Should that ever fail, each part is converted alone instead
    (or, when the parts are not `whole` but a piece of something larger, None is
    returned: the caller converts the larger whole, as a whole)."""
    convert = converter(config).convert
    source = "".join("\n" if p is None else p for p in parts)
    placed = _placed(parts, source, convert(source), config)
    if placed is None:
        return None if not whole else [None if p is None else convert(p) for p in parts]
    return placed


def _aligned(source: str, result: str) -> bool:
    """Whether `result` has the length of `source` between each two line breaks."""
    return len(result) == len(source) and \
        list(map(len, source.split("\n"))) == list(map(len, result.split("\n")))


def _plain(text: str, config: str) -> str | None:
    """`text` converted without the phrases of `config` that change lengths, if it has
    such phrases (`_WITHOUT_PHRASES`)."""
    plain = _WITHOUT_PHRASES.get(config.removesuffix(".json"))
    return None if plain is None else converter(plain).convert(text)


#: conversions that keep every text's length (character by character, and phrase by
#: phrase of the same length): a line of parts is cut back where its parts' lengths say
_SAME_LENGTHS = frozenset({"s2t", "s2tw", "s2hk", "t2s", "tw2s", "hk2s", "t2tw", "t2hk"})
#: conversions with phrases of their own (s2twp: 软件 → 軟體, U盘 → 隨身碟, 方便面 → 泡麵),
#: each with the conversion that has all but those phrases, and keeps lengths
_WITHOUT_PHRASES = {"s2twp": "s2tw", "s2hkp": "s2hk", "tw2sp": "tw2s", "hk2sp": "hk2s"}


def _placed(parts: list[str | None], source: str, result: str, config: str,
            reference: str | None = None) -> list[str | None] | None:
    """Each part's conversion (None for None), cut from `result`, the conversion of the
    parts joined (`source`: None as a line break), at the places `_places` finds.
    `reference`: the source converted without the phrases that change lengths
    (`_plain`), if known. None if the result's lines are not the source's."""
    ends = list(accumulate(1 if part is None else len(part) for part in parts))
    if reference is None:
        reference = _plain(source, config)
    if (config.removesuffix(".json") in _SAME_LENGTHS or result == reference) and \
            _aligned(source, result):
        place = int   # (as most conversions are: every place where it was)
    else:
        place = _places(source, result, ends[:-1], config, reference)
        if place is None:
            return None
    out: list[str | None] = []
    begin = 0
    for part, end in zip(parts, ends):
        at = place(end)
        out.append(None if part is None else result[begin:at])
        begin = at
    return out


def _places(source: str, result: str, cuts: list[int], config: str, reference: str | None):
    """Where the places of `source` fall in `result`, its conversion: a line begins and
    ends where it does (no phrase runs across a line break), and a place where parts meet
    inside a line is found by `_line_cuts`. None if the result's lines are not the
    source's."""
    lines, converted = source.split("\n"), result.split("\n")
    if len(lines) != len(converted):
        return None
    plain = [None] * len(lines) if reference is None else reference.split("\n")
    if len(plain) != len(lines):
        plain = [None] * len(lines)
    starts, into = _line_starts(lines), _line_starts(converted)
    inside: dict[int, set[int]] = {}   # by line
    for cut in cuts:
        line = bisect_right(starts, cut) - 1
        if 0 < cut - starts[line] < len(lines[line]):
            inside.setdefault(line, set()).add(cut - starts[line])
    placed = {line: _line_cuts(lines[line], converted[line], sorted(mine), config, plain[line])
              for line, mine in inside.items()}

    def place(offset: int) -> int:
        line = bisect_right(starts, offset) - 1
        column = offset - starts[line]
        return into[line] + (column if column == 0 else len(converted[line])
                             if column == len(lines[line]) else placed[line][column])
    return place


def _line_starts(lines: list[str]) -> list[int]:
    """Where each of `lines` begins in the text they were split from at line breaks."""
    return [0, *accumulate(len(line) + 1 for line in lines[:-1])]


def _line_cuts(line: str, result: str, cuts: list[int], config: str,
               reference: str | None = None) -> dict[int, int]:
    """Where in `result`, the conversion of `line`, each of the places `cuts` of the line
    falls. Where the conversion keeps lengths, at the same places. Else, if the line's
    parts converted each alone make up the result, where they meet (U盘<br>方便面 under
    s2twp: 隨身碟<br>泡麵); if not (a phrase runs across a cut), where the line converted
    without the phrases that change lengths (`_WITHOUT_PHRASES`) lines up with the result
    (U盘和<a>方便面</a>: 隨身碟和<a>泡麵</a>), a cut inside such a phrase falling in
    proportion."""
    name = config.removesuffix(".json")
    if len(result) == len(line) and (name in _SAME_LENGTHS or result == reference):
        return {at: at for at in cuts}
    convert = converter(config).convert
    alone = [convert(line[a:b]) for a, b in zip([0, *cuts], [*cuts, len(line)])]
    if "".join(alone) == result:
        ends, at = {}, 0
        for cut, text in zip(cuts, alone):
            at += len(text)
            ends[cut] = at
        return ends
    if reference is None or len(reference) != len(line):
        reference = line
    from difflib import SequenceMatcher

    blocks = SequenceMatcher(None, reference, result, autojunk=False).get_opcodes()
    found = {}
    for at in cuts:
        for op, i1, i2, j1, j2 in blocks:
            if i1 <= at < i2 or (at == i2 and op == "equal"):
                found[at] = j1 + (at - i1 if op == "equal" else
                                  round((at - i1) * (j2 - j1) / (i2 - i1)))
                break
        else:
            found[at] = len(result)
    return found
