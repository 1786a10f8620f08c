"""Layout analysis: from the wrapped lines of a page to blocks (headings,
paragraphs, bylines, captions, masthead, notices).

Extraction keeps the print's line breaks but not its fonts, so roles are read
from shape: a heading has no closing punctuation and does not run on into the
next line; a paragraph's first line is indented about two characters, its last
line is short or closes a sentence; where the column measure changes a
paragraph may go on at another width (<cb/>).
"""

from __future__ import annotations

import statistics
from functools import lru_cache

from . import classify
from .lines import printed_width
from .decode import SourceLine
from .lines import Line, body_width, ends_mid_clause, ends_sentence, ends_with_punctuation


def line_width(text: str) -> float:
    """A line's width, counting at most half a character of punctuation hanging
    beyond the measure."""
    return min(printed_width(text), body_width(text) + 0.5)
from .model import Block, Segment

WINDOW = 4


def to_lines(source_lines: list[SourceLine]) -> list[Line]:
    """Drop blank lines; keep whether a line was indented (a new block starts there)."""
    lines = []
    for s in source_lines:
        if not s.text.strip():
            continue
        stripped = s.text.strip()
        indented = s.text[:1].isspace()
        lines.append(Line(number=s.number, text=stripped, indented=indented, page=s.page))
    return lines


def local_measures(widths: list[float], wider: bool = False) -> list[float]:
    """The column measure at each line.

    Estimated on each side of the line (the median of the upper half of the
    neighbours' widths: full lines, not indented first lines or short last
    ones, leaving out lines shorter than half the widest), and taken from the
    side that fits the line better, so that a change of measure does not blur
    the estimate on either side of it. With `wider`, the wider side: what a
    heading must be clearly shorter than.
    """
    return list(_measures(tuple(widths), wider))


@lru_cache(maxsize=1024)     # the same run of lines is measured by several rules
def _measures(widths: tuple[float, ...], wider: bool) -> tuple[float, ...]:
    measures = []
    for i, width in enumerate(widths):
        windows = [widths[max(0, i - WINDOW): i + 1], widths[i: i + WINDOW + 1]]
        sides = [_upper_median(w) for w in windows if len(w) >= 3] or \
            [_upper_median(widths[max(0, i - WINDOW): i + WINDOW + 1])]
        measures.append(max(sides) if wider else min(sides, key=lambda m: (abs(m - width), m)))
    return tuple(measures)


@lru_cache(maxsize=1 << 14)
def _upper_median(window: tuple[float, ...]) -> float:
    top = max(window)
    kept = [w for w in window if w >= 0.5 * top]
    middle = statistics.median(kept)
    return statistics.median([w for w in kept if w >= middle])


def short_for(measure: float, first: bool = False) -> float:
    """Widths at or below this end a paragraph: a last line, not a full one."""
    return measure - (max(3.5, 0.2 * measure) if first else max(2.5, 0.15 * measure))


def heading_width(width: float, measure: float) -> bool:
    """Clearly shorter than a paragraph's indented first line, or wider than the column."""
    return width <= measure - max(3.5, 0.2 * measure) or width >= measure + max(3.0, 0.2 * measure)


def looks_indented_first(width: float, measure: float) -> bool:
    """About two characters short of the measure: the first line of a new paragraph
    (a full line may fall one character short where the next would not fit)."""
    return width <= measure - 1.5


def segment_page(source_lines: list[SourceLine], overrides=None,
                 paper: tuple[str, ...] = ()) -> list[Block]:
    """All blocks of one page in source order; `overrides` (an editor's corrections,
    by line number) win over every rule; `paper`, the newspaper's names, tells its
    nameplate in the masthead."""
    lines = to_lines(source_lines)
    fixes = _Fixes(lines, overrides)
    kinds = _strong_kinds(lines, paper)
    for k, line in enumerate(lines):
        role = fixes.role(line.number)
        if role:
            kinds[k] = role if role in ("masthead", "notice", "byline", "caption",
                                        "header") else "text"
    blocks: list[Block] = []
    i = 0
    while i < len(lines):
        kind = kinds[i]
        if kind == "masthead":
            j = _run_end(kinds, i, lambda k: k == "masthead")
            blocks.append(_block("masthead", lines[i:j]))
            i = j
        elif kind == "notice":
            block = _block("notice", [lines[i]])
            block.notice_page = classify.notice_page(lines[i].text)
            blocks.append(block)
            i += 1
        elif kind in ("byline", "header"):
            blocks.append(_block(kind, [lines[i]]))
            i += 1
        elif kind == "caption":
            j = i + 1
            while j < len(lines) and kinds[j] == "text" and not ends_sentence(lines[j - 1].text) \
                    and not lines[j].indented:
                j += 1
            blocks.append(_block("caption", lines[i:j]))
            i = j
        else:
            j = i + 1
            while j < len(lines) and kinds[j] == "text":
                j += 1
            blocks.extend(_text_run(lines[i:j], fixes))
            i = j
    return blocks


