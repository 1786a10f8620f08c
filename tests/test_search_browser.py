"""Searching the built sample edition in a real browser (headless Chromium, from a web server).

The expected paragraphs come from the TEI itself: every identified paragraph,
and every article's headings, whose text contains the query. Chromium is
Debian's (/usr/bin/chromium), driven through Playwright; no browser is ever
downloaded. In CI (CI=true) a missing browser is a failure, not a skip.
"""

from __future__ import annotations

import functools
import http.server
import threading
from pathlib import Path
from urllib.parse import quote

import pytest

from teibuild import TEI_NS, XML_NS
from teibuild.edition import load_edition
from teibuild.render import build_site
from teibuild.xmlsafe import parse_file

# the same Chromium, the same rules (skip locally without it, fail in CI), the same browser
from test_browser import browser  # noqa: F401  (a fixture)
from test_search import REPO, SAMPLE
from test_search_shards import SECOND, two_issue_tei

T = f"{{{TEI_NS}}}"


def tei_units(path: Path = SAMPLE) -> dict[str, str]:
    """anchor → text of what a search result can be: identified paragraphs, article headings."""
    root = parse_file(path).getroot()
    units = {}
    for p in root.iter(f"{T}p"):
        if p.get(f"{{{XML_NS}}}id"):
            units[p.get(f"{{{XML_NS}}}id")] = "".join(p.itertext())
    for div in root.iter(f"{T}div"):
        if div.get("type") == "article":
            heads = [e for e in div if e.tag in (f"{T}head", f"{T}byline")]
            units[div.get(f"{{{XML_NS}}}id")] = " ".join("".join(e.itertext()) for e in heads)
    return {k: "".join(v.split()) for k, v in units.items()}


def both_issues(anchors: set[str]) -> set[str]:
    """The anchors in the sample issue and in its copy, which is indexed in another shard."""
    return anchors | {a.replace("hongkou-1845", SECOND) for a in anchors}


def containing(term: str) -> set[str]:
    return both_issues({anchor for anchor, text in tei_units().items() if term in text})


def mentioning(ref: str) -> set[str]:
    """Paragraphs (and article headings) whose markup names the register entry `ref`."""
    root = parse_file(SAMPLE).getroot()
    found = set()
    for el in root.iter(f"{T}persName", f"{T}placeName", f"{T}orgName"):
        if el.get("ref") != ref:
            continue
        p = next((a for a in el.iterancestors(f"{T}p") if a.get(f"{{{XML_NS}}}id")), None)
        if p is not None:
            found.add(p.get(f"{{{XML_NS}}}id"))
        elif next(el.iterancestors(f"{T}head", f"{T}byline"), None) is not None:
            found.add(next(el.iterancestors(f"{T}div")).get(f"{{{XML_NS}}}id"))
    return both_issues(found)


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """A local web server for the editions built in its folder; yields (folder, address)."""
    root = tmp_path_factory.mktemp("search-site")

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args):
            pass

    served = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(Quiet, directory=str(root)))
    threading.Thread(target=served.serve_forever, daemon=True).start()
    yield root, f"http://127.0.0.1:{served.server_address[1]}/"
    served.shutdown()
    served.server_close()


@pytest.fixture(scope="module")
def base(server):
    """The sample edition and a copy of its issue a week later, in another shard of the index,
    built by the same call as `tei-build build`."""
    root, address = server
    two_issue_tei(root / "tei")
    build_site(root / "tei", root / "editions", load_edition(REPO / "edition.toml"), jobs=1)
    assert (root / "editions" / "html" / "pagefind" / "pagefind.js").is_file()
    return address + "editions/html/"


