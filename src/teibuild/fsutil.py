"""Writing files so that a failure never leaves half an output behind."""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO


def atomic_write(path: str | Path, data: bytes, durable: bool = True) -> None:
    """Write to a temporary file beside `path`, fsync, then rename over it. Not `durable`:
    no fsync, for a file that is checked when read and made again if it is not whole (a
    build's records and caches: the fsync of its 31 MB manifest took 0.03-0.05 s on a
    quiet disk, and far longer while the disk was still writing a build's pages)."""
    atomic_write_with(path, lambda fh: fh.write(data), durable)


def atomic_write_with(path: str | Path, write: Callable[[BinaryIO], object],
                      durable: bool = True) -> None:
    """`atomic_write` of what `write(file)` writes into the file: what is large need not
    be held whole first (a build's manifest, pickled: 24 MB for 2,000 issues)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        os.fchmod(fd, 0o666 & ~_umask())
        with os.fdopen(fd, "wb") as fh:
            write(fh)
            fh.flush()
            if durable:
                os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise


def staging_dir(parent: str | Path, prefix: str) -> Path:
    """A new folder in `parent` for a command to stage its outputs in, named for this process
    (`<prefix><pid>-…`), once the folders of the same kind that processes no longer
    running left there are removed. A command cleans up after itself when it fails or is
    interrupted; one killed outright (SIGKILL, SIGTERM, a power cut) cannot, and the next
    would find up to a whole edition's files left beside its own. A folder whose process
    still runs (or whose name says no process) is left alone."""
    remove_abandoned(parent, prefix)
    return Path(tempfile.mkdtemp(prefix=f"{prefix}{os.getpid()}-", dir=parent))


def remove_abandoned(parent: str | Path, prefix: str) -> None:
    """Remove the staging folders (`staging_dir`) in `parent` whose processes are gone."""
    for old in Path(parent).glob(f"{prefix}*"):
        pid, _, rest = old.name[len(prefix):].partition("-")
        if rest and pid.isdigit() and int(pid) != os.getpid() and not process_running(int(pid)) \
                and old.is_dir() and not old.is_symlink():
            shutil.rmtree(old, ignore_errors=True)


def process_running(pid: int) -> bool:
    """Whether a process of that id exists (a zombie, ended but not yet waited for, counts)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OSError):   # (someone else's process: it runs)
        return True
    return True


#: git's rule, for files not read again while their stamp holds: a file changed this
#: little before its stamp was taken may change again unseen within one clock tick
RACY_NS = 2_000_000_000


def file_stamp(st: os.stat_result) -> list[int]:
    """What must be as it was for a file not to be read again (git's rule): its size,
    mtime, ctime (which any later change moves on) and inode."""
    return [st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino]


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask
