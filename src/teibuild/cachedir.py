"""Where tei-build keeps what it can always make again, between commands.

Citation templates (`cite.shapes`), compiled page templates (`render.pages`),
what each TEI issue points to (`tag.pointers`), the tagger's table of words
(`tag.words`) and jieba's dictionary as a table to look words up in
(`cite.romanize`) are kept there. Each is only a short cut, checked against
what it was made from; a folder that cannot be written is only no cache.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path


def cache_dir() -> Path | None:
    """$TEI_BUILD_CACHE_DIR (empty: nowhere), else $XDG_CACHE_HOME/tei-build, else
    ~/.cache/tei-build."""
    configured = os.environ.get("TEI_BUILD_CACHE_DIR")
    if configured is not None:
        return Path(configured) if configured else None
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "tei-build"


def kept_file(kind: str, suffix: str, *made_from: bytes | str) -> Path | None:
    """The file of the cache folder that keeps `kind`, named after a digest of what it is
    made from (its code, its data, versions): what other code made is never read. None
    when there is no cache folder."""
    folder = cache_dir()
    if folder is None:
        return None
    digest = hashlib.sha256()
    for part in made_from:
        digest.update((part.encode() if isinstance(part, str) else part) + b"\0")
    return folder / f"{kind}-{digest.hexdigest()[:16]}{suffix}"


def drop_others(path: Path) -> None:
    """Delete the files of `path`'s kind made from something else (`kept_file`): no code
    reads them any more, and each is megabytes."""
    kind = path.stem.rsplit("-", 1)[0]
    for old in path.parent.glob(f"{kind}-*{path.suffix}"):
        if old != path and old.stem.rsplit("-", 1)[0] == kind:
            old.unlink(missing_ok=True)
