"""Work spread over processes: the one `--jobs` behind convert, validate and build.

Results come back in input order whatever order the workers finish in, so a
parallel run writes exactly what a serial run writes. Only a few batches are
in flight at a time, so memory stays flat however many items there are. A
TeiBuildError raised in a worker is re-raised here with its file and line
(its fields do not survive pickling as an exception, so it travels as data).
"""

from __future__ import annotations

import ctypes
import gc
import multiprocessing
import os
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from typing import Any

from .errors import TeiBuildError
from .fsutil import process_running

#: A pool for this many items or more is started from a small server process (the
#: "forkserver", which has imported what the workers need) rather than forked from this
#: one: a forked worker starts with this process's memory (in a build, the data of every
#: issue read, hundreds of MB), and each worker and this process soon hold their own
#: copies of the parts they touch. A few items are not worth the server's start.
FORKSERVER_FROM = 16


def default_jobs() -> int:
    """Every core this process may run on."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


def resolve_jobs(jobs: int | None) -> int:
    """`--jobs` as given, or all cores when it was not given."""
    if jobs is None:
        return default_jobs()
    if jobs < 1:
        raise TeiBuildError(f"--jobs must be at least 1, not {jobs}")
    return jobs


@dataclass(frozen=True)
class _Failure:
    message: str
    path: str | None
    line: int | None
    column: int | None


def give_back_memory() -> None:
    """Hand memory this process has freed back to the system, before work that runs
    beside it in other processes. Python returns freed objects to its own and the C
    library's free lists, where they still count as this process's; glibc's
    malloc_trim gives whole free pages back. Where there is no malloc_trim (macOS,
    musl), nothing more than a collection happens."""
    gc.collect()
    try:
        trim = ctypes.CDLL(None).malloc_trim
    except (OSError, AttributeError):
        return
    trim(0)


def _run_batch(func: Callable, batch: list) -> list:
    out = []
    for item in batch:
        try:
            out.append(func(item))
        except TeiBuildError as exc:
            out.append(_Failure(exc.message, exc.path, exc.line, exc.column))
            break  # the caller stops at the first failure anyway
    return out


def _unwrap(result):
    if isinstance(result, _Failure):
        raise TeiBuildError(result.message, path=result.path, line=result.line,
                            column=result.column)
    return result


def _context(count: int, preload: list[str]):
    """How the workers of a pool for `count` items start (see FORKSERVER_FROM); the
    server imports the modules in `preload` once, for all the workers it starts (the
    first pool's list is the one used)."""
    if count < FORKSERVER_FROM or "forkserver" not in multiprocessing.get_all_start_methods():
        return None
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(preload)
    return context


def ordered_map(func: Callable[[Any], Any], items: Sequence, jobs: int | None = None, *,
                initializer: Callable | None = None, initargs: tuple = (),
                batch: int = 1, preload: Sequence[str] = (), beside: bool = False
                ) -> Iterator:
    """`map(func, items)` over `jobs` worker processes, results in input order.

    `func` (and `initializer`, which sets up per-process state such as a loaded
    schema) must be module-level functions so they can be sent to the workers.
    With one job, or one item, everything runs here, in this process, as the
    results are asked for. Otherwise the workers start, and the first items are
    sent, at once: the caller may do other work before it asks for the results
    (a build plans its register pages while its issues render). With `beside`,
    even one item goes to a worker, for the work the caller does meanwhile. The
    workers stop when the last result is taken or the iterator is closed.
    `preload`: modules the workers will need (besides `func`'s), imported before
    they start.
    """
    jobs = resolve_jobs(jobs)
    if jobs == 1 or not items or len(items) == 1 and not beside:
        return _here(func, items, initializer, initargs)
    return _Pool(func, items, min(jobs, len(items)), initializer, initargs, batch, preload)


def _start_worker(owner: int, initializer: Callable | None, initargs: tuple) -> None:
    """A worker stops when the process that started its pool (`owner`) has gone: a run
    killed outright cannot stop its workers, which would wait for work for good (and
    those of a forkserver keep the server too). Then `initializer` as given."""
    threading.Thread(target=_watch_owner, args=(owner, os.getppid()), daemon=True,
                     name="tei-build owner watch").start()
    if initializer is not None:
        initializer(*initargs)


def _watch_owner(owner: int, parent: int, every: float = 0.5) -> None:
    """Until `owner` is gone: forked from it, this process is given to another parent
    when it ends; started by its forkserver, `owner` is asked directly."""
    while os.getppid() == parent and (parent == owner or process_running(owner)):
        time.sleep(every)
    os._exit(1)


def _here(func: Callable, items: Sequence, initializer: Callable | None,
          initargs: tuple) -> Iterator:
    if initializer is not None:
        initializer(*initargs)
    for item in items:
        yield _unwrap(_run_batch(func, [item])[0])


class _Pool(Iterator):
    """ordered_map's workers, started: at most two batches a worker in flight."""

    def __init__(self, func, items, jobs, initializer, initargs, batch, preload):
        self.func, self.pool, self.pending, self.ready = func, None, deque(), deque()
        self.frozen = False
        # (a batch is taken from `items` only when it is sent: a Sequence that makes its
        # items when indexed holds no more of them than are in flight)
        self.batches = (list(items[i:i + batch]) for i in range(0, len(items), batch))
        # Forked workers share this process's memory until either writes to it; Python's
        # garbage collector writes to every object it inspects, and frozen ones it does not.
        # (Not collected first: that took 40–90 ms a pool in a rebuild; what garbage is
        # frozen with the rest is collected once the pool is done and it is unfrozen.)
        gc.freeze()
        self.frozen = True
        try:
            context = _context(len(items), list(dict.fromkeys([func.__module__, *preload])))
            self.pool = ProcessPoolExecutor(max_workers=jobs, mp_context=context,
                                            initializer=_start_worker,
                                            initargs=(os.getpid(), initializer, initargs))
            for chunk in self.batches:
                self.pending.append(self.pool.submit(_run_batch, func, chunk))
                if len(self.pending) >= 2 * jobs:
                    break
        except BaseException:
            self.close()
            raise

    def __next__(self):
        try:
            while not self.ready:
                if not self.pending:
                    self.close()
                    raise StopIteration
                results = self.pending.popleft().result()
                chunk = next(self.batches, None)
                if chunk is not None:
                    self.pending.append(self.pool.submit(_run_batch, self.func, chunk))
                self.ready.extend(results)
            result = _unwrap(self.ready.popleft())
        except BaseException:
            self.close()
            raise
        if not self.ready and not self.pending:   # the last one: the workers are done
            self.close()
        return result

    def close(self) -> None:
        """Stop the workers (what they have not begun is cancelled)."""
        if self.frozen:
            self.frozen = False
            pool, self.pool = self.pool, None
            self.pending.clear()
            self.ready.clear()
            try:
                if pool is not None:
                    pool.shutdown(wait=True, cancel_futures=True)
            finally:
                gc.unfreeze()

    __del__ = close
