"""Deciding the names and dates of one text, from all sources in their order.

Candidates come from (1) curated register names, (2) news-language patterns
and date rules, (3) names already found elsewhere in the same issue, (4)
short forms of party and state bodies, (5) the statistical model, (6) the
edition's home units (虹口区, 虹口: last, so that 虹口区委 stays one body; a guess
of one is made certain). They are taken in that order; a later candidate that
would cut across an earlier one is dropped, and one inside another is kept only
where nesting is natural (a street inside an organisation's name, an
organisation inside a title).
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from dataclasses import dataclass, field, replace

from . import patterns, words
from .model import PLACE_END_CHARS, TRANSLIT_CHARS
from .dates import find_dates
from .lexicon import (ADDRESS_FORMS, AFTER_NAME_WORDS, BOUNDARY_CHARS, BOUNDARY_WORDS,
                      DETERMINERS, GENERIC_NOUNS, SURNAMES)
from .patterns import ROLE_RE, TRAILING_RE

NAME_TAGS = ("persName", "placeName", "orgName")
_WORDS = BOUNDARY_WORDS | AFTER_NAME_WORDS
MODEL_TAG = {"PER": "persName", "LOC": "placeName", "ORG": "orgName"}
# (inner, outer) pairs that may nest
NESTING = {("placeName", "orgName"), ("orgName", "roleName"), ("placeName", "roleName")}
_ACRONYM = re.compile(r"[A-Z][A-Z&]+")
_ADDRESS = re.compile("|".join(ADDRESS_FORMS))
_TEAM = re.compile("队(?![长员伍友])")   # 队长, 队员: a person's title or membership
# No name runs on across a sentence or clause: a guess that does is two words and a stop.
_CLAUSE_END = re.compile("[，。；！？：、]")
# characters that go on a sentence and seldom end a given name
_NAME_NEVER_ENDS = frozenset("说在的了将等是也还就都又再已并对向到所系")
_GENERIC_LENGTHS = sorted({len(w) for w in GENERIC_NOUNS}, reverse=True)
_DETERMINERS = "".join(sorted(DETERMINERS))


@dataclass
class Found:
    start: int
    end: int
    tag: str
    source: str  # register, pattern, issue, edition (its home units), model
    attrs: dict[str, str] = field(default_factory=dict)
    roles: tuple[str, ...] = ()

    @property
    def certain(self) -> bool:
        return self.source != "model"


def dictionary_hits(text: str, names: dict[str, tuple[str, str]], source: str,
                    pattern: re.Pattern | None = None) -> list[Found]:
    """Longest-first matches of known names; names maps text → (tag, source of the name)."""
    if not names:
        return []
    pattern = pattern or name_pattern(names)
    return [Found(m.start(), m.end(), names[m.group()][0],
                  names[m.group()][1] if source == "issue" else source)
            for m in pattern.finditer(text)]


def name_pattern(names) -> re.Pattern:
    """One pattern for a dictionary's names, longest first (build it once per dictionary)."""
    return _name_pattern(tuple(sorted(names)))


@functools.lru_cache(maxsize=8)
def _name_pattern(names: tuple[str, ...]) -> re.Pattern:
    longest_first = sorted((n for n in names if len(n) >= 2), key=lambda n: (-len(n), n))
    return re.compile("|".join(map(re.escape, longest_first)) or "(?!)")


def home_hits(text: str, home) -> list[Found]:
    """The edition's home units (虹口区, and 虹口 where no longer place goes on: not in
    虹口港), certain places: the edition says which district the paper serves."""
    if not home:
        return []
    return dictionary_hits(text, dict.fromkeys(home, ("placeName", "edition")), "edition",
                           _home_pattern(tuple(sorted(home))))


@functools.lru_cache(maxsize=8)
def _home_pattern(home: tuple[str, ...]) -> re.Pattern:
    """name_pattern's, but not where a place-ending character goes on (虹口|港)."""
    return re.compile(f"(?:{_name_pattern(home).pattern})(?![{''.join(sorted(PLACE_END_CHARS))}])")


def certified(found: list[Found], home: list[Found]) -> list[Found]:
    """`found` with the model's guesses of a home unit made certain (the model often finds
    虹口区 before the home units are tried)."""
    spans = {(h.start, h.end) for h in home}
    return [replace(f, source="edition") if f.source == "model" and f.tag == "placeName"
            and (f.start, f.end) in spans else f for f in found]


