"""--jobs: results in input order, errors with their file and line, and a parallel
convert that writes byte for byte what a serial one writes, registers included."""

from __future__ import annotations

import datetime as dt
import multiprocessing
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from benchmarks.generate import HongkouIssue, generate
from teibuild import pipeline
from teibuild.cli import main
from teibuild.edition import load_edition
from teibuild.errors import TeiBuildError
from teibuild.parallel import default_jobs, ordered_map, resolve_jobs
from tests.conftest import ROOT
from tests.layoutgen import Report

EDITION = ROOT / "edition.toml"


def _slow_square(n: int) -> int:
    time.sleep(0.05 if n % 2 == 0 else 0)  # even items finish after the odd ones
    return n * n


def _fail_on_three(n: int) -> int:
    if n >= 3:
        raise TeiBuildError(f"bad item {n}", path=f"item-{n}.xml", line=n, column=2)
    return n


def test_results_come_back_in_input_order():
    items = list(range(12))
    assert list(ordered_map(_slow_square, items, jobs=2)) == [n * n for n in items]
    assert list(ordered_map(_slow_square, items, jobs=1)) == [n * n for n in items]
    assert list(ordered_map(_slow_square, items, jobs=3, batch=5)) == [n * n for n in items]


@pytest.mark.parametrize("jobs", [1, 2])
def test_first_failure_in_input_order_is_raised_with_file_and_line(jobs):
    with pytest.raises(TeiBuildError) as err:
        list(ordered_map(_fail_on_three, list(range(8)), jobs=jobs))
    assert str(err.value) == "item-3.xml:3:2: bad item 3"


def _mark(path: str) -> str:
    Path(path).touch()
    return path


def test_workers_start_before_the_results_are_asked_for(tmp_path):
    """A build plans its register pages while its issues render: the work is sent when
    ordered_map is called, not when its first result is taken."""
    items = [str(tmp_path / f"{n}.done") for n in range(3)]
    results = ordered_map(_mark, items, jobs=2)
    deadline = time.monotonic() + 30
    while not all(Path(p).exists() for p in items) and time.monotonic() < deadline:
        time.sleep(0.01)
    assert all(Path(p).exists() for p in items)
    assert list(results) == items


def _own_pid(_item) -> int:
    return os.getpid()


def test_one_item_runs_here_unless_it_is_to_run_beside():
    """One item is not worth a worker, unless the caller has its own work to do meanwhile
    (a corrected heading: one issue to render while the register pages are planned)."""
    assert list(ordered_map(_own_pid, [0], jobs=2)) == [os.getpid()]
    assert list(ordered_map(_own_pid, [0], jobs=2, beside=True)) != [os.getpid()]
    assert list(ordered_map(_own_pid, [0], jobs=1, beside=True)) == [os.getpid()]


def test_closing_stops_the_workers_early():
    results = ordered_map(_slow_square, list(range(40)), jobs=2)
    assert next(results) == 0
    results.close()
    assert not multiprocessing.active_children()
    with pytest.raises(StopIteration):
        next(results)


# A run that starts workers, each of which notes its pid and then waits, and is then
# killed outright (as SIGKILL, an out-of-memory kill or a power cut would): it cannot stop
# its workers itself.
_KILLED_RUN = """
import os, signal, sys, time
from pathlib import Path
from teibuild.lock import folder_lock
from teibuild.parallel import ordered_map
from tests.test_parallel import _note_and_wait
folder, items = Path(sys.argv[1]), [sys.argv[1] + f"/{n}.pid" for n in range(int(sys.argv[2]))]
with folder_lock(folder):
    results = ordered_map(_note_and_wait, items, jobs=2)
    while len(list(folder.glob("*.pid"))) < min(2, len(items)):
        time.sleep(0.01)
    os.kill(os.getpid(), signal.SIGKILL)
"""


def _note_and_wait(path: str) -> None:
    Path(path).write_text(str(os.getpid()), encoding="utf-8")
    time.sleep(60)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return not Path(f"/proc/{pid}/stat").is_file() or \
        Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0] != "Z"


@pytest.mark.parametrize("items", [4, 16])   # forked workers; workers of a forkserver
def test_workers_of_a_run_killed_outright_stop_and_leave_its_folder_unlocked(tmp_path, items):
    from teibuild.lock import folder_lock

    run = subprocess.run([sys.executable, "-c", _KILLED_RUN, str(tmp_path), str(items)],
                         cwd=ROOT, timeout=120, check=False)
    assert run.returncode == -9
    pids = [int(p.read_text()) for p in tmp_path.glob("*.pid")]
    assert pids
    with folder_lock(tmp_path):   # a worker does not hold its run's lock, even alive
        pass
    deadline = time.monotonic() + 30
    while any(map(_alive, pids)) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not [pid for pid in pids if _alive(pid)]


