"""News-language patterns: titles before names, name lists, name endings.

Each finder takes the flat text of one paragraph (and the model's own spans,
used only to choose where a name starts or ends) and returns candidates
`(start, end, kind)` with kind persName / placeName / orgName / roleName.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

from . import words
from .lexicon import (ADDRESS_FORMS, ADMIN_UNITS, AFTER_NAME_CHARS, AFTER_NAME_WORDS,
                      BOUNDARY_CHARS, BOUNDARY_WORDS, COMMON_ENDINGS, DETERMINERS, MEASURE_WORDS,
                      NUMERALS, ORG_SUFFIXES, ORG_WORDS, PLACE_LIST_ENDS, PLACE_SUFFIXES,
                      ROLE_CORES, ROLE_INSTITUTIONS, SURNAMES, TRAILING_ROLES)


@dataclass(frozen=True)
class Hit:
    start: int
    end: int
    kind: str  # persName, placeName, orgName, roleName
    roles: tuple[str, ...] = ()  # for persons: the titles written with the name


def _alt(words) -> str:
    return "|".join(re.escape(w) for w in sorted(set(words), key=len, reverse=True))


_INSTITUTION = rf"(?:[{ADMIN_UNITS}](?:{_alt(ROLE_INSTITUTIONS)})?|{_alt(ROLE_INSTITUTIONS)})"
ROLE_RE = re.compile(rf"(?:{_INSTITUTION})?副?(?:{_alt(ROLE_CORES)})(?!会|员会|班子|干部|小组)")
TRAILING_RE = re.compile(rf"(?:{_alt(TRAILING_ROLES)})")
_ORG_WORDS_RE = re.compile(_alt(ORG_WORDS))
_LIST_END_RE = re.compile(_alt(PLACE_LIST_ENDS))
_SPACE = " \u3000"


def is_han(ch: str) -> bool:
    return len(ch) == 1 and "\u4e00" <= ch <= "\u9fff"


def _surname_at(text: str, i: int) -> bool:
    return text[i:i + 1] in SURNAMES or text[i:i + 2] in SURNAMES


def _ends_name(text: str, i: int) -> bool:
    """True if a name may end before position i."""
    if i >= len(text) or not is_han(text[i]):
        return True
    return text[i] in AFTER_NAME_CHARS or text[i:i + 2] in AFTER_NAME_WORDS \
        or text[i:i + 1] in AFTER_NAME_WORDS or bool(ROLE_RE.match(text, i))


def name_at(text: str, i: int, model_ends: dict[int, int]) -> int | None:
    """End of a personal name starting at i (2–4 characters), or None.

    A name delimited by punctuation is taken whole; otherwise the lengths after
    which the sentence plausibly goes on (郭芳|主持, 杜松全|参加) are preferred,
    the model deciding between them. A name no common surname begins (比恩,
    托蒂) is the model's, where it sees one starting at i."""
    if not _surname_at(text, i):
        end = model_ends.get(i)
        if end is not None and 2 <= end - i <= 12 and all(is_han(c) or c == "·" for c in text[i:end]):
            return end
        return None
    model_end = model_ends.get(i)
    if model_end is not None and "·" in text[i:model_end]:
        return model_end  # 胡安·拉莫斯
    double = text[i:i + 2] in SURNAMES and len(text[i:i + 2]) == 2
    longest = 4 if double else 3
    run = i
    while run < len(text) and is_han(text[run]) and run - i <= longest:
        run += 1
    if 2 <= run - i <= longest and (run == len(text) or not is_han(text[run])):
        if run - i == 3 and text[i + 1:run] in AFTER_NAME_WORDS:
            return None  # 商务部长时表示: a surname's character, then the sentence going on
        if run - i == 3 and text[run - 1] in "说摄":
            return run - 1  # 秘书长林亚说，
        return run  # delimited by punctuation: 吴强、关也彤、
    good = [i + n for n in ((4, 3) if double else (3, 2))
            if i + n <= run and (n == 2 or text[i + n - 1] not in AFTER_NAME_CHARS)
            and _ends_name(text, i + n)]
    if model_end in good or (not good and model_end is not None and 2 <= model_end - i <= longest
                             and model_end <= run):
        return model_end
    return good[0] if good else None


