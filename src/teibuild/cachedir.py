"""Where tei-build keeps what it can always make again, between commands.

Citation templates (`cite.shapes`), compiled page templates (`render.pages`),
what each TEI issue points to (`tag.pointers`), the tagger's table of words
(`tag.words`) and jieba's dictionary as a table to look words up in
(`cite.romanize`) are kept there. Each is only a short cut, checked against
what it was made from; a folder that cannot be written is only no cache.
"""

from __future__ import annotations

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
