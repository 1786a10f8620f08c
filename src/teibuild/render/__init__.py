"""Rendering: TEI issues -> the HTML and plain-text editions, zh-Hans and zh-Hant.

`build_site` brings an edition folder up to date with a TEI folder: it renders
what changed since the last build (everything, the first time; see
`teibuild.incremental`), makes the search index, and moves it all into place
at once. `render_site` renders a whole site in memory. (The renderers are
imported only when used: a build with nothing to do needs none of them.)
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from .. import incremental
from ..edition import Edition
from ..incremental import BuildReport

__all__ = ["BuildReport", "build_site", "render_site"]


def build_site(tei_dir: Path, out_dir: Path, edition: Edition, jobs: int | None = None,
               progress: Callable[[int, int, str], None] | None = None,
               search: bool = True) -> BuildReport:
    """Build `out_dir/html` and `out_dir/txt` from the TEI in `tei_dir`, search index
    included; only what changed is rendered again, and nothing is ever half-written.
    `search=False` puts the index off: the one there, if any, is left as it was, and the
    next build with it indexes again what changed meanwhile."""
    return incremental.build(Path(tei_dir), Path(out_dir), edition, jobs=jobs,
                             progress=progress, search=search)


def __getattr__(name: str):
    if name == "render_site":
        from .build import render_site
        return render_site
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
