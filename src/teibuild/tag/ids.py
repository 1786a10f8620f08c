"""Stable register ids and readings: pinyin with the readings a reader expects.

pypinyin picks the commonest reading of a character, which is wrong for
several surnames (单 shan, not dan) and Shanghai place names (闵行 minhang).
Those readings are fixed here, without touching pypinyin's global dictionaries.
"""

from __future__ import annotations

import functools
import hashlib
import re

from pypinyin import Style, lazy_pinyin

from ..pinyin import run_together

# Surnames whose reading differs from the character's commonest reading.
SURNAME_READINGS = {
    "单": "shàn", "曾": "zēng", "仇": "qiú", "解": "xiè", "区": "ōu", "朴": "piáo",
    "查": "zhā", "乐": "yuè", "缪": "miào", "覃": "qín", "盖": "gě", "种": "chóng",
    "尉迟": "yùchí", "万俟": "mòqí", "长孙": "zhǎngsūn", "召": "shào", "柏": "bǎi",
}
DOUBLE_SURNAMES = {
    "欧阳", "司马", "上官", "诸葛", "东方", "皇甫", "尉迟", "公孙", "慕容", "长孙", "宇文",
    "司徒", "夏侯", "轩辕", "令狐", "端木", "万俟", "澹台", "西门", "南宫", "独孤", "呼延",
}
# Place names read differently from their characters' commonest readings.
PLACE_READINGS = {
    "闵行": "mǐnháng", "长宁": "chángníng", "长江": "chángjiāng", "长沙": "chángshā",
    "长春": "chángchūn", "六安": "lù'ān", "蚌埠": "bèngbù", "番禺": "pānyú",
    "乐清": "yuèqīng", "丽水": "líshuǐ", "莘庄": "xīnzhuāng", "大厦": "dàshà",
    "行政": "xíngzhèng", "银行": "yínháng", "重庆": "chóngqìng",
}
# Generic words at the end of place and organisation names, split off in ids
# so that 北外滩街道社区卫生服务中心 becomes beiwaitan-jiedao-shequ-weisheng-fuwu-zhongxin.
GENERIC_WORDS = sorted({
    "街道", "社区", "卫生", "服务", "中心", "医院", "委员会", "领导小组", "工作", "组织部",
    "办事处", "有限公司", "公司", "政府", "人大常委会", "常委会", "政协", "居民区", "居委会",
    "小区", "新村", "大学", "学校", "中学", "小学", "银行", "集团", "协会", "管理", "物业",
    "路", "镇", "村", "区", "市", "省", "县", "乡", "街", "大道", "广场", "公园", "酒店",
}, key=len, reverse=True)
_PLACE_RE = re.compile("|".join(sorted(PLACE_READINGS, key=len, reverse=True)))
# Longest id: longer names keep a readable start and a hash of the whole name, so
# that ids (and the file names a site derives from them) stay short and distinct.
MAX_ID = 48
_HASH_LEN = 8
_TONE_MARKS = str.maketrans("āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜü", "aaaaeeeeiiiioooouuuuvvvvv")


def reading(text: str) -> list[str]:
    """Tone-marked pinyin syllables (non-Han runs kept as they are), fixed readings applied."""
    out: list[str] = []
    pos = 0
    for m in _PLACE_RE.finditer(text):
        out += _plain(text[pos:m.start()])
        out.append(PLACE_READINGS[m.group()])
        pos = m.end()
    return out + _plain(text[pos:])


@functools.lru_cache(maxsize=4096)
def _plain_cached(text: str) -> tuple[str, ...]:
    return tuple(lazy_pinyin(text, style=Style.TONE, errors=lambda s: [s]))


def _plain(text: str) -> list[str]:
    return list(_plain_cached(text)) if text else []


def split_person(name: str) -> tuple[str, str]:
    """Surname and given name (two-character surnames recognised)."""
    if len(name) >= 3 and name[:2] in DOUBLE_SURNAMES:
        return name[:2], name[2:]
    return name[:1], name[1:]


def person_reading(name: str) -> tuple[str, str]:
    """(surname, given name) in tone-marked pinyin, surname readings fixed."""
    surname, given = split_person(name)
    sur = SURNAME_READINGS.get(surname) or run_together(reading(surname))
    return sur, run_together(reading(given))


def pinyin_label(name: str, kind: str) -> str:
    """A readable romanisation: `Guō Fāng`, `Běiwàitān Jiēdào`."""
    if kind == "person":
        sur, given = person_reading(name)
        return " ".join(w[:1].upper() + w[1:] for w in (sur, given) if w)
    words = _words(name)
    return " ".join(run_together(reading(w)).capitalize() for w in words if w.strip())


def _words(name: str) -> list[str]:
    """Peel generic words off the end: 北外滩街道 → [北外滩, 街道]."""
    tail: list[str] = []
    rest = name
    while rest:
        for word in GENERIC_WORDS:
            if rest.endswith(word) and len(rest) > len(word):
                tail.insert(0, word)
                rest = rest[: -len(word)]
                break
        else:
            break
    return [rest, *tail]


def _ascii(syllables: str) -> str:
    s = syllables.translate(_TONE_MARKS).lower()
    return re.sub(r"[^a-z0-9]+", "", s)


def base_id(name: str, kind: str) -> str:
    """The id before collision handling: `guo-fang`, `beiwaitan-jiedao`."""
    if kind == "person":
        parts = [_ascii(p) for p in person_reading(name)]
    else:
        parts = [_ascii("".join(reading(w))) for w in _words(name)]
    ident = "-".join(p for p in parts if p)
    if not ident:
        ident = "u" + "".join(f"{ord(c):x}" for c in name)[:24]
    if not (ident[0].isalpha() or ident[0] == "_"):
        ident = "n" + ident
    if len(ident) > MAX_ID:
        digest = hashlib.sha256(name.encode("utf-8")).hexdigest()[:_HASH_LEN]
        ident = ident[:MAX_ID - _HASH_LEN - 1].rstrip("-") + "-" + digest
    return ident
