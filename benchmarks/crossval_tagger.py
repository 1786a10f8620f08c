"""Cross-validate the name tagger on MSRA: how much the held-out score depends on the sentences.

    python benchmarks/crossval_tagger.py --corpus ../shared/ner --work DIR [--folds 0 1 2 3 4]

`msra-heldout` is one fifth of MSRA's sentences (259 persons), so its F1 moves
by a point or two with the sentences that happen to be in it. Here each fifth
is held out in turn (`corpora.split(corpus, fold)`), a model is trained on the
rest exactly as the shipped one is, and the model alone and the whole tagger are
scored on it as `score_tagger.py` scores them. The last fold is the shipped
split (its model is the shipped model). A model already in DIR (`fold<k>.crfsuite`) is scored, not trained again
(each takes ~7 minutes of CPU); `--jobs` folds train at once.
"""

from __future__ import annotations

import argparse
import statistics
import sys
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.score_tagger import TYPES, model_spans, prf, tagger_spans  # noqa: E402


def score_fold(corpus: Path, work: Path, fold: int) -> dict:
    """Train fold `fold` unless its model is in `work`; its scores on its held-out fifth."""
    from teibuild.tag.corpora import split
    from teibuild.tag.model import NameModel
    from teibuild.tag.train import train_on

    data = split(corpus, fold)
    path = work / f"fold{fold}.crfsuite"
    if not path.is_file():
        train_on(data["train"], path)
    model, held = NameModel(path), data["msra-heldout"]
    gold = {(i, s, e, k) for i, (_, spans) in enumerate(held) for s, e, k in spans}
    return {"fold": fold, "sentences": len(held), "gold": gold,
            "model": model_spans(model, held), "tagger": tagger_spans(model, held)}


def report(results: list[dict]) -> list[str]:
    lines = ["| fold | sentences | scorer | PER F1 (persons) | LOC F1 | ORG F1 | all F1 |",
             "|---|---:|---|---:|---:|---:|---:|"]
    for scorer in ("model", "tagger"):
        per_fold = []
        for r in results:
            s = prf(r["gold"], r[scorer])
            per_fold.append(s)
            lines.append(f"| {r['fold']} | {r['sentences']} | {scorer} | "
                         f"{s['PER'][2]:.3f} ({s['PER'][3]}) | {s['LOC'][2]:.3f} | "
                         f"{s['ORG'][2]:.3f} | {s['all'][2]:.3f} |")
        if len(results) > 1:
            # folds hold disjoint sentences: renumber them apart and score all at once
            gold = {(f"{r['fold']}:{i}", *rest) for r in results for i, *rest in r["gold"]}
            pred = {(f"{r['fold']}:{i}", *rest) for r in results for i, *rest in r[scorer]}
            pooled = prf(gold, pred)
            cells = [f"{statistics.mean(s[k][2] for s in per_fold):.3f} ± "
                     f"{statistics.stdev(s[k][2] for s in per_fold):.3f}" for k in TYPES]
            lines.append(f"| mean ± sd | | {scorer} | " + " | ".join(cells) + " | |")
            lines.append(f"| all folds pooled | {sum(r['sentences'] for r in results)} | "
                         f"{scorer} | " + " | ".join(f"{pooled[k][2]:.3f}" for k in TYPES)
                         + f" | {pooled['all'][2]:.3f} |")
    return lines


def main(argv=None) -> int:
    from teibuild.tag.corpora import FOLDS

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=ROOT.parent / "shared" / "ner")
    parser.add_argument("--work", type=Path, required=True, help="where the folds' models go")
    parser.add_argument("--folds", type=int, nargs="*", default=list(range(FOLDS)))
    parser.add_argument("--jobs", type=int, default=2)
    args = parser.parse_args(argv)
    if not args.folds or any(not 0 <= fold < FOLDS for fold in args.folds):
        parser.error(f"--folds: one or more of 0 to {FOLDS - 1}")
    if not (args.corpus / "msra-test.jsonl").is_file():
        parser.error(f"--corpus: no msra-test.jsonl in {args.corpus}")
    args.work.mkdir(parents=True, exist_ok=True)
    with ProcessPoolExecutor(max_workers=args.jobs) as pool:
        results = list(pool.map(score_fold, [args.corpus] * len(args.folds),
                                [args.work] * len(args.folds), args.folds))
    print("\n".join(report(results)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
