"""Dates in news text, resolved against the issue date.

A Chinese report says 3月17日 without a year: it is the issue's year, unless
its month is more than `AHEAD_MONTHS` after the issue's, in which case it is the
year before (a paper announces what comes within a season, 4月1日起施行 in a
March issue, and looks back on last autumn without 去年 only early in a year).
A date that writes its year (到2025年, 2022年4月1日起) is what it says, even
after the issue.
Relative words (日前, 连日来, 今天) only tell that the event was no later than
the issue, so they get `notAfter`; durations (48小时, 短短两天) are not dates.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from ..numerals import YEAR, cn_number

_NUM = r"(?:\d{1,2}|[〇零一二三四五六七八九十]{1,3})"
AHEAD_MONTHS = 3  # how far past the issue's month a date without its year may lie
_S = r"[ \u3000]?"  # extraction sometimes leaves one space inside a date

DATE_RE = re.compile(
    rf"(?:(?P<y>{YEAR}){_S}年{_S})?(?P<m>{_NUM}){_S}月(?:{_S}(?P<d>{_NUM}){_S}[日号])?"
    rf"|(?P<yo>{YEAR}){_S}年(?!代|度|级|前|后|来|间)"
)
# 1998—1999年, 2021至2025年: one span of years, both ends written (@from, @to)
YEAR_RANGE_RE = re.compile(
    rf"(?P<a>{YEAR}){_S}(?:[—–\-－~～]{{1,2}}|至|到){_S}(?P<b>{YEAR}){_S}年(?!代|级|前|后|来|间)")
# 3月17日至19日: the second day borrows the first date's month.
RANGE_END_RE = re.compile(rf"[至到—\-－~～]{_S}(?P<d>{_NUM}){_S}[日号]")
RELATIVE = ("连日来", "日前", "近日", "今天", "今日", "昨天", "昨日", "前天", "当天", "当日")
RELATIVE_RE = re.compile("|".join(RELATIVE + ("今年", "去年", "明年")))
# a relative word inside these is something else (今日头条 is a newspaper's name)
_NOT_RELATIVE_AFTER = ("头条",)


@dataclass(frozen=True)
class DateSpan:
    start: int
    end: int
    attrs: tuple[tuple[str, str], ...]


def _valid(y: int, m: int, d: int | None) -> bool:
    try:
        dt.date(y, m, d or 1)
    except ValueError:
        return False
    return True


def resolve(month: int, day: int | None, year: int | None, issue: dt.date | None) -> str | None:
    """W3C date for a (possibly year-less) expression, or None if it cannot be resolved."""
    if year is None:
        if issue is None:
            return None
        year = issue.year - (month > issue.month + AHEAD_MONTHS)
    if not _valid(year, month, day):
        return None
    return f"{year:04d}-{month:02d}" + (f"-{day:02d}" if day else "")


def find_dates(text: str, issue: dt.date | None) -> list[DateSpan]:
    """Absolute dates with @when, relative ones with what can honestly be said."""
    out: list[DateSpan] = []
    spans = []
    for m in YEAR_RANGE_RE.finditer(text) if "年" in text else ():
        first, last = cn_number(m.group("a")), cn_number(m.group("b"))
        if first and last and 1000 <= first < last <= 2999 and not _follows_digit(text, m.start()):
            out.append(DateSpan(m.start(), m.end(), (("from", f"{first:04d}"), ("to", f"{last:04d}"))))
            spans.append((m.start(), m.end()))
    for m in DATE_RE.finditer(text) if "月" in text or "年" in text else ():
        if any(s < m.end() and m.start() < e for s, e in spans):
            continue   # the end of a span of years
        if m.group("yo"):
            year = cn_number(m.group("yo"))
            if year and 1000 <= year <= 2999 and not _follows_digit(text, m.start()):
                out.append(DateSpan(m.start(), m.end(), (("when", f"{year:04d}"),)))
            continue
        month = cn_number(m.group("m"))
        day = cn_number(m.group("d")) if m.group("d") else None
        year = cn_number(m.group("y")) if m.group("y") else None
        if month is None or not 1 <= month <= 12 or _follows_digit(text, m.start()):
            continue
        if day is None and year is None:
            continue  # a bare 3月 is too vague to resolve honestly
        when = resolve(month, day, year, issue)
        if when is None:
            continue
        out.append(DateSpan(m.start(), m.end(), (("when", when),)))
        tail = RANGE_END_RE.match(text, m.end())
        if tail and day is not None:
            end_day = cn_number(tail.group("d"))
            when2 = resolve(month, end_day, year, issue) if end_day else None
            if when2:
                out.append(DateSpan(tail.start() + 1 + (tail.group()[1] in " \u3000"),
                                    tail.end(), (("when", when2),)))
    taken = [(d.start, d.end) for d in out]
    for m in RELATIVE_RE.finditer(text):
        if any(s < m.end() and m.start() < e for s, e in taken):
            continue
        if text.startswith(_NOT_RELATIVE_AFTER, m.end()):
            continue
        word = m.group()
        if issue is None:
            continue
        if word in ("今年", "去年", "明年"):
            year = issue.year + {"今年": 0, "去年": -1, "明年": 1}[word]
            out.append(DateSpan(m.start(), m.end(), (("when", f"{year:04d}"),)))
        elif word in ("当天", "当日"):
            continue  # the day of some event the text names elsewhere: nothing honest to add
        else:
            out.append(DateSpan(m.start(), m.end(), (("notAfter", issue.isoformat()),)))
    return sorted(out, key=lambda d: d.start)


def _follows_digit(text: str, start: int) -> bool:
    """`12月` inside `2012月` or a code: not a date."""
    return start > 0 and text[start - 1].isdigit()
