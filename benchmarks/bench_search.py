"""The search index of a built edition: full index, one edited issue, first results in a browser.

    python benchmarks/bench_search.py EDITION_DIR [--opencc s2tw] [--edit ISSUE_ID] [--browser]

EDITION_DIR is a built edition (the folder holding html/); its index is REPLACED,
so give it a copy.
1. The whole index (`build_search_index`): wall time, CPU time of this process
   and of Pagefind, shards, records, files and bytes.
2. With --edit: one character of ISSUE_ID's page changed, then `reindex_shards`
   of its shard alone: the same figures.
3. With --browser: a fresh headless Chromium (Debian's, through Playwright) per
   query opens search.html?q=… from a local web server: seconds until the first
   results are shown and until every facet is counted, requests and bytes fetched.
"""

from __future__ import annotations

import argparse
import functools
import http.server
import json
import sys
import threading
import time
from pathlib import Path
from urllib.parse import quote

from teibuild.render.hant import DEFAULT as HANT_DEFAULT

REPO = Path(__file__).resolve().parent.parent
QUERIES = ["郭芳", "北外滩街道", "核酸", "檢測", "区委"]


def timed(label: str, call) -> object:
    if str(REPO) not in sys.path:
        sys.path.insert(0, str(REPO))
    from benchmarks.run import children_cpu

    own, kids, start = time.process_time(), children_cpu(), time.perf_counter()
    result = call()
    print(json.dumps({"what": label, "wall_s": round(time.perf_counter() - start, 2),
                      "cpu_s_python": round(time.process_time() - own, 2),
                      "cpu_s_children": round(children_cpu() - kids, 2),
                      "report": vars(result)}, ensure_ascii=False), flush=True)
    return result


def browser(html_dir: Path, queries: list[str]) -> None:
    from playwright import sync_api

    sys.path.insert(0, str(REPO / "tests"))
    from test_browser import ARGS, CHROMIUM

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0),
                                             functools.partial(Quiet, directory=str(html_dir)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}/"
    with sync_api.sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        for sort in ("", "date"):
            for query in queries:
                context = chromium.new_context()
                page = context.new_page()
                done: list = []
                page.on("requestfinished", lambda request: done.append(request))
                start = time.perf_counter()
                page.goto(f"{base}search.html?q={quote(query)}" + (f"&sort={sort}" if sort else ""))
                page.wait_for_selector('#search[data-state="done"]', timeout=300000)
                first = time.perf_counter() - start
                page.wait_for_selector('#search[data-facets="ready"]', timeout=300000)
                print(json.dumps({"query": query, "sort": sort or "relevance",
                                  "first_results_s": round(first, 2),
                                  "facets_s": round(time.perf_counter() - start, 2),
                                  "status": page.inner_text(".search-status"),
                                  "requests": len(done),
                                  "kB": sum(r.sizes()["responseBodySize"] for r in done) // 1024},
                                 ensure_ascii=False), flush=True)
                context.close()
        chromium.close()
    server.shutdown()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("edition", type=Path)
    parser.add_argument("--opencc", default=HANT_DEFAULT, help="the edition's opencc setting")
    parser.add_argument("--edit", metavar="ISSUE_ID")
    parser.add_argument("--browser", action="store_true")
    args = parser.parse_args()
    from teibuild.search import build_search_index, reindex_shards, shard_of

    timed("full index", lambda: build_search_index(args.edition, args.opencc))
    if args.edit:
        page = args.edition / "html" / "issues" / f"{args.edit}.html"
        page.write_bytes(page.read_bytes().replace("的".encode(), "地".encode(), 1))
        timed(f"re-index shard {shard_of(args.edit)} after editing {args.edit}",
              lambda: reindex_shards(args.edition, {shard_of(args.edit)}, args.opencc))
    if args.browser:
        browser(args.edition / "html", QUERIES)


if __name__ == "__main__":
    main()
