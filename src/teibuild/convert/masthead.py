"""Reading the masthead (报头/报眼) into issue metadata, and checking it.

The masthead text stays in the document as transcribed; what it says (issue
number, date and weekday, page count, editing body, permit, URL, frequency)
goes into the header. An impossible date or a weekday that disagrees with the
date is an error in the source, reported with its line.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

from ..errors import TeiBuildError
from ..numerals import DAY, MONTH, YEAR, cn_number
from .model import Block

WEEKDAYS = "一二三四五六日"
# 2022年3月25日, or in Chinese numerals: 一九九八年五月十六日, 二〇二二年三月二十五日
DATE = re.compile(rf"(?P<y>{YEAR})\s*年\s*(?P<m>{MONTH})\s*月\s*(?P<d>{DAY})\s*日"
                  r"(?:\s*(?:星期|周)(?P<w>[一二三四五六日天]))?")
ISSUE = re.compile(r"第\s*(?P<n>[0-9０-９]+)\s*期")
PAGES = re.compile(r"(?:本期|今日)\s*(?P<n>[0-9０-９]+|[一二三四五六七八九十]+)\s*版")
PERMIT = re.compile(r"(?:准印证号?|刊号|国内统一连续出版物号)\s*[:：]?\s*(?P<v>[^\s]*?[0-9][^\s]*号?)(?=\s|$)")
URL = re.compile(r"(?:网址\s*[:：]\s*)?(?P<v>https?://[\w./:\-?=&%#~ ]+?)(?=\s+[^\x00-\x7f]|\s*$)")
EDITOR = re.compile(r"^(?P<v>\S+?)(?:编辑|主办|编辑出版)$")
FREQUENCY = re.compile(r"^(?P<v>每(?:周|日|天|月|旬)[一二三四五六日天]?(?:、[一二三四五六日天])*出版|(?:周|日|月)刊)$")


@dataclass
class IssueMeta:
    number: str | None = None
    date: str | None = None            # ISO yyyy-mm-dd
    date_text: str | None = None
    pages: int | None = None
    pages_text: str | None = None
    publisher: str | None = None
    permit: str | None = None
    url: str | None = None
    frequency: str | None = None
    lines: dict = field(default_factory=dict)   # what was read where (for messages)


def read_masthead(blocks: list[Block], name: str) -> IssueMeta:
    meta = IssueMeta()
    for block in blocks:
        for seg in block.segments:
            _read_line(seg.text.strip(), seg.line, meta, name)
    return meta


def _read_line(text: str, line: int, meta: IssueMeta, name: str) -> None:
    if meta.date is None and (m := DATE.search(text)):
        meta.date, meta.date_text = check_date(m, name, line), m.group(0)
        meta.lines["date"] = line
    if meta.number is None and (m := ISSUE.search(text)):
        meta.number = str(cn_number(m.group("n")))
        meta.lines["number"] = line
    if meta.pages is None and (m := PAGES.search(text)):
        meta.pages = cn_number(m.group("n"))
        meta.pages_text = m.group(0)
    if meta.permit is None and (m := PERMIT.search(text)):
        meta.permit = m.group(0).strip()
    if meta.url is None and (m := URL.search(text)):
        meta.url = re.sub(r"\s+", "", m.group("v"))
    if meta.publisher is None and (m := EDITOR.match(text)):
        meta.publisher = m.group("v")
    if meta.frequency is None and (m := FREQUENCY.match(text)):
        meta.frequency = m.group("v")


def check_date(match: re.Match, name: str, line: int) -> str:
    """The ISO date of a printed date; an impossible date or a wrong weekday is an error."""
    y, m, d = (cn_number(match.group(k)) for k in "ymd")
    try:
        date = dt.date(y, m, d)
    except (TypeError, ValueError):
        raise TeiBuildError(f"the masthead date {match.group(0)!r} does not exist",
                            path=name, line=line) from None
    weekday = match.group("w")
    if weekday:
        printed = WEEKDAYS.index("日" if weekday == "天" else weekday)
        if printed != date.weekday():
            raise TeiBuildError(
                f"the masthead says {match.group(0)!r} but {date.isoformat()} was a "
                f"星期{WEEKDAYS[date.weekday()]}; correct the source or the date",
                path=name, line=line)
    return date.isoformat()
