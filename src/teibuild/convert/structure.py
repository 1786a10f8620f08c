"""From blocks in source order to articles: which heading, summary box,
byline and notice belong to which report.

A report starts at its byline (本报讯…, ■本报记者…). Headings are attached
to the report they stand before or after: extraction keeps one page's order
consistently, so the page's convention is read from the headings whose place
is forced (one at the end of the page, or before a caption, can only close the
report above it) and from how much of each heading's wording its neighbours
repeat; each attachment records how sure it is in @cert.
"""

from __future__ import annotations

from .classify import continues_from
from .lines import ends_with_punctuation
from .model import Article, Block, Page

CONTENT_KINDS = {"p", "byline"}
# blocks that stand between reports and belong to none of them
APART_KINDS = ("masthead", "caption", "notice", "header")
# A summary box repeats its report: this share of its character pairs at least, where
# its own report repeats far fewer (QUOTE_MARGIN less) and no third report as many.
QUOTED = 0.9
QUOTE_MARGIN = 0.3


def build_page(number: int, blocks: list[Block]) -> Page:
    convention = heading_convention(blocks)
    page = Page(number=number)
    current: Article | None = None
    pending: list[Block] = []          # heads / summary waiting for their report
    pending_cert = "high"
    closed: Article | None = None      # a report whose 下转 notice was printed: no more body
    notices: list[tuple[int, Block]] = []
    i = 0
    while i < len(blocks):
        block = blocks[i]
        kind = block.kind
        if kind in ("masthead", "caption", "header"):
            page.items.append(block)
        elif kind == "notice":
            notices.append((len(page.items), block))
            if continues_from(block.text):    # what follows goes on from another page
                current = None
            else:     # 下转: the report above goes on elsewhere; its heading may still follow
                closed = current
        elif kind == "byline":
            current = _new_article(page, pending, pending_cert)
            pending, pending_cert = [], "high"
            current.byline = block
        elif kind == "head":
            nxt = _next_kind(blocks, i)
            open_body = current is not None and bool(current.body)
            if nxt == "p" and open_body and not pending and current is not closed:
                block.head_type = "sub"
                current.body.append(block)           # a subheading inside the report
            elif open_body and not _has_after_heads(current) and (
                    nxt not in CONTENT_KINDS or convention == "after"):
                _attach_after(current, block, "high" if nxt not in CONTENT_KINDS else
                              _agreement(block, current, blocks, i, "after"))
            else:
                pending.append(block)
                if open_body:     # could have closed the report above: say how sure
                    pending_cert = _agreement(block, current, blocks, i, "before")
        elif kind == "p":
            if current is not None and not pending and current is not closed:
                current.body.append(block)
            else:
                run = _summary_run(blocks, i)
                if pending and run:
                    pending.extend(run)
                    i += len(run)
                    continue
                current = _new_article(page, pending, pending_cert)
                pending, pending_cert = [], "high"
                current.body.append(block)
        i += 1
    if pending:     # headings with no report after them stand alone
        _new_article(page, pending, "low")
    _attach_quoted_summaries(page)
    _attach_notices(page, notices)
    return page


def _attach_quoted_summaries(page: Page) -> None:
    """A summary box quotes the report it sums up. Two reports may share one group of
    headings and boxes, printed before the first: a box there that repeats the wording of
    another report on the page, and not its own report's, goes to the report it quotes."""
    articles = [item for item in page.items if isinstance(item, Article)]
    texts = [_article_text(a) for a in articles]
    for n, article in enumerate(articles):
        for box in list(article.argument):
            own = similarity(box.text, texts[n])
            others = sorted(((similarity(box.text, text), k) for k, text in enumerate(texts)
                             if k != n), reverse=True)
            if not others:
                break
            best, k = others[0]
            runner_up = others[1][0] if len(others) > 1 else 0.0
            if best >= QUOTED and own <= best - QUOTE_MARGIN and runner_up <= best - QUOTE_MARGIN:
                article.argument.remove(box)
                articles[k].quoted.append(box)


def heading_convention(blocks: list[Block]) -> str:
    """'after' if this page prints (extracts) headings after their reports, else 'before'."""
    after = before = 0
    seen_body = False
    for i, block in enumerate(blocks):
        if block.kind in CONTENT_KINDS:
            seen_body = True
        if block.kind != "head" or not seen_body:
            continue
        prev_kind = _prev_kind(blocks, i)
        nxt = _next_kind(blocks, i)
        if prev_kind == "p" and nxt not in CONTENT_KINDS and nxt != "head":
            after += 2          # forced: nothing after it to head
        elif prev_kind in APART_KINDS and nxt == "byline":
            before += 1         # nothing before it to close
        elif prev_kind == "p" and nxt == "byline":
            before_text = _text_between(blocks, i, -1)
            after_text = _text_between(blocks, i, +1)
            s_prev = similarity(block.text, before_text)
            s_next = similarity(block.text, after_text)
            if s_prev > s_next + 0.1:
                after += 1
            elif s_next > s_prev + 0.1:
                before += 1
    return "after" if after > before else "before"