@pytest.fixture(scope="module")
def overlaid(server):
    """The same two issues built, then the sample issue edited (核酸 → 咽拭子) and built
    again: the edited issue is indexed in an overlay beside its shard's bundle."""
    root, address = server
    tei = two_issue_tei(root / "tei-edited")
    build_site(tei, root / "overlaid", load_edition(REPO / "edition.toml"), jobs=1)
    sample = tei / SAMPLE.name
    sample.write_text(sample.read_text(encoding="utf-8").replace("核酸", "咽拭子"), encoding="utf-8")
    build_site(tei, root / "overlaid", load_edition(REPO / "edition.toml"), jobs=1)
    assert (root / "overlaid" / "html" / "pagefind" / "n001800-edits").is_dir()
    return address + "overlaid/html/", sample


@pytest.fixture()
def page(browser, server):
    context = browser.new_context()
    tab = context.new_page()
    tab.problems = []
    tab.on("console", lambda msg: msg.type == "error" and tab.problems.append(msg.text))
    tab.on("pageerror", lambda exc: tab.problems.append(str(exc)))
    # a request the browser itself abandoned because the page moved on (the favicon) is no fault
    tab.on("requestfailed", lambda r: "ERR_ABORTED" not in (r.failure or "") and
           tab.problems.append(f"failed: {r.url}"))
    tab.on("response", lambda r: r.status >= 400 and tab.problems.append(f"{r.status}: {r.url}"))
    tab.on("request", lambda r: not r.url.startswith(server[1]) and
           tab.problems.append(f"external: {r.url}"))
    yield tab
    assert tab.problems == []
    context.close()


def search(page, base: str, query: str = "", where: str = "search.html", **filters) -> list[str]:
    """Open the search page for `query`, show every result, return their paragraph anchors."""
    params = [("q", query)] + sorted(filters.items())
    url = base + where + "?" + "&".join(f"{k}={quote(v)}" for k, v in params if v)
    page.goto(url)
    page.wait_for_selector('#search[data-state="done"]', timeout=20000)
    page.wait_for_selector('#search[data-facets="ready"]', timeout=20000)  # counts of every facet
    while page.is_visible(".search-more"):
        count = page.locator(".search-result").count()
        page.click(".search-more")
        # polled from here: the pages' Content-Security-Policy forbids evaluating a string
        page.locator(".search-result").nth(count).wait_for(state="attached", timeout=20000)
        page.wait_for_selector('#search[data-state="done"]', timeout=20000)
    return page.eval_on_selector_all(".search-result", "els => els.map(e => e.dataset.anchor)")


@pytest.mark.parametrize("query", ["郭芳", "北外滩街道", "核酸", "检测", "区委"])
def test_a_query_finds_exactly_the_paragraphs_that_contain_it(page, base, query):
    expected = containing(query)
    assert expected, f"the sample no longer contains {query}"
    found = search(page, base, query)
    assert sorted(found) == sorted(expected)
    assert page.inner_text(".search-status") == f"共 {len(expected)} 段"
    marks = set(page.eval_on_selector_all(".result-excerpt mark", "els => els.map(e => e.textContent)"))
    assert marks == {query}


@pytest.mark.parametrize("hant, hans", [("檢測", "检测"), ("區委", "区委")])
def test_traditional_queries_find_the_simplified_text_on_both_pages(page, base, hant, hans):
    expected = sorted(containing(hans))
    assert sorted(search(page, base, hant)) == expected
    assert sorted(search(page, base, hant, where="zh-Hant/search.html")) == expected
    assert sorted(search(page, base, hans, where="zh-Hant/search.html")) == expected
    # the zh-Hant page shows its results in traditional characters, the match marked
    marks = set(page.eval_on_selector_all(".result-excerpt mark", "els => els.map(e => e.textContent)"))
    assert marks == {hant}
    hrefs = page.eval_on_selector_all(".result-title a", "els => els.map(e => e.href)")
    assert all(h.startswith(base + "zh-Hant/issues/") for h in hrefs)


def test_a_result_shows_issue_date_title_and_links_to_its_paragraph(page, base):
    search(page, base, "北外滩街道")
    first = page.locator(".search-result").first
    anchor = first.get_attribute("data-anchor")
    assert "虹口报 第1845期" in first.locator(".result-source").inner_text()
    assert "2022-03-25" in first.locator(".result-source").inner_text()
    assert first.locator(".result-title").inner_text() == "始终绷紧疫情防控这根弦"
    first.locator(".result-title a").click()
    page.wait_for_load_state()
    assert page.url == f"{base}issues/hongkou-1845.html#{anchor}"
    assert "北外滩街道" in page.inner_text(f"#{anchor}")


