"""The files `tei-build schema` maintains: the RELAX NG and Schematron compiled from the ODD."""

from __future__ import annotations

from pathlib import Path

from ..fsutil import atomic_write
from ..resources import resource_dir
from .schema_compile import compile_odd
from .schematron_extract import extract_schematron


def compiled(odd: Path | None = None, tei_all: Path | None = None) -> dict[Path, bytes]:
    """{output path: content} for the ODD (default: the packaged tei-newspaper.odd)."""
    folder = resource_dir("schemas")
    odd = odd or folder / "tei-newspaper.odd"
    tei_all = tei_all or folder / "tei_all.rng"
    stem = odd.with_suffix("")
    return {stem.with_suffix(".rng"): compile_odd(odd, tei_all),
            stem.with_suffix(".sch"): extract_schematron(odd)}


def write(outputs: dict[Path, bytes]) -> list[Path]:
    """Write the outputs that changed; returns them."""
    changed = [path for path, data in outputs.items() if _current(path) != data]
    for path in changed:
        atomic_write(path, outputs[path])
    return changed


def stale(outputs: dict[Path, bytes]) -> list[Path]:
    """Outputs whose file on disk differs from what the ODD compiles to."""
    return [path for path, data in outputs.items() if _current(path) != data]


def _current(path: Path) -> bytes | None:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        return None
