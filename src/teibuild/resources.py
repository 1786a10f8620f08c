"""Where the XSLT and schemas live: inside the wheel, or at the top of a checkout."""

from __future__ import annotations

import functools
from pathlib import Path

_HERE = Path(__file__).resolve().parent


@functools.lru_cache(maxsize=None)
def resource_dir(name: str) -> Path:
    """`xslt` or `schemas`: the packaged copy if installed, else the checkout's (looked up
    once per process: validation asks for every file)."""
    packaged = _HERE / name
    if packaged.is_dir():
        return packaged
    checkout = _HERE.parent.parent / name
    if checkout.is_dir():
        return checkout
    raise FileNotFoundError(f"tei-build resource folder {name!r} is missing from the install")


def templates_dir() -> Path:
    return _HERE / "templates"