def test_name_facets_filter_by_register_entry(page, base):
    guo = mentioning("persons.xml#guo-fang")
    assert sorted(search(page, base, person="郭芳")) == sorted(guo)
    both = sorted(guo & containing("核酸"))
    assert sorted(search(page, base, "核酸", person="郭芳")) == both
    # the facet list offers the names of the current results, with their counts
    label = page.locator('.facet[data-facet="person"] li', has_text="郭芳")
    assert label.locator(".count").inner_text() == str(len(both))
    page.locator('.facet[data-facet="person"] li', has_text="郭芳").locator("input").uncheck()
    page.wait_for_selector('#search[data-state="done"]')
    assert page.locator(".search-result").count() == min(20, len(containing("核酸")))


def test_issue_and_date_filters(page, base):
    everything = containing("核酸")
    first = sorted(a for a in everything if a.startswith("hongkou-1845-"))
    assert first and len(first) * 2 == len(everything)
    assert sorted(search(page, base, "核酸", issue="hongkou-1845")) == first
    assert sorted(search(page, base, "核酸", **{"from": "2022-03-25", "to": "2022-03-25"})) == first
    assert sorted(search(page, base, "核酸", **{"from": "2022-03-26"})) == \
        sorted(everything - set(first))
    assert search(page, base, "核酸", **{"from": "2022-04-02"}) == []
    assert "没有找到" in page.inner_text(".search-status")


def test_sorting_by_date_orders_the_results_of_every_shard(page, base):
    found = search(page, base, "区委", sort="date")
    assert sorted(found) == sorted(containing("区委"))
    issues = [a.split("-a")[0].split("-f")[0] for a in found]
    assert issues == sorted(issues, key=lambda i: i != "hongkou-1845")  # 2022-03-25 first
    dates = page.eval_on_selector_all(".search-result time", "els => els.map(e => e.textContent)")
    assert dates == sorted(dates) and dates[0] == "2022-03-25" and dates[-1] == "2022-04-01"
    within = [a for a in found if a.startswith("hongkou-1845-")]
    assert within == sorted(within)  # and in the order of the issue


def test_every_page_has_a_search_box_that_leads_here(page, base):
    page.goto(base + "issues/hongkou-1845.html")
    page.fill(".search-box input[name=q]", "核酸")
    page.press(".search-box input[name=q]", "Enter")
    page.wait_for_selector('#search[data-state="done"]', timeout=20000)
    assert page.url.startswith(base + "search.html?q=")
    assert page.locator(".search-result").count() > 0


def test_an_overlay_supersedes_the_edited_issue_in_its_shard(page, overlaid):
    """Searches find the edited issue's text as it is now and never as it was, once each
    (核酸 broken across a line, 核<lb/>酸, was left as it was)."""
    address, tei = overlaid
    now = tei_units(tei)
    edited = {a for a, text in now.items() if "咽拭子" in text}
    kept = {a for a, text in now.items() if "核酸" in text}
    second = {a for a in containing("核酸") if a.startswith(SECOND)}
    assert edited and kept and second
    assert sorted(search(page, address, "咽拭子")) == sorted(edited)
    assert sorted(search(page, address, "核酸")) == sorted(kept | second)
    assert page.inner_text(".search-status") == f"共 {len(kept | second)} 段"
    # the facets count the records as they are now
    guo = mentioning("persons.xml#guo-fang")
    assert sorted(search(page, address, person="郭芳")) == sorted(guo)
    label = page.locator('.facet[data-facet="person"] li', has_text="郭芳")
    assert label.locator(".count").inner_text() == str(len(guo))
    assert sorted(search(page, address, "咽拭子", issue="hongkou-1845")) == sorted(edited)
    assert search(page, address, "咽拭子", issue=SECOND) == []
