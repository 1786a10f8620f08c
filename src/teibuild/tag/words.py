"""Words of general Chinese and names known to a dictionary, as hints for the name model.

The annotated corpora are small: a character CRF trained on them alone cannot
tell where one name ends and the next begins in a list written without
separators (李鹏乔石李瑞环), and it has never seen most of the people and
places a newspaper mentions. jieba's dictionary (349,046 words with part of
speech, built from large segmented corpora) knows many of them. Its words
become attributes of the characters they cover: the longest dictionary word
starting and ending at a character (word boundaries), and whether the
character begins, continues or ends a word the dictionary marks as a person
(nr, nrfg, nrt), place (ns) or organisation (nt). The dictionary is noisy
(一劳永逸 is listed as nr), so these are hints the CRF learns to weigh, never
decisions.

The derived list is shipped in the package (`data/words.tsv.gz`), so the
attributes cannot drift with the installed jieba; rebuild it with
`python -m teibuild.tag.words` (from jieba 0.42.1's dict.txt, MIT licence).
"""

from __future__ import annotations

import functools
import gzip
import hashlib
import itertools
import marshal
import sys
from pathlib import Path

from ..cachedir import drop_others, kept_file
from ..fsutil import atomic_write

WORDS_PATH = Path(__file__).with_name("data") / "words.tsv.gz"
KINDS = {"nr": "P", "nrfg": "P", "nrt": "P", "ns": "L", "nt": "O"}
LONGEST_WORD = 6   # longer plain words add nothing the boundaries need
LONGEST_NAME = 8


def _han(word: str) -> bool:
    return all("\u4e00" <= c <= "\u9fff" or c == "·" for c in word)


def build(dict_txt: Path) -> bytes:
    """`word<TAB>kind` lines (P, L, O for names, W for other words), sorted, gzipped
    without a timestamp so the same dictionary gives the same bytes."""
    rows = []
    for line in Path(dict_txt).read_text(encoding="utf-8").splitlines():
        word, _freq, pos = line.split(" ")
        kind = KINDS.get(pos, "W")
        limit = LONGEST_NAME if kind != "W" else LONGEST_WORD
        if 2 <= len(word) <= limit and _han(word):
            rows.append(f"{word}\t{kind}")
    return gzip.compress(("\n".join(sorted(rows)) + "\n").encode("utf-8"), 9, mtime=0)


@functools.lru_cache(maxsize=1)
def load(path: Path = WORDS_PATH) -> dict[str, str]:
    """Every word with its kind, and every beginning of a word with "" (so a scan can
    stop as soon as what it has read begins no word, as jieba's own scan does).

    Making the table takes 0.55–0.72 s, which every convert process paid; it is kept,
    made, in tei-build's cache folder (`_read_kept`), and read from there in 0.23 s."""
    if not Path(path).exists():
        return {}
    data = Path(path).read_bytes()
    kept = kept_file("words", ".marshal", data, Path(__file__).read_bytes())
    table = _read_kept(kept) if kept else None
    if table is None:
        rows = gzip.decompress(data).decode("utf-8").splitlines()
        table = dict.fromkeys({w[:k] for w, _ in map(_split, rows) for k in range(1, len(w))}, "")
        table.update(map(_split, rows))
        if kept:
            _keep(kept, table)
    return table


def _read_kept(path: Path) -> dict[str, str] | None:
    """The table as `_keep` wrote it (marshalled after its sha256); None if the file is
    missing, damaged or not a table of words."""
    try:
        data = path.read_bytes()
        if hashlib.sha256(data[32:]).digest() != data[:32]:
            return None
        table = marshal.loads(data[32:])
    except (OSError, EOFError, ValueError, TypeError):
        return None
    if not isinstance(table, dict) or not table:
        return None
    # some items spread over it: checking all would take as long as making it
    some = itertools.islice(table.items(), 0, None, max(1, len(table) // 64))
    return table if all(isinstance(k, str) and isinstance(v, str) for k, v in some) else None


def _keep(path: Path, table: dict[str, str]) -> None:
    data = marshal.dumps(table)
    try:
        atomic_write(path, hashlib.sha256(data).digest() + data)
        drop_others(path)
    except OSError:
        pass


def is_name(text: str) -> bool:
    """True if the dictionary lists `text` as a person, place or organisation."""
    return load().get(text) in _NAMES


_NAMES = frozenset(KINDS.values())


def _split(row: str) -> tuple[str, str]:
    word, _, kind = row.partition("\t")
    return word, kind


_NAME_ATTRS = {k: (b"L" + k.encode() + b"B", b"L" + k.encode() + b"I", b"L" + k.encode() + b"E")
               for k in "PLO"}
_START = [b"WB%d" % n for n in range(LONGEST_WORD + 1)]
_END = [b"WE%d" % n for n in range(LONGEST_WORD + 1)]


def attributes(text: str) -> dict[int, list[bytes]]:
    """Dictionary attributes by character position (only positions that have any),
    each attribute once."""
    table = load()
    found: dict[int, list[bytes]] = {}
    names: set[tuple[int, bytes]] = set()
    get, n = table.get, len(text)
    for i, c in enumerate(text):
        if c not in table:
            continue
        best, end = 0, i + 1
        while end < n:
            end += 1
            kind = get(text[i:end])
            if kind is None:
                break
            if not kind:
                continue
            if end - i <= LONGEST_WORD:
                best = end
            if kind != "W":
                first, inner, last = _NAME_ATTRS[kind]
                names.update(((i, first), (end - 1, last), *((j, inner) for j in range(i + 1, end - 1))))
        if best:
            found.setdefault(i, []).append(_START[best - i])
            found.setdefault(best - 1, []).append(_END[best - i])
    for i, attr in sorted(names):
        found.setdefault(i, []).append(attr)
    return found


def main(argv=None) -> int:
    import jieba

    source = Path(jieba.__file__).with_name("dict.txt")
    atomic_write(WORDS_PATH, build(source))
    print(f"{WORDS_PATH}: {WORDS_PATH.stat().st_size} bytes from {source}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
