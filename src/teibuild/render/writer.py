"""Putting the built site on disk all at once, or not at all.

Everything is rendered in memory first, written to a staging folder beside
the output, and only then swapped in; a failure leaves the previous edition
untouched and no stale page of an issue that no longer exists survives.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path


def write_tree(out_dir: Path, files: dict[str, bytes]) -> int:
    """Replace each top-level folder named in `files` (html/, txt/) by its new content."""
    out_dir.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".build-", dir=out_dir))
    try:
        for rel in sorted(files):
            target = staging / "new" / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(files[rel])
        tops = sorted({rel.split("/", 1)[0] for rel in files})
        for top in tops:
            current = out_dir / top
            if current.exists():
                current.rename(staging / f"old-{top}")
            (staging / "new" / top).rename(current)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return len(files)

