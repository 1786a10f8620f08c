"""The long fuzzing campaign: the Hypothesis properties at many times their CI size.

    python benchmarks/fuzz_campaign.py [--scale 40] [--seed 1] [--only damaged|sequences]

Runs every property of tests/test_fuzz.py (damaged input) and
tests/test_incremental_sequences.py (rebuilds after random sequences of edits)
with TEIBUILD_FUZZ_SCALE=<scale> (the CI run uses 1), then prints, per
property, the cases run, how many failed, and what happened to them
(converted, built, refused and why), and the total.
Exit status 1 if any property found a failure (its shrunk example is printed by
pytest above the summary).
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CASES = re.compile(r"(\d+) passing, (\d+) failing, and (\d+) invalid")
TEST = re.compile(r"^(tests/test_\w+\.py::\S+):$")
FILES = {"damaged": "tests/test_fuzz.py", "sequences": "tests/test_incremental_sequences.py"}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=40.0)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--log", type=Path, default=Path("fuzz_campaign.log"),
                        help="where the full pytest output goes (failing examples in full)")
    parser.add_argument("--only", choices=sorted(FILES), help="one of the two sets of properties")
    args = parser.parse_args()
    files = [FILES[args.only]] if args.only else list(FILES.values())
    env = dict(os.environ, TEIBUILD_FUZZ_SCALE=str(args.scale))
    started = time.monotonic()
    run = subprocess.run(
        [sys.executable, "-m", "pytest", *files, "-p", "no:cacheprovider",
         "--hypothesis-show-statistics", f"--hypothesis-seed={args.seed}", "-q"],
        cwd=ROOT, env=env, capture_output=True, text=True)
    elapsed = time.monotonic() - started
    args.log.write_text(run.stdout + run.stderr, encoding="utf-8")
    print("\n".join(line[:300] for line in run.stdout.splitlines()[-80:]))
    totals = [0, 0, 0]
    current = None
    per_test: dict[str, list[int]] = {}
    for line in run.stdout.splitlines():
        if m := TEST.match(line.strip()):
            current = m.group(1).split("::")[1]
            per_test.setdefault(current, [0, 0, 0])
        elif (m := CASES.search(line)) and current:
            counts = list(map(int, m.groups()))
            per_test[current] = [a + b for a, b in zip(per_test[current], counts)]
    print(f"fuzz campaign: scale {args.scale:g}, seed {args.seed}, {elapsed:.0f} s "
          f"(full output in {args.log})")
    for name, (passing, failing, invalid) in sorted(per_test.items()):
        totals = [totals[0] + passing, totals[1] + failing, totals[2] + invalid]
        print(f"  {name}: {passing + failing} cases, {failing} failing")
    print(f"  total: {totals[0] + totals[1]} cases, {totals[1]} failing "
          f"({totals[2]} generated inputs discarded as invalid)")
    return 0 if run.returncode == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
