"""Simplified and traditional characters in search: one index, queries folded to simplified.

The edition's text is simplified (the TEI's own script); the zh-Hant pages are
OpenCC's conversion of it. Rather than index the text twice, the search page
folds every query to simplified, character by character, through a table
taken from OpenCC's t2s conversion (and from the edition's own zh-Hant text,
see fold_table), then searches the one index. Folding
traditional → simplified is almost always unambiguous (發 and 髮 both fold to
发), while the opposite direction is not (发 may be 發 or 髮), so a query in
either script finds the same paragraphs. Each record also carries its zh-Hant
text for display on the zh-Hant pages (see records.py).
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Mapping
from functools import lru_cache

from ..render.hant import DEFAULT as HANT_DEFAULT, convert_runs, converter

# CJK Unified Ideographs, Extension A and the compatibility block: every character OpenCC folds
_RANGES = ((0x3400, 0x4DBF), (0x4E00, 0x9FFF), (0xF900, 0xFAFF))


@lru_cache(maxsize=1)
def opencc_fold_table() -> dict[str, str]:
    """{traditional or variant character: simplified character}, from OpenCC t2s."""
    chars = "".join(chr(c) for lo, hi in _RANGES for c in range(lo, hi + 1))
    folded = converter("t2s").convert(chars)
    if len(folded) != len(chars):  # OpenCC maps single characters to single characters
        raise RuntimeError("OpenCC t2s changed the length of a character list")
    return {a: b for a, b in zip(chars, folded) if a != b}


def fold_table(pairs: Iterable[tuple[str, str]] = (),
               counts: Mapping[str, Mapping[str, int]] | None = None) -> dict[str, str]:
    """OpenCC's table, corrected by how this edition's zh-Hant text renders its own text.

    `pairs` are (simplified, traditional) texts of the same length (or `counts`,
    what fold_counts makes of them). Where the
    zh-Hant pages print a character that OpenCC alone would not fold back (反覆
    for 反复: 覆 is also a simplified character), the edition's own use wins,
    so that text copied from a zh-Hant page finds its paragraph. The query as
    typed is searched as well (search.js), so 覆盖 still finds 覆盖.
    """
    table = dict(opencc_fold_table())
    seen = fold_counts(pairs) if counts is None else counts
    for t, found in sorted(seen.items()):
        table[t] = sorted(found.items(), key=lambda kv: (-kv[1], kv[0]))[0][0]
    return table


def fold_counts(pairs: Iterable[tuple[str, str]]) -> dict[str, Counter]:
    """{traditional character: {simplified character it stands for: times}} in aligned texts."""
    aligned: Counter = Counter()
    for hans, hant in pairs:
        if hans != hant and len(hans) == len(hant):
            aligned.update(zip(hans, hant))  # counted in C, character pairs alike or not
    seen: dict[str, Counter] = {}
    for (s, t), n in sorted(((s, t), n) for (s, t), n in aligned.items() if s != t):
        seen.setdefault(t, Counter())[s] += n
    return seen


def fold(text: str, table: dict[str, str] | None = None) -> str:
    """A query in simplified characters, as search.js folds it in the browser."""
    table = opencc_fold_table() if table is None else table
    return "".join(table.get(c, c) for c in text)


def labels_hant(values, config: str = HANT_DEFAULT) -> dict[str, str]:
    """Facet labels (names, which are simplified) as the zh-Hant pages show them: each
    converted on its own, all in one call to OpenCC (`convert_runs`; a call for each of
    3,747 names took 0.03 s of every rebuild that makes the search index)."""
    labels = sorted(set(values))
    runs = convert_runs([(v,) for v in labels], config)
    if runs is None:   # (a label with a line break in it)
        convert = converter(config).convert
        runs = [(convert(v),) for v in labels]
    return {v: hant for v, (hant,) in zip(labels, runs) if hant != v}


def search_data(filter_values: dict[str, list[str]], issues: dict[str, dict],
                counts: Mapping[str, Mapping[str, int]], shards: list[str],
                config: str = HANT_DEFAULT, superseded: Mapping[str, list[str]] | None = None
                ) -> bytes:
    """`search-data.json`: the fold table, zh-Hant labels, the issues the facets list,
    the bundles the search page merges and, if any are overlaid, the issues each shard's
    bundle holds that an overlay supersedes (see shards.py)."""
    labels = [v for kind in ("person", "place", "org") for v in filter_values.get(kind, [])]
    data = {"fold": fold_table(counts=counts), "hant": labels_hant(labels, config),
            "issues": issues, "shards": shards}
    if superseded:
        data["superseded"] = dict(superseded)
    return json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode("utf-8")