_BYLINE_TITLES = ("记者", "通讯员")
_BYLINE_NAMES = re.compile("[\u4e00-\u9fff·]{2,12}(?:[ \u3000、][\u4e00-\u9fff·]{2,12})*(?=[）)])")
_BYLINE_SEPARATED = re.compile("[^ \u3000、]+")


def _byline_names(text: str, title_start: int, pos: int, title: str,
                  model_ends: dict[int, int]) -> list[tuple[int, int]]:
    """The names a byline gives in brackets after 记者 or 通讯员 when name_at would not
    find them all, as for names no common surname begins (（记者 阿依古丽）, （记者 比恩
    张燕丽）): a bracket that holds nothing but the title and names says they are names.
    Else [] (name_at finds the others, and stops where a byline goes on otherwise)."""
    if not title.endswith(_BYLINE_TITLES) or text[title_start - 1:title_start] not in ("（", "("):
        return []
    m = _BYLINE_NAMES.match(text, pos)
    if not m:
        return []
    names = [(pos + n.start(), pos + n.end()) for n in _BYLINE_SEPARATED.finditer(m.group())]
    # a Chinese name has two to four characters: a longer piece without · is names run
    # together or words (李蕾张羽飞, 孟梅实习生夏冬梅), one ending in 摄 a photo credit, and
    # a word of the dictionary a part of the byline (实习生, 摄影, 报道, 整理); one with a
    # form of address (张女士) is left to the rules that end a name before it
    if any(text[s] == "·" or text[e - 1] in "·摄" or ROLE_RE.search(text, s, e)
           or (e - s > 4 and "·" not in text[s:e]) or words.load().get(text[s:e]) == "W"
           or text[s:e].endswith(ADDRESS_FORMS) for s, e in names):
        return []
    return [] if all(name_at(text, s, model_ends) == e for s, e in names) else names


def find_roles(text: str, orgs: list[Hit], model_spans=()) -> list[Hit]:
    """Titles; a title right after an organisation (…领导小组组长) takes it in, and so
    does one whose institution ends a name the model found (中央军|委副主席)."""
    org_ends = {h.end: h for h in orgs}
    out = []
    for m in ROLE_RE.finditer(text):
        start = m.start()
        org = org_ends.get(start)
        if org is not None:
            start = org.start
        else:
            start = min([s for s, e, k in model_spans
                         if k != "PER" and s < start < e <= m.end()], default=start)
        out.append(Hit(start, m.end(), "roleName"))
    return out


def find_titled_persons(text: str, roles: list[Hit], model_ends: dict[int, int]) -> tuple[list[Hit], list[Hit]]:
    """Persons after a title (and lists of them); returns (persons, titles used)."""
    role_at = {r.start: r for r in roles}
    persons, used = [], []
    for role in roles:
        chain = [role]
        pos = role.end
        # 区委副书记、区长胡广杰: a chain of titles before one name
        while text[pos:pos + 1] == "、" and pos + 1 in role_at:
            chain.append(role_at[pos + 1])
            pos = chain[-1].end
        while pos < len(text) and text[pos] in _SPACE:
            pos += 1
        titles = tuple(text[c.start:c.end] for c in chain)
        found = False
        bracketed = _byline_names(text, chain[0].start, pos, titles[-1], model_ends)
        if bracketed:
            persons.extend(Hit(s, e, "persName", roles=titles) for s, e in bracketed)
            used.extend(chain)
            continue
        while True:
            end = name_at(text, pos, model_ends)
            if end is None:
                break
            persons.append(Hit(pos, end, "persName", roles=titles))
            found = True
            # a list: 吴强、周嵘、关也彤 … (or, in bylines, names separated by spaces)
            nxt = end
            sep = text[nxt:nxt + 1]
            if sep == "、" or (sep and sep in _SPACE and "记者" in titles[-1]):
                nxt += 1
                if nxt in role_at:
                    break
                pos = nxt
                continue
            break
        if found:
            used.extend(chain)
    return _unique(persons), _unique(used)


