"""Time `tei-build validate`: `python benchmarks/bench_validate.py [N]`.

Reports the schema load times (RELAX NG, Schematron; once per process) and the
validation time per issue over N renumbered copies of tei/hongkou-1845.xml,
with the registers beside them.  Prints CPU time, which is what a shared CI
machine is billed for, and wall-clock time.
"""

from __future__ import annotations

import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def _timed(func):
    wall, cpu = time.perf_counter(), time.process_time()
    result = func()
    return result, time.perf_counter() - wall, time.process_time() - cpu


def main(count: int) -> None:
    from teibuild.validate import references, relaxng, schematron, validate_file

    _, wall, cpu = _timed(relaxng.load)
    print(f"RELAX NG load:   {cpu * 1000:6.0f} ms CPU  {wall * 1000:6.0f} ms wall")
    _, wall, cpu = _timed(schematron.load)
    print(f"Schematron load: {cpu * 1000:6.0f} ms CPU  {wall * 1000:6.0f} ms wall")
    sample = (REPO / "tei" / "hongkou-1845.xml").read_text(encoding="utf-8")
    with tempfile.TemporaryDirectory() as tmp:
        tei = Path(tmp)
        for name in ("persons.xml", "places.xml", "orgs.xml"):
            shutil.copy(REPO / "tei" / name, tei / name)
        files = []
        for i in range(count):
            number = 1845 + i
            text = (sample.replace("hongkou-1845", f"hongkou-{number}")
                    .replace('n="1845"', f'n="{number}"').replace("第1845期", f"第{number}期"))
            files.append(tei / f"hongkou-{number}.xml")
            files[-1].write_text(text, encoding="utf-8")
        index = references.IdIndex()
        cpu_times, wall_times, problems = [], [], 0
        for path in files:
            found, wall, cpu = _timed(lambda: validate_file(path, None, index))
            problems += len(found)
            cpu_times.append(cpu)
            wall_times.append(wall)
    print(f"{count} issues, {problems} problems: per issue median "
          f"{statistics.median(cpu_times) * 1000:.1f} ms CPU, "
          f"{statistics.median(wall_times) * 1000:.1f} ms wall "
          f"(first, reading the registers: {cpu_times[0] * 1000:.1f} ms CPU)")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 20)