def test_jobs_default_to_every_core_and_must_be_positive():
    assert resolve_jobs(None) == default_jobs() >= 1
    assert resolve_jobs(3) == 3
    with pytest.raises(TeiBuildError, match="at least 1"):
        resolve_jobs(0)


def _namesakes(folder):
    """Two issues whose new names share a pinyin identifier (王伟, 汪伟 → wang-wei)."""
    paths = []
    for number, name in ((2001, "王伟"), (2002, "汪伟")):
        issue = HongkouIssue(number=number, date=dt.date(2022, 4, 1) + dt.timedelta(weeks=number - 2001))
        issue.pages = [[Report(heading=["区疫情防控工作会议召开"], reporter="陆雪姣", paragraphs=[
            f"区委书记{name}出席会议并讲话。会议强调，要坚决贯彻落实各项防控要求。",
            f"会后，{name}前往北外滩街道，实地检查核酸检测工作。"])]]
        path = folder / f"hongkou-{number}.txt"
        path.write_text(issue.text(), encoding="utf-8")
        paths.append(path)
    return paths


def _files(folder):
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


def _convert(sources, out, jobs):
    result = CliRunner().invoke(main, ["convert", *map(str, sources), "--out", str(out),
                                       "--edition", str(EDITION), "-q", "-j", str(jobs)])
    assert result.exit_code == 0, result.output
    return _files(out)


_FREED = """
from teibuild.parallel import give_back_memory
def rss():
    return int(next(l for l in open("/proc/self/status") if l.startswith("VmRSS")).split()[1])
blocks = [bytes(4096) + bytes([i % 256]) for i in range(50_000)]   # ~200 MB, heap chunks
pin = bytes(4096) + b"pin"   # above them: freeing them cannot just shorten the heap
del blocks
before = rss()
give_back_memory()
print(before - rss(), len(pin))
"""


@pytest.mark.skipif(not Path("/proc/self/status").is_file(), reason="RSS read from /proc")
def test_memory_freed_is_given_back_to_the_system():
    # in a process of its own, so that nothing else of the tests' memory is in the way
    run = subprocess.run([sys.executable, "-c", _FREED], capture_output=True, text=True,
                         check=True)
    given_back_kb = int(run.stdout.split()[0])
    assert given_back_kb > 150_000


def test_parallel_convert_is_byte_identical_to_serial(tmp_path):
    sources = generate(5, tmp_path / "seeds") + _namesakes(tmp_path)
    serial = _convert(sources, tmp_path / "serial", 1)
    parallel = _convert(sources, tmp_path / "parallel", 2)
    assert sorted(serial) == sorted(parallel) == sorted(
        [f"{p.stem}.xml" for p in sources] + ["orgs.xml", "persons.xml", "places.xml"])
    assert [n for n in serial if serial[n] != parallel[n]] == []
    persons = serial["persons.xml"].decode()
    assert 'xml:id="wang-wei"' in persons and 'xml:id="wang-wei-2"' in persons


def test_identifiers_two_workers_gave_alike_are_renumbered_in_source_order(tmp_path):
    """Each issue tagged by a fresh worker (both call 王伟 and 汪伟 `wang-wei`); the
    replay gives the second one `wang-wei-2`, as a serial run does."""
    first, second = _namesakes(tmp_path)
    edition = load_edition(EDITION)
    serial = _convert([first, second], tmp_path / "serial", 1)
    registers, _ = pipeline._tagger(tmp_path / "empty")
    replayed = []
    for source in (first, second):
        # a new worker each time, given the names of the registers as they were at the start
        pipeline._start_worker(tmp_path / "empty", edition, None,
                               pipeline._tagger(tmp_path / "empty")[0].index())
        done = pipeline._convert_in_worker(source)
        assert b'persons.xml#wang-wei"' in done.data
        replayed.append(pipeline._replay(done, registers))
    assert replayed == [serial["hongkou-2001.xml"], serial["hongkou-2002.xml"]]
    assert b'persons.xml#wang-wei-2"' in replayed[1]
    assert registers["persName"].serialize() == serial["persons.xml"]


def _parent_pid(_n: int) -> int:
    import os

    return os.getppid()


def test_a_large_pool_starts_from_a_small_server_not_from_this_process():
    """Forked from this process, each worker would start with its memory (in a build, the
    data of every issue read); a pool for many items is started from the forkserver."""
    import os

    from teibuild.parallel import FORKSERVER_FROM

    assert set(ordered_map(_parent_pid, list(range(4)), jobs=2)) == {os.getpid()}
    parents = set(ordered_map(_parent_pid, list(range(FORKSERVER_FROM)), jobs=2))
    assert os.getpid() not in parents and len(parents) == 1
    assert list(ordered_map(_slow_square, list(range(FORKSERVER_FROM)), jobs=2, batch=8)) == \
        [n * n for n in range(FORKSERVER_FROM)]
