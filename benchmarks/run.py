"""Time the whole run of a newspaper: convert, validate and build, separately and end to end.

    python benchmarks/run.py 2000 [--jobs N] [--work DIR] [--out benchmarks/results/NAME]

Generates N synthetic issues (benchmarks/generate.py), then runs the real CLI,
`tei-build convert | validate | build`, each as its own process, recording wall
time, CPU time and peak memory: the largest single process (as /usr/bin/time
reports it) and the peak of the whole process tree (main process and workers
together, sampled from /proc every 200 ms, as PSS and as summed RSS). Then a
no-op rebuild, a rebuild after editing one issue, and one after adding words
next to a person's name in another (so that the name's register pages change
too), one after words put into an article's main heading in a third (its
neighbours' pages and the pages of the names in its article change), one after
a person's name is unlinked in a fourth (the entry's count changes where the
register's entries are listed), and a
corrected source converted again and the edition rebuilt after it,
each made and timed three times (the median is reported, every run's time kept)
and each checked: the edited text is on the issue's pages (and in its TEI), and no
other issue's pages or texts changed but its neighbours'. Finally per-issue costs are
measured in one process (rendering HTML and
text in both scripts, validation, conversion), and the search index, if
installed, is timed on its own. Results go to NAME.json and NAME.md, with the
machine, its load average, and the date.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import os
import platform
import re
import resource
import shutil
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

from lxml import etree

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from benchmarks.generate import generate  # noqa: E402

TEI_BUILD = [sys.executable, "-c", "import sys; from teibuild.cli import main; sys.exit(main())"]
#: The TEI Stylesheets (html5 and txt profiles, Saxon-HE batch) and jing on this machine
REFERENCE_MS = {"html": 76.0, "text": 23.0, "validate": 12.0}
ROUNDS = 3   # per-issue validation: each issue's best of this many runs (see per_issue)
RENDER_ROUNDS = 3   # per-issue rendering: the best of this many rounds, each on other issues
EDIT_ROUNDS = 3   # each edit timed this many times, the median reported (see timed_edits)


# --- running and measuring one command ---------------------------------------------------

def _max_rss_mb(report: Path) -> float | None:
    """The maximum resident set size GNU time wrote (in KB), in MB."""
    try:
        return round(int(report.read_text().split()[-1]) / 1024, 1)
    except (OSError, ValueError, IndexError):
        return None
    finally:
        report.unlink(missing_ok=True)


def _role(pid: int, main: int | None) -> str:
    """What a process of the command's tree is: tei-build's own process (`main`), Pagefind,
    or a worker (GNU time, the tree's root when it times the command, is none of them)."""
    if pid == main:
        return "main"
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as fh:
            return "pagefind" if b"pagefind" in fh.read() else "workers"
    except OSError:
        return "workers"


def _children(pid: int) -> list[int]:
    found = []
    for task in os.listdir(f"/proc/{pid}/task"):
        with open(f"/proc/{pid}/task/{task}/children", encoding="ascii") as fh:
            found.extend(int(child) for child in fh.read().split())
    return found


def _cpu_seconds(pid: int) -> float:
    """A process's own CPU time so far (user + system, without its children's)."""
    with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as fh:
        fields = fh.read().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _tree_memory(root: int, roles: dict[str, int] | None = None, main: int | None = None,
                 cpu: dict[int, tuple[str, float]] | None = None) -> tuple[int, int]:
    """Memory of a process and all its descendants, in bytes: (RSS, PSS) summed; and,
    into `roles`, the PSS summed by role (see _role, `main` the tei-build process); into
    `cpu`, each process's role and CPU time so far.

    Workers may be forked, so they share pages with the main process; summed RSS
    counts those pages once per process, PSS (proportional set size) shares them
    out, so its sum is the memory the command really occupies."""
    rss = pss = 0
    stack = [root]
    while stack:
        pid = stack.pop()
        try:
            role = _role(pid, main)
            with open(f"/proc/{pid}/smaps_rollup", encoding="ascii") as fh:
                for line in fh:
                    if line.startswith("Rss:"):
                        rss += int(line.split()[1]) * 1024
                    elif line.startswith("Pss:"):
                        pss += int(line.split()[1]) * 1024
                        if roles is not None:
                            roles[role] = roles.get(role, 0) + int(line.split()[1]) * 1024
            if cpu is not None and (pid != root or main == root):
                cpu[pid] = (role, _cpu_seconds(pid))
            stack.extend(_children(pid))
        except (OSError, ValueError, IndexError):
            continue  # the process ended meanwhile
    return rss, pss


def _cpu_by_role(cpu: dict[int, tuple[str, float]]) -> dict[str, float]:
    """The CPU seconds of each role (`_tree_memory`'s `cpu`), as last sampled."""
    totals: dict[str, float] = {}
    for role, seconds in cpu.values():
        totals[role] = totals.get(role, 0.0) + seconds
    return {role: round(seconds, 2) for role, seconds in sorted(totals.items())}


def _become_subreaper() -> None:
    """Adopt the command's orphans. A forkserver outlives the command by a moment and is
    then nobody's child, so its workers' CPU would never reach getrusage(RUSAGE_CHILDREN);
    adopted and reaped here (_reap_orphans), it does."""
    import ctypes

    try:
        ctypes.CDLL(None, use_errno=True).prctl(36, 1, 0, 0, 0)   # PR_SET_CHILD_SUBREAPER
    except (OSError, AttributeError):
        pass   # not Linux: CPU of forkserver workers is then missing from the figures


def _reap_orphans() -> None:
    """Wait for every adopted process of the finished command (see _become_subreaper)."""
    while True:
        try:
            os.waitpid(-1, 0)
        except ChildProcessError:
            return


def children_cpu() -> float:
    """CPU time (user + system) of every process this one has waited for so far, theirs
    included: the difference over a command is that command's, its workers' and what they
    ran (Pagefind)."""
    done = resource.getrusage(resource.RUSAGE_CHILDREN)
    return done.ru_utime + done.ru_stime


def run(label: str, args: list[str], cwd: Path, may_fail: bool = False) -> dict:
    """Run a tei-build command; wall, CPU (user+sys of it and its workers) and memory.

    With `may_fail` (validation), exit status 1 is a result (problems found), not an error."""
    before = children_cpu()
    load = os.getloadavg()[0]
    start = time.perf_counter()
    # GNU time reports this command's own largest process (getrusage(RUSAGE_CHILDREN)
    # would give the largest of every command run so far)
    timer = ["/usr/bin/time", "-f", "%M", "-o", str(cwd / ".maxrss")] \
        if Path("/usr/bin/time").is_file() else []
    proc = subprocess.Popen(timer + TEI_BUILD + args, cwd=cwd, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE)
    peak = [0, 0]
    by_role: dict[str, int] = {}   # each role's peak (not at the same moment)
    at_peak: dict[str, int] = {}   # each role's share at the peak of the whole
    seen: dict[int, tuple[str, float]] = {}   # each process's role and CPU, as last sampled
    main = [None if timer else proc.pid]   # tei-build's process (GNU time's child)
    stop = threading.Event()

    def sample():
        while not stop.wait(0.2):
            if main[0] is None:
                try:
                    main[0] = next(iter(_children(proc.pid)), None)
                except (OSError, ValueError):
                    pass
            roles: dict[str, int] = {}
            rss, pss = _tree_memory(proc.pid, roles, main[0], seen)
            if pss > peak[1]:
                at_peak.clear()
                at_peak.update(roles)
            peak[0], peak[1] = max(peak[0], rss), max(peak[1], pss)
            for role, value in roles.items():
                by_role[role] = max(by_role.get(role, 0), value)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    out, err = proc.communicate()
    wall = time.perf_counter() - start
    stop.set()
    sampler.join()
    _reap_orphans()
    cpu = children_cpu() - before
    if proc.returncode != 0 and not (may_fail and proc.returncode == 1):
        raise SystemExit(f"{label} failed ({proc.returncode}): {err.decode()[-2000:]}")
    result = {
        "command": "tei-build " + " ".join(a if len(a) < 60 else "…" for a in args[:8])
        + (" …" if len(args) > 8 else ""),
        "wall_s": round(wall, 2),
        "cpu_s": round(cpu, 2),
        "max_process_rss_mb": _max_rss_mb(cwd / ".maxrss") if timer else None,
        "peak_tree_rss_mb": round(peak[0] / 2**20, 1),
        "peak_tree_pss_mb": round(peak[1] / 2**20, 1),
        "peak_pss_mb_by_role": {role: round(v / 2**20, 1) for role, v in sorted(by_role.items())},
        "pss_mb_by_role_at_peak": {role: round(v / 2**20, 1)
                                   for role, v in sorted(at_peak.items())},
        # (sampled every 200 ms: up to that much of each process's last moments is missing)
        "cpu_s_by_role": _cpu_by_role(seen),
        "load_before": round(load, 2),
        "exit_status": proc.returncode,
        "output_lines": len(out.splitlines()),
        # what a build says it did (without -q): which rebuild rendered what, afterwards
        "report": out.decode("utf-8", "replace").strip().splitlines()[-1:],
    }
    print(f"{label:>22}: {result['wall_s']:7.2f} s wall {result['cpu_s']:7.2f} s CPU "
          f"memory {result['peak_tree_pss_mb']:7.1f} MB PSS, {result['peak_tree_rss_mb']:.1f} "
          f"MB RSS summed, largest process {result['max_process_rss_mb']} MB; "
          f"load {load:.2f}", flush=True)
    return result


# --- the checks of the one-issue edit ------------------------------------------------------

def _stamps(folder: Path) -> dict[str, tuple[int, int]]:
    out = {}
    for top in ("html", "txt"):
        for dirpath, _dirs, files in os.walk(folder / top):
            for name in files:
                st = os.stat(os.path.join(dirpath, name))
                out[os.path.relpath(os.path.join(dirpath, name), folder)] = (st.st_size,
                                                                            st.st_mtime_ns)
    return out


def _issue(tei: Path, offset: int) -> Path:
    """The TEI issue `offset` places after the middle one (in file-name order)."""
    from teibuild.render.site import issue_files

    paths = issue_files(tei)
    return paths[min(max(len(paths) // 2 + offset, 0), len(paths) - 1)]


def edit_one_issue(tei: Path, round_: int = 0) -> tuple[str, str]:
    """Change one paragraph of the middle issue; returns (issue id, the new words)."""
    path = _issue(tei, 0)
    text = path.read_text(encoding="utf-8")
    marker = f"（本段经编者校订{round_ or ''}）"
    at = text.index("</p>", text.index("<p xml:id="))
    path.write_text(text[:at] + marker + text[at:], encoding="utf-8")
    return path.stem, marker


def edit_next_to_a_name(tei: Path, round_: int = 0) -> tuple[str, str]:
    """Add words right after the first person named in a paragraph of another issue (two
    after the middle one): the name's context changes on its register entry's pages too,
    and in a run of a newspaper the people named most have thousands of mentions."""
    path = _issue(tei, 2)
    text = path.read_text(encoding="utf-8")
    marker = f"（经编者核对{round_ or ''}）"
    at = text.index("</persName>", text.index("<p xml:id=")) + len("</persName>")
    path.write_text(text[:at] + marker + text[at:], encoding="utf-8")
    return path.stem, marker


def unlink_a_name(tei: Path, round_: int = 0) -> tuple[str, str]:
    """Unlink a person named in a paragraph of another issue (three after the middle one),
    as a scholar would a guess of the tagger's that is no name: the entry's count falls
    by one on the pages that list the register's entries. Returns (issue id, the name,
    which stays on the page as text)."""
    path = _issue(tei, 3)
    text = path.read_text(encoding="utf-8")
    found = re.compile(r"<persName\b[^>]*>(.*?)</persName>", re.S).search(
        text, text.index("<p xml:id="))
    path.write_text(text[:found.start()] + found.group(1) + text[found.end():], encoding="utf-8")
    return path.stem, re.sub(r"<[^>]*>", "", found.group(1))


def edit_a_heading(tei: Path, round_: int = 0) -> tuple[str, str]:
    """Put words into the middle of an article's main heading in another issue (one after
    the middle one), as a scholar correcting a misread heading would: its neighbours'
    pages show it, and so do the pages of the names its article mentions."""
    path = _issue(tei, 1)
    text = path.read_text(encoding="utf-8")
    words = f"经编者校订{'一二三四五六七八九'[round_ % 9]}"
    heads = list(re.finditer(r'<head type="main"[^>]*>([^<]{4,})</head>', text))
    found = heads[round_ % len(heads)]
    at = found.start(1) + len(found.group(1)) // 2
    path.write_text(text[:at] + words + text[at:], encoding="utf-8")
    return path.stem, words


def correct_a_source(work: Path, round_: int = 0) -> tuple[str, str, str]:
    """Put words into a line of text of another issue's source (two before the middle one,
    whose TEI no other step edits), as a scholar correcting a source would; returns (the
    source, relative to `work`, its issue id, the new words)."""
    sources = sorted((work / "seeds").glob("*.txt"))
    path = sources[max(len(sources) // 2 - 2, 0)]
    lines = path.read_text(encoding="utf-8").split("\n")
    words = f"（经编者更正{round_ or ''}）"
    # a line of running text: long, Chinese throughout, nothing a masthead, a byline or
    # a continuation notice prints (a masthead cut by the words would be reported by
    # validation, rightly, as a masthead without its issue number)
    n = next(i for i, line in enumerate(lines) if len(line) >= 8 and sum(
        "\u4e00" <= c <= "\u9fff" or c in "，。、；：！？“”" for c in line) >= 0.8 * len(line)
        and not any(mark in line for mark in ("本报讯", "转", "接", "版", "期", "（", "|")))
    half = len(lines[n]) // 2
    lines[n] = lines[n][:half] + words + lines[n][half:]
    path.write_text("\n".join(lines), encoding="utf-8")
    return str(path.relative_to(work)), path.stem, words


def timed_corrections(build: list[str], work: Path, before: dict) -> tuple[dict, dict, dict]:
    """A corrected source converted again and the edition rebuilt, EDIT_ROUNDS times, each
    checked (the words are in the issue's TEI, on its page and in its text, and no other
    issue's pages changed): the median run's figures of each step, and the stamps after."""
    out, converts, rebuilds = work / "editions", [], []
    for n in range(EDIT_ROUNDS):
        source, issue, words = correct_a_source(work, n)
        record = run("convert one corrected source", ["convert", source, "--out", "tei", "-q"],
                     work)
        tei = (work / "tei" / f"{issue}.xml").read_bytes()
        record["words_in_tei"] = words in "".join(etree.fromstring(tei).itertext())
        converts.append(record)
        record = run("rebuild after it", build, work)
        after = _stamps(out)
        record.update(check_edit(before, after, out, issue, words))
        rebuilds.append(record)
        before = after
    return (median_round(converts, lambda r: r["words_in_tei"]),
            median_round(rebuilds, edit_held), before)


def timed_edits(label: str, edit, build: list[str], work: Path, before: dict) -> tuple[dict, dict]:
    """An edit made and rebuilt EDIT_ROUNDS times (the machine's noise), each checked:
    the median run's figures, every run's times, and whether every check held; and the
    edition's stamps after the last."""
    out, rounds = work / "editions", []
    for n in range(EDIT_ROUNDS):
        issue, words = edit(work / "tei", n)
        record = run(label, build, work)
        after = _stamps(out)
        record.update(check_edit(before, after, out, issue, words))
        rounds.append(record)
        before = after
    return median_round(rounds, edit_held), before


def median_round(rounds: list[dict], held) -> dict:
    """The median run's figures, every run's times, and whether `held` held for each."""
    middle = sorted(rounds, key=lambda r: r["wall_s"])[len(rounds) // 2]
    return {**middle, "rounds_wall_s": [r["wall_s"] for r in rounds],
            "rounds_cpu_s": [r["cpu_s"] for r in rounds],
            "rounds_report": [r.get("report", []) for r in rounds],
            "every_check_held": all(map(held, rounds))}


def edit_held(record: dict) -> bool:
    """A rebuild after an edit is right: the words on its page and in its text, and no
    other issue's files changed but its neighbours' (`check_edit`)."""
    return bool(record["edited_text_on_issue_page"] and record["edited_text_in_plain_text"]
                and not record["issue_files_changed_outside_the_issue_and_neighbours"])


def check_edit(before: dict, after: dict, out: Path, issue: str, words: str) -> dict:
    changed = sorted(rel for rel in after if before.get(rel) != after[rel])
    removed = sorted(set(before) - set(after))
    page = (out / "html" / "issues" / f"{issue}.html").read_text(encoding="utf-8")
    text = (out / "txt" / "zh-Hans" / f"{issue}.txt").read_text(encoding="utf-8")
    number = int(issue.rsplit("-", 1)[1])
    neighbours = {f"-{number - 1}", f"-{number}", f"-{number + 1}"}
    outside = [rel for rel in changed if "issues/" in rel or "articles/" in rel or
               rel.startswith("txt/")]
    outside = [rel for rel in outside if not any(n in rel for n in neighbours)]
    return {"edited_issue": issue, "edited_text_on_issue_page": words in page,
            "edited_text_in_plain_text": words in text, "files_changed": len(changed),
            "files_removed": len(removed), "issue_files_changed_outside_the_issue_and_neighbours":
            outside[:10]}


# --- per-issue costs, in one process ---------------------------------------------------------

def per_issue(tei: Path, edition_file: Path, sample: int) -> dict:
    from benchmarks.bench_build import sample_issues, sample_paths, transcribed_pages
    from teibuild.edition import load_edition
    from teibuild.render.build import _render_issue
    from teibuild.render.site import read_issue
    from teibuild.validate import references, relaxng, schematron, validate_file

    tei, edition_file = Path(tei), Path(edition_file)   # (as JSON, from per_issue_apart)
    edition = load_edition(edition_file)
    chosen, issues = sample_issues(tei, sample)
    # rendering in rounds, each on issues of its own (an issue rendered again would find its
    # text converted to zh-Hant already): as many as the folder has samples sharing none
    offsets = [sample_paths(tei, sample, n) for n in range(RENDER_ROUNDS + 1)]
    distinct = [paths for n, paths in enumerate(offsets)
                if not set(paths) & set().union(*offsets[:n])]
    rounds = [(chosen, issues)] + [(paths, [read_issue(p) for p in paths])
                                   for paths in distinct[1:RENDER_ROUNDS]]
    # compile stylesheets, load templates: on an issue of no round, where there is one
    warm = read_issue(distinct[RENDER_ROUNDS][0]) if len(distinct) > RENDER_ROUNDS else issues[0]
    _render_issue(warm, None, None, edition)
    # and what a worker loads once for its thousand issues of a first build: jieba's
    # dictionary and pypinyin (loaded among the 40 issues timed, 1.3 s counted as 24 ms each)
    from teibuild.cite import romanize
    romanize._segmenter()
    romanize.romanize("上海")
    relaxng.load()
    relaxng.load_split()    # what validate checks structure with; the full grammar words problems
    schematron.load()

    def cpu_ms(func, items, rounds: int = 1):
        """(median, mean) over `items` of each one's best of `rounds` runs, and the mean of
        the first round alone. This machine is shared: in one round a few items take several
        times as long as in the next (the same 40 validations, three runs in a row: 2.6,
        6.7, 3.9 ms an issue), and the best of a few runs is what the code costs (timeit's
        rule) — where running it again gains nothing from the run before: validation
        keeps nothing of a file, rendering remembers what it converted to zh-Hant and
        so runs once."""
        runs = []
        for _ in range(rounds):
            times = []
            for item in items:
                start = time.process_time()
                func(item)
                times.append((time.process_time() - start) * 1000)
            runs.append(times)
        best = [min(t) for t in zip(*runs)]
        return statistics.median(best), statistics.mean(best), statistics.mean(runs[0])

    # pages transcribed (a page only referred to, a placeholder, is no work)
    pages = [transcribed_pages(i) for i in issues]
    # This machine's speed moves by half within a minute (the same 40 issues measured twice
    # in a row: 33.9 and 68.5 ms a page, reading as much slower as rendering), so rendering
    # is timed in rounds and the round least slowed is what the code costs (timeit's
    # rule); every round is reported.
    timed = []
    for paths, its_issues in rounds:
        read = cpu_ms(read_issue, paths)
        render = cpu_ms(lambda i: _render_issue(i, None, None, edition), its_issues)
        its_pages = statistics.mean(transcribed_pages(i) for i in its_issues)
        timed.append(((read[1] + render[1]) / its_pages, read, render))
    render_page_ms, read, render = min(timed, key=lambda t: t[0])
    # warm as rendering is, on other issues: the registers every pointer is checked against
    # are read once a run (~65 ms), not once an issue (the whole run's figure includes them)
    index = references.IdIndex()
    for path in sample_issues(tei, sample, offset=2)[0][:3]:
        validate_file(path, None, index)
    check = cpu_ms(lambda p: validate_file(p, None, index), chosen, ROUNDS)
    per_page = statistics.mean(pages)
    result = {
        "issues_sampled": len(chosen), "validation_rounds": ROUNDS,
        "pages_per_issue": round(per_page, 2),
        "articles_per_issue": round(statistics.mean(len(i.articles) for i in issues), 1),
        "read_issue_ms": round(read[1], 1),
        "render_issue_ms": round(render[1], 1),
        "render_issue_ms_median": round(render[0], 1),
        "render_ms_per_page": round(render_page_ms, 1),
        "render_ms_per_page_rounds": [round(t[0], 1) for t in timed],
        "render_speedup_vs_tei_stylesheets": round(
            (REFERENCE_MS["html"] + REFERENCE_MS["text"]) / render_page_ms, 2),
        "validate_issue_ms_first_round": round(check[2], 1),
        "validate_issue_ms": round(check[1], 1),
        "validate_ms_per_page": round(check[1] / per_page, 1),
        "validate_speedup_vs_jing": round(REFERENCE_MS["validate"] / (check[1] / per_page), 2),
    }
    return result


def per_issue_apart(tei: Path, edition_file: Path, sample: int) -> dict:
    """per_issue in a process of its own: this one holds the stamps of every file of the
    edition (660,000 objects for 2,000 issues), whose garbage collection made rendering
    and validation look 40 % and 130 % slower than they are."""
    return _apart("per_issue", str(tei), str(edition_file), sample)


def _apart(function: str, *args) -> dict:
    """`function` of this module called in a process of its own with `args` (JSON values),
    and what it returned (JSON)."""
    code = ("import json, sys; sys.path.insert(0, sys.argv[1]); import benchmarks.run as run; "
            "print(json.dumps(getattr(run, sys.argv[2])(*json.loads(sys.argv[3]))))")
    done = subprocess.run([sys.executable, "-c", code, str(REPO), function, json.dumps(args)],
                          capture_output=True, text=True, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def search_split(site: str, edition_file: str) -> dict | None:
    """Where one shard's indexing goes: Pagefind's own CPU (its process's, as reaped) and
    this process's (the records read from the pages, the documents written, the bundle
    made canonical), on the edition's largest shard, its pages read beforehand. Pagefind's
    part is a floor of the search index that no change of tei-build's can lower. None
    when the edition has no issue pages."""
    from teibuild.edition import load_edition
    from teibuild.search import _issue_pages
    from teibuild.search.shards import issue_of_page, register_names, shard_files, shard_of

    site_dir = Path(site)
    by_shard: dict[str, dict[str, bytes]] = {}
    for rel, path in _issue_pages(site_dir / "html").items():
        if issue := issue_of_page(rel):
            by_shard.setdefault(shard_of(issue), {})[rel] = path.read_bytes()
    if not by_shard:
        return None
    shard, pages = min(by_shard.items(), key=lambda item: (-len(item[1]), item[0]))
    names = register_names(site_dir)
    opencc = load_edition(Path(edition_file)).opencc
    before, start = children_cpu(), time.process_time()
    shard_files(shard, pages, names, opencc)
    own, pagefind = time.process_time() - start, children_cpu() - before
    issues = len({issue_of_page(rel) for rel in pages})
    return {"shard": shard, "issues": issues, "pagefind_cpu_s": round(pagefind, 2),
            "tei_build_cpu_s": round(own, 2),
            "pagefind_ms_per_issue": round(1000 * pagefind / issues, 1),
            "tei_build_ms_per_issue": round(1000 * own / issues, 1),
            "pagefind_share": round(pagefind / (pagefind + own), 3)}


def _cpu_against(ours: float, theirs: float, whose: str) -> str:
    """Our CPU time beside another program's, as a reader says it: "1.4× less CPU than
    jing" when ours is less, "1.4× the CPU of jing" when it is more (never "0.7× less")."""
    if ours <= 0 or theirs <= 0:
        return f"beside {whose}'s {theirs} s"
    if ours < theirs:
        return f"{round(theirs / ours, 2)}× less CPU than {whose}"
    return f"{round(ours / theirs, 2)}× the CPU of {whose}"


def jing_reference(tei: Path, pages: int) -> dict | None:
    """jing against TEI-all (`schemas/tei_all.rng`) over the same issues, on this machine and
    in the same run: the reference of the validation target measured where tei-build is
    (one JVM for all files, as in a batch; its start-up included, as tei-build's is in
    the validate step). None without jing."""
    jing = shutil.which("jing")
    if jing is None:
        return None
    from benchmarks.bench_validate import REGISTERS

    issues = [str(p) for p in sorted(tei.glob("*.xml")) if p.name not in REGISTERS]
    before = children_cpu()
    start = time.perf_counter()
    run = subprocess.run([jing, str(REPO / "schemas" / "tei_all.rng"), *issues],
                         capture_output=True, text=True, check=False)
    wall = time.perf_counter() - start
    cpu = children_cpu() - before
    problems = [line for line in run.stdout.splitlines() if line.strip()]
    return {"wall_s": round(wall, 2), "cpu_s": round(cpu, 2),
            "cpu_ms_per_page": round(cpu * 1000 / pages, 2), "problems": len(problems)}


def all_pages(tei: Path) -> int:
    """The transcribed pages of every issue in `tei` (see bench_validate)."""
    from benchmarks.bench_validate import REGISTERS, transcribed_pages
    from teibuild.xmlsafe import parse_file

    return sum(transcribed_pages(parse_file(path)) for path in sorted(tei.glob("*.xml"))
               if path.name not in REGISTERS)


# --- the whole run -----------------------------------------------------------------------------

def compile_package() -> None:
    """Byte-compile tei-build's own modules before timing it, as `pip install .` does for an
    installed package: run from a source tree where PYTHONDONTWRITEBYTECODE is set (as on the
    machine of these figures), every command would compile them again, 0.15–0.2 s each."""
    import compileall

    import teibuild

    compileall.compile_dir(Path(teibuild.__file__).parent, quiet=1)


def machine() -> dict:
    model = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    from lxml import etree
    return {"cpu": model, "cores": os.cpu_count(), "memory_gb": round(memory / 2**30, 1),
            "python": platform.python_version(), "lxml": ".".join(map(str, etree.LXML_VERSION)),
            "libxslt": ".".join(map(str, etree.LIBXSLT_VERSION)), "system": platform.platform()}


def libraries() -> dict[str, str]:
    """The installed version of each library tei-build needs (its own included): two runs
    that count differently on the same sources can then be told apart by what they ran on."""
    from importlib import metadata

    names = ["tei-build", *(re.split(r"[\s<>=!~;\[(]", req, maxsplit=1)[0]
                            for req in metadata.requires("tei-build") or []
                            if "extra ==" not in req)]
    found = {}
    for name in sorted(set(names), key=str.lower):
        try:
            found[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            found[name] = "not installed"
    return found


def sources_digest(paths: list[Path]) -> str:
    """SHA-256 of the sources by name and bytes, in name order: whether two runs converted
    the same issues."""
    digest = hashlib.sha256()
    for path in sorted(paths, key=lambda p: p.name):
        data = path.read_bytes()
        digest.update(f"{path.name}\0{len(data)}\0".encode("utf-8"))
        digest.update(data)
    return digest.hexdigest()


def _generated(work: Path) -> dict:
    """What the sources in `work` were generated as (before this was recorded: with no
    rare names, of an unknown count, taken as asked for)."""
    try:
        return json.loads((work / "generated.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {"count": len(list((work / "seeds").glob("*.txt"))), "rare_names": 0.0}


def register_entries(tei: Path) -> dict:
    """How many entries each register of the converted edition has: what the pages of
    names, the register index and the search index's names grow with."""
    from teibuild import TEI_NS

    counts = {}
    for register, tag in (("persons", "person"), ("places", "place"), ("orgs", "org")):
        path = tei / f"{register}.xml"
        counts[register] = sum(1 for _ in etree.iterparse(str(path), tag=f"{{{TEI_NS}}}{tag}")) \
            if path.is_file() else 0
    return counts


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("count", type=int, nargs="?", default=2000)
    parser.add_argument("--jobs", type=int, default=None, help="default: every core")
    parser.add_argument("--work", type=Path, default=Path("/tmp/tei-build-bench"))
    parser.add_argument("--out", type=Path, default=REPO / "benchmarks" / "results" / "latest")
    parser.add_argument("--sample", type=int, default=40, help="issues for per-issue costs")
    parser.add_argument("--keep", action="store_true", help="reuse the generated sources")
    parser.add_argument("--rare-names", type=float, default=0.0, metavar="F",
                        help="share of names made up, most new (benchmarks/generate.py)")
    parser.add_argument("--rebuilds-only", action="store_true",
                        help="time only the rebuilds and edits, on the edition in --work")
    args = parser.parse_args(argv)
    _become_subreaper()
    compile_package()
    jobs = ["--jobs", str(args.jobs)] if args.jobs else []
    work = args.work
    if args.rebuilds_only:
        return rebuilds_only(work, ["build", "--tei", "tei", "--out", "editions", *jobs],
                             args.out)
    seeds = work / "seeds"
    made = {"count": args.count, "rare_names": args.rare_names}
    if not (args.keep and seeds.is_dir() and _generated(work) == made):
        shutil.rmtree(work, ignore_errors=True)
        start = time.perf_counter()
        generate(args.count, seeds, rare=args.rare_names)
        (work / "generated.json").write_text(json.dumps(made), encoding="utf-8")
        print(f"generated {args.count} sources in {time.perf_counter() - start:.1f} s")
    for folder in ("tei", "editions"):
        shutil.rmtree(work / folder, ignore_errors=True)
    shutil.copy(REPO / "edition.toml", work / "edition.toml")
    sources = sorted(str(p.relative_to(work)) for p in seeds.glob("*.txt"))

    results: dict = {"date": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
                     "issues": len(sources), "rare_names": args.rare_names,
                     "jobs": args.jobs or os.cpu_count(),
                     "machine": machine(), "libraries": libraries(),
                     "sources_sha256": sources_digest([work / s for s in sources]),
                     "load_average_at_start": os.getloadavg()}
    steps = results["steps"] = {}
    partial = args.out.with_suffix(".partial.json")
    partial.parent.mkdir(parents=True, exist_ok=True)

    def save():  # after every step, so a long run cut short still leaves its figures
        partial.write_text(json.dumps(results, ensure_ascii=False, indent=2), encoding="utf-8")
    steps["convert"] = run("convert", ["convert", *sources, "--out", "tei", "-q", *jobs], work)
    results["register_entries"] = register_entries(work / "tei")
    save()
    validate_jobs = jobs if _has_option("validate", "--jobs") else []
    steps["validate"] = run("validate", ["validate", "tei", "-q", *validate_jobs], work,
                            may_fail=True)
    if steps["validate"]["exit_status"]:
        print(f"  validation found {steps['validate']['output_lines']} problem(s)")
    save()
    # without -q: a build then ends with what it rendered (no progress bar: not a terminal)
    build = ["build", "--tei", "tei", "--out", "editions", *jobs]
    steps["build"] = run("build", build, work)
    save()
    steps["end_to_end"] = {
        key: round(sum(steps[s][key] for s in ("convert", "validate", "build")), 2)
        for key in ("wall_s", "cpu_s")}
    for key in ("peak_tree_pss_mb", "peak_tree_rss_mb"):
        steps["end_to_end"][key] = max(steps[s][key] for s in ("convert", "validate", "build"))
    before = timed_rebuilds(build, work, steps, save)
    files = sum(1 for _ in before)
    results["edition"] = {"files": files,
                          "bytes": sum(size for size, _ in before.values())}
    results["per_issue"] = per_issue_apart(work / "tei", work / "edition.toml", args.sample)
    pages = all_pages(work / "tei")
    results["per_issue"].update({"pages_in_all": pages, "validate_run_ms_per_page": round(
        steps["validate"]["cpu_s"] * 1000 / pages, 2)})
    results["jing"] = jing_reference(work / "tei", pages)
    print("per issue:", json.dumps(results["per_issue"], ensure_ascii=False))
    # with the edition's own edition.toml (its zh-Hant conversion), in the work folder
    index_jobs = jobs if _has_option("search-index", "--jobs") else []
    results["search_index"] = run("search index alone", ["search-index", "--out", "editions",
                                                         "-q", *index_jobs], work)
    results["search_split"] = _apart("search_split", str(work / "editions"),
                                     str(work / "edition.toml"))
    print("one shard indexed:", json.dumps(results["search_split"]))
    # that index replaced the build's (its overlays folded in): built again, untimed, so
    # that whoever goes on with this edition by hand starts from what a build leaves
    run("rebuild after the separate index (untimed)", build, work)
    results["load_average_at_end"] = os.getloadavg()
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.with_suffix(".json").write_text(json.dumps(results, ensure_ascii=False, indent=2)
                                             + "\n", encoding="utf-8")
    args.out.with_suffix(".md").write_text(markdown(results), encoding="utf-8")
    partial.unlink(missing_ok=True)
    print(f"wrote {args.out.with_suffix('.json')} and .md")
    return results


def timed_rebuilds(build: list[str], work: Path, steps: dict, save=lambda: None) -> dict:
    """The no-op rebuild, each kind of edit and the corrected sources, timed into `steps`
    (`save()` after each); the edition's stamps before them."""
    out = work / "editions"
    before = _stamps(out)
    steps["noop_rebuild"] = run("no-op rebuild", build, work)
    after = _stamps(out)
    steps["noop_rebuild"]["files_changed"] = sum(1 for rel in after if before.get(rel) != after[rel])
    save()
    for key, label, edit in (
            ("one_edit_rebuild", "rebuild after one edit", edit_one_issue),
            ("name_edit_rebuild", "rebuild after an edit next to a name", edit_next_to_a_name),
            ("heading_edit_rebuild", "rebuild after a corrected heading", edit_a_heading),
            ("unlink_rebuild", "rebuild after a name unlinked", unlink_a_name)):
        steps[key], after = timed_edits(label, edit, build, work, after)
        save()
    steps["corrected_source_convert"], steps["corrected_source_rebuild"], after = \
        timed_corrections(build, work, after)
    save()
    return before


def rebuilds_only(work: Path, build: list[str], out: Path) -> dict:
    """The rebuilds and edits alone (`timed_rebuilds`), on the edition a run left in `work`,
    brought up to date with this code first (timed apart): for an edition too large to
    convert and build again for each change of code (10,000 issues: 18 minutes)."""
    results: dict = {"date": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
                     "machine": machine(), "libraries": libraries(),
                     "load_average_at_start": os.getloadavg(),
                     "steps": {"catch_up": run("build with this code first", build, work)}}
    timed_rebuilds(build, work, results["steps"])
    results["load_average_at_end"] = os.getloadavg()
    out.parent.mkdir(parents=True, exist_ok=True)
    out.with_suffix(".json").write_text(json.dumps(results, ensure_ascii=False, indent=2) + "\n",
                                        encoding="utf-8")
    print(f"wrote {out.with_suffix('.json')}")
    return results


def _has_option(command: str, option: str) -> bool:
    result = subprocess.run(TEI_BUILD + [command, "--help"], capture_output=True, text=True)
    return option in result.stdout


def _edit_sentence(label: str, edit: dict) -> str:
    """What an edit step changed and whether its check held (`check_edit`), in a sentence."""
    rounds = (f" (the median of {len(edit['rounds_wall_s'])} runs: "
              f"{', '.join(f'{w} s' for w in edit['rounds_wall_s'])}; every check held: "
              f"{edit['every_check_held']})") if "rounds_wall_s" in edit else ""
    return (f" {label} ({edit['edited_issue']}){rounds} changed {edit['files_changed']} files; edited "
            f"text on its page: {edit['edited_text_on_issue_page']}, in its text: "
            f"{edit['edited_text_in_plain_text']}; issue files changed outside it and its "
            f"neighbours: {len(edit['issue_files_changed_outside_the_issue_and_neighbours'])}.")


def markdown(r: dict) -> str:
    m, s, p = r["machine"], r["steps"], r["per_issue"]
    lines = [
        f"# tei-build benchmark: {r['issues']} synthetic issues",
        "",
        f"{r['date']}; {m['cpu']}, {m['cores']} cores, {m['memory_gb']} GB; Python {m['python']}, "
        f"lxml {m['lxml']}, libxslt {m['libxslt']}; jobs {r['jobs']}; load average "
        f"{r['load_average_at_start'][0]:.2f} at start, {r['load_average_at_end'][0]:.2f} at end.",
        "",
    ]
    if "libraries" in r:
        lines += ["Libraries: " + ", ".join(map(" ".join, r["libraries"].items())) + ".", ""]
    if "sources_sha256" in r:
        lines += [f"Sources: SHA-256 {r['sources_sha256']}.", ""]
    if "register_entries" in r:
        e = r["register_entries"]
        lines += [f"Register entries after convert: {e['persons']:,} persons, {e['places']:,} "
                  f"places, {e['orgs']:,} bodies ({sum(e.values()):,}); "
                  f"{r.get('rare_names', 0):.0%} of the names printed made up "
                  f"(`--rare-names`).", ""]
    lines += [
        "| step | wall (s) | CPU (s) | peak memory, all processes: PSS (MB) | summed RSS (MB) "
        "| largest process RSS (MB) |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for name in ("convert", "validate", "build", "noop_rebuild", "one_edit_rebuild",
                 "name_edit_rebuild", "heading_edit_rebuild", "unlink_rebuild",
                 "corrected_source_convert", "corrected_source_rebuild"):
        if name not in s:   # (results of an older run)
            continue
        x = s[name]
        lines.append(f"| {name.replace('_', ' ')} | {x['wall_s']} | {x['cpu_s']} | "
                     f"{x['peak_tree_pss_mb']} | {x['peak_tree_rss_mb']} | "
                     f"{x['max_process_rss_mb']} |")
    e = s["end_to_end"]
    if s["validate"]["exit_status"]:
        lines.append(f"| (validation reported {s['validate']['output_lines']} problems) "
                     "| | | | | |")
    lines.append(f"| **convert + validate + build** | **{e['wall_s']}** | {e['cpu_s']} | "
                 f"{e['peak_tree_pss_mb']} | {e['peak_tree_rss_mb']} | |")
    b = s["build"]
    if b.get("peak_pss_mb_by_role"):
        lines += ["", "Build from scratch, PSS by process (MB): at the peak "
                  + ", ".join(f"{k} {v}" for k, v in b["pss_mb_by_role_at_peak"].items())
                  + "; each one's own peak " + ", ".join(
                      f"{k} {v}" for k, v in b["peak_pss_mb_by_role"].items()) + "."]
    shares = [f"{step} " + ", ".join(f"{k} {v}" for k, v in s[step]["cpu_s_by_role"].items())
              for step in ("convert", "build") if s[step].get("cpu_s_by_role")]
    if shares:
        lines += ["", "CPU by process (s, sampled every 200 ms): " + "; ".join(shares)
                  + ". What the main process spends is the part of a step that more cores "
                  "would not share out (at most: some of it runs beside the workers)."]
    edits = "".join(_edit_sentence(label, s[step]) for label, step in (
        ("The one-issue edit", "one_edit_rebuild"), ("The edit next to a name", "name_edit_rebuild"),
        ("The corrected heading", "heading_edit_rebuild"),
        ("The name unlinked", "unlink_rebuild"),
        ("The rebuild after a corrected source", "corrected_source_rebuild")) if step in s)
    if "corrected_source_convert" in s:
        c = s["corrected_source_convert"]
        edits += (f" The corrected source converted again (the median of "
                  f"{len(c['rounds_wall_s'])} runs: "
                  f"{', '.join(f'{w} s' for w in c['rounds_wall_s'])}; the words in its TEI "
                  f"every time: {c['every_check_held']}).")
    lines += [
        "",
        f"Edition: {r['edition']['files']} files, {r['edition']['bytes'] / 1e6:.0f} MB. "
        f"No-op rebuild changed {s['noop_rebuild']['files_changed']} files.{edits}",
        "",
        f"Per issue (CPU, a process of its own, {p['issues_sampled']} issues, "
        f"{p['pages_per_issue']} pages and {p['articles_per_issue']} articles each): reading {p['read_issue_ms']} ms, "
        f"rendering HTML and text in both scripts {p['render_issue_ms']} ms "
        f"({p['render_ms_per_page']} ms a page with reading: "
        f"{p['render_speedup_vs_tei_stylesheets']}× the TEI Stylesheets' ~99 ms, measured on "
        f"another machine"
        + (f"; the least of {len(p['render_ms_per_page_rounds'])} rounds on as many samples "
           f"of issues: {', '.join(f'{ms} ms' for ms in p['render_ms_per_page_rounds'])}"
           if len(p.get("render_ms_per_page_rounds", ())) > 1 else "")
        + "), validation "
        f"{p['validate_issue_ms']} ms ({p['validate_ms_per_page']} ms a page: "
        f"{p['validate_speedup_vs_jing']}× jing's 12 ms on that machine)"
        + (f"; the whole `tei-build validate` run, start-up, schemas and registers included, "
           f"{p['validate_run_ms_per_page']} ms of CPU a page ({p['pages_in_all']} pages)."
           if "validate_run_ms_per_page" in p else ".")
        + (f" Validation is each issue's best of {p['validation_rounds']} runs; the first "
           f"runs alone: {p['validate_issue_ms_first_round']} ms an issue."
           if "validate_issue_ms_first_round" in p else ""),
    ]
    if r.get("jing"):
        j = r["jing"]
        lines += ["", f"jing against TEI-all, the same issues on this machine (one JVM, "
                      f"start-up included): {j['wall_s']} s wall, {j['cpu_s']} s CPU, "
                      f"{j['cpu_ms_per_page']} ms of CPU a page, {j['problems']} problems; "
                      f"`tei-build validate`: {s['validate']['wall_s']} s wall, "
                      f"{s['validate']['cpu_s']} s CPU ("
                      f"{_cpu_against(s['validate']['cpu_s'], j['cpu_s'], 'jing')})."]
    if r.get("search_index"):
        index = r["search_index"]
        lines += ["", f"Search index (separately): {index['wall_s']} s wall, "
                      f"{index['cpu_s']} s CPU" + (
                          f", peak {index['peak_tree_pss_mb']} MB PSS of all its processes "
                          f"({index['peak_tree_rss_mb']} MB RSS summed, largest process "
                          f"{index['max_process_rss_mb']} MB)." if "peak_tree_pss_mb" in index
                          else ".")]
    if r.get("search_split"):
        split = r["search_split"]
        lines += ["", f"One shard indexed again in a process of its own ({split['shard']}, "
                      f"{split['issues']} issues): Pagefind {split['pagefind_cpu_s']} s of CPU "
                      f"({split['pagefind_ms_per_issue']} ms an issue), tei-build "
                      f"{split['tei_build_cpu_s']} s ({split['tei_build_ms_per_issue']} ms an "
                      f"issue): Pagefind's own indexing is "
                      f"{round(100 * split['pagefind_share'])} % of the search index's CPU."]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    main()
