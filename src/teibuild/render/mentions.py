"""A register entry's list of mentions, issue by issue, written in both scripts at once.

The list is most of an entry page (a name printed in 300 reports is 300 lines of
context). As a Jinja partial, one call per mention, and then read back whole by
`html_to_hant` to find its text, it was most of the cost of a register page.
Here it is written directly, and its zh-Hant made from the same pieces: each
run of text converted as the phrase run `html_to_hant` would make of it (runs
end at line breaks, block tags and names; the tests hold the two equal), all
in one call to OpenCC.
"""

from __future__ import annotations

from .hant import convert_runs
from .pages import Here


def mention_list(path: str, groups: list, opencc: str | None = None
                 ) -> tuple[str, str | None]:
    """The list on the page at `path` (`groups`: (issue, mentions) in issue order, as
    `build.group_mentions` gives them) as HTML, the same in both scripts' trees; and, if
    `opencc` is given, its zh-Hant (None where that must come from the page as a whole:
    a text with a line break in it)."""
    out = _List()
    link = Here(path).link
    for issue, mentions in groups:
        href = _escape(link(f"issues/{issue.id}.html"))
        out.add(f'  <h3><a href="{href}">')
        if issue.date:
            date = _escape(issue.date)
            out.run(f"第{_escape(issue.n)}期", f'</a> <time datetime="{date}">', date)
            out.add("</time></h3>\n")
        else:
            out.run(f"第{_escape(issue.n)}期", "</a>", " 日期不详")
            out.add("</h3>\n")
        out.add('  <ol class="mentions">\n')
        for m in mentions:
            art = issue.article(m.article)
            out.add(f'    <li><a href="{href}#{_escape(m.anchor)}">')
            out.run(f"第{_escape(m.page)}版" + (f"《{_escape(art.label)}》" if art else ""))
            out.add('</a>\n      <q class="kwic">')
            out.context(m.before)
            out.add('<mark class="name">')
            out.run(_escape(m.name))
            out.add("</mark>")
            out.context(m.after)
            out.add("</q></li>\n")
        out.add("  </ol>\n")
    if not groups:
        out.add('  <p class="empty">')
        out.run("本版各期正文中尚未出现。")
        out.add("</p>\n")
    return "".join(out.pieces), None if opencc is None else out.converted(opencc)


class _List:
    """Markup and runs of text, in order; where each run's texts are among the pieces."""

    def __init__(self):
        self.pieces: list[str] = []
        self.runs: list[tuple[str, ...]] = []
        self.at: list[tuple[int, ...]] = []

    def add(self, markup: str) -> None:
        self.pieces.append(markup)

    def run(self, text: str, markup: str | None = None, more: str | None = None) -> None:
        """A run of text (escaped); or of two texts with inline `markup` between them."""
        n = len(self.pieces)
        if markup is None:
            self.pieces.append(text)
            self.runs.append((text,))
            self.at.append((n,))
        else:
            self.pieces += [text, markup, more]
            self.runs.append((text, more))
            self.at.append((n, n + 2))

    def context(self, segments) -> None:
        """The text on one side of a mention (`site.Mention.before`/`after`), its names
        marked: a name is a run of its own, and so is the text between two names."""
        text = ""
        for piece, is_name in segments:
            if not is_name:
                text += _escape(piece)
                continue
            if text:
                self.run(text)
                text = ""
            self.add('<span class="name">')
            self.run(_escape(piece))
            self.add("</span>")
        if text:
            self.run(text)

    def converted(self, opencc: str) -> str | None:
        done = convert_runs(self.runs, opencc)
        if done is None:
            return None
        pieces = self.pieces[:]
        for at, texts in zip(self.at, done):
            for n, text in zip(at, texts):
                pieces[n] = text
        return "".join(pieces)


def _escape(text: str) -> str:
    """What Jinja's autoescape writes (markupsafe.escape), as a str: the lists are
    hundreds of thousands of short texts, most with nothing to escape."""
    if "&" in text:
        text = text.replace("&", "&amp;")
    if "<" in text:
        text = text.replace("<", "&lt;")
    if ">" in text:
        text = text.replace(">", "&gt;")
    if "'" in text:
        text = text.replace("'", "&#39;")
    if '"' in text:
        text = text.replace('"', "&#34;")
    return text
