"""Time `tei-build validate`, stage by stage: `python benchmarks/bench_validate.py [FOLDER]`.

FOLDER is a tei/ folder (issues with persons.xml, places.xml, orgs.xml beside
them), e.g. one made by `benchmarks/generate.py` and `tei-build convert`;
without it, N renumbered copies of tei/hongkou-1845.xml (`--copies N`).

Prints the schema load times, then the CPU time of each stage (parsing; the
single pass over each document: attributes and Schematron rules; libxml2's
element structure; cross-document pointers; the full schemas, which run only
for files the fast checks do not pass) per issue and per transcribed page,
and the whole `validate_paths` run in this process. CPU time is what a
shared CI machine is billed for and what other jobs on it disturb least.

A transcribed page is a `pb` of the body followed, before the next `pb`, by
anything other than the placeholder of an untranscribed page (a `div` whose
only content is `gap[@reason='untranscribed']`).
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
TEI = "{http://www.tei-c.org/ns/1.0}"
REGISTERS = ("persons.xml", "places.xml", "orgs.xml")


def transcribed_pages(tree) -> int:
    """pb elements of the body whose page holds more than an untranscribed placeholder."""
    count = 0
    for body in tree.getroot().iter(f"{TEI}body"):
        page_has_text = None   # None: before the first pb
        for child in body:
            if child.tag == f"{TEI}pb":
                count += bool(page_has_text)
                page_has_text = False
            elif isinstance(child.tag, str) and page_has_text is False and not _placeholder(child):
                page_has_text = True
        count += bool(page_has_text)
    return count


def _placeholder(element) -> bool:
    children = [c for c in element if isinstance(c.tag, str)]
    return (element.tag == f"{TEI}div" and len(children) == 1
            and children[0].tag == f"{TEI}gap" and children[0].get("reason") == "untranscribed")


def _cpu(func):
    start = time.process_time()
    result = func()
    return result, time.process_time() - start


def _sample_copies(folder: Path, count: int) -> None:
    sample = (REPO / "tei" / "hongkou-1845.xml").read_text(encoding="utf-8")
    for name in REGISTERS:
        shutil.copy(REPO / "tei" / name, folder / name)
    for i in range(count):
        number = 1845 + i
        text = (sample.replace("hongkou-1845", f"hongkou-{number}")
                .replace('n="1845"', f'n="{number}"').replace("第1845期", f"第{number}期"))
        (folder / f"hongkou-{number}.xml").write_text(text, encoding="utf-8")


def measure(folder: Path) -> None:
    from teibuild.validate import expand, references, relaxng, schematron, single_pass, validate_paths
    from teibuild.validate.source import Source

    _, cpu = _cpu(relaxng.load_split)
    print(f"load: element grammar + attribute rules {cpu * 1000:.0f} ms CPU", end="")
    _, cpu = _cpu(schematron.load)
    print(f", Schematron {cpu * 1000:.0f} ms", end="")
    _, cpu = _cpu(relaxng.load)
    print(f" (full RELAX NG, only for invalid files: {cpu * 1000:.0f} ms)")
    structure, attributes = relaxng.load_split()
    files = expand([folder])
    stages = dict.fromkeys(("parse", "single pass", "structure", "pointers", "full schemas"), 0.0)
    issues = pages = problems = 0
    register_cpu = 0.0
    index = references.IdIndex()
    for path in files:
        source, parse = _cpu(lambda: Source.read(path))
        scan, one_pass = _cpu(lambda: single_pass.scan(source.tree, attributes, source.data))
        valid, grammar = _cpu(lambda: structure.validate(source.tree))
        found, pointers = _cpu(lambda: references.check(source, None, index, scan.external))
        full = 0.0
        if not (valid and scan.attributes_ok and scan.rules_ok):
            more, full = _cpu(lambda: relaxng.check(source, attributes_ok=scan.attributes_ok)
                              + schematron.check(source, rules_ok=scan.rules_ok))
            found += more
        problems += len(found)
        spent = (parse, one_pass, grammar, pointers, full)
        if path.name in REGISTERS:
            register_cpu += sum(spent)
            continue
        issues += 1
        pages += transcribed_pages(source.tree)
        for stage, cpu in zip(stages, spent):
            stages[stage] += cpu
    total = sum(stages.values()) + register_cpu
    print(f"{issues} issues, {pages} transcribed pages ({pages / max(issues, 1):.2f} per issue), "
          f"{len(files) - issues} registers; {problems} problems")
    print(f"{'stage':<14} {'ms CPU / issue':>15} {'ms CPU / page':>14}")
    for stage, cpu in stages.items():
        print(f"{stage:<14} {cpu * 1000 / issues:>15.3f} {cpu * 1000 / pages:>14.3f}")
    print(f"{'registers':<14} {register_cpu * 1000 / issues:>15.3f} {register_cpu * 1000 / pages:>14.3f}"
          f"   ({register_cpu:.2f} s for the {len(files) - issues} registers, spread over the issues)")
    print(f"{'all':<14} {total * 1000 / issues:>15.3f} {total * 1000 / pages:>14.3f}")
    start_wall = time.perf_counter()
    found, cpu = _cpu(lambda: validate_paths([folder], jobs=1))
    print(f"validate_paths (one process, schemas loaded): {cpu:.2f} s CPU, "
          f"{time.perf_counter() - start_wall:.2f} s wall, {len(found)} problems; "
          f"{cpu * 1000 / pages:.3f} ms CPU per transcribed page")


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", nargs="?", type=Path)
    parser.add_argument("--copies", type=int, default=30,
                        help="without FOLDER: how many copies of the sample issue")
    args = parser.parse_args(argv)
    if args.folder:
        measure(args.folder)
        return
    with tempfile.TemporaryDirectory() as tmp:
        _sample_copies(Path(tmp), args.copies)
        measure(Path(tmp))


if __name__ == "__main__":
    main(sys.argv[1:])
