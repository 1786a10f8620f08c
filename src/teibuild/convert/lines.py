"""What a single extracted line looks like: its printed width and how it ends.

Column measure is judged by printed width, not by character count: a
justified line holds one em per Chinese character, half an em per Latin
letter or figure, and its full-width punctuation is often set in half an em,
so lines with more punctuation hold more characters.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from functools import lru_cache

#: Punctuation that closes a sentence (a paragraph may end here).
SENTENCE_FINAL = set("。！？…!?")
#: Closing marks that may follow the sentence-final one: 。” 。）
CLOSERS = set("”’」』）)》〉】\"'")
#: Punctuation after which text goes on (a report cut off here continues elsewhere).
CONTINUING = set("，、；：,;:—")
#: Full-width punctuation typically set in half an em by Chinese typesetting.
COMPRESSIBLE = set("，、。；：“”‘’（）《》「」『』【】〈〉！？")


@dataclass(frozen=True)
class Line:
    """A non-blank source line: number in the file, text without its margins."""

    number: int
    text: str
    indented: bool
    page: int

    @property
    def width(self) -> float:
        return printed_width(self.text)


@lru_cache(maxsize=1 << 16)     # layout asks for the same line's width many times
def printed_width(text: str) -> float:
    width = 0.0
    for char in text:
        if char in COMPRESSIBLE:
            width += 0.5
        elif char.isspace():
            width += 0.25
        elif unicodedata.east_asian_width(char) in "WFA":
            width += 1.0
        else:
            width += 0.5
    return width


def body_width(text: str) -> float:
    """Width without the closing punctuation that may hang beyond the measure."""
    return printed_width(text.rstrip("".join(SENTENCE_FINAL | CLOSERS | CONTINUING)))


def last_mark(text: str) -> str:
    """The last character that is not a closing quote or bracket."""
    stripped = text.rstrip()
    while stripped and stripped[-1] in CLOSERS:
        stripped = stripped[:-1]
    return stripped[-1:] if stripped else ""


def ends_sentence(text: str) -> bool:
    return last_mark(text) in SENTENCE_FINAL


def ends_mid_clause(text: str) -> bool:
    """The line stops after a comma, colon or the like: the sentence goes on below."""
    return text.rstrip()[-1:] in CONTINUING


def ends_with_punctuation(text: str) -> bool:
    """True if the line ends with any punctuation at all (headings usually do not)."""
    tail = text.rstrip()[-1:]
    if not tail:
        return False
    return tail in SENTENCE_FINAL or tail in CONTINUING or \
        unicodedata.category(tail).startswith("P") and tail not in "”’」』）)》〉】\"'"


def ends_open(text: str) -> bool:
    """The text stops mid-sentence (no sentence-final mark): cut off, to be continued."""
    return not ends_sentence(text)
