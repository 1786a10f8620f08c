"""The shapes data takes between layout analysis and TEI: blocks and articles."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Segment:
    """The part of one source line that belongs to a block (a byline may share its line)."""

    line: int
    text: str


@dataclass
class Block:
    """A run of text with one role: p, head, byline, caption, masthead or notice."""

    kind: str
    segments: list[Segment]
    page: int
    head_type: str | None = None       # kicker | main | sub, for heads
    cb_before: set[int] = field(default_factory=set)   # segment indexes preceded by <cb/>
    run_in: bool = False                # a byline printed in the first line of the report
    notice_page: str | None = None      # for notices: the page pointed to

    @property
    def first_line(self) -> int:
        return self.segments[0].line

    @property
    def text(self) -> str:
        return "".join(s.text for s in self.segments)


@dataclass
class Article:
    """One report: headings, summary box, byline, body (paragraphs and subheads), notices."""

    heads: list[Block] = field(default_factory=list)
    argument: list[Block] = field(default_factory=list)
    byline: Block | None = None
    body: list[Block] = field(default_factory=list)
    notices: list[Block] = field(default_factory=list)
    # summary boxes printed among another report's headings that quote this report
    quoted: list[Block] = field(default_factory=list)
    head_cert: str | None = None        # how sure the heading attachment is
    head_position: str | None = None    # before | after: where the heading stood
    notice_cert: str | None = None
    continued_on: str | None = None     # page the report continues on, if cut off

    @property
    def first_line(self) -> int:
        lines = [b.first_line for b in self.heads + self.argument + self.body]
        if self.byline:
            lines.append(self.byline.first_line)
        return min(lines) if lines else 0

    @property
    def page(self) -> int:
        for block in ([self.byline] if self.byline else []) + self.body + self.heads:
            return block.page
        return 1

    @property
    def paragraphs(self) -> list[Block]:
        return [b for b in self.body if b.kind == "p"]

    @property
    def cut_off(self) -> bool:
        """A report that stops mid-sentence goes on elsewhere."""
        from .lines import ends_open
        paragraphs = self.paragraphs
        return bool(paragraphs) and ends_open(paragraphs[-1].text)


@dataclass
class Page:
    """A page in source order: articles, captions and the masthead, interleaved."""

    number: int
    items: list[Article | Block] = field(default_factory=list)
