"""Time `build_site` on N copies of the sample issue: `python benchmarks/bench_build.py 20 [jobs]`."""

from __future__ import annotations

import shutil
import sys
import tempfile
import time
from pathlib import Path

from teibuild.edition import load_edition
from teibuild.render import build_site

REPO = Path(__file__).resolve().parent.parent


def main(count: int, jobs: int) -> None:
    sample = (REPO / "tei" / "hongkou-1845.xml").read_text(encoding="utf-8")
    with tempfile.TemporaryDirectory() as tmp:
        tei = Path(tmp) / "tei"
        tei.mkdir()
        for name in ("persons.xml", "places.xml", "orgs.xml"):
            if (REPO / "tei" / name).is_file():
                shutil.copy(REPO / "tei" / name, tei / name)
        for i in range(count):
            number = 1845 + i
            text = sample.replace("hongkou-1845", f"hongkou-{number}")
            (tei / f"hongkou-{number}.xml").write_text(text.replace('n="1845"', f'n="{number}"'),
                                                       encoding="utf-8")
        start = time.perf_counter()
        report = build_site(tei, Path(tmp) / "out", load_edition(REPO / "edition.toml"), jobs=jobs)
        seconds = time.perf_counter() - start
    print(f"{count} issues, jobs={jobs}: {seconds:.2f} s ({seconds / count:.3f} s/issue), "
          f"{report.files} files, {report.bytes / 1e6:.1f} MB")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 20, int(sys.argv[2]) if len(sys.argv) > 2 else 1)
