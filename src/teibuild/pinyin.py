"""Pinyin spelling that the registers' labels (`tag.ids`) and the citations' romanised
titles (`cite.romanize`) share, so the two cannot write one word two ways."""

from __future__ import annotations

from collections.abc import Sequence

# (a syllable's first letter without its tone mark: only a, o and e matter here)
_TONELESS = str.maketrans("āáǎàōóǒòēéěè", "aaaaooooeeee")


def run_together(syllables: Sequence[str]) -> str:
    """A word's syllables as one, an apostrophe before a syllable that begins with a, o or
    e (Xī'ān, not Xīān, which reads as xiān: the rule of GB/T 16159), tone-marked or not."""
    out = syllables[0] if syllables else ""
    for syllable in syllables[1:]:
        if out and syllable[:1].translate(_TONELESS) in ("a", "o", "e"):
            out += "'"
        out += syllable
    return out
