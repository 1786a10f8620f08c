"""The Pagefind index: one record per paragraph, written as static files beside the site.

Pagefind's extended binary (from the `pagefind[extended]` wheel) runs as a
local subprocess; nothing leaves the machine and the reader's browser needs
nothing but the files written here.

Each record becomes a tiny HTML document in a scratch folder, and Pagefind
indexes that folder in one run. (Its Python API adds records one message at
a time with a fixed ~0.1 s round trip each, hours for a run of a newspaper,
and may answer before the last file is written; the command line indexes a
folder in parallel and is done when it exits.) The scratch documents are
never published: a result links to the paragraph in the real issue page,
whose address travels in the record's metadata.
"""

from __future__ import annotations

import html
import importlib
import os
import re
import shutil
import subprocess
import tempfile
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path

from ..errors import TeiBuildError
from .canonical import canonical_bundle, page_name
from .records import Record

BUNDLE = "pagefind"
LANGUAGE = "und"  # the indexed words are letters (see index_text): no stemming, no segmenting
# Pagefind's ready-made interfaces: the edition has its own search page (static/search.js)
_UNUSED = re.compile(r"pagefind-(ui|modular-ui|component-ui|highlight)\.(js|css)\Z")
_HAN = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f"
_RUNS = re.compile(f"([{_HAN}]+)|[^{_HAN}\\s]+")


def index_text(text: str) -> str:
    """The words Pagefind indexes: overlapping pairs of Han characters, spelt in letters.

    核酸检测 is indexed as the pairs 核酸 酸检 检测 and the last character 测
    alone, so that every character begins a word. A query is cut the same way
    in `static/search.js` and searched as a phrase, which makes a search an
    exact substring match: 区委 is one word to look up, 北外滩街道 the phrase
    北外 外滩 滩街 街道, and 芳 the prefix of every pair that begins with it.

    Each character is spelt as four letters (`han_code`) because Pagefind
    re-cuts anything Chinese in a query into single characters (in 1.5, with
    the browser's segmenter and again in its own search), which would break
    the pairs apart; letters pass through untouched. A dictionary segmenter at
    both ends is no alternative: jieba at indexing and ICU in the browser do
    not agree, and a paragraph is then missed.
    """
    words: list[str] = []
    for m in _RUNS.finditer(text):
        run = m.group(1)
        if run:
            codes = [han_code(c) for c in run]
            words += [codes[i] + codes[i + 1] for i in range(len(codes) - 1)] + [codes[-1]]
        else:
            words.append(m.group(0))
    return " ".join(words)


@lru_cache(maxsize=None)
def han_code(char: str) -> str:
    """A character as four lower-case letters (base 26 of its code point; 26**4 > U+3134F)."""
    n = ord(char)
    return "".join(chr(97 + n // 26 ** k % 26) for k in (3, 2, 1, 0))


def record_document(record: Record) -> str:
    """One record as the HTML Pagefind reads: body to match, meta to show, filters.

    Meta and filter values are given as attributes (`key[data-value]`):
    given as element text, Pagefind would also index them as words, and a
    paragraph would match words that are only in its article's title. There is
    no sort key: results are put in date order by their names (see canonical.py).
    """
    esc = html.escape
    meta = {"title": record.title, "url": record.url, "text": record.text, "issue": record.issue_label,
            "date": record.date, "page": record.page, "title_hant": record.title_hant,
            "text_hant": record.text_hant}
    filters = [("issue", record.issue), ("date", record.date)]
    filters += [(kind, name) for kind in ("person", "place", "org")
                for name in record.names.get(kind, ())]
    lines = [f'<!DOCTYPE html><html lang="{LANGUAGE}"><head><meta charset="utf-8"></head><body>',
             f"<main data-pagefind-body>{esc(index_text(record.text))}</main>"]
    for attribute, pairs in (("meta", meta.items()), ("filter", filters)):
        lines += [f'<i data-pagefind-{attribute}="{key}[data-value]" data-value="{esc(value)}"></i>'
                  for key, value in pairs if value]
    lines.append("</body></html>\n")
    return "\n".join(lines)


def pagefind_files(records: Iterable[Record], shard: str = "") -> dict[str, bytes]:
    """The Pagefind bundle for `records` (in record order), as {path inside the bundle: bytes}.

    Each page is named after its place in date order (`canonical.page_name`), so
    the search page can sort the results of several shards by date without
    loading them.
    """
    records = list(records)
    names = [page_name(r.date, shard, n) for n, r in enumerate(records)]
    return canonical_bundle(run_pagefind([record_document(r) for r in records], records),
                            names)


def run_pagefind(documents: list[str], records: list[Record] | None = None) -> dict[str, bytes]:
    """Pagefind's own bundle for `documents` (HTML), {path inside the bundle: bytes}.

    The documents are written in reverse order: on tmpfs Pagefind then numbers
    its pages in document order already, and canonical_bundle need not renumber
    every index chunk (the result is the same either way, only faster).
    """
    binary = _pagefind_binary()
    with tempfile.TemporaryDirectory(prefix="tei-build-search-",
                                     dir=_scratch_dir(records or [])) as tmp:
        docs, out = Path(tmp) / "records", Path(tmp) / BUNDLE
        docs.mkdir()
        width = len(str(max(len(documents) - 1, 0)))
        for n in reversed(range(len(documents))):
            (docs / f"{n:0{width}d}.html").write_text(documents[n], encoding="utf-8")
        run = subprocess.run([str(binary), "--site", str(docs), "--output-path", str(out),
                              "--silent"], capture_output=True, text=True, check=False)
        if run.returncode != 0 or not (out / "pagefind.js").is_file():
            problem = (run.stderr or run.stdout).strip().splitlines() or ["no search bundle written"]
            raise TeiBuildError(f"Pagefind failed: {problem[-1]}", path=str(docs))
        return {p.relative_to(out).as_posix(): p.read_bytes()
                for p in sorted(out.rglob("*")) if p.is_file() and not _UNUSED.match(p.name)}


def _scratch_dir(records: list[Record]) -> str | None:
    """A RAM disk for the scratch documents when there is room (one small file per record:
    on a busy disk, writing and removing them took longer than Pagefind's indexing); else
    the usual temporary folder. TMPDIR, when set, is always respected."""
    shm = Path("/dev/shm")
    if os.environ.get("TMPDIR") or not shm.is_dir() or not os.access(shm, os.W_OK):
        return None
    needed = 20 * sum(len(r.text.encode("utf-8")) + 2048 for r in records)  # docs + bundle, generously
    return str(shm) if shutil.disk_usage(shm).free > needed else None


def _pagefind_binary() -> Path:
    """The pagefind_extended binary that the `pagefind[extended]` wheel installs.

    Asked of the extended wheel's own module first, which `pagefind.service` would ask
    too, but without importing asyncio with it (a third of a second); `pagefind.service`
    alone honours PAGEFIND_BINARY_PATH."""
    finders = ["pagefind.service"]
    if os.environ.get("PAGEFIND_BINARY_PATH") is None:
        finders.insert(0, "pagefind_bin_extended")
    binary = None
    for finder in finders:
        try:
            binary = importlib.import_module(finder).get_executable()
        except (ImportError, FileNotFoundError):
            continue
        if binary is not None:
            break
    if binary is None:
        raise TeiBuildError("the search index needs Pagefind: pip install 'pagefind[extended]'")
    return Path(binary)
