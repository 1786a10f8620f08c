"""Which pages exist and what goes on each: the whole site as {path: bytes}."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from markupsafe import Markup

from ..cite import citation_context, download_files, issue_facts
from ..edition import Edition
from ..errors import TeiBuildError
from ..fsutil import sha256
from ..resources import templates_dir
from ..xmlsafe import parse_file
from .hant import text_to_hant
from .mentions import mention_list
from .pages import fragment, render_page, serialize
from .site import (REGISTER_FILES, REGISTER_LABELS, Cited, Entry, Issue, Listed, cited,
                   issue_files, join_mentions, listed, read_issue, read_registers)
from .text import citation_fields, issue_url, render_texts
from .transform import transform


@dataclass
class Site:
    issues: list[Issue]
    entries: list[Entry]
    files: dict[str, bytes]


def render_site(tei_dir: Path, edition: Edition, jobs: int = 1,
                progress: Callable[[int, int, str], None] | None = None) -> Site:
    """Every file of the site in memory; `progress(done, total, what)` after each issue."""
    paths = issue_files(tei_dir)
    if not paths:
        raise TeiBuildError("no TEI issues (*.xml) to build", path=str(tei_dir))
    note = progress or (lambda _done, _total, _what: None)
    total = len(paths) + 1

    issues = sorted(_map([(read_issue, p) for p in paths], jobs), key=lambda i: i.sort_key)
    _check_unique(issues)
    files: dict[str, bytes] = {}
    work = [(_render_issue, issue, listed(issues[n - 1]) if n else None,
             listed(issues[n + 1]) if n + 1 < len(issues) else None, edition)
            for n, issue in enumerate(issues)]
    for done, (issue, issue_files_) in enumerate(zip(issues, _map(work, jobs)), start=1):
        files.update(issue_files_)
        note(done, total, issue.id)
    entries = join_mentions(read_registers(tei_dir), issues)
    files.update(_site_pages([listed(i) for i in issues], issues[-1], entries, edition))
    for _entry, pages in entry_pages({i.id: i for i in issues}, entries, edition):
        files.update(pages)
    for name in sorted(REGISTER_FILES.values()):
        if (tei_dir / name).is_file():
            files[f"html/tei/{name}"] = (tei_dir / name).read_bytes()
    note(total, total, "index, register and site pages")
    return Site(issues=issues, entries=entries, files=files)


def _map(calls: list[tuple], jobs: int) -> Iterable:
    """Run (function, *args) calls, in worker processes when jobs > 1; results in order."""
    if jobs <= 1 or len(calls) <= 1:
        results = map(_guarded, calls)
    else:
        with ProcessPoolExecutor(max_workers=min(jobs, len(calls))) as pool:
            results = list(pool.map(_guarded, calls, chunksize=4))
    for ok, value in results:
        if not ok:
            raise TeiBuildError(*value)
        yield value


def _guarded(call: tuple):
    """Errors come back as data: TeiBuildError's path and line would not survive pickling."""
    func, *args = call
    try:
        return True, func(*args)
    except TeiBuildError as exc:
        return False, (exc.message, exc.path, exc.line, exc.column)


