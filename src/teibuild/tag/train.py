"""Train the shipped name model: `python -m teibuild.tag.train CORPUS_DIR [--out FILE]`.

Reads the public corpora described in `corpora.py`, trains a character CRF
(L-BFGS with L1 + L2 regularisation; L1 keeps the model small) and writes it
atomically, with the list of the attributes it has weights for beside it
(`model.write_attributes`: tagging hands the CRF only those) and the names the
training sentences always mark with the same type (`model.write_names`: a guess
of such a name takes that type). Deterministic for the same corpora and options.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from .corpora import labels_for, split
from .model import MODEL_PATH, features, write_attributes, write_names


def train(corpus_dir: Path, out: Path, c1: float = 0.3, c2: float = 0.05,
          iterations: int = 150, minfreq: int = 2, verbose: bool = False,
          part: str = "train") -> dict:
    return train_on(split(corpus_dir)[part], out, c1, c2, iterations, minfreq, verbose)


def train_on(examples: list, out: Path, c1: float = 0.3, c2: float = 0.05,
             iterations: int = 150, minfreq: int = 2, verbose: bool = False) -> dict:
    """Train on `examples` ((text, spans) pairs) and write the model to `out`."""
    import pycrfsuite

    started, cpu = time.monotonic(), time.process_time()
    trainer = pycrfsuite.Trainer(verbose=verbose)
    for example in examples:
        trainer.append(features(example[0]), labels_for(example))
    trainer.set_params({
        "c1": c1, "c2": c2, "max_iterations": iterations, "feature.minfreq": minfreq,
        "feature.possible_transitions": True,
    })
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.name + ".tmp")
    trainer.train(str(tmp))
    tmp.replace(out)
    write_attributes(out)
    write_names(out, examples)
    return {"sentences": len(examples), "chars": sum(len(t) for t, _ in examples),
            "seconds": round(time.monotonic() - started, 1),
            "cpu_seconds": round(time.process_time() - cpu, 1), "bytes": out.stat().st_size}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("corpus_dir", type=Path)
    parser.add_argument("--out", type=Path, default=MODEL_PATH)
    parser.add_argument("--c1", type=float, default=0.3)
    parser.add_argument("--c2", type=float, default=0.05)
    parser.add_argument("--iterations", type=int, default=150)
    parser.add_argument("--minfreq", type=int, default=2,
                        help="drop features seen fewer times (smaller, faster model)")
    parser.add_argument("--verbose", action="store_true", help="log every iteration")
    parser.add_argument("--part", choices=("train", "tune-train"), default="train",
                        help="tune-train leaves out the dev split, for choosing options")
    args = parser.parse_args(argv)
    report = train(args.corpus_dir, args.out, args.c1, args.c2, args.iterations, args.minfreq,
                   args.verbose, args.part)
    print(" ".join(f"{k}={v}" for k, v in report.items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
