"""The character CRF that finds names the registers and patterns do not know.

Chinese has no spaces, so the model labels characters (BIO over PER, LOC, ORG)
from a small window of characters and character classes. The same feature
function serves training and tagging, so the two can never drift apart.
"""

from __future__ import annotations

import functools
from pathlib import Path

from .lexicon import SURNAMES

MODEL_PATH = Path(__file__).with_name("data") / "ner.crfsuite"
TYPES = ("PER", "LOC", "ORG")

_CN_DIGITS = set("〇零一二三四五六七八九十百千万两")
_PAD = ("^2", "^1")
SURNAME_CHARS = frozenset(n for n in SURNAMES if len(n) == 1)
PLACE_END_CHARS = frozenset("省市县区镇乡村路街州岛山河湖江海港湾国洲")
_END = ("$1", "$2")


def _char_class(ch: str) -> str:
    if ch.isdigit():
        return "D"
    if ch in _CN_DIGITS:
        return "N"
    if ch.isspace():
        return "S"
    if "a" <= ch.lower() <= "z":
        return "A"
    if "\u4e00" <= ch <= "\u9fff" or "\u3400" <= ch <= "\u4dbf":
        return "H"
    return "P"


def features(text: str) -> list[list[str]]:
    """Attributes for every character of `text`: characters and bigrams in a ±2
    window, the centred trigram, character classes, and whether a character is a
    common surname or a common place-name ending (knowledge that generalises to
    names the corpora never show)."""
    chars = [*_PAD, *("_" if c.isspace() else c for c in text), *_END]
    classes = ["B", "B", *map(_class_of, text), "E", "E"]
    unigrams = [_unigrams(c) for c in chars]
    bigrams = [x + y for x, y in zip(chars, chars[1:])]  # bigrams[i] = chars[i] + chars[i+1]
    out = []
    for i in range(2, len(chars) - 2):
        f = [*unigrams[i][0], unigrams[i - 1][1], unigrams[i + 1][2], unigrams[i - 2][3],
             unigrams[i + 2][4], "b-1=" + bigrams[i - 1], "b+1=" + bigrams[i],
             "b-2=" + bigrams[i - 2], "b+2=" + bigrams[i + 1], "t0=" + bigrams[i - 1] + chars[i + 1],
             "k=" + classes[i - 1] + classes[i] + classes[i + 1]]
        if chars[i - 1] in SURNAME_CHARS:
            f.append("sur-1")
        out.append(f)
    return out


_CLASS_CACHE: dict[str, str] = {}


def _class_of(ch: str) -> str:
    cls = _CLASS_CACHE.get(ch)
    if cls is None:
        cls = _CLASS_CACHE[ch] = _char_class(ch)
    return cls


@functools.lru_cache(maxsize=8192)
def _unigrams(c: str) -> tuple:
    """The prefixed strings a character contributes: (own attributes, as c-1, c+1, c-2, c+2)."""
    own = ["c=" + c]
    if c in SURNAME_CHARS:
        own.append("sur")
    if c in PLACE_END_CHARS:
        own.append("loc")
    return (tuple(own), "c-1=" + c, "c+1=" + c, "c-2=" + c, "c+2=" + c)


def spans_from_labels(labels: list[str]) -> list[tuple[int, int, str]]:
    """(start, end, type) for every B-/I- run; a stray I- starts a new entity."""
    spans = []
    start, kind = None, None
    for i, lab in enumerate([*labels, "O"]):
        if lab.startswith("I-") and kind == lab[2:]:
            continue
        if kind is not None:
            spans.append((start, i, kind))
            start, kind = None, None
        if lab != "O":
            start, kind = i, lab[2:]
    return spans


class NameModel:
    """A loaded CRF; `entities(text)` gives character spans with their type."""

    def __init__(self, path: Path = MODEL_PATH):
        import pycrfsuite

        self.path = Path(path)
        self._tagger = pycrfsuite.Tagger()
        self._tagger.open(str(self.path))

    def labels(self, text: str) -> list[str]:
        if not text:
            return []
        return self._tagger.tag(features(text))

    def entities(self, text: str) -> list[tuple[int, int, str]]:
        return spans_from_labels(self.labels(text))


@functools.lru_cache(maxsize=1)
def default_model() -> NameModel | None:
    """The model shipped with the package, or None when it was not built."""
    return NameModel() if MODEL_PATH.exists() else None
