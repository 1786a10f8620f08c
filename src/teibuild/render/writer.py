"""Putting the built site on disk all at once, or not at all.

Everything is rendered in memory first, written to a staging folder beside
the output, and only then swapped in; a failure leaves the previous edition
untouched and no stale page of an issue that no longer exists survives.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from ..errors import TeiBuildError
from ..websafe import check_relative_path


def write_tree(out_dir: Path, files: dict[str, bytes]) -> int:
    """Replace each top-level folder named in `files` (html/, txt/) by its new content."""
    for rel in files:
        check_relative_path(rel)
    out_dir.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".build-", dir=out_dir))
    keep = False
    try:
        for rel in sorted(files):
            target = staging / "new" / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(files[rel])
        keep = _swap(out_dir, staging, sorted({rel.split("/", 1)[0] for rel in files}))
    finally:
        if not keep:
            shutil.rmtree(staging, ignore_errors=True)
    return len(files)


def _swap(out_dir: Path, staging: Path, tops: list[str]) -> bool:
    """Swap the new folders in; if any swap fails, put every old one back."""
    swapped: list[tuple[str, bool]] = []
    try:
        for top in tops:
            current = out_dir / top
            had_old = current.exists()
            if had_old:
                current.rename(staging / f"old-{top}")
            swapped.append((top, had_old))
            (staging / "new" / top).rename(current)
    except BaseException:
        try:
            for top, had_old in reversed(swapped):
                current = out_dir / top
                if current.exists() and not (staging / "new" / top).exists():
                    current.rename(staging / f"undone-{top}")
                if had_old:
                    (staging / f"old-{top}").rename(current)
        except OSError:
            raise TeiBuildError(f"the build failed while swapping in the new edition and the "
                                f"previous one could not be put back; it is in {staging}",
                                path=str(out_dir)) from None
        raise
    return False

