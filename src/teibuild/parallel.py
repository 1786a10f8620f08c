"""Work spread over processes: the one `--jobs` behind convert, validate and build.

Results come back in input order whatever order the workers finish in, so a
parallel run writes exactly what a serial run writes. Only a few batches are
in flight at a time, so memory stays flat however many items there are. A
TeiBuildError raised in a worker is re-raised here with its file and line
(its fields do not survive pickling as an exception, so it travels as data).
"""

from __future__ import annotations

import os
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from typing import Any

from .errors import TeiBuildError


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


def ordered_map(func: Callable[[Any], Any], items: Sequence, jobs: int | None = None, *,
                initializer: Callable | None = None, initargs: tuple = (),
                batch: int = 1) -> Iterator:
    """`map(func, items)` over `jobs` worker processes, results in input order.

    `func` (and `initializer`, which sets up per-process state such as a loaded
    schema) must be module-level functions so they can be sent to the workers.
    With one job, or one item, everything runs here, in this process.
    """
    jobs = min(resolve_jobs(jobs), max(1, len(items)))
    if jobs == 1:
        if initializer is not None:
            initializer(*initargs)
        for item in items:
            yield _unwrap(_run_batch(func, [item])[0])
        return
    batches = iter([list(items[i:i + batch]) for i in range(0, len(items), batch)])
    pool = ProcessPoolExecutor(max_workers=jobs, initializer=initializer, initargs=initargs)
    pending: deque = deque()
    try:
        for chunk in batches:
            pending.append(pool.submit(_run_batch, func, chunk))
            if len(pending) >= 2 * jobs:
                break
        while pending:
            results = pending.popleft().result()
            chunk = next(batches, None)
            if chunk is not None:
                pending.append(pool.submit(_run_batch, func, chunk))
            for result in results:
                yield _unwrap(result)
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