def model_hits(text: str, spans) -> list[Found]:
    out = []
    for start, end, kind in _split_lists(text, _trimmed(text, spans)):
        tag = MODEL_TAG[kind]
        piece = text[start:end]
        if not any(patterns.is_han(c) for c in piece) and not (tag == "orgName" and _ACRONYM.fullmatch(piece)):
            continue  # Latin letters only as acronyms of bodies: WTO, PATA
        if end - start < 2 and tag == "orgName":
            continue  # single characters as places (中美, 中日) and persons (江 in 江主席), not bodies
        if text[end - 1:end + 1] in _WORDS or (start and text[start - 1:start + 1] in _WORDS):
            continue  # the guess cuts a common word in two: 市委部|署, 郭芳带|队
        if tag != "persName" and is_generic(piece):
            continue  # 超市, 居委会, 该医院: a kind of place or body, not a particular one
        if tag == "persName" and (ROLE_RE.search(piece) or not all(c.isalpha() or c in "·•・‧-" for c in piece)):
            continue  # a title is never a person
        out.append(Found(start, end, tag, "model"))
    return out


def _trimmed(text: str, spans):
    for start, end, kind in spans:
        if kind == "PER" and _TEAM.match(text, end):
            kind, end = "ORG", end + 1   # 锡耶纳|队: a team, as the corpora always mark X队
        if kind == "PER":
            yield start, _person_end(text, start, end), kind
        else:
            end = _name_end(text, start, end)
            yield _name_start(text, start, end), end, kind


def _split_lists(text: str, spans):
    """Guessed persons of five characters or more are names run together (a list of
    leaders printed without separators, 孙维本苏晓云): Chinese personal names have two
    to four characters. Such a guess, unless the dictionary knows it whole, is cut into
    names that each begin with a surname, preferring names the dictionary knows, then
    three-character names (the commonest); a guess that cannot be cut so stays whole,
    and so does one written mostly in transliteration characters (斯特罗耶夫: one
    foreign name)."""
    for start, end, kind in spans:
        piece = text[start:end]
        if kind == "PER" and end - start >= 5 and "·" not in piece and not words.is_name(piece) \
                and 4 * sum(c in TRANSLIT_CHARS for c in piece) < 3 * len(piece):
            cuts = _name_cuts(piece)
            if cuts:
                yield from ((start + s, start + e, kind) for s, e in cuts)
                continue
        yield start, end, kind


@functools.lru_cache(maxsize=1024)
def _name_cuts(run: str) -> tuple[tuple[int, int], ...] | None:
    best: dict[int, tuple] = {0: ((0, 0), ())}  # position → (score, cuts) of the best way there
    for i in range(len(run)):
        if i not in best or not (run[i] in SURNAMES or run[i:i + 2] in SURNAMES):
            continue
        (known, threes), cuts = best[i]
        for n in (3, 4) if run[i:i + 2] in SURNAMES else (2, 3):  # 欧阳 is no name alone
            if i + n > len(run):
                break
            score = (known + words.is_name(run[i:i + n]), threes + (n == 3))
            if i + n not in best or score > best[i + n][0]:
                best[i + n] = (score, (*cuts, (i, i + n)))
    return best[len(run)][1] if len(run) in best else None


def _person_end(text: str, start: int, end: int) -> int:
    """Where a guessed personal name really ends: before a form of address
    (郑朝宗|先生, 谢子长|同志都) and before a word that goes on the sentence
    (曹芬|所在, 林亚|说, 胡捷|为长江商学院…), when a name of two or more is left."""
    m = _ADDRESS.search(text, start + 1, end)
    if m:
        end = m.start()
    if end - start >= 3 and (text[end - 1] in _NAME_NEVER_ENDS or text[end - 1:end + 1] in _WORDS):
        end -= 1
    return end


def _name_start(text: str, start: int, end: int) -> int:
    """Where a guessed place or body really starts: after the verbs and particles
    a guess sometimes takes in (传达学习贯彻|市委, 在|虹口区), unless what is left
    from there is a name the dictionary knows (联合国 does not begin with 联合)."""
    while not words.is_name(text[start:end]):
        if end - start > 2 and text[start:start + 2] in BOUNDARY_WORDS:
            start += 2
        elif end - start > 1 and text[start] in BOUNDARY_CHARS:
            start += 1
        else:
            break
    return start


def _name_end(text: str, start: int, end: int) -> int:
    """Where a guessed place or body really ends: before a verb it took in from
    the sentence going on (按照市委|部署要求), unless the dictionary knows the
    whole guess as a name."""
    while end - start > 2 and text[end - 2:end] in BOUNDARY_WORDS \
            and not words.is_name(text[start:end]):
        end -= 2
    return end