def _render_issue(issue: Issue, prev_issue: Listed | None, next_issue: Listed | None,
                  edition: Edition) -> dict[str, bytes]:
    """Every file of one issue: its page, its article pages, its texts, its TEI. Its page
    links to the issues before and after it, and shows what `site.Listed` holds of them."""
    tree = parse_file(issue.path)
    files: dict[str, bytes] = {f"html/tei/{issue.id}.xml": issue.path.read_bytes()}
    # citations of the issue and each article: Cite boxes, <head> metadata, .bib/.ris/.json
    facts = issue_facts(tree, edition)
    citations = {a.id: citation_context(tree, a.id, edition, facts=facts) for a in issue.articles}
    issue_citation = citation_context(tree, None, edition, facts=facts)
    for citation in (issue_citation, *citations.values()):
        files.update({f"html/{path}": data for path, data in download_files(citation).items()})
    common = dict(issue=issue, url=issue_url(issue, edition), citations=citations)

    page = f"issues/{issue.id}.html"
    text, toc, article_texts = _fragments(tree, page)
    files.update(render_page("issue.html", page, edition, text=text, toc=Markup(toc),
                             prev_issue=prev_issue, next_issue=next_issue,
                             citation=issue_citation, **common))

    for n, article in enumerate(issue.articles):
        text = article_texts.get(article.id)
        if text is None:  # not among the articles of the issue's text: rendered on its own
            text = fragment(transform("tei2html.xsl", tree, article=article.id, root="../",
                                      issue_page=f"../{page}"))
        files.update(render_page(
            "article.html", f"articles/{article.id}.html", edition, text=text, article=article,
            prev_article=issue.articles[n - 1] if n else None,
            next_article=issue.articles[n + 1] if n + 1 < len(issue.articles) else None,
            citation=citations[article.id], **common))

    texts = {f"{issue.id}.txt" if article is None else f"{issue.id}/{article.id}.txt": body
             for article, body in render_texts(tree, issue, edition)}
    names = tuple(sorted({m.name for m in issue.mentions}))
    for name, body in texts.items():
        files[f"txt/zh-Hans/{name}"] = body.encode("utf-8")
        files[f"txt/zh-Hant/{name}"] = text_to_hant(body, edition.opencc, names).encode("utf-8")
    return files


def _fragments(tree, page: str) -> tuple[str, str, dict[str, str]]:
    """The issue's text, its table of contents and its articles' texts (for their own
    pages), as HTML, from one run of tei2html.xsl."""
    pages = transform("tei2html.xsl", tree, part="pages", root="../",
                      issue_page=f"../{page}").getroot()
    text, toc, *articles = pages
    as_printed = {a.get("id"): a for a in text.iter("article")}
    once = Counter(p.get("article") for p in articles)
    # an empty <page>: the article page shows the article exactly as the issue page does;
    # an id used twice is left to the caller, which renders that page on its own
    return (serialize(text), serialize(toc),
            {p.get("article"): serialize(p[0]) if len(p) else
             f'<div class="tei-text">{serialize(as_printed[p.get("article")])}</div>'
             for p in articles if once[p.get("article")] == 1})


def _check_unique(issues: list[Issue]) -> None:
    seen: dict[str, Path] = {}
    for issue in issues:
        if issue.id in seen:
            raise TeiBuildError(f"issue id {issue.id!r} is also used by {seen[issue.id]}",
                                path=str(issue.path))
        seen[issue.id] = issue.path


def _site_pages(issues: list[Listed], latest: Issue, entries: list[Entry],
                edition: Edition, unchanged: Iterable[str] = ()) -> dict[str, bytes]:
    """Every page that is neither an issue's nor a register entry's (`entry_pages`):
    of the issues, they show what `Listed` holds, and of the latest one its citation.
    The pages named in `unchanged` (of those `site_page_keys` gives) are left out."""
    files: dict[str, bytes] = {}
    kinds = _by_kind(entries)
    initials = _initials(kinds)
    unchanged = set(unchanged)

    def page(template: str, path: str, **context) -> None:
        if path not in unchanged:
            files.update(render_page(template, path, edition, **context))

    for kind, pages in initials.items():
        for initial in pages:
            page("register_initial.html", initial.path, kind=kind, initial=initial,
                 initials=pages, labels=REGISTER_LABELS)
    example = next((a for a in latest.articles if not a.placeholder), None)
    page("index.html", "index.html", issues=issues, kinds=kinds, labels=REGISTER_LABELS,
         latest=latest, example=citation_fields(latest, edition, example),
         example_article=example)
    page("issues.html", "issues/index.html", years=_by_year(issues))
    page("registers.html", "registers/index.html", kinds=kinds, labels=REGISTER_LABELS,
         initials=initials)
    page("guidelines.html", "guidelines.html", guidelines=_guidelines())
    page("about.html", "about.html", issues=issues)
    if (templates_dir() / "search.html").is_file():  # the page the header's search box opens
        page("search.html", "search.html")
    static = templates_dir() / "static"
    for path in sorted(static.iterdir()):
        if path.is_file():
            files[f"html/static/{path.name}"] = path.read_bytes()
    return files


