"""Hanyu pinyin for Chicago-style citations of Chinese sources.

Chicago (CMOS 11.82-11.84) gives Chinese titles and names in pinyin without
tone marks, syllables of one word joined, words separated, sentence-style
capitals, followed by the characters. Words come from jieba's segmenter,
readings from pypinyin; names read surnames with their surname readings.
"""

from __future__ import annotations

import functools
import logging
import os
import re
import sqlite3
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path

from ..pinyin import run_together

_HAN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
# Full-width punctuation as it is written in romanised text.
_PUNCT = str.maketrans({"、": ",", "，": ",", "。": ".", "：": ":", "；": ";", "！": "!",
                        "？": "?", "（": "(", "）": ")", "《": "", "》": "", "〈": "", "〉": "", "·": " ",
                        "—": "-", "　": " "})
_NO_SPACE_BEFORE = set(",.:;!?)”’")
_NO_SPACE_AFTER = set("(“‘")
# Two-character surnames and surnames read differently from the common word.
_COMPOUND_SURNAMES = {"欧阳", "司马", "诸葛", "上官", "东方", "皇甫", "尉迟", "公孙", "慕容",
                      "夏侯", "长孙", "司徒", "令狐", "宇文", "独孤", "端木", "轩辕", "南宫",
                      "西门", "呼延", "万俟", "申屠", "闻人", "澹台", "太史", "钟离"}
_SURNAME_READINGS = {"单": "shan", "曾": "zeng", "解": "xie", "区": "ou", "仇": "qiu",
                     "朴": "piao", "查": "zha", "盖": "ge", "乐": "yue", "覃": "qin",
                     "缪": "miao", "翟": "zhai", "召": "shao", "种": "chong", "秘": "bi",
                     "尉迟": "yuchi", "万俟": "moqi", "员": "yun", "繁": "po", "柏": "bai",
                     "华": "hua", "折": "she", "隗": "wei", "长孙": "zhangsun"}


def has_han(text: str) -> bool:
    return bool(_HAN.search(text))


@functools.lru_cache(maxsize=1)
def _segmenter():
    import jieba

    jieba.setLogLevel(logging.WARNING)
    tokenizer = jieba.Tokenizer()
    tokenizer.initialize()
    _Words.keep(tokenizer)
    return tokenizer


#: texts a process segments by looking up their substrings in `_Words` before it loads
#: jieba's whole dictionary, which is then quicker (a first build segments thousands)
_LOOKUPS = 100


class _Words:
    """jieba's dictionary as an SQLite table in tei-build's cache folder.

    Loading it takes jieba 1.3 s (600,000 words and prefixes), and a rebuild after a
    heading was corrected segments one new title. Looked up here, only the title's
    substrings are read; given those entries, jieba's own segmentation (`_segmented`)
    finds exactly the words it finds with the whole dictionary, since it asks the
    dictionary about substrings of the text only. The file is named after jieba's
    version and dictionary, written whole where jieba's dictionary is loaded anyway
    (`keep`); a damaged or missing one is only no short cut."""

    _open: dict = {}       # by process (a connection is not to cross a fork): the
    #                        connection, (db, total, longest), or None if no usable file
    _used = 0

    @staticmethod
    def _path():
        from importlib import metadata

        import jieba

        from ..cachedir import kept_file

        stat = (Path(jieba.__file__).parent / jieba.DEFAULT_DICT_NAME).stat()
        return kept_file("jieba-words", ".sqlite", metadata.version("jieba"),
                         f"{stat.st_size} {stat.st_mtime_ns}")

    @classmethod
    def connection(cls):
        pid = os.getpid()
        if pid not in cls._open:
            cls._open.clear()
            cls._open[pid] = None
            try:
                path = cls._path()
                if path is not None and path.is_file():
                    db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
                    total, longest = db.execute("SELECT total, longest FROM meta").fetchone()
                    cls._open[pid] = (db, int(total), int(longest))
            except (OSError, sqlite3.Error, TypeError, ValueError):
                pass
        return cls._open[pid]

    @classmethod
    def segmenter(cls, text: str):
        """A jieba tokenizer that knows the dictionary's entries for `text`'s substrings,
        or None (no file, or this process has looked up enough to load the dictionary)."""
        cls._used += 1
        found = cls.connection() if cls._used <= _LOOKUPS else None
        if found is None:
            return None
        import jieba

        db, total, longest = found
        wanted = list({text[i:j] for i in range(len(text))
                       for j in range(i + 1, min(i + longest, len(text)) + 1)})
        freq = {}
        try:
            for start in range(0, len(wanted), 500):
                chunk = wanted[start:start + 500]
                freq.update(db.execute(
                    f"SELECT word, freq FROM words WHERE word IN ({','.join('?' * len(chunk))})",
                    chunk).fetchall())
        except sqlite3.Error:
            return None
        tokenizer = jieba.Tokenizer()
        tokenizer.FREQ, tokenizer.total, tokenizer.initialized = freq, total, True
        return tokenizer

    @classmethod
    def keep(cls, tokenizer) -> None:
        """Write the dictionary `tokenizer` loaded, unless it is there already."""
        from ..cachedir import drop_others
        from ..fsutil import atomic_write

        try:
            path = cls._path()
            if path is None or path.is_file():
                return
            db = sqlite3.connect(":memory:")
            db.execute("CREATE TABLE words (word TEXT PRIMARY KEY, freq INTEGER) WITHOUT ROWID")
            db.executemany("INSERT INTO words VALUES (?, ?)", tokenizer.FREQ.items())
            db.execute("CREATE TABLE meta (total INTEGER, longest INTEGER)")
            db.execute("INSERT INTO meta VALUES (?, ?)",
                       (tokenizer.total, max(map(len, tokenizer.FREQ))))
            db.commit()
            atomic_write(path, db.serialize())
            db.close()
            drop_others(path)
        except (OSError, sqlite3.Error):
            pass