def is_generic(name: str) -> bool:
    """True if `name` is only common nouns (社区医院, 各超市), with no proper-name part."""
    rest = name.lstrip(_DETERMINERS)
    while rest:
        n = next((n for n in _GENERIC_LENGTHS if rest[-n:] in GENERIC_NOUNS), None)
        if n is None:
            return False
        rest = rest[:-n]
    return True


def candidates(text: str, issue_date: dt.date | None, model_spans, curated, issue_names) -> list[list[Found]]:
    """All candidates, grouped by priority (first group wins)."""
    fixed = fixed_candidates(text, issue_date, model_spans)
    return [dictionary_hits(text, curated, "register"), fixed[0],
            dictionary_hits(text, issue_names, "issue"), *fixed[1:]]


def fixed_candidates(text: str, issue_date: dt.date | None, model_spans) -> list[list[Found]]:
    """Patterns and dates, model, short forms: the candidates no dictionary changes."""
    model_spans = [(s, e, k) for s, e, k in model_spans if not _CLAUSE_END.search(text, s, e)]
    model_ends = {s: e for s, e, k in model_spans if k == "PER"}
    orgs = patterns.find_orgs(text, model_spans)
    places = patterns.find_places(text, model_spans)
    roles = patterns.find_roles(text, orgs, model_spans)
    persons, used_roles = patterns.find_titled_persons(text, roles, model_ends)
    before_titles = patterns.names_before_titles(
        text, {e: s for s, e, k in model_spans if k == "PER"})
    known = [(h.start, h.end) for h in places + orgs]
    lists = patterns.find_place_lists(text, known)
    pattern_hits = [*persons, *used_roles, *before_titles, *places, *orgs, *lists]
    found_patterns = [Found(h.start, h.end, h.kind, "pattern", roles=h.roles) for h in pattern_hits]
    found_patterns += [Found(d.start, d.end, "date", "pattern", dict(d.attrs))
                       for d in find_dates(text, issue_date)]
    guesses = model_hits(text, model_spans)
    # 市委 is certain, but 虹口区委 (the model's) is the better reading of 虹口区委
    short = [Found(h.start, h.end, h.kind, "short form") for h in patterns.find_org_words(text)
             if not any(g.start <= h.start and h.end <= g.end and (g.start, g.end) != (h.start, h.end)
                        for g in guesses if g.tag == "orgName")]
    return [found_patterns, short, guesses]


def decide(text: str, groups: list[list[Found]], blocked=()) -> list[Found]:
    """Accept candidates group by group; drop crossings and unnatural nesting."""
    accepted: list[Found] = []
    for group in groups:
        for cand in sorted(group, key=lambda f: (-(f.end - f.start), f.start, f.tag)):
            if any(not (cand.end <= s or cand.start >= e) for s, e in blocked):
                continue
            if cand.source == "model":  # a guess nests in nothing but the title it begins
                if all(cand.end <= o.start or o.end <= cand.start or _heads(text, cand, o) for o in accepted):
                    accepted.append(cand)
            elif all(_compatible(cand, other) for other in accepted):
                accepted.append(cand)
    # a title written after an accepted name (习近平总书记)
    for person in [f for f in accepted if f.tag == "persName"]:
        m = TRAILING_RE.match(text, person.end)
        if m and m.group() != "同志":
            role = Found(person.end, m.end(), "roleName", "pattern")
            if all(_compatible(role, other) for other in accepted) and \
                    not any(s < role.end and role.start < e for s, e in blocked):
                accepted.append(role)
                if not person.roles:
                    person.roles = (m.group(),)
    # titles right before a name found by other means (区委书记 + a curated name)
    roles_by_end = {f.end: f for f in accepted if f.tag == "roleName"}
    for person in accepted:
        if person.tag == "persName" and not person.roles and person.start in roles_by_end:
            r = roles_by_end[person.start]
            person.roles = (text[r.start:r.end],)
    return sorted(accepted, key=lambda f: (f.start, -f.end))


def _heads(text: str, guess: Found, other: Found) -> bool:
    """True if `guess` (a place or body) begins a title that was widened to take it in
    (中央军|委副主席 → 中央军委副主席); 区委副书记 is a title as it stands."""
    return other.tag == "roleName" and guess.start == other.start and guess.end < other.end \
        and (guess.tag, other.tag) in NESTING and not ROLE_RE.fullmatch(text, other.start, other.end)


def _compatible(a: Found, b: Found) -> bool:
    if a.end <= b.start or b.end <= a.start:
        return True
    if (a.start, a.end) == (b.start, b.end):
        return False
    if b.start <= a.start and a.end <= b.end:
        return (a.tag, b.tag) in NESTING
    if a.start <= b.start and b.end <= a.end:
        return (b.tag, a.tag) in NESTING
    return False
