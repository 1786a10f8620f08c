"""Kicker, main heading or subheading: read from the lines of one heading group.

Extraction loses type sizes, so the reading follows Chinese news convention:
a subheading (副题) is the longer descriptive line after the main one, or is
introduced by a dash; a kicker (引题) names the occasion above the main one
(…会议, …大会), or frames the words the main one quotes (…时表示, 在…座谈会上强调);
lines of similar length are one main heading set on two lines.
"""

from __future__ import annotations

import re

from .lines import printed_width
from .model import Block, Segment

OCCASION = re.compile(r"(?:会议|大会|座谈会|常委会|全会|活动|仪式|论坛|发布会|开幕|闭幕)$")
# who said the main heading's words, and where: 李岚清会见美国前商务部长时表示, 在全县政法工作座谈会上强调
SPEECH_FRAME = re.compile(r"(?:表示|强调|指出|要求|提出|呼吁|宣布)$|^在\S{2,}(?:上|时|之际)$")
DASH = re.compile(r"^[—–-]{1,2}")


def split_heading(block: Block) -> list[Block]:
    """One head block per heading element, each typed kicker | main | sub."""
    segments = block.segments
    n = len(segments)
    if n == 1:
        return [_head(block, segments, "sub" if DASH.match(segments[0].text) else "main")]
    widths = [printed_width(s.text) for s in segments]
    types: list[str] = [""] * n
    for k, seg in enumerate(segments):
        if DASH.match(seg.text):
            types[k] = "sub"
    main = 0
    first = segments[0].text.strip()
    if n >= 2 and not types[0] and (OCCASION.search(first) or SPEECH_FRAME.search(first)):
        types[0] = "kicker"
        main = 1
    last = n - 1
    if last > main and not types[last] and widths[last] >= widths[last - 1] + 3:
        types[last] = "sub"
    out: list[Block] = []
    k = 0
    while k < n:
        kind = types[k] or "main"
        j = k + 1
        while j < n and (types[j] or "main") == kind == "main":
            j += 1     # untyped neighbours: one main heading set on several lines
        out.append(_head(block, segments[k:j], kind))
        k = j
    return out


def _head(block: Block, segments: list[Segment], head_type: str) -> Block:
    return Block(kind="head", segments=list(segments), page=block.page, head_type=head_type)
