"""Incremental builds after random sequences of edits: each time, exactly a fresh build.

test_incremental.py checks each kind of change on its own; here hypothesis strings
them together, as a scholar's session would (a corrected paragraph, a heading, a
date that moves an issue to another year, a name linked to another entry or
unlinked, an issue removed, added, renumbered, touched or put back as it was, an
article taken out, a register entry renamed or taken out, outputs deleted, changed
or added by hand, an issue cut short: refused, the edition left as it was, and
mended, a source converted, corrected or not, into a new issue or over one, a
setting of edition.toml changed, a paragraph corrected and built with the search
index put off, then `tei-build search-index` or not), and after every step the edition must be byte for
byte what a build from nothing makes of the same TEI; the search index,
whose overlays record each edition's own history, must find what the fresh one's
finds (as test_incremental.py compares them). The rebuilds run in this process, in
two workers forked from it, or in two started by a forkserver (as a rebuild of many
issues is). TEIBUILD_FUZZ_SCALE multiplies the
number of sequences (benchmarks/fuzz_campaign.py runs them at a large scale).
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
from contextlib import nullcontext
from dataclasses import replace
from pathlib import Path
from unittest import mock

import pytest
from hypothesis import HealthCheck, event, example, given, note, settings
from hypothesis import strategies as st

import teibuild.incremental.plan
import teibuild.parallel
from benchmarks.generate import make_issue
from teibuild.errors import TeiBuildError
from teibuild.incremental import MANIFEST, STATE
from teibuild.pipeline import convert_sources
from teibuild.search import build_search_index
from tests.incremental_site import (EDITION, NUMBERS, assert_as_fresh, build, build_with_search,
                                    contents, corpus, two_shard_corpus)

SCALE = float(os.environ.get("TEIBUILD_FUZZ_SCALE", "1"))
WORDS = ("（经编者校订）", "再", "复工复产", "Ａ", "〔原文如此〕")
DATES = ("2021-12-31", "2022-01-07", "2022-03-25", "2022-04-29", "2023-03-24")
NAMES = {"persName": ("persons.xml", ("du-songquan", "qian-jing", "lu-xuejiao", "guo-fang-9")),
         "placeName": ("places.xml", ("beiwaitan-jiedao", "hongkou-qu", "new-place-9")),
         "orgName": ("orgs.xml", ("beiwaitan-jiedao-shequ-weisheng-fuwu-zhongxin",
                                  "new-body-9"))}
# edition.toml's settings as a step may change them (the first of each: as the tests' edition)
SETTINGS = (("opencc", "s2tw"), ("opencc", "s2hk"), ("subtitle", "虹口报数字编辑版"),
            ("subtitle", "一份区报"), ("base_url", ""), ("base_url", "https://example.org/hk/"),
            ("title", "虹口报"), ("title", "虹口报（周刊）"))
_NAME = re.compile(r'<(persName|placeName|orgName) ref="[^"]*">')
_PARA_END = re.compile(r"</p>")
_HEAD = re.compile(r"(<head [^>]*>)([^<]{2,})(</head>)")
_ENTRY_NAME = re.compile(r'(<(?:persName|placeName|orgName) xml:lang="zh-Hans">)([^<]+)(<)')

steps = st.lists(st.one_of(
    st.tuples(st.just("text"), st.integers(0, 9), st.integers(0, 9), st.sampled_from(WORDS)),
    st.tuples(st.just("heading"), st.integers(0, 9), st.integers(0, 9), st.sampled_from(WORDS)),
    st.tuples(st.just("date"), st.integers(0, 9), st.sampled_from(DATES)),
    st.tuples(st.just("name"), st.integers(0, 9), st.integers(0, 9), st.integers(0, 9)),
    st.tuples(st.just("unname"), st.integers(0, 9), st.integers(0, 9)),
    st.tuples(st.just("remove"), st.integers(0, 9)),
    st.tuples(st.just("add"), st.integers(0, 9), st.sampled_from(DATES)),
    st.tuples(st.just("restore"), st.integers(0, 9)),
    # a paragraph corrected and built with the search index put off (`build --no-search`),
    # then, or not, `tei-build search-index`, before the step's own build
    st.tuples(st.just("put off"), st.integers(0, 9), st.integers(0, 9), st.sampled_from(WORDS),
              st.booleans()),
    st.tuples(st.just("register"), st.sampled_from(("persons.xml", "places.xml", "orgs.xml")),
              st.integers(0, 99), st.sampled_from(WORDS)),
    st.tuples(st.just("delete output"), st.integers(0, 10 ** 6)),
    st.tuples(st.just("change output"), st.integers(0, 10 ** 6)),
    st.tuples(st.just("number"), st.integers(0, 9)),
    st.tuples(st.just("drop article"), st.integers(0, 9)),
    st.tuples(st.just("drop entry"), st.sampled_from(("persons.xml", "places.xml", "orgs.xml")),
              st.integers(0, 99)),
    st.tuples(st.just("stray output"), st.sampled_from(("html/stray.html", "txt/zh-Hans/x.txt",
                                                        "html/registers/persons/x.html"))),
    st.tuples(st.just("touch"), st.integers(0, 9)),
    st.tuples(st.just("broken issue"), st.integers(0, 9), st.integers(1, 400)),
    # a source (benchmarks/generate.py) converted over issue 1846 or 1848, or as a new one;
    # with a word added at the end of one of its lines, or as generated
    st.tuples(st.just("convert"), st.sampled_from((1846, 1848, 1861)), st.integers(1, 3),
              st.integers(0, 10 ** 4), st.sampled_from((None, *WORDS))),
    st.tuples(st.just("edition"), st.sampled_from(SETTINGS)),
), min_size=1, max_size=6)


@settings(max_examples=max(1, int(10 * SCALE)), deadline=None, database=None,
          suppress_health_check=list(HealthCheck))
@given(steps, st.sampled_from(("here", "forked", "forkserver")), st.booleans())
# (each kind of run once, whatever hypothesis draws)
@example([("convert", 1861, 2, 3, "再"), ("edition", ("opencc", "s2hk")), ("text", 1, 2, "再"),
          ("convert", 1846, 1, 40, None)], "forkserver", False)
def test_every_rebuild_after_a_sequence_of_edits_is_a_fresh_build(sequence, workers, by_year):
    """`workers`: the rebuilds run in this process, or in two workers, forked from it or
    started by a forkserver (which every pool of two items or more then uses); `by_year`:
    entries mentioned more than twice over several years have pages by year
    (`render.build.year_pages`), as the people a newspaper names most do, and registers
    of more than three entries are listed a page per initial. (A forkserver's
    workers import tei-build afresh and would not see the lower threshold, so they render
    with the shipped one.)"""
    import teibuild.render.build as render_build

    event(f"the rebuilds' workers: {workers}")
    server = workers == "forkserver"
    with patched(render_build, "ENTRY_PAGE_MENTIONS", 2 if by_year and not server else None), \
            patched(render_build, "REGISTER_INDEX_ENTRIES", 3 if by_year and not server else None), \
            patched(teibuild.parallel, "FORKSERVER_FROM", 2 if server else None), \
            patched(teibuild.incremental.plan, "FORKSERVER_FROM", 2 if server else None):
        run_sequence(sequence, corpus, jobs=1 if workers == "here" else 2)


@settings(max_examples=max(1, int(4 * SCALE)), deadline=None, database=None,
          suppress_health_check=list(HealthCheck))
@given(steps, st.sampled_from((2, None)))
@example([("convert", 1848, 3, 7, "复工复产"), ("edition", ("title", "虹口报（周刊）"))], 2)
@example([("put off", 2, 1, "再", True), ("text", 5, 0, "Ａ"), ("put off", 1, 3, "复工复产", False),
          ("put off", 5, 2, "再", True)], None)
def test_after_a_sequence_of_edits_the_search_finds_what_a_fresh_builds_finds(sequence, overlay):
    """With the search index, on issues in two shards; `overlay`: the issues a shard's
    overlay holds at most (None: as shipped) before the shard is indexed again whole."""
    import teibuild.search

    with patched(teibuild.search, "OVERLAY_ISSUES", overlay):
        run_sequence(sequence, two_shard_corpus, jobs=1, search=True)


def run_sequence(sequence: list[tuple], make_corpus, jobs: int, search: bool = False) -> None:
    """Build, then after each step build again and compare with a fresh build."""
    with tempfile.TemporaryDirectory(prefix="tei-build-sequence-") as tmp:
        folder = Path(tmp)
        tei = make_corpus(folder)
        originals = {path.name: path.read_bytes() for path in tei.glob("hongkou-*.xml")}
        out = folder / "out"
        edition = EDITION
        build_with_search(tei, out, edition, jobs=1, search=search)
        for n, step in enumerate(sequence):
            mended = {p: p.read_bytes() for p in tei.glob("hongkou-*.xml")}
            if step[0] == "edition":
                edition = replace(edition, **dict([step[1]]))
                note(f"step {n}: {step}: edition.toml's {step[1][0]} = {step[1][1]!r}")
            elif step[0] == "put off":
                note(f"step {n}: {step}: {apply(('text', *step[1:4]), tei, out, originals)}, "
                     "built without the search index" + (", then search-index" * step[4]))
                build_with_search(tei, out, edition, jobs=jobs, search=False)
                if step[4] and search:   # (a sequence without the index has none to make)
                    build_search_index(out, edition.opencc, jobs=1)
            else:
                note(f"step {n}: {step}: {apply(step, tei, out, originals)}")
            event(f"a step: {step[0]}")
            if step[0] == "broken issue":   # refused, the edition left as it was; then mended
                before = contents(out), (out / STATE / MANIFEST).read_bytes()
                with pytest.raises(TeiBuildError):
                    build_with_search(tei, out, edition, jobs=jobs, search=search)
                assert (contents(out), (out / STATE / MANIFEST).read_bytes()) == before
                for path, data in mended.items():
                    path.write_bytes(data)
            build_with_search(tei, out, edition, jobs=jobs, search=search)
            fresh = folder / f"fresh-{n}"
            if search:
                assert_as_fresh(out, tei, fresh, edition)
            else:
                build(tei, fresh, edition, jobs=1)
                assert contents(out) == contents(fresh), f"after step {n}: {step}"
            shutil.rmtree(fresh)


def patched(module, name: str, value):
    """`module.name` set to `value` meanwhile (None: left as it is)."""
    return nullcontext() if value is None else mock.patch.object(module, name, value)


def apply(step: tuple, tei: Path, out: Path, originals: dict[str, bytes]) -> str:
    """Make the change `step` describes; returns what it did (for the failing example)."""
    kind, *args = step
    issues = sorted(tei.glob("hongkou-*.xml"))
    if kind in ("delete output", "change output"):
        # (a file of a search bundle written over in place is not looked for: see
        # incremental.indexing._unstamped; its summary and the index's common files are)
        files = sorted(p for top in ("html", "txt") for p in (out / top).rglob("*")
                       if p.is_file() and (kind == "delete output" or not re.fullmatch(
                           r"html/pagefind/[^/]+/.+(?<!/shard\.json)",
                           p.relative_to(out).as_posix())))
        target = files[args[0] % len(files)]
        if kind == "delete output":
            target.unlink()
        else:
            target.write_bytes(target.read_bytes() + b"<!-- changed by hand -->")
        return f"{kind} {target.relative_to(out)}"
    if kind == "register":
        register, at, word = tei / args[0], args[1], args[2]
        text = register.read_text(encoding="utf-8")
        found = list(_ENTRY_NAME.finditer(text))
        m = found[at % len(found)]
        register.write_text(text[:m.end(2)] + word + text[m.end(2):], encoding="utf-8")
        return f"{register.name}: {m.group(2)} → {m.group(2)}{word}"
    if kind == "convert":
        return convert(tei, *args)
    if kind == "stray output":
        (out / args[0]).parent.mkdir(parents=True, exist_ok=True)
        (out / args[0]).write_text("not made by tei-build", encoding="utf-8")
        return f"{args[0]} put there by hand"
    if kind == "drop entry":
        register = tei / args[0]
        text = register.read_text(encoding="utf-8")
        found = list(re.finditer(r"\n *<(person|place|org) xml:id=\"([^\"]+)\".*?</\1>", text,
                                 re.S))
        m = found[args[1] % len(found)]
        register.write_text(text[:m.start()] + text[m.end():], encoding="utf-8")
        return f"{register.name}: {m.group(2)} taken out"
    if kind == "restore":
        name = sorted(originals)[args[0] % len(originals)]
        (tei / name).write_bytes(originals[name])
        return f"{name} as it was first"
    if kind == "add":
        source = issues[args[0] % len(issues)]
        number = 1850 + len(list(tei.glob("hongkou-*.xml")))
        text = source.read_text(encoding="utf-8")
        old_number, old_date = source.stem.split("-")[1], _date(text)
        (tei / f"hongkou-{number}.xml").write_text(
            text.replace(source.stem, f"hongkou-{number}").replace(old_number, str(number))
            .replace(old_date, args[1]), encoding="utf-8")
        return f"hongkou-{number}, a copy of {source.stem} dated {args[1]}"
    path = issues[args[0] % len(issues)]
    if kind == "touch":
        os.utime(path)
        return f"{path.name} touched"
    if kind == "broken issue":
        data = path.read_bytes()
        path.write_bytes(data[:len(data) * args[1] // 401])
        return f"{path.name} cut short at {len(data) * args[1] // 401} bytes"
    if kind == "remove":
        if len(issues) < 2:
            return "nothing (one issue left)"
        path.unlink()
        return f"{path.name} removed"
    text = path.read_text(encoding="utf-8")
    if kind == "date":
        path.write_text(text.replace(_date(text), args[1]), encoding="utf-8")
        return f"{path.name} dated {args[1]}"
    if kind == "number":
        number = re.search(r'<biblScope unit="issue" n="([^"]+)"', text).group(1)
        path.write_text(text.replace(f'n="{number}"', f'n="{number}A"'), encoding="utf-8")
        return f"{path.name} numbered {number}A"
    if kind == "drop article":
        m = re.search(r'\n *<div type="article" xml:id="[^"]+-a01">.*?</div>', text, re.S)
        if not m:
            return f"nothing ({path.name} has no first article)"
        path.write_text(text[:m.start()] + text[m.end():], encoding="utf-8")
        return f"{path.name}: its first article taken out"
    if kind == "text":
        ends = list(_PARA_END.finditer(text))
        at = ends[args[1] % len(ends)].start()
        path.write_text(text[:at] + args[2] + text[at:], encoding="utf-8")
        return f"{path.name}: {args[2]} at the end of paragraph {args[1] % len(ends)}"
    if kind == "heading":
        heads = list(_HEAD.finditer(text))
        m = heads[args[1] % len(heads)]
        at = m.start(2) + len(m.group(2)) // 2
        path.write_text(text[:at] + args[2] + text[at:], encoding="utf-8")
        return f"{path.name}: {m.group(2)} with {args[2]}"
    names = list(_NAME.finditer(text))
    if not names:
        return f"nothing ({path.name} names no one)"
    m = names[args[1] % len(names)]
    if kind == "name":
        file, keys = NAMES[m.group(1)]
        ref = f'<{m.group(1)} ref="{file}#{keys[args[2] % len(keys)]}">'
        path.write_text(text[:m.start()] + ref + text[m.end():], encoding="utf-8")
        return f"{path.name}: {m.group()} → {ref}"
    close = text.index(f"</{m.group(1)}>", m.end())   # (names of one kind do not nest)
    path.write_text(text[:m.start()] + text[m.end():close] + text[close + len(m.group(1)) + 3:],
                    encoding="utf-8")
    return f"{path.name}: {m.group()} taken off"


def convert(tei: Path, number: int, seed: int, line: int, word: str | None) -> str:
    """Issue `number` as benchmarks/generate.py lays it out (its `seed`), `word` added at
    the end of one of its lines, converted into `tei` over what is there (`--force`: the
    sequence edits the TEI by hand). A source convert refuses must leave `tei` as it was."""
    lines = make_issue(number, seed).text().split("\n")
    at = line % len(lines)
    if word:
        lines[at] += word
    source = tei.parent / "sources" / f"hongkou-{number}.txt"
    source.parent.mkdir(exist_ok=True)
    source.write_text("\n".join(lines), encoding="utf-8")
    said = f"hongkou-{number} (seed {seed}) converted" + (f", {word} after line {at + 1}"
                                                          if word else "")
    before = {p.name: p.read_bytes() for p in tei.iterdir()}
    try:
        convert_sources([source], tei, EDITION, force=True, jobs=1)
    except TeiBuildError as exc:
        assert {p.name: p.read_bytes() for p in tei.iterdir()} == before
        event("a source refused by convert")
        return f"{said}: refused ({exc.message})"
    return said


def _date(text: str) -> str:
    """The issue's date, as its imprint gives it."""
    return re.search(r'<imprint>.*?<date when="([^"]+)"', text, re.S).group(1)


