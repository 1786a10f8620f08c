"""N synthetic issues of 《虹口报》 laid out as text extraction gives them, for benchmarks.

    python benchmarks/generate.py 2000 /tmp/corpus/seeds [--seed 1]

Each issue is one or two pages in the column layout of the sample (wrapped
lines at a measure of 12–25 characters, a two-character paragraph indent,
headings before or after their report, the masthead block after the first
report, cut-off reports with 下转▶N版). Issue numbers run on from the sample's
第1845期 backwards and forwards, one issue a week on Fridays. The text mixes
paragraphs of the sample issue with annotated news sentences (../shared/ner),
and sentences that name officials, places and organisations from the NER
corpora: a few recur in issue after issue, most are rare (Zipf's law), as in
a local paper, so the registers grow as they would over a real run.

The corpora's names are few (~4,000 of the lengths used), so the registers of
2,000 issues stop near that. `--rare-names F` makes a share F of the names
printed new ones instead (a surname and a given name of two different persons
of the corpora; a place or body named from the first characters of one or two
of the corpora's places or bodies and a common ending): the long tail of residents, volunteers, residential
compounds and companies that a real run names once or twice, to measure what
grows with the registers.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import re
import sys
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from tests.corpus_issues import BAD, NER, heading_from, sentences  # noqa: E402
from tests.layoutgen import WEEKDAYS, Issue, Report  # noqa: E402

SAMPLE_TEI = REPO / "tei" / "hongkou-1845.xml"
SAMPLE_NUMBER, SAMPLE_DATE = 1845, dt.date(2022, 3, 25)
ROLES = ("区委书记", "区长", "区委副书记", "副区长", "街道党工委书记", "居民区党总支书记",
         "区政协主席", "区人大常委会主任", "社区卫生服务中心主任")
HAN = re.compile(r"[\u4e00-\u9fff]+\Z")
MASTHEAD = re.compile(r"出版|刊号|编辑|本期|网址|准印|每周|内部资料")
LATER = re.compile(r"[0-9０-９〇零一二三四五六七八九]{2,4}年|明年|后年|来年|明天|明日|后天|下月|下个月|下周|下星期")


@dataclass
class Material:
    """What issues are made of, read once."""
    sentences: list[str]
    paragraphs: list[str]
    persons: list[str]
    places: list[str]
    orgs: list[str]
    headings: list[str] = field(default_factory=list)


@lru_cache(maxsize=1)
def material() -> Material:
    pool = sentences(8000)
    persons, places, orgs = set(), set(), set()
    with (NER / "cluener-train.jsonl").open(encoding="utf-8") as fh:
        for line in fh:
            record = json.loads(line)
            text = record["text"].strip()
            for ent in record["entity_list"]:
                name, kind = ent["entity"], ent["entity_type"]
                if not HAN.match(name):
                    continue
                if kind == "name" and 2 <= len(name) <= 3:
                    persons.add(name)
                elif kind == "address" and 3 <= len(name) <= 8:
                    places.add(name)
                elif kind in ("government", "organization") and 4 <= len(name) <= 12:
                    orgs.add(name)
            if 12 <= len(text) <= 90 and text[-1] in "。！？" and not BAD.search(text):
                pool.append(text)
    # dated issues run from the 1980s: a sentence about 2008 or "next year" would be
    # an anachronism in them (a date after its issue); and a wrapped line with
    # masthead words (出版, 刊号 …) is taken for a second masthead by the converter
    pool = [text for text in pool if not LATER.search(text) and not MASTHEAD.search(text)]
    headings = [h for h in map(heading_from, pool) if h]
    shuffle = random.Random(0).shuffle
    names = [sorted(persons), sorted(places), sorted(orgs)]
    for group in names:
        shuffle(group)
    return Material(sentences=pool, paragraphs=_sample_paragraphs(), persons=names[0],
                    places=names[1], orgs=names[2], headings=headings)


def _sample_paragraphs() -> list[str]:
    """The paragraphs of the sample issue, as plain text (its names come along)."""
    from teibuild import TEI_NS
    from teibuild.xmlsafe import parse_file

    body = parse_file(SAMPLE_TEI).getroot().find(f"{{{TEI_NS}}}text")
    out = []
    for p in body.iter(f"{{{TEI_NS}}}p"):
        text = "".join("".join(p.itertext()).split())
        if len(text) >= 20 and not BAD.search(text) and not MASTHEAD.search(text):
            out.append(text)
    return out


class HongkouIssue(Issue):
    """The layout helper's issue with the masthead of 《虹口报》 and more than one page."""

    pages: list[list[Report]]

    def masthead(self) -> list[str]:
        d = self.date
        return [f"本期网址：http:// hongkouweekly.xinmin.cn/ 内部资料 免费交流 "
                f"{d.year}年{d.month}月{d.day}日 星期{WEEKDAYS[d.weekday()]} 准印证号（B）0171号",
                "人 | 民 | 城 | 市 | 人 | 民 | 建 人 | 民 | 城 | 市 | 为 | 人 | 民",
                f"第{self.number}期", "本期4版", "上海市虹口区融媒体中心编辑", "每周五出版"]

    def text(self) -> str:
        sep = "\n\n" if self.blank_between else "\n"
        pages = []
        for n, reports in enumerate(self.pages):
            self.reports = reports
            lines = self.lines()
            if n:  # the masthead is printed on the front page only
                lines = [line for line in lines if line not in self.masthead()]
            pages.append(sep.join(lines) + "\n")
        return "\f".join(pages)