class _Fixes:
    """The editor's line-level overrides, noting which ones were used."""

    def __init__(self, lines: list[Line], overrides):
        self.o = overrides
        self.numbers = {line.number for line in lines}

    def role(self, number: int) -> str | None:
        if self.o is None or number not in self.o.roles:
            return None
        self.o.used.add(("lines", number))
        return self.o.roles[number]

    def paragraph_break(self, number: int) -> bool | None:
        """True/False if the editor said whether a paragraph starts at this line."""
        if self.o is None:
            return None
        if number in self.o.split_before:
            return True
        if number in self.o.join_before:
            return False
        return None


def _strong_kinds(lines: list[Line], paper: tuple[str, ...] = ()) -> list[str]:
    """Roles that a line's own text decides: masthead, notice, running head (header),
    byline, caption, or text."""
    kinds = ["text"] * len(lines)
    strength = [classify.masthead_strength(line.text, paper) for line in lines]
    i = 0
    while i < len(lines):
        if strength[i]:
            j = _run_end(strength, i, bool)
            if max(strength[i:j]) == 2 and (j - i >= 2 or _feature_count(lines[i].text) >= 2):
                first, last = _dated_edges(lines, i, j)
                for k in range(first, last):
                    kinds[k] = "masthead"
            i = j
        else:
            i += 1
    for k, line in enumerate(lines):
        if kinds[k] != "text":
            continue
        if classify.is_notice(line.text):
            kinds[k] = "notice"
        elif classify.is_running_head(line.text):
            kinds[k] = "header"
        elif classify.is_byline_line(line.text):
            kinds[k] = "byline"
        elif classify.is_caption_start(line.text):
            kinds[k] = "caption"
    return kinds


def _dated_edges(lines: list[Line], start: int, end: int) -> tuple[int, int]:
    """The masthead run without a bare date at either edge when another of its lines
    dates the issue already: 1942年3月6日 below the masthead heads a report."""
    def bare(k: int) -> bool:
        return bool(classify.DATE_ONLY.match(lines[k].text.strip()))
    dated = sum(bool(classify.RUNNING_DATE.search(lines[k].text)) for k in range(start, end))
    while end - start > 1 and dated > 1 and bare(end - 1):
        end, dated = end - 1, dated - 1
    while end - start > 1 and dated > 1 and bare(start):
        start, dated = start + 1, dated - 1
    return start, end


def _run_end(items: list, start: int, keep) -> int:
    """The index just after the run of items from `start` that `keep` accepts."""
    end = start
    while end < len(items) and keep(items[end]):
        end += 1
    return end


def _feature_count(text: str) -> int:
    return sum(bool(p.search(text)) for p in classify.MASTHEAD_STRONG + classify.MASTHEAD_WEAK) \
        + (bool(classify.BARE_DATE.search(text)) and not classify.DATE_ONLY.match(text.strip()))


def _block(kind: str, lines: list[Line]) -> Block:
    return Block(kind=kind, segments=[Segment(line.number, line.text) for line in lines],
                 page=lines[0].page)


