"""Corrections without editing XML: `<source>.toml` beside a source overrides what
layout analysis decided, by source line number, and convert applies it the same
way every time.

    [issue]                 # what the masthead lacks or gets wrong
    number = "1845"
    date = "2022-03-25"

    [lines]                 # the role of a line: head | p | byline | caption | masthead | notice | header
    139 = "head"

    [paragraphs]
    split_before = [29]     # a new paragraph starts at these lines
    join_before = [131]     # these lines go on with the paragraph above

    [headings]              # heading block (its first line) = report (its first line)
    258 = 194

    [notices]               # notice line = report (its first line)
    164 = 194

    [order]                 # report order on the page, by first line; the rest follow
    articles = [23, 81, 166]
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from ..errors import TeiBuildError
from ..tomlfile import read_toml, refuse_unknown
from .model import Article, Block, Page

ROLES = {"head", "p", "byline", "caption", "masthead", "notice", "header"}
ISSUE_KEYS = {"number": str, "date": str, "pages": int, "publisher": str, "permit": str,
              "url": str, "frequency": str}


@dataclass
class Overrides:
    path: str = ""
    issue: dict = field(default_factory=dict)
    roles: dict[int, str] = field(default_factory=dict)
    split_before: set[int] = field(default_factory=set)
    join_before: set[int] = field(default_factory=set)
    headings: dict[int, int] = field(default_factory=dict)
    notices: dict[int, int] = field(default_factory=dict)
    order: list[int] = field(default_factory=list)
    used: set[tuple[str, int]] = field(default_factory=set)

    def describe(self) -> list[str]:
        """Sentences for encodingDesc: what the editor decided instead of the converter."""
        if not self.path:
            return []
        parts = []
        if self.roles:
            parts.append(f"{len(self.roles)} 行的角色")
        if self.split_before or self.join_before:
            parts.append(f"{len(self.split_before) + len(self.join_before)} 处分段")
        if self.headings:
            parts.append(f"{len(self.headings)} 个标题的归属")
        if self.notices:
            parts.append(f"{len(self.notices)} 个转版提示的归属")
        if self.order:
            parts.append("报道顺序")
        if self.issue:
            parts.append("期次信息（" + "、".join(sorted(self.issue)) + "）")
        if not parts:
            return []
        return [f"编者以 {Path(self.path).name} 修正了自动判断：" + "，".join(parts) + "。"
                f" Editorial overrides from {Path(self.path).name} replace the automatic "
                "decisions listed."]

    # -- structure-level corrections -------------------------------------
    def apply_structure(self, page: Page) -> Page:
        articles = [item for item in page.items if isinstance(item, Article)]
        by_first = {a.first_line: a for a in articles}
        for head_line, article_line in sorted(self.headings.items()):
            block, owner = _find_head(articles, head_line)
            if block is None or article_line not in by_first:
                continue
            self.used.add(("headings", head_line))
            _remove(owner, block)
            target = by_first[article_line]
            target.heads.append(block)
            target.head_cert = "high"
            if owner is not target and not (owner.heads or owner.body or owner.byline
                                            or owner.argument):
                page.items.remove(owner)
        for notice_line, article_line in sorted(self.notices.items()):
            for article in articles:
                for notice in list(article.notices):
                    if notice.first_line == notice_line and article_line in by_first:
                        self.used.add(("notices", notice_line))
                        article.notices.remove(notice)
                        target = by_first[article_line]
                        target.notices.append(notice)
                        target.notice_cert = "high"
                        target.continued_on = notice.notice_page
                        if not article.notices:
                            article.continued_on = None if not article.cut_off else \
                                article.continued_on
        return page

    def reorder(self, pages: list[Page]) -> list[Page]:
        if not self.order:
            return pages
        rank = {line: k for k, line in enumerate(self.order)}
        for page in pages:
            articles = [item for item in page.items if isinstance(item, Article)]
            for a in articles:
                if a.first_line in rank:
                    self.used.add(("order", a.first_line))
            ordered = sorted(articles, key=lambda a: (rank.get(a.first_line, len(rank)),
                                                      a.first_line))
            slots = iter(ordered)
            page.items = [next(slots) if isinstance(item, Article) else item
                          for item in page.items]
        return pages

    def check_used(self, source_name: str) -> None:
        """An override that matches nothing is a mistake worth one clear line."""
        for table, values in (("lines", self.roles), ("headings", self.headings),
                              ("notices", self.notices)):
            for line in sorted(values):
                if (table, line) not in self.used:
                    what = {"lines": "a non-blank line", "headings": "a heading block with "
                            "its report", "notices": "a continuation notice with its report"}
                    raise TeiBuildError(f"[{table}] {line}: line {line} of {source_name} is not "
                                        f"{what[table]}", path=self.path)


def _find_head(articles: list[Article], line: int):
    for article in articles:
        for block in article.heads + article.body:
            if block.kind == "head" and block.first_line == line:
                return block, article
    return None, None


def _remove(article: Article, block: Block) -> None:
    if block in article.heads:
        article.heads.remove(block)
    else:
        article.body.remove(block)


def overrides_path(source: Path) -> Path:
    return source.with_suffix(".toml")


def load_overrides(path: Path) -> Overrides:
    """Read and check an override file; every mistake is one line naming file and key."""
    name = str(path)
    raw = read_toml(path, "override file")
    refuse_unknown(raw, dict.fromkeys(("issue", "lines", "paragraphs", "headings", "notices",
                                       "order")), path, "an override file")
    o = Overrides(path=name)
    for key, value in raw.get("issue", {}).items():
        if key not in ISSUE_KEYS or not isinstance(value, ISSUE_KEYS[key]):
            raise TeiBuildError(f"[issue] {key} is not one of "
                                f"{', '.join(sorted(ISSUE_KEYS))} with the right type", path=name)
        o.issue[key] = value
    if "number" in o.issue:
        o.issue["number"] = str(int(o.issue["number"])) if o.issue["number"].isdigit() \
            else o.issue["number"]
    if "date" in o.issue:
        import datetime as dt
        try:
            dt.date.fromisoformat(o.issue["date"])
        except ValueError:
            raise TeiBuildError(f"[issue] date {o.issue['date']!r} is not a date (YYYY-MM-DD)",
                                path=name) from None
    for key, value in raw.get("lines", {}).items():
        if value not in ROLES:
            raise TeiBuildError(f"[lines] {key} = {value!r}: the role must be one of "
                                f"{', '.join(sorted(ROLES))}", path=name)
        o.roles[_line_number(key, "lines", name)] = value
    paragraphs = raw.get("paragraphs", {})
    for key in ("split_before", "join_before"):
        values = paragraphs.get(key, [])
        if not isinstance(values, list) or not all(isinstance(v, int) for v in values):
            raise TeiBuildError(f"[paragraphs] {key} must be a list of line numbers", path=name)
        getattr(o, key).update(values)
    for table in ("headings", "notices"):
        for key, value in raw.get(table, {}).items():
            if not isinstance(value, int):
                raise TeiBuildError(f"[{table}] {key} must be the first line of a report",
                                    path=name)
            getattr(o, table)[_line_number(key, table, name)] = value
    order = raw.get("order", {}).get("articles", [])
    if not isinstance(order, list) or not all(isinstance(v, int) for v in order):
        raise TeiBuildError("[order] articles must be a list of line numbers", path=name)
    o.order = order
    return o


def _line_number(key: str, table: str, name: str) -> int:
    try:
        number = int(key)
    except ValueError:
        raise TeiBuildError(f"[{table}] {key!r} is not a line number", path=name) from None
    if number < 1:
        raise TeiBuildError(f"[{table}] line numbers start at 1", path=name)
    return number