def site_page_keys(issues: list[Listed], entries: list[Entry]) -> dict[str, str]:
    """The digest of what each page of `_site_pages` shows, but the home page (which
    cites the latest issue, and is small): a page whose digest is the same, rendered by
    the same code and templates for the same edition, needs no rendering. The list of
    issues shows their `Listed`, the about page their number and first and last dates;
    the register index each register's size and its entries or its initials; a page of
    initials its register's initials and its own entries' keys, names, pinyin and
    numbers of mentions; the guidelines and the search page nothing of the issues."""
    def digest(*shown) -> str:
        return sha256(repr(shown).encode("utf-8"))

    def row(entry: Entry) -> tuple:
        return entry.key, entry.name, entry.pinyin, len(entry.mentions)

    kinds = _by_kind(entries)
    initials = _initials(kinds)
    letters = {kind: [(p.letter, len(p.entries)) for p in pages]
               for kind, pages in initials.items()}
    keys = {"issues/index.html": digest("issues/index.html", issues),
            "about.html": digest("about.html", len(issues), issues[0].date, issues[-1].date)}
    keys["registers/index.html"] = digest(
        "registers/index.html", [(kind, len(listed_), letters[kind] if kind in initials else
                                  [row(e) for e in listed_]) for kind, listed_ in kinds.items()])
    keys["guidelines.html"] = keys["search.html"] = digest("the same for every edition")
    for kind, pages in initials.items():
        for initial in pages:
            keys[initial.path] = digest(kind, initial.letter, letters[kind],
                                        [row(e) for e in initial.entries])
    return keys


#: entries a register lists on the register index itself; a register with more is listed
#: a page per initial of its entries' pinyin (`_initials`), as the index of a Chinese
#: book is: on 2,000 synthetic issues naming 19,450 entries the one page was 3.3 MB in
#: each script, and rendered again (1 s) for any name's count changed anywhere
REGISTER_INDEX_ENTRIES = 1000


@dataclass(frozen=True)
class Initial:
    """A page of a register's entries that begin with one letter (`#`: any other)."""
    letter: str
    path: str
    entries: tuple[Entry, ...]

    @property
    def label(self) -> str:
        return "其他" if self.letter == "#" else self.letter.upper()


def _by_kind(entries: list[Entry]) -> dict[str, list[Entry]]:
    return {kind: [e for e in entries if e.kind == kind] for kind in REGISTER_LABELS}


def _initials(kinds: dict[str, list[Entry]]) -> dict[str, list[Initial]]:
    """The pages of initials of each register listed by initial (REGISTER_INDEX_ENTRIES),
    in the order of the entries (their keys are their pinyin)."""
    out = {}
    for kind, entries in kinds.items():
        if len(entries) <= REGISTER_INDEX_ENTRIES:
            continue
        by_letter: dict[str, list[Entry]] = {}
        for entry in entries:
            first = entry.key[:1].lower()
            by_letter.setdefault(first if "a" <= first <= "z" else "#", []).append(entry)
        out[kind] = [Initial(letter, f"registers/{kind}-{'other' if letter == '#' else letter}"
                             ".html", tuple(listed_)) for letter, listed_ in
                     sorted(by_letter.items(), key=lambda item: (item[0] == "#", item[0]))]
    return out


#: mentions an entry's page shows itself; an entry mentioned more often, in more than one
#: year, gets a page per year instead (a district secretary's page in a weekly's whole run
#: would be megabytes to read, and every correction to any issue naming them would
#: render all of it again)
ENTRY_PAGE_MENTIONS = 300


def mention_year(date: str) -> str:
    """Which year's page an issue's mentions go on: its year, or `undated`."""
    year = date[:4]
    return year if len(year) == 4 and year.isascii() and year.isdigit() else "undated"


