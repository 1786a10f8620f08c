"""Recognising the lines whose role does not depend on layout: masthead, notices,
captions and bylines. Everything else is body text or a heading, decided by
`layout` from the shape of the lines around it.
"""

from __future__ import annotations

import re

#: 下转▶4版, 上接第1版, (转第3版), 接▶2版 — the printed pointer to a continuation.
NOTICE = re.compile(
    r"^[（(【\[]?\s*(?P<dir>下转|上接|转|接|续)\s*[▶►→▷>》]?\s*(?:第\s*)?"
    r"(?P<page>[0-9０-９一二三四五六七八九十]+)\s*版\s*[）)】\]]?$")

#: A line that is only a byline: ■本报记者综合报道, 本报记者 王某 摄, 文/记者 X
BYLINE_LINE = re.compile(
    r"^(?P<mark>[■□◆●▲]\s*)?(?P<role>本报记者|本报通讯员|记者|通讯员|特约记者|本报评论员|"
    r"文\s*[/／]|图\s*[/／])(?P<rest>[\s\u4e00-\u9fff/／、·]{0,20})$")
BYLINE_END = re.compile(r"(?:报道|摄|整理|撰文|供稿|文)$")

#: A run-in byline at the start of a report: 本报讯（记者 陆雪姣）, 本报讯, 新华社上海3月1日电
RUN_IN_BYLINE = re.compile(
    r"^(?:本报讯|本报[^\s，。（(]{1,8}电|(?:新华社|中新社)[^\s，。（(]{0,10}电)"
    r"\s*(?:[（(][^（()）]{1,40}[）)])?")

#: A photo caption is introduced by a solid square (or triangle) in the print.
CAPTION = re.compile(r"^[■▲◆●□△]\s*\S")

MASTHEAD_STRONG = [
    re.compile(r"第\s*[0-9０-９]+\s*期"),
    re.compile(r"\d{4}\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*日.{0,6}星期[一二三四五六日天]"),
    re.compile(r"网址\s*[:：]"),
    re.compile(r"准印证|刊号|邮发代号|国内统一连续出版物号|CN\s*\d{2}-\d{4}"),
]
MASTHEAD_WEAK = [
    re.compile(r"^本期\s*[0-9０-９一二三四五六七八九十]+\s*版$"),
    re.compile(r"编辑(?:出版)?$|主办$|出版$|主管$"),
    re.compile(r"公众号|APP|微信|微博|客户端"),
    re.compile(r"内部资料|免费交流"),
]
#: A slogan set with rules between the characters: 人 | 民 | 城 | 市
MASTHEAD_SLOGAN = re.compile(r"^(?:\S{1,2}\s*\|\s*){3,}\S{1,2}$")


def is_notice(text: str) -> re.Match | None:
    return NOTICE.match(text.strip())


def continues_from(text: str) -> bool:
    """上接第1版 / 接▶2版 / 续第1版: the report below goes on from an earlier page."""
    match = is_notice(text)
    return bool(match) and match.group("dir") in ("上接", "接", "续")


_NUMERALS = {c: n for n, c in enumerate("零一二三四五六七八九十")}


def notice_page(text: str) -> str | None:
    """The page a notice points to, in Arabic figures (四 → 4, １２ → 12, 十二 → 12)."""
    match = is_notice(text)
    if not match:
        return None
    page = match.group("page")
    if page[0] in _NUMERALS:
        tens, _, units = page.partition("十")
        if "十" not in page:
            return str(_NUMERALS[page]) if len(page) == 1 else None
        return str((_NUMERALS.get(tens, 1) if tens else 1) * 10 + (_NUMERALS[units] if units else 0))
    return str(int(page))


def is_byline_line(text: str) -> bool:
    """A byline standing alone: marked ■, or ending 报道/摄, or role and name apart."""
    match = BYLINE_LINE.match(text.strip())
    if not match:
        return False
    rest = match.group("rest")
    return bool(match.group("mark") or BYLINE_END.search(rest) or "/" in match.group("role")
                or "／" in match.group("role") or rest[:1].isspace())


def run_in_byline(text: str) -> str:
    """The byline prefix of a report's first line ('' if there is none)."""
    match = RUN_IN_BYLINE.match(text.strip())
    return match.group(0).rstrip() if match else ""


def is_caption_start(text: str) -> bool:
    stripped = text.strip()
    return bool(CAPTION.match(stripped)) and not is_byline_line(stripped)


#: sentence punctuation: a line that has it is running prose, whatever words it holds
PROSE_PUNCTUATION = re.compile(r"[，。；！？“”]")   # not 、: 每周二、五出版


def masthead_strength(text: str) -> int:
    """2 for a line only a masthead has, 1 for one a masthead often has, else 0.

    Masthead lines are labels, not sentences: a line with sentence punctuation or a
    run-in byline is report text even when it mentions 第5期 or 刊号."""
    stripped = text.strip()
    if PROSE_PUNCTUATION.search(stripped) or run_in_byline(stripped):
        return 0
    if any(p.search(stripped) for p in MASTHEAD_STRONG):
        return 2
    if len(stripped) <= 40 and any(p.search(stripped) for p in MASTHEAD_WEAK):
        return 1
    if MASTHEAD_SLOGAN.match(stripped.replace(" | ", "|").replace(" ", "|")):
        return 1
    return 0