def similarity(heading: str, text: str) -> float:
    """Share of the heading's character pairs that the report repeats."""
    pairs = {heading[k:k + 2] for k in range(len(heading) - 1)
             if all("\u3400" <= c <= "\u9fff" for c in heading[k:k + 2])}
    if not pairs or not text:
        return 0.0
    return sum(1 for pair in pairs if pair in text) / len(pairs)


def _agreement(block: Block, current: Article, blocks: list[Block], i: int, chosen: str) -> str:
    """'medium' when the wording agrees with the side chosen by convention, else 'low'
    (also when the wording favours neither side: the convention alone decided)."""
    s_prev = similarity(block.text, _article_text(current))
    s_next = similarity(block.text, _text_between(blocks, i, +1))
    if s_prev == s_next:
        return "low"
    favoured = "after" if s_prev > s_next else "before"
    return "medium" if favoured == chosen else "low"


def _article_text(article: Article) -> str:
    return "".join(b.text for b in article.body)


def _text_between(blocks: list[Block], i: int, step: int) -> str:
    """The text of the report next to block i (before it for step -1, after for +1)."""
    parts = []
    k = i + step
    while 0 <= k < len(blocks):
        b = blocks[k]
        if b.kind == "p":
            parts.append(b.text)
        elif b.kind == "byline":
            if step < 0:
                break
        elif b.kind == "head" and parts:
            break
        elif b.kind in APART_KINDS and parts:
            break
        k += step
    return "".join(parts)


def _next_kind(blocks: list[Block], i: int) -> str:
    """Kind of the next block that is not another line of the same heading group."""
    k = i + 1
    while k < len(blocks) and blocks[k].kind == "head":
        k += 1
    return blocks[k].kind if k < len(blocks) else "end"


def _prev_kind(blocks: list[Block], i: int) -> str:
    """Kind of the block before a heading group; a notice belongs to the report above."""
    k = i - 1
    while k >= 0 and blocks[k].kind in ("head", "notice"):
        k -= 1
    return blocks[k].kind if k >= 0 else "start"


def _summary_run(blocks: list[Block], i: int) -> list[Block]:
    """Paragraphs between a heading and a byline that close with no punctuation at all:
    a summary box (argument) of the report below."""
    run = []
    k = i
    while k < len(blocks) and blocks[k].kind == "p":
        run.append(blocks[k])
        k += 1
    if not run or any(ends_with_punctuation(b.text) for b in run):
        return []
    after = blocks[k].kind if k < len(blocks) else "end"
    return run if after in ("head", "byline") else []


def _new_article(page: Page, pending: list[Block], cert: str) -> Article:
    article = Article()
    for block in pending:
        if block.kind == "head":
            article.heads.append(block)
        else:
            article.argument.append(block)
    if article.heads:
        article.head_position = "before"
        article.head_cert = cert
    page.items.append(article)
    return article


def _attach_after(article: Article, block: Block, cert: str) -> None:
    article.heads.append(block)
    article.head_position = "after" if not article.head_position else "both"
    article.head_cert = cert if article.head_cert in (None, "high") else article.head_cert


def _has_after_heads(article: Article) -> bool:
    return article.head_position in ("after", "both")


def _attach_notices(page: Page, notices: list[tuple[int, Block]]) -> None:
    """Give each printed notice (下转▶4版) to the nearest report that stops mid-sentence;
    reports cut off without a notice of their own go on where this page's notice points."""
    articles = [item for item in page.items if isinstance(item, Article)]
    cut = [a for a in articles if a.cut_off]
    unattached: list[tuple[int, Block]] = []
    for position, notice in notices:
        candidates = [a for a in cut if not a.notices] or cut
        if continues_from(notice.text) or not candidates:
            unattached.append((position, notice))     # kept where it was printed
            continue
        line = notice.first_line
        target = min(candidates, key=lambda a: min(abs(a.first_line - line),
                                                    abs(_last_line(a) - line)))
        adjacent = abs(_last_line(target) - line) <= 2
        target.notices.append(notice)
        target.notice_cert = "high" if adjacent else "low"
        target.continued_on = notice.notice_page
    for position, notice in reversed(unattached):
        page.items.insert(position, notice)
    pages = {n.notice_page for _, n in notices if not continues_from(n.text)}
    for article in cut:
        if article.continued_on is None and len(pages) == 1:
            article.continued_on = next(iter(pages))
            article.notice_cert = "low"


def _last_line(article: Article) -> int:
    lines = [s.line for b in article.body for s in b.segments]
    return max(lines) if lines else article.first_line