def year_pages(counts: dict[str, int]) -> list[str]:
    """The years whose pages an entry's mentions are shown on, given the number of
    mentions each year (`mention_year`); none when the entry's own page shows them all."""
    if sum(counts.values()) <= ENTRY_PAGE_MENTIONS or len(counts) < 2:
        return []
    return sorted(counts)


def entry_path(entry: Entry, year: str | None = None) -> str:
    """An entry's page, or the page of its mentions in `year`."""
    base = f"registers/{entry.kind}/{entry.key}"
    return f"{base}.html" if year is None else f"{base}/{year}.html"


def entry_pages(by_id: dict[str, Issue], entries: Iterable[Entry],
                edition: Edition) -> Iterator[tuple[Entry, dict[str, bytes]]]:
    """The pages of each register entry (both scripts), one entry at a time; `by_id`
    needs only the issues that mention them."""
    for entry in entries:
        groups = group_mentions(entry.mentions, by_id)
        by_year: dict[str, list] = {}
        for issue, mentions in groups:
            by_year.setdefault(mention_year(issue.date), []).append((issue, mentions))
        years = year_pages({y: sum(len(ms) for _, ms in g) for y, g in by_year.items()})
        if not years:
            yield entry, entry_page(entry, edition, groups=groups)
            continue
        files = entry_page(entry, edition, years=[
            (y, len(by_year[y]), sum(len(ms) for _, ms in by_year[y])) for y in years])
        for year in years:
            files.update(entry_year_page(entry, edition, year, years, by_year[year]))
        yield entry, files


def entry_page(entry: Entry, edition: Edition, groups: list | None = None,
               years: list[tuple[str, int, int]] | None = None) -> dict[str, bytes]:
    """An entry's own page: its facts, and its mentions (`groups`: (issue, mentions) in
    issue order) or links to its pages by year (`years`: year, issues, mentions)."""
    path = entry_path(entry)
    shown = mention_list(path, groups or [], edition.opencc) if not years else None
    return render_page("entry.html", path, edition,
                       parts={"mention_list": shown} if shown else {}, entry=entry,
                       label=REGISTER_LABELS[entry.kind],
                       years=years and [(*row, entry_path(entry, row[0])) for row in years],
                       count=len(entry.mentions) if years is None else
                       sum(n for _, _, n in years))


def entry_year_page(entry: Entry, edition: Edition, year: str, years: list[str],
                    groups: list) -> dict[str, bytes]:
    """The page of an entry's mentions in one of its `years`."""
    def year_link(n: int) -> tuple[str, str] | None:
        return (years[n], entry_path(entry, years[n])) if 0 <= n < len(years) else None

    at = years.index(year)
    path = entry_path(entry, year)
    return render_page("entry_year.html", path, edition,
                       parts={"mention_list": mention_list(path, groups, edition.opencc)},
                       entry=entry, label=REGISTER_LABELS[entry.kind], year=year,
                       count=sum(len(ms) for _, ms in groups), entry_page=entry_path(entry),
                       before=year_link(at - 1), after=year_link(at + 1))


def _by_year(issues: list[Listed]) -> list[tuple[str, list[Listed]]]:
    """Issues by year (`mention_year`), the latest first and undated issues last."""
    years: dict[str, list[Listed]] = {}
    for issue in issues:
        years.setdefault(mention_year(issue.date), []).append(issue)
    return sorted(years.items(), key=lambda item: (item[0] != "undated", item[0]), reverse=True)


def group_mentions(mentions, by_id: dict[str, Issue]) -> list[tuple[Cited, list]]:
    """An entry's mentions grouped by issue, in issue order (mentions are already sorted),
    each issue as the entry's page shows it (`site.cited`)."""
    groups: dict[str, list] = {}
    for m in mentions:
        groups.setdefault(m.issue, []).append(m)
    return [(cited(by_id[i], ms), ms) for i, ms in groups.items()]


def _guidelines() -> Markup | None:
    """The encoding guidelines from the validation stage, when that stage provides them."""
    try:
        from ..validate import guidelines_html
    except ImportError:
        return None
    return Markup(guidelines_html())
