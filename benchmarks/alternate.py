"""Two codes' rebuilds timed in turn, each on its own copy of the same edition.

    python benchmarks/alternate.py CODE_A CODE_B [--work DIR] [--rounds 8]
        [--kind heading|text|unlink|none]

This machine's speed changes from hour to hour by a third or more, so two runs of
benchmarks/run.py an hour apart compare the hours as much as the codes. Here the
two codes rebuild the edition that `run.py` left in DIR (its `editions/`, copied
once for each code) after the same kind of edit (run.py's), in turn, the order
swapped every round. A code is a git revision (exported from this repository)
or a folder holding `src/teibuild`. A first round, not counted, lets each code
make the edition's records and caches its own. Prints every rebuild's wall and
CPU time, and the means.
"""

from __future__ import annotations

import argparse
import compileall
import io
import os
import shutil
import statistics
import subprocess
import sys
import tarfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from benchmarks.run import (  # noqa: E402
    TEI_BUILD, children_cpu, edit_a_heading, edit_one_issue, unlink_a_name)

EDITS = {"heading": edit_a_heading, "text": edit_one_issue, "unlink": unlink_a_name, "none": None}


def code_folder(code: str, into: Path) -> Path:
    """The `src` folder of `code`: a folder holding src/teibuild as it is, else the git
    revision exported into `into` (with the stylesheets and schemas it renders with),
    byte-compiled as an installed package is."""
    given = Path(code)
    if (given / "src" / "teibuild").is_dir():
        return given / "src"
    exported = subprocess.run(["git", "-C", str(REPO), "archive", code, "src", "xslt",
                               "schemas"], capture_output=True)
    if exported.returncode:
        raise SystemExit(f"{code}: neither a folder holding src/teibuild nor a revision of "
                         f"{REPO}")
    archive = exported.stdout
    shutil.rmtree(into, ignore_errors=True)
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        if hasattr(tarfile, "data_filter"):   # (Python 3.11.4 and later)
            tar.extractall(into, filter="data")
        else:
            tar.extractall(into)
    compileall.compile_dir(into / "src", quiet=1)
    return into / "src"


def rebuild(src: Path, work: Path, out: str) -> tuple[float, float]:
    """`tei-build build` of `work/tei` into `work/out` with the code in `src`: (wall, CPU)."""
    env = {**os.environ, "PYTHONPATH": str(src)}
    before = children_cpu()
    start = time.perf_counter()
    done = subprocess.run([*TEI_BUILD, "build", "--tei", "tei", "--out", out, "-q"], cwd=work,
                          env=env, capture_output=True, text=True)
    wall = time.perf_counter() - start
    if done.returncode:
        raise SystemExit(f"{src}: the build failed: {done.stderr.strip()}")
    return wall, children_cpu() - before


def alternate(codes: dict[str, Path], work: Path, rounds: int, kind: str,
              report=print) -> dict[str, list[tuple[float, float]]]:
    """Each code's (wall, CPU) for `rounds` rebuilds after an edit of `kind`, in turn."""
    edit = EDITS[kind]
    for label in codes:
        copy = work / f"editions-{label}"
        if not copy.is_dir():
            shutil.copytree(work / "editions", copy, symlinks=True)
    times: dict[str, list] = {label: [] for label in codes}
    number = 0
    for round_ in range(rounds + 1):   # (the first round is not counted)
        order = list(codes) if round_ % 2 == 0 else list(codes)[::-1]
        for label in order:
            if edit is not None:
                edit(work / "tei", number)
                number += 1
            wall, cpu = rebuild(codes[label], work, f"editions-{label}")
            if round_:
                times[label].append((wall, cpu))
            report(f"{'counted' if round_ else 'first'} {label}: {wall:.2f} s, CPU {cpu:.2f} s")
    return times


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("codes", nargs=2, help="git revisions, or folders holding src/teibuild")
    parser.add_argument("--work", type=Path, default=Path("/tmp/tei-build-bench"))
    parser.add_argument("--rounds", type=int, default=8)
    parser.add_argument("--kind", choices=sorted(EDITS), default="heading")
    args = parser.parse_args(argv)
    if not (args.work / "editions").is_dir():
        raise SystemExit(f"{args.work}: no editions/ (run benchmarks/run.py first)")
    codes = {}
    for n, code in enumerate(args.codes):
        label = "AB"[n]
        codes[label] = code_folder(code, args.work / f"code-{label}")
        print(f"{label}: {code}")
    times = alternate(codes, args.work, args.rounds, args.kind)
    for label, runs in times.items():
        walls = [w for w, _ in runs]
        print(f"{label}: walls {' '.join(f'{w:.2f}' for w in walls)}, mean "
              f"{statistics.mean(walls):.2f} s; CPU "
              f"{' '.join(f'{c:.1f}' for _, c in runs)}")


if __name__ == "__main__":
    main()