def _text_run(lines: list[Line], fixes: _Fixes) -> list[Block]:
    """Headings, bylines and paragraphs of a run of ordinary lines."""
    widths = [line.width for line in lines]
    measures = local_measures(widths)
    # 本报讯 opens a report, unless the line above stopped at a comma: then it is only
    # where the wrap fell in a sentence that mentions it
    starts = [bool(line.indented or classify.run_in_byline(line.text)
                   and not (k and ends_mid_clause(lines[k - 1].text)))
              for k, line in enumerate(lines)]
    for k, line in enumerate(lines):
        if fixes.paragraph_break(line.number):
            starts[k] = True
    heading = find_headings(lines, widths, measures, starts,
                            local_measures(widths, wider=True))
    for k, line in enumerate(lines):
        role = fixes.role(line.number)
        if role in ("head", "p"):
            heading[k] = role == "head"
    blocks: list[Block] = []
    i = 0
    while i < len(lines):
        if heading[i]:
            j = _run_end(heading, i, bool)
            blocks.append(_block("head", lines[i:j]))
            i = j
            continue
        j = i
        while j < len(lines) and not heading[j] and (j == i or not starts[j]):
            j += 1
        blocks.extend(_paragraphs(lines[i:j], widths[i:j], measures[i:j], fixes))
        i = j
    return blocks


def find_headings(lines: list[Line], widths: list[float], measures: list[float],
                  starts: list[bool], wide: list[float] | None = None) -> list[bool]:
    """Which lines are headings: no closing punctuation, standing after the end of a
    paragraph, and not running on into the next line as a paragraph would."""
    n = len(lines)
    wide = wide or measures
    heading = [False] * n
    for i in range(n - 1, -1, -1):
        line = lines[i]
        if (ends_with_punctuation(line.text) and not _headline_before_byline(i, lines, starts)) \
                or classify.run_in_byline(line.text) or _signature(i, lines):
            continue
        if not _boundary_before(i, lines, widths, measures, starts):
            continue
        nxt = i + 1
        if nxt >= n or starts[nxt] or heading[nxt]:
            heading[i] = True
        elif heading_width(widths[i], wide[i]):
            heading[i] = True
    # a line that only stands before a heading because it was short: its own
    # boundary may depend on the heading after it, so settle both ways once more
    for i in range(n):
        if heading[i] or ends_with_punctuation(lines[i].text) or classify.run_in_byline(lines[i].text):
            continue
        if i > 0 and heading[i - 1] and (i + 1 >= n or starts[i + 1] or heading[i + 1]
                                         or heading_width(widths[i], wide[i])):
            heading[i] = True
    return heading


# a headline may ask or exclaim, or end in a figure (农业保险业务是怎样进行的？, 将达6.2%)
HEADLINE_ENDS = "？！?!%％"


def _headline_before_byline(i, lines, starts) -> bool:
    """A line that ends in ？, ！ or % is still a heading where it stands right above a
    report's run-in byline and does not begin a paragraph itself."""
    return (lines[i].text.rstrip()[-1:] in HEADLINE_ENDS and not starts[i]
            and i + 1 < len(lines) and bool(classify.run_in_byline(lines[i + 1].text)))


def _signature(i, lines) -> bool:
    """A notice's signature: a line that is only a date, and the line above it (滨江日报社发行部 /
    1998年5月16日), which are the notice's own text, not a heading. A date right above a
    run-in byline is a report's heading all the same."""
    def dated(k: int) -> bool:
        return k < len(lines) and bool(classify.DATE_ONLY.match(lines[k].text.strip())) and not (
            k + 1 < len(lines) and classify.run_in_byline(lines[k + 1].text))
    return dated(i) or dated(i + 1)


def _boundary_before(i, lines, widths, measures, starts) -> bool:
    """Does a new block start at line i (the line before it ended its paragraph)?"""
    if i == 0 or starts[i]:
        return True
    prev = lines[i - 1].text
    if ends_with_punctuation(prev):
        return True
    if classify.run_in_byline(prev):
        return False        # the byline took room on that line; the report goes on
    if heading_width(widths[i - 1], measures[i - 1]) and (i < 2 or widths[i - 1] <= widths[i - 2]
                                                           - max(3.5, 0.2 * widths[i - 2])):
        return True
    # a short line ends its paragraph: short for the measure, and shorter than the
    # line before it (the measure estimate alone is unsure where the measure changes)
    return widths[i - 1] <= short_for(measures[i - 1]) and (
        i < 2 or starts[i - 1] or widths[i - 1] <= widths[i - 2] - 2.5)