def _word(word: str) -> str:
    """One word's syllables run together; an apostrophe before a, o, e inside it (Xi'an).
    Remembered like a text (`remember`): a corrected title whose words the edition's
    titles have used before is romanised without pypinyin, whose import takes 0.2 s."""
    return _remembered(_WORD + word, lambda: [_syllables(word)])[0]


def _syllables(word: str) -> str:
    from pypinyin import Style, lazy_pinyin   # (its dictionaries take a second to load)

    return run_together(lazy_pinyin(word, style=Style.NORMAL, v_to_u=True))


#: romanised words of texts seen before, given by `remember` (the segmenter's and
#: pypinyin's dictionaries take longer to load than rendering one issue: a rebuild that
#: romanises only titles, names and places it has seen before loads neither). Names and
#: places, and the words of texts, are kept under their kind (_NAME, _PLACE, _WORD), which
#: no text of a title can begin with.
_known: dict[str, tuple[str, ...]] = {}
#: every text romanised since `used` was last called, with its words
_used: dict[str, tuple[str, ...]] = {}


def remember(known: Mapping[str, Sequence[str]]) -> None:
    """Take the romanised words of texts as known (what `used` gave, with this code and
    the same jieba and pypinyin: the caller checks that)."""
    _known.update((text, tuple(pieces)) for text, pieces in known.items())


def used() -> dict[str, tuple[str, ...]]:
    """The texts romanised since the last call, and their words; and forget them."""
    out = dict(_used)
    _used.clear()
    return out


_NAME, _PLACE, _WORD = "\x00name\x00", "\x00place\x00", "\x00word\x00"   # (XML: no U+0000)


def _remembered(key: str, make: Callable[[], Iterable[str]]) -> tuple[str, ...]:
    pieces = _known.get(key)
    if pieces is None:
        pieces = _known[key] = tuple(make())
    _used[key] = pieces
    return pieces


def _pieces(text: str) -> tuple[str, ...]:
    """Romanised words of plain text (no names): one per segmented word or punctuation."""
    return _remembered(text, lambda: _segmented(text))


def _segmented(text: str) -> list[str]:
    words = []
    for token in (_Words.segmenter(text) or _segmenter()).lcut(text, HMM=False):
        token = token.translate(_PUNCT)
        if token.strip():
            words.append(_word(token) if has_han(token) else token.strip())
    return words


def romanize(text: str, names: Iterable[tuple[str, str]] = ()) -> str:
    """Pinyin of a title, sentence-style: `确保不漏一户、不落一人` → `Quebao bu lou yihu, bu luo yi ren`.

    `names` are (kind, text) pairs of the proper names marked in the title
    (persName, placeName, orgName): they are capitalised, persons surname first.
    """
    if not has_han(text):
        return text
    known = {name: kind for kind, name in names if name and has_han(name)}
    chunks = re.split(f"({'|'.join(map(re.escape, sorted(known, key=len, reverse=True)))})",
                      text) if known else [text]
    pieces: list[str] = []
    for chunk in chunks:
        if chunk in known:
            pieces.append(romanize_name(chunk) if known[chunk] == "persName"
                          else " ".join(w.capitalize() for w in _pieces(chunk)))
        elif chunk:
            pieces.extend(_pieces(chunk))
    words: list[str] = []
    for piece in pieces:
        if words and (piece[:1] in _NO_SPACE_BEFORE or words[-1][-1:] in _NO_SPACE_AFTER):
            words[-1] += piece
        else:
            words.append(piece)
    result = " ".join(words)
    first = next((i for i, char in enumerate(result) if char.isalpha()), 0)
    return result[:first] + result[first:first + 1].upper() + result[first + 1:]


def romanize_name(name: str) -> str:
    """A Chinese personal name, surname first: `陆雪姣` → `Lu Xuejiao`, `欧阳修` → `Ouyang Xiu`."""
    if not has_han(name) or len(name) < 2:
        return romanize(name)
    return _remembered(_NAME + name, lambda: [_surname_first(name)])[0]


def _surname_first(name: str) -> str:
    size = 2 if name[:2] in _COMPOUND_SURNAMES and len(name) > 2 else 1
    surname, given = name[:size], name[size:]
    family = _SURNAME_READINGS.get(surname) or _word(surname)
    return f"{family.capitalize()} {_word(given).capitalize()}"


def romanize_place(name: str) -> str:
    """A place name as one capitalised word: `上海` → `Shanghai`."""
    if not has_han(name):
        return name
    return _remembered(_PLACE + name, lambda: [_word(name).capitalize()])[0]
