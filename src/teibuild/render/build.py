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
from ..resources import templates_dir
from ..xmlsafe import parse_file
from .hant import text_to_hant
from .pages import fragment, render_page, serialize
from .site import (REGISTER_FILES, REGISTER_LABELS, Entry, Issue, issue_files, join_mentions,
                   read_issue, read_registers)
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
    work = [(_render_issue, issue, issues[n - 1] if n else None,
             issues[n + 1] if n + 1 < len(issues) else None, edition)
            for n, issue in enumerate(issues)]
    for done, (issue, issue_files_) in enumerate(zip(issues, _map(work, jobs)), start=1):
        files.update(issue_files_)
        note(done, total, issue.id)
    entries = join_mentions(read_registers(tei_dir), issues)
    files.update(_site_pages(issues, entries, edition))
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


def _render_issue(issue: Issue, prev_issue: Issue | None, next_issue: Issue | None,
                  edition: Edition) -> dict[str, bytes]:
    """Every file of one issue: its page, its article pages, its texts, its TEI."""
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


def _site_pages(issues: list[Issue], entries: list[Entry], edition: Edition,
                with_entries: bool = True) -> dict[str, bytes]:
    """Every page that is not an issue's; the register entries' own pages unless
    `with_entries` is false (an incremental build renders those with entry_pages)."""
    files: dict[str, bytes] = {}
    by_id = {i.id: i for i in issues}
    kinds = {kind: [e for e in entries if e.kind == kind] for kind in REGISTER_LABELS}
    latest = issues[-1]
    example = next((a for a in latest.articles if not a.placeholder), None)
    files.update(render_page(
        "index.html", "index.html", edition, issues=issues, kinds=kinds,
        labels=REGISTER_LABELS, latest=latest,
        example=citation_fields(latest, edition, example), example_article=example))
    files.update(render_page("issues.html", "issues/index.html", edition,
                             years=_by_year(issues)))
    files.update(render_page("registers.html", "registers/index.html", edition, kinds=kinds,
                             labels=REGISTER_LABELS))
    if with_entries:
        for _entry, pages in entry_pages(by_id, entries, edition):
            files.update(pages)
    files.update(render_page("guidelines.html", "guidelines.html", edition,
                             guidelines=_guidelines()))
    files.update(render_page("about.html", "about.html", edition, issues=issues))
    if (templates_dir() / "search.html").is_file():  # the page the header's search box opens
        files.update(render_page("search.html", "search.html", edition))
    static = templates_dir() / "static"
    for path in sorted(static.iterdir()):
        if path.is_file():
            files[f"html/static/{path.name}"] = path.read_bytes()
    return files


def entry_pages(by_id: dict[str, Issue], entries: Iterable[Entry],
                edition: Edition) -> Iterator[tuple[Entry, dict[str, bytes]]]:
    """The page of each register entry (both scripts), one entry at a time; `by_id`
    needs only the issues that mention them."""
    for entry in entries:
        yield entry, render_page(
            "entry.html", f"registers/{entry.kind}/{entry.key}.html", edition, entry=entry,
            label=REGISTER_LABELS[entry.kind], issues=by_id,
            groups=_group_mentions(entry, by_id))


def _by_year(issues: list[Issue]) -> list[tuple[str, list[Issue]]]:
    years: dict[str, list[Issue]] = {}
    for issue in issues:
        years.setdefault(issue.date[:4] or "—", []).append(issue)
    return sorted(years.items(), reverse=True)


def _group_mentions(entry: Entry, by_id: dict[str, Issue]):
    """Mentions of an entry grouped by issue, in issue order (mentions are already sorted)."""
    groups: dict[str, list] = {}
    for m in entry.mentions:
        groups.setdefault(m.issue, []).append(m)
    return [(by_id[i], ms) for i, ms in groups.items()]


def _guidelines() -> Markup | None:
    """The encoding guidelines from the validation stage, when that stage provides them."""
    try:
        from ..validate import guidelines_html
    except ImportError:
        return None
    return Markup(guidelines_html())