def names_before_titles(text: str, model_starts: dict[int, int]) -> list[Hit]:
    """落实习近平总书记, 。谢子长同志: a name between a verb or punctuation and a title
    (where the model sees a name ending there, it says where the name starts)."""
    out = []
    for m in TRAILING_RE.finditer(text):
        if text[m.start() - 1:m.start()] == "副":
            continue  # 副总理 is one title
        model_start = model_starts.get(m.start())
        lengths = (3, 2)
        if model_start is not None and 2 <= m.start() - model_start <= 4:
            lengths = (m.start() - model_start,)
        for length in lengths:
            start = m.start() - length
            if start < 0 or not _surname_at(text, start):
                continue
            if not all(is_han(c) for c in text[start:m.start()]):
                continue
            if ROLE_RE.match(text, start):
                break  # 国家主席 is one title
            if m.group() == "同志" and len(lengths) > 1 and is_han(text[start - 1:start]):
                break  # 和区里同志: a form of address after a word, not after a name
            if _left_boundary(text, start) or len(lengths) == 1:
                if m.group() == "同志":  # a form of address, not a title
                    out.append(Hit(start, m.start(), "persName"))
                else:
                    out.append(Hit(start, m.start(), "persName", roles=(m.group(),)))
                    out.append(Hit(m.start(), m.end(), "roleName"))
                break
    return out


def _left_boundary(text: str, i: int) -> bool:
    return i == 0 or not is_han(text[i - 1]) or text[i - 1] in BOUNDARY_CHARS \
        or text[max(0, i - 2):i] in BOUNDARY_WORDS


def _scan_back(text: str, end: int, limit: int, stops=()) -> int:
    """Leftmost start of a proper name ending at `end` (bounded by punctuation, verbs,
    or the end of a name of the same level: 凉城新村街道|文苑三居民区)."""
    i = end
    while i > 0 and end - i < limit:
        if i < end and stops and text.endswith(stops, 0, i):
            break
        ch = text[i - 1]
        if not (is_han(ch) or ch.isalnum()) or ch in BOUNDARY_CHARS:
            break
        if text[max(0, i - 2):i] in BOUNDARY_WORDS:
            break
        i -= 1
    while i < end and text[i] in DETERMINERS:
        i += 1
    return i


@functools.lru_cache(maxsize=None)
def _suffix_pattern(suffixes: tuple) -> re.Pattern:
    """One pattern for all endings; overlapping endings (人大常委会, 常委会) found by lookahead."""
    return re.compile(f"(?=({_alt(s for s, _, _ in suffixes)}))")


def _suffix_hits(text, suffixes, kind, limit, model_spans, admin_ok, stops):
    model_by_end: dict[int, int] = {}
    for s, e, k in model_spans:
        if k != "PER":
            model_by_end[e] = min(s, model_by_end.get(e, e))
    covered = [(s, e) for s, e, k in model_spans if k != "PER"]
    rules = {s: (n, m) for s, n, m in suffixes}
    out = []
    for m in _suffix_pattern(suffixes).finditer(text):
        suffix = m.group(1)
        min_len, needs = rules[suffix]
        suffix_start, end = m.start(), m.start() + len(suffix)
        start = _scan_back(text, suffix_start, limit, stops)
        model_start = model_by_end.get(end)
        if model_start is not None and start - 2 <= model_start < suffix_start \
                and all(is_han(c) for c in text[model_start:start]) \
                and not any(e == model_start and s >= start for s, e in covered):
            # the model knows where the name starts: 和平路 (with 和), 仅|郑口镇, but
            # 嘉兴路街道|社区卫生服务中心 is one name with another inside
            start = model_start
        inner = [s for s, e in covered if start < s < suffix_start and s - start <= 2]
        if inner and not any(s <= start < e for s, e in covered):
            start = min(inner)  # 祝|中国国民党革命委员会: a verb before the model's name
        prefix = text[start:suffix_start]
        if not prefix or _counted(prefix):
            continue
        if kind == "placeName" and ROLE_RE.match(text, suffix_start):
            continue  # 村长, 镇长: the ending begins a title
        if any(text.endswith(w, start, end) and len(w) > len(suffix) for w in COMMON_ENDINGS):
            continue  # 湖北农村, 安徽省公路: a common noun, not a name ending
        if len(prefix) < min_len and not (admin_ok and prefix[-1] in ADMIN_UNITS + "委"):
            continue
        if needs == "model" and not any(s < suffix_start and e > start for s, e in covered):
            continue
        if needs == "admin" and prefix[-1] not in ADMIN_UNITS:
            continue  # 区政府, 上海市政府, but not 中国政府 (a place and a common noun)
        out.append(Hit(start, end, kind))
    return _outermost(out)


