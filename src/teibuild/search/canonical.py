"""Pagefind's bundle made byte-identical from run to run.

Pagefind 1.5 is not reproducible on its own: the values of a filter come out
in hash-map order, which changes from run to run, and pages are numbered in
the order the file system lists the documents, which changes from one file
system to another (and every number is in the index, filter and sort data).
Here pages are renumbered in the order of their documents' paths (the order
of the records), filter values sorted, the files re-encoded (gzip with no
timestamp), and every name recomputed from the new content, the way
Pagefind names them (the metadata file lists the others; the entry file
names the metadata file). The fragments, one per page, are left as they are,
but renamed so that their names sort in date order (page_name).

The format is Pagefind's own (gzip of b"pagefind_dcd" + CBOR); it is read
only for the versions listed in SUPPORTED, and anything else is an error
rather than a silently non-reproducible edition.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import re

import cbor2

from ..errors import TeiBuildError

SUPPORTED = re.compile(r"1\.5\.\d+\Z")
_SIGNATURE = b"pagefind_dcd"
_ENTRY = "pagefind-entry.json"
_LEVEL = 6  # level 9: 2 % smaller, 4 times slower
_META = re.compile(r"pagefind\.(?P<lang>[^.]+)_(?P<hash>[0-9a-f]+)\.pf_meta\Z")


def canonical_bundle(files: dict[str, bytes], names: list[str] | None = None) -> dict[str, bytes]:
    """The bundle {path: bytes} with pages in record order, sorted filters, content names.

    `names`, one per page in record order, renames the pages (their fragments):
    see page_name.
    """
    entry = json.loads(files[_ENTRY])
    if not SUPPORTED.match(str(entry.get("version", ""))):
        raise TeiBuildError(f"Pagefind {entry.get('version')} is not supported for "
                            "reproducible indexes; install pagefind[extended]>=1.5,<1.6")
    out = {path: data for path, data in files.items()
           if not path.startswith(("filter/", "index/", "fragment/")) and not _META.match(path)}
    for lang, info in sorted(entry["languages"].items()):
        meta = _decode(files[f"pagefind.{info['hash']}.pf_meta"])
        new_id = _page_order(meta[1], files)
        pages = [page for _, page in sorted(zip(new_id, meta[1]))]
        for n, (fragment, words) in enumerate(pages):
            new = f"{lang}_{names[n]}_{fragment.rsplit('_', 1)[-1]}" if names else fragment
            out[f"fragment/{new}.pf_fragment"] = files[f"fragment/{fragment}.pf_fragment"]
            pages[n] = [new, words]
        meta[1] = pages
        meta[4] = [[name, [new_id[p] for p in ids]] for name, ids in meta[4]]
        in_order = new_id == sorted(new_id)
        chunks = []
        for first, last, old in meta[2]:
            raw = files[f"index/{old}.pf_index"]
            data = _recompress(raw) if in_order else \
                _encode(_renumbered_chunk(_decode(raw), new_id))
            new = f"{lang}_{_digest(data, 7)}"
            out[f"index/{new}.pf_index"] = data
            chunks.append([first, last, new])
        meta[2] = chunks
        filters = []
        for name, old in meta[3]:
            data = _encode(_sorted_filter(_decode(files[f"filter/{old}.pf_filter"]), new_id))
            new = f"{lang}_{_digest(data, 7)}"
            out[f"filter/{new}.pf_filter"] = data
            filters.append([name, new])
        meta[3] = sorted(filters)
        data = _encode(meta)
        info["hash"] = f"{lang}_{_digest(data, 10)}"
        out[f"pagefind.{info['hash']}.pf_meta"] = data
    out[_ENTRY] = _entry_bytes(entry)
    return dict(sorted(out.items()))


def page_name(date: str, shard: str, position: int) -> str:
    """A page's name that sorts in date order across shards: date, shard, place in the shard.

    Pagefind's merged results come sorted by score only; the search page sorts
    them by name (a result's id) when asked for date order.
    """
    return f"{date.replace('-', '')}-{shard}-{position:05d}"


def empty_index(bundle: dict[str, bytes]) -> dict[str, bytes]:
    """An index of no pages in the format of `bundle` (a canonical bundle).

    The search page loads this one first, with Pagefind's runtime beside it,
    and merges every shard into it (Pagefind itself refuses to index nothing).
    """
    entry = json.loads(bundle[_ENTRY])
    out = {}
    for lang, info in sorted(entry["languages"].items()):
        data = _encode([entry["version"], [], [], [], []])
        info.update(hash=f"{lang}_{_digest(data, 10)}", page_count=0)
        out[f"pagefind.{info['hash']}.pf_meta"] = data
    out[_ENTRY] = _entry_bytes(entry)
    return out


def _entry_bytes(entry: dict) -> bytes:
    return json.dumps(entry, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def _page_order(pages: list, files: dict[str, bytes]) -> list[int]:
    """New number of each page: pages in the order of their source documents' paths.

    Pagefind numbers pages in the order the file system lists its folder, which
    differs from one file system (and machine) to another; the fragments are
    the same everywhere, and each names the document it came from.
    """
    urls = [json.loads(_raw(files[f"fragment/{fragment}.pf_fragment"]))["url"]
            for fragment, _ in pages]
    order = sorted(range(len(pages)), key=lambda i: urls[i])
    new_id = [0] * len(pages)
    for new, old in enumerate(order):
        new_id[old] = new
    return new_id


def _renumbered_chunk(chunk: list, new_id: list[int]) -> list:
    """An index chunk with its page numbers (delta-coded, ascending) mapped to the new ones."""
    entries, *tail = chunk
    if any(tail):
        raise TeiBuildError("unexpected Pagefind index chunk; cannot make it reproducible")
    words = []
    for word, postings, extra in entries:
        if extra:
            raise TeiBuildError("unexpected Pagefind index entry; cannot make it reproducible")
        absolute, page = [], 0
        for delta, *locations in postings:
            page += delta
            absolute.append([new_id[page], *locations])
        absolute.sort(key=lambda posting: posting[0])
        coded, previous = [], 0
        for page, *locations in absolute:
            coded.append([page - previous, *locations])
            previous = page
        words.append([word, coded, extra])
    return [words, *tail]


def _sorted_filter(content: list, new_id: list[int]) -> list:
    name, values = content
    return [name, sorted([value, sorted(new_id[p] for p in pages)] for value, pages in values)]


def _raw(data: bytes) -> bytes:
    raw = gzip.decompress(data) if data[:2] == b"\x1f\x8b" else data
    if not raw.startswith(_SIGNATURE):
        raise TeiBuildError("unexpected Pagefind index file (no pagefind_dcd signature)")
    return raw[len(_SIGNATURE):]


def _decode(data: bytes):
    return cbor2.loads(_raw(data))


def _encode(value) -> bytes:
    return gzip.compress(_SIGNATURE + cbor2.dumps(value), compresslevel=_LEVEL, mtime=0)


def _recompress(data: bytes) -> bytes:
    """What _encode(_decode(data)) gives, without decoding: Pagefind's CBOR is already the
    encoding cbor2 writes (checked by the tests), only its gzip differs."""
    return gzip.compress(_SIGNATURE + _raw(data), compresslevel=_LEVEL, mtime=0)


def _digest(data: bytes, length: int) -> str:
    return hashlib.sha256(data).hexdigest()[:length]