PLACE_ENDINGS = ("路", "街道", "社区", "小区", "新村", "公园", "菜场")
ORG_ENDINGS = ("居民委员会", "社区卫生服务中心", "小学", "中学", "物业公司", "志愿者服务队",
               "商会", "有限公司")


def _recurring(rng: random.Random, names: list[str]) -> str:
    """A name as a local paper prints them: a few officials and places very often, most
    rarely (Zipf's law over a fixed order of the corpus' names)."""
    return names[min(len(names) - 1, int(rng.paretovariate(0.6))) - 1]


def _name(rng: random.Random, names: list[str], kind: str, rare: float) -> str:
    """A recurring name, or with probability `rare` one made up (most never printed
    before): see the module's docstring. With `rare` 0 no random number is drawn, so
    the issues are those of earlier versions."""
    if not rare or rng.random() >= rare:
        return _recurring(rng, names)
    if kind == "person":
        return rng.choice(names)[0] + rng.choice(names)[1:]
    ending = rng.choice(PLACE_ENDINGS if kind == "place" else ORG_ENDINGS)
    return rng.choice(names)[:2] + rng.choice(names)[:rng.randint(0, 2)] + ending


def _named_sentence(rng: random.Random, m: Material, rare: float = 0.0) -> str:
    person, other = _name(rng, m.persons, "person", rare), _name(rng, m.persons, "person", rare)
    place, org = _name(rng, m.places, "place", rare), _name(rng, m.orgs, "org", rare)
    return rng.choice([
        f"{rng.choice(ROLES)}{person}出席会议并讲话。",
        f"{rng.choice(ROLES)}{person}前往{place}，实地检查疫情防控工作。",
        f"{org}负责同志介绍了有关情况。",
        f"{person}表示，{org}将全力做好{place}居民的生活保障。",
        f"{rng.choice(ROLES)}{person}、{rng.choice(ROLES)}{other}参加调研。",
    ])


def _paragraph(rng: random.Random, m: Material, rare: float = 0.0) -> str:
    if rng.random() < 0.25:
        return rng.choice(m.paragraphs)
    parts = [rng.choice(m.sentences) for _ in range(rng.randint(2, 4))]
    parts.insert(rng.randrange(len(parts) + 1), _named_sentence(rng, m, rare))
    return "".join(parts)


def _report(rng: random.Random, m: Material, later_pages: list[int],
            rare: float = 0.0) -> Report:
    paragraphs = [_paragraph(rng, m, rare) for _ in range(rng.randint(2, 6))]
    heading = [rng.choice(m.headings)]
    if rng.random() < 0.3:  # a kicker or subheading line as well
        heading.append(rng.choice(m.headings))
    report = Report(heading=heading, paragraphs=paragraphs,
                    reporter=_recurring(rng, m.persons[:40]) if rng.random() < 0.8 else None)
    if rng.random() < 0.25:  # cut off at a comma, continued on a page not transcribed
        last = paragraphs[-1]
        cuts = [c.end() for c in re.finditer("，", last[:-1])]
        if cuts:
            paragraphs[-1] = last[:rng.choice(cuts)]
            report.cut_off_to = rng.choice(later_pages)
    return report


def make_issue(number: int, seed: int = 1, rare: float = 0.0) -> HongkouIssue:
    """Issue 第`number`期, the same for the same number, seed and share of rare names."""
    rng = random.Random(f"{seed}-{number}")
    m = material()
    date = SAMPLE_DATE + dt.timedelta(weeks=number - SAMPLE_NUMBER)
    issue = HongkouIssue(number=number, date=date,
                         measure=rng.choice([12, 13, 15, 17, 19, 21, 23, 25]),
                         headings_after=rng.random() < 0.5, blank_between=rng.random() < 0.7)
    pages = 2 if rng.random() < 0.25 else 1
    issue.pages = [[_report(rng, m, list(range(pages + 1, 5)), rare)
                    for _ in range(rng.randint(4, 8))] for _ in range(pages)]
    return issue


def issue_numbers(count: int) -> list[int]:
    """`count` consecutive issue numbers ending near the sample's, never below 1."""
    first = max(1, SAMPLE_NUMBER - count + 200)
    return list(range(first, first + count))


def generate(count: int, out_dir: Path, seed: int = 1, rare: float = 0.0) -> list[Path]:
    """Write `count` sources `hongkou-<number>.txt` into `out_dir`; returns their paths."""
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = []
    for number in issue_numbers(count):
        path = out_dir / f"hongkou-{number}.txt"
        path.write_text(make_issue(number, seed, rare).text(), encoding="utf-8")
        paths.append(path)
    return paths


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("count", type=int)
    parser.add_argument("out_dir", type=Path)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--rare-names", type=float, default=0.0, metavar="F",
                        help="share of the names printed that are made up, most of them new")
    args = parser.parse_args(argv)
    paths = generate(args.count, args.out_dir, args.seed, args.rare_names)
    size = sum(p.stat().st_size for p in paths)
    print(f"wrote {len(paths)} sources ({size / 1e6:.1f} MB) to {args.out_dir}")


if __name__ == "__main__":
    main()
