"""Recognising the lines whose role does not depend on layout: masthead, notices,
captions and bylines. Everything else is body text or a heading, decided by
`layout` from the shape of the lines around it.
"""

from __future__ import annotations

import re

from ..numerals import DAY, MONTH, YEAR, cn_number

#: 下转▶4版, 上接第1版, (转第3版), 接▶2版 — the printed pointer to a continuation.
NOTICE = re.compile(
    r"^[（(【\[]?\s*(?P<dir>下转|上接|转|接|续)\s*[▶►→▷>》]?\s*(?:第\s*)?"
    r"(?P<page>[0-9０-９一二三四五六七八九十]+)\s*版\s*[）)】\]]?$")

#: A line that is only a byline: ■本报记者综合报道, 本报记者 王某 摄, 新华社记者 觉果 摄, 文/记者 X
BYLINE_LINE = re.compile(
    r"^(?P<mark>[■□◆●▲]\s*)?(?P<role>本报记者|本报通讯员|新华社记者|中新社记者|记者|通讯员|特约记者|本报评论员|"
    r"文\s*[/／]|图\s*[/／])(?P<rest>[\s\u4e00-\u9fff/／、·]{0,20})$")
BYLINE_END = re.compile(r"(?:报道|摄|整理|撰文|供稿|文)$")

_MONTH_DAY = rf"{MONTH}\s?月\s?{DAY}\s?日"   # 5月 7日: extraction's space
_PLACE = r"[^\s，。（(]"   # a dateline's place: anything up to the date
#: A run-in byline at the start of a report: 本报讯（记者 陆雪姣）, 本报讯, 新华社上海3月1日电,
#: 本报德国罗滕堡5月16日电 记者薛原报道：, 新华社布宜诺斯艾利斯5月15日电, 据新华社电,
#: 人民网北京5月3日电, 浙江在线12月2日讯, 本报讯 记者 王建华 通讯员 李晓梅
RUN_IN_BYLINE = re.compile(
    rf"^(?:本报讯|本报{_PLACE}{{1,8}}电|本报{_PLACE}{{1,12}}?{_MONTH_DAY}电"
    rf"|据?(?:新华社|中新社){_PLACE}{{0,10}}电|据?(?:新华社|中新社){_PLACE}{{1,12}}?{_MONTH_DAY}电"
    rf"|(?:人民网|新华网|中新网|央视网|人民日报|光明日报|经济日报){_PLACE}{{0,12}}?{_MONTH_DAY}电"
    rf"|{_PLACE}{{2,6}}(?:网|在线|客户端){_MONTH_DAY}讯)"
    r"(?:\s*[（(][^（()）]{1,40}[）)])?"
    r"(?:\s+(?:记者|通讯员|实习生|特约记者)\s*[\u4e00-\u9fff]{2,3}(?=\s|$))*"
    r"(?:\s*(?:记者|通讯员)\s*[\u4e00-\u9fff]{2,3}报道[：:])?")

#: An inside page's running head: its number, section and date, and who edited it
#: (2 综合新闻 1998年5月16日 星期六 责任编辑：周敏; 第3版 要闻 2022年3月25日)
_ANY_DATE = rf"{YEAR}\s*年\s*{MONTH}\s*月\s*{DAY}\s*日"
_WEEKDAY = r"(?:星期|周)[一二三四五六日天]"
RUNNING_DATE = re.compile(_ANY_DATE)
DATE_ONLY = re.compile(rf"{_ANY_DATE}\Z")   # a notice's signature date, on a line of its own
#: a date printed without its weekday, anywhere in a line: one of a masthead line's features
BARE_DATE = re.compile(rf"{_ANY_DATE}(?!\s*{_WEEKDAY})")
RUNNING_PAGE = re.compile(r"^(?:第\s*)?(?P<n>[0-9０-９]{1,2})\s*(?:版\s*|\s)\s*\S")
EDITOR_CREDIT = re.compile(r"(?:责任编辑|本版编辑|版面编辑|美术编辑|值班编辑|责编|美编|校对|版式设计)"
                           r"\s*[:：]?\s*[\u4e00-\u9fff]{2,4}")

