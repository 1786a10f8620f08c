"""Score the name tagger and the date rules; time the tagger on the sample page.

    python benchmarks/score_tagger.py --corpus ../shared/ner [--model FILE]

Names: entity-level exact match (same start, end and type) per type, on the
held-out splits of `teibuild.tag.corpora` (never trained on), both for the
statistical model alone and for the whole tagger (patterns + model) on each
sentence (pd1998-dev, four fifths of which are trained on, is also scored whole,
to compare with figures from before it was). Options are chosen on the dev split
instead: train a model with
`python -m teibuild.tag.train CORPUS --part tune-train --out FILE` and score it
with `--model FILE --sets msra-dev boson-dev`. Dates: accuracy on
benchmarks/data/dates.tsv (hand-checked expressions with their expected
@when / @notAfter). Timing: CPU time of tag_issue on the sample page as the
converter builds it, best and median of repeated runs after the model is loaded.
"""

from __future__ import annotations

import argparse
import copy
import datetime as dt
import statistics
import sys
import time
from pathlib import Path

from lxml import etree

ROOT = Path(__file__).resolve().parent.parent
TYPES = ("PER", "LOC", "ORG")
TAG_TYPE = {"persName": "PER", "placeName": "LOC", "orgName": "ORG"}


def prf(gold, pred):
    """Per-type and overall precision, recall, F1 from sets of (i, start, end, type)."""
    out = {}
    for kind in (*TYPES, "all"):
        g = {x for x in gold if kind == "all" or x[3] == kind}
        p = {x for x in pred if kind == "all" or x[3] == kind}
        tp = len(g & p)
        prec = tp / len(p) if p else 0.0
        rec = tp / len(g) if g else 0.0
        f1 = 2 * prec * rec / (prec + rec) if prec + rec else 0.0
        out[kind] = (prec, rec, f1, len(g))
    return out


def model_spans(model, examples):
    return {(i, s, e, k) for i, (text, _) in enumerate(examples) for s, e, k in model.entities(text)}


def tagger_spans(model, examples):
    from teibuild.tag.tagger import candidates, decide

    pred = set()
    for i, (text, _) in enumerate(examples):
        spans = model.entities(text)
        for f in decide(text, candidates(text, None, spans, {}, {})):
            if f.tag in TAG_TYPE:
                pred.add((i, f.start, f.end, TAG_TYPE[f.tag]))
    return pred


ROSTERS = Path(__file__).with_name("data") / "msra-heldout-rosters.tsv"


def with_rosters(examples, path: Path = ROSTERS):
    """The examples with the persons of the roster chunks listed in `path` annotated in full
    (MSRA leaves most names of a run-together roster unmarked): a check of what the tagger
    does on such lists, not a replacement for the corpus's own figure."""
    rosters = [line.split("\t") for line in path.read_text(encoding="utf-8").splitlines()
               if line and not line.startswith("#")]
    out, found = [], 0
    for text, spans in examples:
        names = next((names.split() for key, names in rosters if key in text), None)
        if names is not None:
            found += 1
            spans, pos = [s for s in spans if s[2] != "PER"], 0
            for name in names:
                start = text.index(name, pos)
                spans.append((start, start + len(name), "PER"))
                pos = start + len(name)
        out.append((text, spans))
    if found != len(rosters):
        raise SystemExit(f"{path}: {len(rosters) - found} roster(s) not found in the examples")
    return out


