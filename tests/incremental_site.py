"""The small editions the incremental tests build: five weekly issues made from the
fixture, builds with and without the search index, and what a fresh build makes to
compare with."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from teibuild.edition import Edition
from teibuild.incremental import build as build_with_search

FIXTURE = Path(__file__).parent / "fixtures" / "mini-issue.xml"
REGISTERS = Path(__file__).resolve().parents[1] / "tei"
EDITION = Edition(slug="hongkou", title="虹口报", subtitle="虹口报数字编辑版",
                  publisher="上海市虹口区融媒体中心", licence="CC BY 4.0")
NUMBERS = (1845, 1846, 1847, 1848, 1849)


def build(*args, **kwargs):
    """The build without its search index (made by Pagefind, slow for a test); the tests
    that concern the index say so."""
    return build_with_search(*args, **{"search": False, **kwargs})


def corpus(folder: Path) -> Path:
    """Five weekly issues made from the fixture, with the project's registers."""
    tei = folder / "tei"
    tei.mkdir()
    text = FIXTURE.read_text(encoding="utf-8")
    for week, number in enumerate(NUMBERS):
        day = 25 + 7 * week
        date = f"2022-03-{day}" if day <= 31 else f"2022-04-{day - 31:02d}"
        (tei / f"hongkou-{number}.xml").write_text(
            text.replace("hongkou-1845", f"hongkou-{number}").replace("1845", str(number))
            .replace("2022-03-25", date), encoding="utf-8")
    for name in ("persons.xml", "places.xml", "orgs.xml"):
        shutil.copy(REGISTERS / name, tei / name)
    return tei


def snapshot(out: Path) -> dict[str, tuple[bytes, int]]:
    """Every edition file with its content and mtime."""
    return {p.relative_to(out).as_posix(): (p.read_bytes(), p.stat().st_mtime_ns)
            for top in ("html", "txt") for p in sorted((out / top).rglob("*")) if p.is_file()}


def contents(out: Path) -> dict[str, bytes]:
    return {rel: data for rel, (data, _) in snapshot(out).items()}


def fresh(tei: Path, folder: Path, edition: Edition = EDITION) -> dict[str, bytes]:
    build(tei, folder, edition, jobs=1)
    return contents(folder)


def built_site(tmp_path: Path) -> tuple[Path, Path]:
    """Five issues built once: (their TEI, the edition), the `site` fixture of the tests."""
    tei = corpus(tmp_path)
    out = tmp_path / "out"
    first = build(tei, out, EDITION, jobs=1)
    assert first.rendered_issues == len(NUMBERS) and first.site_rendered
    return tei, out


def two_shard_corpus(folder: Path) -> Path:
    """The five issues (1845–1849, one shard of the index) and a copy of 1849 as 1900, a
    week later, in the next shard."""
    tei = corpus(folder)
    (tei / "hongkou-1900.xml").write_text(
        (tei / "hongkou-1849.xml").read_text(encoding="utf-8").replace("hongkou-1849", "hongkou-1900")
        .replace("1849", "1900").replace("2022-04-22", "2022-04-29"), encoding="utf-8")
    return tei


def contents_of_fresh(tei: Path, folder: Path, edition: Edition = EDITION) -> dict[str, bytes]:
    build_with_search(tei, folder, edition, jobs=1)
    return contents(folder)


def searchable(out: Path) -> dict:
    """What the search page of the edition in `out` can find: search-data.json but for the
    bundles it lists, and every record of every bundle it merges, less those an overlay
    supersedes (each record as Pagefind keeps it: words, filters, metadata), in order."""
    from teibuild.search.canonical import _decode, _raw

    data = json.loads((out / "html" / "search-data.json").read_bytes())
    bundles, superseded = data.pop("shards"), data.pop("superseded", {})
    records = []
    for bundle in bundles:
        folder = out / "html" / "pagefind" / bundle
        entry = json.loads((folder / "pagefind-entry.json").read_bytes())
        for info in entry["languages"].values():
            for fragment, _ in _decode((folder / f"pagefind.{info['hash']}.pf_meta").read_bytes())[1]:
                record = json.loads(_raw((folder / "fragment" / f"{fragment}.pf_fragment")
                                         .read_bytes()))
                if record["filters"]["issue"][0] not in superseded.get(bundle, ()):
                    records.append(json.dumps({k: v for k, v in record.items() if k != "url"},
                                              ensure_ascii=False, sort_keys=True))
    return {"data": data, "records": sorted(records)}


def assert_as_fresh(out: Path, tei: Path, folder: Path, edition: Edition = EDITION) -> None:
    """The edition in `out` is what a fresh build of `tei` makes, byte for byte but for
    the search index's bundles, and its search finds exactly what the fresh one's does."""
    index = ("html/pagefind/", "html/search-data.json")
    fresh_files = contents_of_fresh(tei, folder, edition)
    assert {rel: data for rel, data in contents(out).items() if not rel.startswith(index)} == \
        {rel: data for rel, data in fresh_files.items() if not rel.startswith(index)}
    assert searchable(out) == searchable(folder)