#: A photo caption is introduced by a solid square (or triangle) in the print.
CAPTION = re.compile(r"^[■▲◆●□△]\s*\S")

MASTHEAD_STRONG = [
    re.compile(r"第\s*[0-9０-９]+\s*期"),
    re.compile(rf"{_ANY_DATE}.{{0,6}}{_WEEKDAY}"),
    re.compile(r"网址\s*[:：]"),
    re.compile(r"准印证|刊号|邮发代号|国内统一连续出版物号|CN\s*\d{2}-\d{4}"),
]
MASTHEAD_WEAK = [
    re.compile(r"^(?:本期|今日)\s*[0-9０-９一二三四五六七八九十]+\s*版$"),
    re.compile(r"^农历\S{0,4}年\S{1,3}月\S{1,3}$"),   # 农历辛丑年十月廿九, beside the date
    # a line that is only the date, without its weekday (with it, MASTHEAD_STRONG)
    re.compile(rf"^{_ANY_DATE}$"),
    re.compile(r"编辑(?:出版)?$|主办$|出版$|主管$|机关报$"),   # 中共滨江县委机关报
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


def notice_page(text: str) -> str | None:
    """The page a notice points to, in Arabic figures (四 → 4, １２ → 12, 十二 → 12)."""
    match = is_notice(text)
    number = cn_number(match.group("page")) if match else None
    return None if number is None else str(number)


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


def is_running_head(text: str) -> bool:
    """A page's running head: its date with its page number or its editor's credit, on a
    label line (no sentence punctuation), not a report's text that mentions a date."""
    stripped = text.strip()
    return _running_head(stripped, RUNNING_PAGE.match(stripped))


def _running_head(stripped: str, page: re.Match | None) -> bool:
    if len(stripped) > 60 or PROSE_PUNCTUATION.search(stripped) or run_in_byline(stripped):
        return False
    return bool(RUNNING_DATE.search(stripped)) and bool(page or EDITOR_CREDIT.search(stripped))


def running_head_page(text: str) -> int | None:
    """The page number a running head begins with (2 综合新闻 …), if it is one."""
    match = RUNNING_PAGE.match(text.strip())
    return cn_number(match.group("n")) if match and _running_head(text.strip(), match) else None


def is_caption_start(text: str) -> bool:
    stripped = text.strip()
    return bool(CAPTION.match(stripped)) and not is_byline_line(stripped)


#: sentence punctuation: a line that has it is running prose, whatever words it holds
PROSE_PUNCTUATION = re.compile(r"[，。；！？“”]")   # not 、: 每周二、五出版


def masthead_strength(text: str, paper: tuple[str, ...] = ()) -> int:
    """2 for a line only a masthead has, 1 for one a masthead often has, else 0.

    Masthead lines are labels, not sentences: a line with sentence punctuation or a
    run-in byline is report text even when it mentions 第5期 or 刊号. `paper`: the
    newspaper's names (edition title, romanised title); a line that is only one of
    them, spaced out or not, is the nameplate, which a masthead often has."""
    stripped = text.strip()
    if PROSE_PUNCTUATION.search(stripped) or run_in_byline(stripped):
        return 0
    if any(p.search(stripped) for p in MASTHEAD_STRONG):
        return 2
    if len(stripped) <= 40 and any(p.search(stripped) for p in MASTHEAD_WEAK):
        return 1
    if paper and _nameplate(stripped, paper):
        return 1
    if MASTHEAD_SLOGAN.match(stripped.replace(" | ", "|").replace(" ", "|")):
        return 1
    return 0


def _nameplate(text: str, paper: tuple[str, ...]) -> bool:
    """滨江日报, 滨 江 日 报, BINJIANG RIBAO, or the title and its romanisation on one line."""
    bare = "".join(text.split()).casefold()
    names = ["".join(name.split()).casefold() for name in paper if name.strip()]
    return any(bare == name or (bare.startswith(name) and bare[len(name):] in names)
               for name in names)
