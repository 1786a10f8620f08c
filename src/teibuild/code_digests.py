"""Digests of the code an output is made with: an output made by other code is made again.

A module of its own, importing nothing of tei-build, so that a build with nothing to do
can check its search index's code without loading the search stage (30 ms).
"""

from __future__ import annotations

import hashlib
from functools import lru_cache
from importlib import metadata
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent   # (teibuild)


def version(distribution: str) -> str:
    """An installed distribution's version; "" if it is not installed."""
    try:
        return metadata.version(distribution)
    except metadata.PackageNotFoundError:
        return ""


@lru_cache(maxsize=None)
def search_code(opencc: str) -> str:
    """What a search bundle is made with besides its pages and the register names: the
    search stage's code, Pagefind's version and the zh-Hant conversion."""
    digest = hashlib.sha256(repr((opencc, version("pagefind"))).encode())
    for path in sorted((PACKAGE / "search").glob("*.py")):
        digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()
