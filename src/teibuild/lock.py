"""One tei-build at a time per folder: a second run is refused, not interleaved.

Two builds writing the same editions/ folder (or a convert rewriting tei/
while a build reads it) would each swap in half of the other's work. The lock
is an advisory `flock` on the folder itself, so no lock file is left in the
edition; the kernel releases it when the process ends, however it ends.
Where the platform or file system has no flock the run goes ahead unlocked.
"""

from __future__ import annotations

import errno
import os
from contextlib import ExitStack, contextmanager
from pathlib import Path

from .errors import TeiBuildError

try:
    import fcntl
except ImportError:  # not on a POSIX system
    fcntl = None


#: the descriptors this process holds its locks by
_HELD: set[int] = set()


def _close_in_child() -> None:
    """A forked process (a worker) does not hold its parent's locks: a flock belongs to
    the open file, which a fork shares, so a worker that outlived a run killed outright
    kept the folder locked ("another tei-build … is using this folder") until it too
    was killed. Closing its copies leaves the parent's lock as it is."""
    for fd in _HELD:
        try:
            os.close(fd)
        except OSError:
            pass
    _HELD.clear()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_close_in_child)


@contextmanager
def folder_lock(folder: str | Path, shared: bool = False):
    """Hold `folder` for the duration of the block; refuse if another run holds it.

    Exclusive (the default) for a run that writes the folder, `shared` for one
    that only reads it: readers may overlap each other but not a writer. An
    exclusive lock creates a missing folder and removes it again if it is still
    empty at the end, so a failed first run leaves nothing behind.
    """
    folder = Path(folder)
    created = False
    if not shared and not folder.exists():
        folder.mkdir(parents=True)
        created = True
    fd = _locked_fd(folder, shared) if fcntl is not None and folder.is_dir() else None
    if fd is not None:
        _HELD.add(fd)
    try:
        yield
    finally:
        if fd is not None:
            _HELD.discard(fd)
            os.close(fd)  # releases the lock
        if created:
            try:
                folder.rmdir()
            except OSError:  # not empty: the run wrote something, or another run did
                pass


@contextmanager
def build_lock(tei_dir: str | Path, out_dir: str | Path):
    """A build reads `tei_dir` (shared) and writes `out_dir` (exclusive), which may be
    the same folder: then only the exclusive lock is taken."""
    with ExitStack() as stack:
        if not _same_path(Path(tei_dir), Path(out_dir)):
            stack.enter_context(folder_lock(tei_dir, shared=True))
        stack.enter_context(folder_lock(out_dir))
        yield


def _same_path(a: Path, b: Path) -> bool:
    return a.resolve() == b.resolve()


def _locked_fd(folder: Path, shared: bool) -> int | None:
    for _attempt in range(3):
        fd = os.open(folder, os.O_RDONLY)
        try:
            fcntl.flock(fd, (fcntl.LOCK_SH if shared else fcntl.LOCK_EX) | fcntl.LOCK_NB)
        except OSError as exc:
            os.close(fd)
            if exc.errno not in (errno.EWOULDBLOCK, errno.EAGAIN, errno.EACCES):
                return None  # no flock on this file system: go ahead unlocked
            raise TeiBuildError("another tei-build (build or convert) is using this folder; "
                                "run again when it has finished", path=str(folder)) from None
        if _same_folder(fd, folder):
            return fd
        os.close(fd)  # the folder was removed and made again while we waited: lock the new one
    return None


def _same_folder(fd: int, folder: Path) -> bool:
    try:
        now = os.stat(folder)
    except FileNotFoundError:
        return False
    held = os.fstat(fd)
    return (now.st_dev, now.st_ino) == (held.st_dev, held.st_ino)
