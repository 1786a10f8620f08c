"""Laying text out the way a newspaper column and text extraction do, for tests:
paragraphs wrapped at a measure with a two-character indent on the first line,
headings, bylines, a masthead, cut-off reports and notices."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from teibuild.convert.lines import printed_width

WEEKDAYS = "一二三四五六日"


#: marks that may not begin a line: they hang at the end of the line before
NO_LINE_START = set("，。、；：！？…）》」』”’")


def wrap(text: str, measure: float, indent: float = 2.0) -> list[str]:
    """Break text into lines no wider than the measure; the first is `indent` shorter;
    closing punctuation never starts a line but hangs at the end of the one before."""
    lines: list[str] = []
    current = ""
    limit = measure - indent
    for char in text:
        if current and printed_width(current + char) > limit and char not in NO_LINE_START:
            lines.append(current)
            current = ""
            limit = measure
        current += char
    if current:
        lines.append(current)
    return lines


@dataclass
class Report:
    heading: list[str]
    paragraphs: list[str]
    reporter: str | None = "王小明"
    cut_off_to: int | None = None      # page the report continues on
    rest: str | None = None            # what it says there, when that page is transcribed


@dataclass
class Issue:
    number: int
    date: dt.date
    reports: list[Report] = field(default_factory=list)
    measure: float = 21
    headings_after: bool = False
    blank_between: bool = True

    def masthead(self) -> list[str]:
        d = self.date
        return [f"本期网址：http:// example.cn/ 内部资料 {d.year}年{d.month}月{d.day}日 "
                f"星期{WEEKDAYS[d.weekday()]} 准印证号（B）0001号",
                f"第{self.number}期", "本期8版", "某区融媒体中心编辑", "每周五出版"]

    def lines(self) -> list[str]:
        out: list[str] = []
        for k, report in enumerate(self.reports):
            body: list[str] = []
            for n, paragraph in enumerate(report.paragraphs):
                text = paragraph
                if n == 0 and report.reporter:
                    text = f"本报讯（记者 {report.reporter}）" + paragraph
                body.extend(wrap(text, self.measure))
            if report.cut_off_to:
                body.append(f"下转▶{report.cut_off_to}版")
            heading = [" " + line for line in report.heading]
            out.extend(body + heading if self.headings_after else heading + body)
            if k == 0:
                out.extend(self.masthead())
        continued = [r for r in self.reports if r.cut_off_to == 2 and r.rest]
        for n, report in enumerate(continued):     # page 2: the rest of each, after 上接▶1版
            out.append(("\f" if n == 0 else "") + "上接▶1版")
            out.extend(wrap(report.rest, self.measure, indent=0))
        return out

    def text(self) -> str:
        sep = "\n\n" if self.blank_between else "\n"
        return sep.join(self.lines()) + "\n"
