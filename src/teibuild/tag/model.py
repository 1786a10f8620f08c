"""The character CRF that finds names the registers and patterns do not know.

Chinese has no spaces, so the model labels characters (BIOES over PER, LOC, ORG)
from a small window of characters and character classes. The same feature
function serves training and tagging, so the two can never drift apart.
"""

from __future__ import annotations

import functools
import gzip
import itertools
from pathlib import Path

from ..fsutil import atomic_write, sha256
from . import words
from .lexicon import SURNAMES

MODEL_PATH = Path(__file__).with_name("data") / "ner.crfsuite"
TYPES = ("PER", "LOC", "ORG")
# A guessed person or body is kept only when the model gives each of its characters'
# labels at least this probability (chosen on the dev splits: persons and bodies more
# precise on all three, places no better, so they are kept whatever their probability).
SURE_ENOUGH = {"PER": 0.45, "ORG": 0.45}
# @cert of a guess from that same probability: on the dev splits about 9 in 10 of the
# guesses at 0.9 or more were right, 3 in 4 of those from 0.7, 1 in 2 of the rest
CERT_FROM = ((0.9, "high"), (0.7, "medium"), (0.0, "low"))
_PAD = ("^2", "^1")
_END = ("$1", "$2")

_CLASSES = "TDNSAHPBE"   # what _char_class says, and the padding's B and E
_CN_DIGITS = frozenset("〇零一二三四五六七八九十百千万两")
SURNAME_CHARS = frozenset(n for n in SURNAMES if len(n) == 1)
PLACE_END_CHARS = frozenset("省市县区镇乡村路街州岛山河湖江海港湾国洲")
# Characters of the standard transliteration of foreign names (克林顿, 萨塔基·阿齐兹):
# a run of them is a strong hint of a foreign person or place the corpora never show.
TRANSLIT_CHARS = frozenset(
    "阿埃艾爱安昂奥巴拜班邦保鲍贝本比彼毕宾波伯博布查达戴丹道德登迪蒂丁东杜敦多厄恩尔法凡菲"
    "费芬丰佛夫弗福富盖甘冈戈哥格根贡古瓜圭哈海汉豪赫黑亨洪胡霍基吉加贾坚杰金卡凯坎康考柯科"
    "克肯库夸奎昆拉莱赖兰朗劳勒雷蕾里利莉丽林琳卢鲁路伦罗洛玛马迈麦曼芒梅门蒙米摩莫姆穆纳奈"
    "南内尼努诺欧帕潘庞佩彭皮珀普奇齐恰乔切琴丘萨塞赛桑瑟森沙莎什施舒斯松苏索塔泰坦汤特提廷"
    "通图托瓦万旺威韦维温沃乌伍西希锡谢辛休雅亚扬耶伊因英尤约泽扎詹兹佐·")


def _char_class(ch: str) -> str:
    if ch in TRANSLIT_CHARS:
        return "T"
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