def score_names(corpus: Path, model, sets) -> list[str]:
    from teibuild.tag.corpora import split

    data = split(corpus)
    data["msra-heldout-rosters"] = with_rosters(data["msra-heldout"])
    lines = ["| data | sentences | scorer | PER P/R/F1 | LOC P/R/F1 | ORG P/R/F1 | all F1 |",
             "|---|---|---|---|---|---|---|"]
    for name in sets:
        examples = data[name]
        gold = {(i, s, e, k) for i, (_, spans) in enumerate(examples) for s, e, k in spans}
        for label, pred in (("model", model_spans(model, examples)),
                            ("tagger", tagger_spans(model, examples))):
            r = prf(gold, pred)
            cells = [f"{r[k][0]:.3f}/{r[k][1]:.3f}/**{r[k][2]:.3f}**" for k in TYPES]
            lines.append(f"| {name} | {len(examples)} | {label} | " + " | ".join(cells)
                         + f" | {r['all'][2]:.3f} |")
    return lines


def score_dates(path: Path) -> str:
    from teibuild.tag.dates import find_dates

    right = total = extra = 0
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        issue, text, *rest = line.split("\t")
        want = set()
        for item in filter(None, (rest[0] if rest else "").split("|")):
            expr, _, attr = item.partition("=")
            key, _, value = attr.partition(":")
            want.add((expr, key, value))
        got = {(text[d.start:d.end], k, v) for d in find_dates(text, dt.date.fromisoformat(issue))
               for k, v in d.attrs}
        total += len(want) or 1
        right += len(want & got) if want else int(not got)
        extra += len(got - want)
    return f"dates: {right}/{total} right ({right / total:.1%}), {extra} spurious"


def sample_issue() -> etree._ElementTree:
    """The sample page as the converter hands it to the tag stage."""
    from teibuild.edition import load_edition
    from teibuild.pipeline import convert_one

    return convert_one(ROOT / "seeds" / "hongkou-1845-p1.txt", load_edition(None)).tree


def time_tagger(model, runs: int = 20) -> str:
    """Wall and CPU time of tag_issue, model loaded and libraries warm (best and median:
    on a shared machine the best run is the one least disturbed by other work)."""
    from teibuild.edition import load_edition
    from teibuild.tag import Registers, tag_issue

    tree = sample_issue()
    chars = sum(len(t) for t in tree.getroot().find(".//{*}body").itertext())
    # no registers on disk, the edition's home units (上海市 虹口区) as the sample's edition has
    registers = Registers.load(Path("/nonexistent"),
                               home=load_edition(ROOT / "edition.toml").home_units)
    tag_issue(copy.deepcopy(tree), registers, model=model)  # first run: loads pinyin, OpenCC
    wall, cpu = [], []
    for _ in range(runs):
        work = copy.deepcopy(tree)
        w, c = time.perf_counter(), time.process_time()
        tag_issue(work, registers, model=model)
        wall.append((time.perf_counter() - w) * 1000)
        cpu.append((time.process_time() - c) * 1000)
    return (f"tag_issue on the sample page ({chars} characters of body text), {runs} runs: "
            f"wall best {min(wall):.1f} ms, median {statistics.median(wall):.1f} ms; "
            f"CPU best {min(cpu):.1f} ms, median {statistics.median(cpu):.1f} ms")


def main(argv=None) -> int:
    from teibuild.tag.model import MODEL_PATH, NameModel

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=ROOT.parent / "shared" / "ner")
    parser.add_argument("--model", type=Path, default=MODEL_PATH)
    parser.add_argument("--sets", nargs="*",
                        default=["msra-heldout", "msra-heldout-rosters", "boson-heldout",
                                 "pd1998-heldout", "pd1998-dev", "cluener-dev"])
    parser.add_argument("--no-names", action="store_true", help="skip the corpus scores")
    args = parser.parse_args(argv)
    start = time.perf_counter()
    model = NameModel(args.model)
    load_ms = (time.perf_counter() - start) * 1000
    print(f"model: {args.model} ({args.model.stat().st_size / 1e6:.1f} MB), loaded in {load_ms:.0f} ms")
    if not args.no_names:
        print("\n".join(score_names(args.corpus, model, args.sets)))
    print(score_dates(Path(__file__).with_name("data") / "dates.tsv"))
    print(time_tagger(model))
    return 0


if __name__ == "__main__":
    sys.exit(main())
