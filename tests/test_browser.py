"""The built site in a real browser (headless Chromium): links, anchors, switches, console.

Chromium is Debian's (/usr/bin/chromium), driven through Playwright; no browser
is ever downloaded. In CI (CI=true) a missing browser is a failure, not a skip.
"""

from __future__ import annotations

import functools
import http.server
import os
import shutil
import threading
from pathlib import Path
from urllib.parse import unquote, urldefrag, urljoin, urlparse

import pytest
from lxml import html as lhtml

from teibuild.render import build_site

from test_render import EDITION, FIXTURE, PERSONS

CHROMIUM = os.environ.get("TEIBUILD_CHROMIUM", "/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--no-first-run"]
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
REPO = Path(__file__).resolve().parent.parent

if not IN_CI and not Path(CHROMIUM).exists():
    pytest.skip("no Chromium at /usr/bin/chromium (required in CI)", allow_module_level=True)

if IN_CI:
    from playwright import sync_api
else:
    sync_api = pytest.importorskip("playwright.sync_api")


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("browser")
    (root / "tei").mkdir()
    shutil.copy(FIXTURE, root / "tei" / "hongkou-1845.xml")
    (root / "tei" / "persons.xml").write_text(PERSONS, encoding="utf-8")
    build_site(root / "tei", root / "editions", EDITION, jobs=1)
    return root / "editions"


@pytest.fixture(scope="module")
def browser():
    with sync_api.sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield chromium
        chromium.close()


@pytest.fixture()
def page(browser):
    context = browser.new_context()
    tab = context.new_page()
    tab.problems = []
    tab.on("console", lambda msg: msg.type == "error" and tab.problems.append(msg.text))
    tab.on("pageerror", lambda exc: tab.problems.append(str(exc)))
    yield tab
    context.close()


def kind_of(url: str) -> str:
    """Pages of one kind share a template: same folder (articles/, registers/persons/ …)."""
    path = urlparse(url).path
    return path.rsplit("/", 1)[0] + ("/index" if path.endswith("/index.html") else "")


def crawl(page, start: str) -> tuple[dict[str, list[str]], dict[str, set[str]]]:
    """Open one page of every kind, in both scripts: its internal links, and its ids."""
    links: dict[str, list[str]] = {}
    ids: dict[str, set[str]] = {}
    kinds: set[str] = set()
    queue = [start]
    while queue:
        url = queue.pop(0)
        if url in links or kind_of(url) in kinds and not url.endswith("/index.html"):
            continue
        kinds.add(kind_of(url))
        page.goto(url, wait_until="domcontentloaded")
        hrefs, found = page.evaluate(
            "() => [Array.from(document.querySelectorAll('a[href], link[href], script[src]'),"
            " e => e.href || e.src), Array.from(document.querySelectorAll('[id]'), e => e.id)]")
        links[url] = [h for h in hrefs if h.startswith("file://")]
        ids[url] = set(found)
        queue += [urldefrag(h).url for h in links[url] if urldefrag(h).url.endswith(".html")]
    return links, ids


def static_links(root: Path) -> tuple[dict[str, list[str]], dict[str, set[str]]]:
    """Every page of the site, read without a browser: the same links and ids, all of them."""
    links, ids = {}, {}
    for path in sorted((root / "html").rglob("*.html")):
        doc = lhtml.fromstring(path.read_bytes())
        url = path.as_uri()
        found = doc.xpath("//a/@href | //link/@href | //script/@src")
        links[url] = [urljoin(url, h) for h in found if not urlparse(h).scheme]
        ids[url] = set(doc.xpath("//@id"))
    return links, ids


def check_links(root: Path, links: dict[str, list[str]], ids: dict[str, set[str]]) -> None:
    for href in sorted({h for hs in links.values() for h in hs}):
        target, fragment = urldefrag(href)
        path = Path(unquote(urlparse(target).path))
        assert path.is_file(), f"broken link {href}"
        assert path.resolve().is_relative_to(root.resolve()), f"link leaves the site: {href}"
        if fragment:
            assert unquote(fragment) in ids[target], f"missing anchor {href}"


def sites():
    """The committed sample edition when there is one (it has everything), else the fixture's."""
    if (REPO / "editions" / "html" / "index.html").is_file():
        return ["committed"]
    return ["fixture"]


@pytest.mark.parametrize("which", sites())
def test_every_page_loads_cleanly_and_every_link_and_anchor_resolves(page, site, which):
    root = site if which == "fixture" else REPO / "editions"
    links, ids = crawl(page, (root / "html" / "index.html").as_uri())
    assert len(links) >= 16  # every kind of page, in both scripts
    assert {kind_of(u).split("/html", 1)[1].strip("/") for u in links} >= {
        "issues", "articles", "registers/persons", "zh-Hant/issues", "zh-Hant/articles"}
    assert page.problems == []
    check_links(root, links, ids)
    check_links(root, *static_links(root))