class Attributes:
    """The attributes of every character of a text, with the caches that make them cheap.

    Attributes are built once per character, bigram and class pattern and reused
    (this runs on every character of every issue), as UTF-8 bytes, as the CRF
    stores them: handing it str makes it encode every attribute again. `known`:
    the attributes a model has weights for; the others are left out, which changes
    nothing the model computes (the CRF ignores attributes it does not know) but
    spares it reading them: with L1 regularisation they are about 45 % of a page's.
    Training uses every attribute (`known` None)."""

    _BIGRAMS_KEPT = 200_000  # distinct bigrams remembered (a few tens of MB at most)

    def __init__(self, known: frozenset[bytes] | None = None):
        self.known = known
        self._units: dict[str, tuple] = {}
        self._bigrams: dict[str, tuple[tuple[bytes, ...], ...]] = {}
        # every pattern of three classes (_char_class's, and B / E for the padding)
        self._classes = {k: self._kept(b"k=" + k.encode("ascii"))
                         for k in map("".join, itertools.product(_CLASSES, repeat=3))}

    def _kept(self, *attributes: bytes) -> tuple[bytes, ...]:
        known = self.known
        return attributes if known is None else tuple(a for a in attributes if a in known)

    def _unit(self, c: str) -> tuple:
        """What one character contributes: (itself as written in attributes, its class,
        its own attributes, those it gives as c-1 and as c+1, what it tells the next
        character, itself in UTF-8)."""
        if c in _PAD or c in _END:
            written, cls = c, "B" if c in _PAD else "E"
        else:
            written, cls = ("_" if c.isspace() else c), _char_class(c)
        w = written.encode("utf-8")
        own = self._kept(b"c=" + w, *((b"sur",) if written in SURNAME_CHARS else ()),
                         *((b"loc",) if written in PLACE_END_CHARS else ()))
        t = self._units[c] = (written, cls, own, self._kept(b"c-1=" + w),
                              self._kept(b"c+1=" + w),
                              self._kept(b"sur-1") if written in SURNAME_CHARS else (), w)
        return t

    def _bigram(self, b: str) -> tuple[tuple[bytes, ...], ...]:
        """(b-1, b+1, b-2, b+2) attributes of a bigram, and its trigram prefix bare."""
        if len(self._bigrams) >= self._BIGRAMS_KEPT:
            self._bigrams.clear()
        e = b.encode("utf-8")
        t = self._bigrams[b] = (self._kept(b"b-1=" + e), self._kept(b"b+1=" + e),
                                self._kept(b"b-2=" + e), self._kept(b"b+2=" + e), b"t0=" + e)
        return t

    def __call__(self, text: str) -> list[list[bytes]]:
        units, unit = self._units.get, self._unit
        u = [units(c) or unit(c) for c in (*_PAD, *text, *_END)]
        ch = [x[0] for x in u]
        cl = [x[1] for x in u]
        bigram, new_bigram, classes = self._bigrams.get, self._bigram, self._classes
        bi = [bigram(b) or new_bigram(b) for b in map(str.__add__, ch, ch[1:])]  # ch[i] ch[i+1]
        known = self.known
        out = []
        for i in range(2, len(u) - 2):
            prev, nxt = u[i - 1], u[i + 1]
            k = cl[i - 1] + cl[i] + cl[i + 1]
            trigram = bi[i - 1][4] + nxt[6]
            out.append([*u[i][2], *prev[3], *nxt[4], *bi[i - 1][0], *bi[i][1], *bi[i - 2][2],
                        *bi[i + 1][3], *((trigram,) if known is None or trigram in known else ()),
                        *classes[k], *prev[5]])
        for i, found in words.attributes(text).items():
            out[i].extend(found if known is None else (a for a in found if a in known))
        return out


_EVERY_ATTRIBUTE = Attributes()


def features(text: str) -> list[list[bytes]]:
    """Attributes for every character of `text`: characters in a ±1 window, bigrams
    in a ±2 window, the centred trigram, the classes of the centred three
    characters, and whether a character is a common surname, a place-name ending or a
    transliteration character (knowledge that generalises to names the corpora
    never show), and the dictionary words around it (`words.attributes`)."""
    return _EVERY_ATTRIBUTE(text)


def spans_from_labels(labels: list[str]) -> list[tuple[int, int, str]]:
    """(start, end, type) for every entity in BIO or BIOES labels: B- opens, I- and
    E- continue (E- also closes), S- is a one-character entity; a stray I- or E-
    opens a new entity (the corpora come in BIO, the model speaks BIOES)."""
    spans = []
    start, kind = None, None
    marked = [i for i, lab in enumerate(labels) if lab != "O"]  # most characters are O
    if not marked:
        return spans
    labels = labels[:marked[-1] + 1]
    for i, lab in enumerate([*labels, "O"][marked[0]:], marked[0]):
        head, of = lab[:2], lab[2:]
        if kind == of and head in ("I-", "E-"):
            if head == "E-":
                spans.append((start, i + 1, kind))
                start, kind = None, None
            continue
        if kind is not None:
            spans.append((start, i, kind))
            start, kind = None, None
        if head in ("S-", "E-"):
            spans.append((i, i + 1, of))
        elif lab != "O":
            start, kind = i, of
    return spans