def _paragraphs(lines: list[Line], widths: list[float], measures: list[float],
                fixes: _Fixes) -> list[Block]:
    """Rebuild paragraphs from wrapped lines; a run-in byline becomes its own block."""
    blocks: list[Block] = []
    wide = local_measures(widths, wider=True)
    current: list[int] = []

    def flush():
        if current:
            block = _block("p", [lines[k] for k in current])
            change = measure_change_inside([widths[k] for k in current])
            if change:
                block.cb_before.add(change)
            blocks.append(block)
            current.clear()

    for k, line in enumerate(lines):
        current.append(k)
        if k + 1 < len(lines):
            forced = fixes.paragraph_break(lines[k + 1].number)
            if forced if forced is not None else paragraph_ends_after(k, lines, widths,
                                                                       measures, current, wide):
                flush()
    flush()
    return _split_run_in_bylines(blocks)


def paragraph_ends_after(k, lines, widths, measures, current, wide=None) -> bool:
    """Does the paragraph end with line k (given the lines of it so far)?"""
    first = len(current) == 1
    text = lines[k].text
    if first and classify.run_in_byline(text) and not ends_sentence(text):
        return False        # the byline takes room on the first line; the report goes on
    if widths[k] <= short_for(measures[k], first=first):
        return True
    if first and lines[k].indented and not ends_with_punctuation(lines[k].text):
        return False
    if not ends_sentence(text):
        return False
    # a full line closing a sentence, then a line about two characters short of the
    # full lines around it: judged against the measure and against the neighbours,
    # since the estimate runs low where many lines are short
    reference = [measures[k + 1], line_width(lines[k].text)]
    if wide is not None and not measure_changed(measures[k + 1], wide[k + 1]):
        reference.append(wide[k + 1])
    if k + 2 < len(lines) and widths[k + 2] > short_for(measures[k + 2]):
        reference.append(line_width(lines[k + 2].text))
    return looks_indented_first(body_width(lines[k + 1].text), max(reference))


def measure_changed(before: float, after: float) -> bool:
    return abs(after - before) > max(3.0, 0.25 * min(before, after))


def measure_change_inside(widths: list[float]) -> int | None:
    """Where inside one paragraph the column measure changes (index of the first
    line at the new measure), judged on full lines only: not the indented first
    line, not the short last one."""
    interior = list(range(1, len(widths) - 1))
    best = None
    for cut in interior[1:]:
        before = [widths[k] for k in interior if k < cut]
        after = [widths[k] for k in interior if k >= cut]
        mb, ma = statistics.median(before), statistics.median(after)
        spread = max(max(before) - min(before), max(after) - min(after))
        if measure_changed(mb, ma) and spread < abs(ma - mb):
            gap = abs(ma - mb)
            if best is None or gap > best[0]:
                best = (gap, cut)
    return best[1] if best else None


def paragraph_measure(block: Block) -> float | None:
    """The measure a paragraph was set at: the median of its full lines."""
    from .lines import printed_width
    widths = [printed_width(s.text) for s in block.segments]
    full = widths[1:-1] or widths[:-1]
    if not full:
        return None
    cut = max(block.cb_before) if block.cb_before else 0
    tail = widths[max(cut, 1):-1] or full
    return statistics.median(tail)


def first_measure(block: Block) -> float | None:
    from .lines import printed_width
    widths = [printed_width(s.text) for s in block.segments]
    full = widths[1:-1] or widths[:-1]
    if not full:
        return None
    cut = min(block.cb_before) if block.cb_before else len(widths)
    head = widths[1:min(cut, len(widths) - 1)] or full
    return statistics.median(head)


def _split_run_in_bylines(blocks: list[Block]) -> list[Block]:
    out: list[Block] = []
    for block in blocks:
        prefix = classify.run_in_byline(block.segments[0].text)
        if prefix:
            first = block.segments[0]
            rest = first.text[len(prefix):].lstrip()
            out.append(Block(kind="byline", segments=[Segment(first.line, prefix)],
                             page=block.page, run_in=True))
            if rest:
                block.segments[0] = Segment(first.line, rest)
            else:
                block.segments.pop(0)
                block.cb_before = {i - 1 for i in block.cb_before if i > 0}
            if block.segments:
                out.append(block)
        else:
            out.append(block)
    return out