def test_the_edits_are_what_they_say():
    """Each kind of step changes the TEI (or the edition) as described."""
    with tempfile.TemporaryDirectory() as tmp:
        tei = corpus(Path(tmp))
        originals = {path.name: path.read_bytes() for path in tei.glob("hongkou-*.xml")}
        out = Path(tmp) / "out"
        build(tei, out, EDITION, jobs=1)
        first = tei / "hongkou-1845.xml"
        assert "1845.xml dated 2023-03-24" in apply(("date", 0, "2023-03-24"), tei, out, originals)
        assert 'when="2023-03-24"' in first.read_text(encoding="utf-8")
        apply(("unname", 0, 0), tei, out, originals)
        assert "陆雪姣" in first.read_text(encoding="utf-8")
        assert "persons.xml#lu-xuejiao" not in first.read_text(encoding="utf-8")
        apply(("name", 0, 0, 3), tei, out, originals)
        assert 'ref="persons.xml#guo-fang-9">杜松' in first.read_text(encoding="utf-8")
        apply(("restore", 0), tei, out, originals)
        assert first.read_bytes() == originals[first.name]
        apply(("add", 0, "2022-01-07"), tei, out, originals)
        added = tei / f"hongkou-{1850 + len(NUMBERS)}.xml"
        assert 'when="2022-01-07"' in added.read_text(encoding="utf-8")
        assert "removed" in apply(("remove", 5), tei, out, originals)
        assert not added.exists()
        apply(("number", 1), tei, out, originals)
        assert 'n="1846A"' in (tei / "hongkou-1846.xml").read_text(encoding="utf-8")
        apply(("drop article", 1), tei, out, originals)
        assert "-a01" not in (tei / "hongkou-1846.xml").read_text(encoding="utf-8")
        said = apply(("register", "persons.xml", 1, "再"), tei, out, originals)
        assert said == "persons.xml: 杜松全 → 杜松全再"
        assert "delete output html/" in apply(("delete output", 0), tei, out, originals)
        assert apply(("drop entry", "persons.xml", 1), tei, out, originals) == \
            "persons.xml: du-songquan taken out"
        assert 'xml:id="du-songquan"' not in (tei / "persons.xml").read_text(encoding="utf-8")
        apply(("stray output", "html/stray.html"), tei, out, originals)
        assert (out / "html" / "stray.html").is_file()
        size = (tei / "hongkou-1848.xml").stat().st_size
        assert "cut short" in apply(("broken issue", 3, 200), tei, out, originals)
        assert (tei / "hongkou-1848.xml").stat().st_size == size * 200 // 401
        (tei / "hongkou-1848.xml").write_bytes(originals["hongkou-1848.xml"])
        persons = (tei / "persons.xml").read_bytes()
        said = apply(("convert", 1861, 2, 3, "再"), tei, out, originals)
        assert said == "hongkou-1861 (seed 2) converted, 再 after line 4"
        assert "再" in (tei / "hongkou-1861.xml").read_text(encoding="utf-8")
        assert (tei / "persons.xml").read_bytes() != persons   # its names are registered
        written = (tei / "hongkou-1846.xml").read_bytes()
        assert apply(("convert", 1846, 1, 0, None), tei, out, originals) == \
            "hongkou-1846 (seed 1) converted"
        assert (tei / "hongkou-1846.xml").read_bytes() != written