class NameModel:
    """A loaded CRF; `entities(text)` gives character spans with their type."""

    def __init__(self, path: Path = MODEL_PATH):
        import pycrfsuite

        self.path = Path(path)
        self._tagger = pycrfsuite.Tagger()
        self._tagger.open(str(self.path))
        digest = _digest(self.path)
        self._features = Attributes(read_attributes(self.path, digest))
        self._types = read_names(self.path, digest)

    def labels(self, text: str) -> list[str]:
        if not text:
            return []
        return self._tagger.tag(self._features(text))

    def entities(self, text: str) -> list[tuple[int, int, str]]:
        """The model's names as (start, end, type): `sure_enough(self.guesses(text))`."""
        return sure_enough(self.guesses(text))

    def guesses(self, text: str) -> list[tuple[int, int, str, float]]:
        """Every name of the model's best labelling as (start, end, type, p): the type the
        corpora it learnt from always give it (张家界 is a place there, never a person),
        else the one it guessed; p, the least probability the model gives one of its
        characters' labels (the CRF's marginals)."""
        labels, types = self.labels(text), self._types
        marginal = self._tagger.marginal
        return [(s, e, types.get(text[s:e], k), min(marginal(labels[i], i) for i in range(s, e)))
                for s, e, k in spans_from_labels(labels)]


def sure_enough(guesses) -> list[tuple[int, int, str]]:
    """The guesses to keep: a person or body only if the model is sure enough of every
    character of it (`SURE_ENOUGH`: its best labelling is often unsure of names run
    together, foreign places and long bodies, and dropping those gains more precision
    than it costs recall)."""
    return [(s, e, k) for s, e, k, p in guesses if p >= SURE_ENOUGH.get(k, 0.0)]


def cert(p: float) -> str:
    """The TEI @cert of a guess the model gives probability `p` (`CERT_FROM`)."""
    return next(level for least, level in CERT_FROM if p >= least)


# What is kept beside a model (ner.crfsuite → ner.attributes, ner.names): gzipped lines,
# the first the model's SHA-256, so that a list made for another model is never used.

def sidecar(model: Path, kind: str) -> Path:
    return Path(model).with_suffix(f".{kind}")


def write_attributes(model: Path) -> Path:
    """Write the attributes `model` has weights for beside it (pycrfsuite reads them from
    a dump of the model, about a second: once, when the model is made, not every time
    it is loaded)."""
    import pycrfsuite

    tagger = pycrfsuite.Tagger()
    tagger.open(str(model))
    names = sorted({a.encode("utf-8") for a, _label in tagger.info().state_features})
    tagger.close()
    return _write_sidecar(model, "attributes", names)


def read_attributes(model: Path, digest: str | None = None) -> frozenset[bytes] | None:
    """The attributes `model` has weights for, or None (every attribute is then handed to
    the CRF: the same labels, only slower)."""
    lines = _read_sidecar(model, "attributes", digest)
    return None if lines is None else frozenset(lines)


def write_names(model: Path, examples) -> Path:
    """Write beside `model` the names of two characters or more that its training
    `examples` ((text, spans) pairs) mark, each always with the same type."""
    seen: dict[str, set[str]] = {}
    for text, spans in examples:
        for start, end, kind in spans:
            if end - start >= 2:
                seen.setdefault(text[start:end], set()).add(kind)
    rows = sorted(f"{name}\t{next(iter(kinds))}".encode("utf-8")
                  for name, kinds in seen.items() if len(kinds) == 1 and name.isprintable())
    return _write_sidecar(model, "names", rows)


def read_names(model: Path, digest: str | None = None) -> dict[str, str]:
    """{name: type} as write_names left them for this model, or {}."""
    lines = _read_sidecar(model, "names", digest) or []
    return dict(line.decode("utf-8").split("\t") for line in lines)


def _write_sidecar(model: Path, kind: str, lines: list[bytes]) -> Path:
    if any(b"\n" in line for line in lines):
        raise ValueError(f"{model}: a line of its {kind} holds a line end")
    target = sidecar(model, kind)
    body = b"\n".join([_digest(model).encode("ascii"), *lines]) + b"\n"
    atomic_write(target, gzip.compress(body, 9, mtime=0))
    return target


def _read_sidecar(model: Path, kind: str, digest: str | None = None) -> list[bytes] | None:
    """The lines kept beside `model`, if they were made for this very model; else None."""
    try:
        lines = gzip.decompress(sidecar(model, kind).read_bytes()).split(b"\n")
    except (OSError, EOFError, gzip.BadGzipFile):
        return None
    if lines[0] != (digest or _digest(model)).encode("ascii") or lines[-1] != b"":
        return None
    return lines[1:-1]


def _digest(path: Path) -> str:
    return sha256(Path(path).read_bytes())


@functools.lru_cache(maxsize=1)
def default_model() -> NameModel | None:
    """The model shipped with the package, or None when it was not built."""
    return NameModel() if MODEL_PATH.exists() else None