def _counted(prefix: str) -> bool:
    """一小区, 两处封控小区: a number and a measure word, not a name (四川北路 is one)."""
    return prefix[0] in NUMERALS and (len(prefix) == 1 or prefix[1] in NUMERALS
                                      or prefix[1] in MEASURE_WORDS)


def find_places(text: str, model_spans) -> list[Hit]:
    return _suffix_hits(text, PLACE_SUFFIXES, "placeName", 8, model_spans, admin_ok=False,
                        stops=("街道", "居民区", "小区", "镇"))


def find_orgs(text: str, model_spans) -> list[Hit]:
    return _suffix_hits(text, ORG_SUFFIXES, "orgName", 16, model_spans, admin_ok=True,
                        stops=("医院", "公司", "中心", "委员会", "政府", "办事处"))


def find_org_words(text: str) -> list[Hit]:
    """市委, 国务院 … (weaker than everything else: dropped where they overlap).

    区委书记 stays one title, while 新华社记者 and 国务院总理 hold the body's name.
    中央 alone is mostly "central" (中央有关部门); it is the Party Centre for
    certain only next to another body (中央和市委, 中央、市委)."""
    out = []
    for m in _ORG_WORDS_RE.finditer(text):
        word, start, end = m.group(), m.start(), m.end()
        if word.endswith("委") and ROLE_RE.match(text, start):
            continue
        if word == "中央" and not _next_to_body(text, start, end):
            continue
        out.append(Hit(start, end, "orgName"))
    return out


def _next_to_body(text: str, start: int, end: int) -> bool:
    """中央和市委, 市委、中央: a body's short name coordinated with another's."""
    joins = "和、与及"
    after = text[end:end + 1] in joins and bool(_ORG_WORDS_RE.match(text, end + 1))
    before = start > 0 and text[start - 1] in joins and text.endswith(ORG_WORDS, 0, start - 1)
    return after or before


def find_place_lists(text: str, known: list[tuple[int, int]]) -> list[Hit]:
    """走访了A、B等地: the untagged items of a list that ends in 等地 are places."""
    out = []
    for m in _LIST_END_RE.finditer(text):
        end = m.start()
        while end > 0:
            starts = [s for s, e in known if e == end]
            if starts:
                start = min(starts)
            else:
                start = end
                while start > 0 and (is_han(text[start - 1]) or text[start - 1].isalnum()) \
                        and end - start < 12:
                    start -= 1
            separated = text[start - 1:start] == "、"
            if not starts and separated and start < end:
                out.append(Hit(start, end, "placeName"))
            if not separated:
                break
            end = start - 1
    return out


def _outermost(hits: list[Hit]) -> list[Hit]:
    """Of hits of the same kind, keep those not inside another."""
    hits = sorted(set(hits), key=lambda h: (h.start, -h.end))
    out = []
    for h in hits:
        if out and out[-1].start <= h.start and h.end <= out[-1].end:
            continue
        out.append(h)
    return out


def _unique(hits):
    seen, out = set(), []
    for h in hits:
        key = (h.start, h.end, h.kind)
        if key not in seen:
            seen.add(key)
            out.append(h)
    return out
