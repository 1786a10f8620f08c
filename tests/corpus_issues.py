"""Test issues laid out from annotated news sentences the layout rules were not
written for (../shared/ner), at other measures, with headings before or after
the bodies, mastheads and cut-off reports (going on to page 2, which is then
transcribed, or to pages that are not)."""

from __future__ import annotations

import datetime as dt
import json
import random
import re
from pathlib import Path

from tests.layoutgen import Issue, Report

NER = Path(__file__).resolve().parents[2] / "shared" / "ner"
# a wire dateline opening a sentence (据新华社北京3月3日电) starts a report of its own in print
WIRE = re.compile(r"^据(?:新华社|中新社)\S{0,12}?电")
BAD = re.compile(r"[\s|■□▲◆●]|第\s*\d+\s*期|星期|网址|准印证|^(本报|记者|通讯员|新华社)|下转|上接")


def sentences(limit: int = 6000) -> list[str]:
    """News sentences that end a sentence, without spaces, masthead or notice wording."""
    path = NER / "msra-test.jsonl"
    if not path.is_file():
        raise FileNotFoundError(f"{path} is missing: the corpus tests need ../shared/ner")
    out = []
    with path.open(encoding="utf-8") as fh:
        for line in fh:
            text = json.loads(line)["text"].strip()
            if 12 <= len(text) <= 90 and text[-1] in "。！？" and not BAD.search(text):
                out.append(WIRE.sub("", text))
            if len(out) >= limit:
                break
    return out


def heading_from(sentence: str) -> str | None:
    head = re.split(r"[，。；：、！？“”（）《》]", sentence)[0]
    return head if 5 <= len(head) <= 14 else None


def make_issue(rng: random.Random, pool: list[str], number: int) -> Issue:
    date = dt.date(2022, 1, 1) + dt.timedelta(days=rng.randrange(365))
    issue = Issue(number=number, date=date, measure=rng.choice([12, 13, 15, 17, 19, 21, 23, 25]),
                  headings_after=rng.random() < 0.5, blank_between=rng.random() < 0.5)
    for _ in range(rng.randint(3, 6)):
        paragraphs = [" ".join(rng.sample(pool, rng.randint(1, 3))).replace(" ", "")
                      for _ in range(rng.randint(1, 4))]
        heading = None
        while heading is None:
            heading = heading_from(paragraphs[0]) or heading_from(rng.choice(pool))
        report = Report(heading=[heading], paragraphs=paragraphs,
                        reporter=rng.choice(["李华", "王小明", "欧阳文", "陈晨"]))
        if rng.random() < 0.3:
            last = paragraphs[-1]
            cut = [m.end() for m in re.finditer("，", last[:-1])]
            if cut:
                at = rng.choice(cut)
                paragraphs[-1] = last[:at]
                report.cut_off_to = rng.choice([2, 3, 4, 5])
                report.rest = last[at:]        # printed on page 2 when that is transcribed
        issue.reports.append(report)
    return issue