def test_reader_path_home_issue_name_register_and_back(page, site):
    page.goto((site / "html" / "index.html").as_uri())
    page.click("a.button")  # the latest issue
    assert page.url.endswith("issues/hongkou-1845.html")
    toc = page.eval_on_selector_all(".toc a[href^='#hongkou-1845-a']", "els => els.map(e => e.hash)")
    articles = page.eval_on_selector_all("article.article", "els => els.map(e => '#' + e.id)")
    assert toc == articles == ["#hongkou-1845-a01", "#hongkou-1845-a02", "#hongkou-1845-a03"]
    page.click("a.persName:has-text('杜松')")
    assert page.url.endswith("registers/persons/du-songquan.html")
    assert page.inner_text("h1") == "杜松全"
    page.click("ol.mentions a")
    assert page.url.endswith("issues/hongkou-1845.html#hongkou-1845-a01-p02")
    page.wait_for_selector(':target', state='attached')
    assert page.evaluate("document.querySelector(':target').id") == "hongkou-1845-a01-p02"
    assert page.problems == []


def test_view_switch_shows_line_breaks_and_is_remembered(page, site):
    page.goto((site / "html" / "issues" / "hongkou-1845.html").as_uri())
    display = "getComputedStyle(document.querySelector('br.lb')).display"
    assert page.evaluate("document.body.className") == "view-reading"
    assert page.evaluate(display) == "none"
    page.keyboard.press("Tab")  # keyboard first: the skip link
    assert page.evaluate("document.activeElement.className") == "skip"
    page.focus("button.view-toggle")
    page.keyboard.press("Enter")
    assert "view-diplomatic" in page.evaluate("document.body.className")
    assert page.evaluate(display) != "none"
    assert page.get_attribute("button.view-toggle", "aria-pressed") == "true"
    page.reload()
    assert "view-diplomatic" in page.evaluate("document.body.className")
    page.click("button.view-toggle")
    assert page.evaluate(display) == "none"
    assert page.problems == []


def test_script_switch_goes_to_the_same_page_in_zh_hant_and_back(page, site):
    page.goto((site / "html" / "issues" / "hongkou-1845.html").as_uri())
    page.click("a.script-switch")
    assert page.url.endswith("html/zh-Hant/issues/hongkou-1845.html")
    assert page.evaluate("document.documentElement.lang") == "zh-Hant"
    assert "區委副書記" in page.inner_text("#hongkou-1845-a01-p02")
    page.click("a.persName:has-text('杜松')")
    assert page.url.endswith("zh-Hant/registers/persons/du-songquan.html")
    page.click("a.script-switch")
    assert page.url.endswith("html/registers/persons/du-songquan.html")
    assert "/zh-Hant/" not in page.url
    assert page.problems == []


def test_copy_link_gives_the_paragraph_permalink(page, site):
    page.goto((site / "html" / "issues" / "hongkou-1845.html").as_uri())
    page.hover("#hongkou-1845-a02-p01")
    page.click("#hongkou-1845-a02-p01 a.plink")
    expected = "https://example.org/hongkou/issues/hongkou-1845.html#hongkou-1845-a02-p01"
    page.wait_for_selector(".toast.show")
    assert page.get_attribute("body", "data-last-copied") == expected
    assert page.evaluate("location.hash") == "#hongkou-1845-a02-p01"
    assert expected in page.inner_text(".toast")
    assert page.problems == []


def test_site_works_from_a_web_server(page, site):
    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args):
            pass

    handler = functools.partial(Quiet, directory=str(site))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        base = f"http://127.0.0.1:{server.server_address[1]}/html/"
        failed = []
        # a request the browser itself abandons because the page moved on (a favicon
        # still loading when a link is followed) is not a missing file
        page.on("requestfailed", lambda r: "ERR_ABORTED" not in (r.failure or "")
                and failed.append(r.url))
        page.on("response", lambda r: r.status >= 400 and failed.append(r.url))
        page.goto(base + "index.html")
        page.click("a.button")
        page.click("a.script-switch")
        assert page.url == base + "zh-Hant/issues/hongkou-1845.html"
        page.wait_for_load_state()   # the URL changes before the new document has a body
        assert page.evaluate("getComputedStyle(document.body).backgroundColor") != ""
        assert page.evaluate("document.styleSheets.length") >= 1
        assert failed == [] and page.problems == []
    finally:
        server.shutdown()
        server.server_close()


@pytest.mark.parametrize("path", ["index.html", "issues/hongkou-1845.html",
                                  "articles/hongkou-1845-a02.html", "guidelines.html",
                                  "zh-Hant/issues/hongkou-1845.html"])
def test_no_page_is_wider_than_a_phone_even_with_its_cite_boxes_open(browser, site, path):
    """Long addresses and citations wrap (they made pages 436–524 px wide at 390)."""
    context = browser.new_context(viewport={"width": 390, "height": 844})
    tab = context.new_page()
    tab.goto((site / "html" / path).as_uri(), wait_until="load")
    widths = tab.evaluate("""() => {
        document.querySelectorAll('details').forEach(d => d.open = true);
        return [document.documentElement.scrollWidth, document.documentElement.clientWidth];
    }""")
    context.close()
    assert widths[0] <= widths[1], (path, widths)
