"""Putting a build in place: the staged files moved in together, what is no longer made
taken out, and what moved in stamped in the manifest.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from pathlib import Path

from ..output_scan import SEARCH_INDEX
from .caches import MANIFEST, QUICK, STATE
from .indexing import _search_stamp
from .manifest import _Made, _outputs, _pack_outputs, _records


def _commit(out_dir: Path, staging: Path, manifest: dict, removed: list[str],
            whole: list[str]) -> tuple[int, list[dict]]:
    """Move the staged files into place (the search index as a whole), take out what is
    no longer made, and stamp what moved in. If this fails, the previous edition is
    put back and so is its manifest. Returns the number of files moved in and the
    records rendered this time."""
    from ..render.writer import move_into_place

    previous = {}
    for name in (QUICK, MANIFEST):   # a build cut short is followed by a full one
        path = out_dir / STATE / name
        if path.is_file():
            previous[path] = staging / f"previous-{name}"
            os.replace(path, previous[path])
    written = sum(len(files) for _, _, files in os.walk(staging / "new"))
    try:
        move_into_place(out_dir, staging / "new", staging / "old", remove=removed,
                                whole=whole if (out_dir / SEARCH_INDEX[0]).is_dir()
                                else SEARCH_INDEX[:1])
    except BaseException:
        for path, kept in previous.items():
            os.replace(kept, path)
        raise
    made = []
    for record in _records(manifest, packed=False):   # stamp what was written this time
        if isinstance(record["outputs"], _Made):
            record["outputs"] = _stamped(out_dir, record["outputs"])
            made.append(record)
        elif isinstance(record["outputs"], dict):
            for rel, value in record["outputs"].items():
                if not value or not value[0] and not value[1]:
                    st = (out_dir / rel).stat()
                    record["outputs"][rel] = [st.st_size, st.st_mtime_ns, *(value or [])[2:]]
            made.append(record)
    for rel, value in manifest["search"].get("outputs", {}).items():
        if value == [0, 0]:   # made this time
            manifest["search"]["outputs"][rel] = _search_stamp(out_dir / rel)
    return written, made


def _stamped(out_dir: Path, made: _Made) -> str | bytes:
    """The outputs `made`, now in place, each with its size and mtime, packed as the
    manifest keeps them (one record's dict at a time, not every record's until saved)."""
    base = str(out_dir)
    return _pack_outputs({rel: [(st := os.stat(f"{base}/{rel}")).st_size, st.st_mtime_ns]
                  for rel in made})


class _MovedIn(Mapping):
    """The files moved in this time, path → (size, mtime), read from the records' rows
    as they are gone through (`output_scan.Now`). As a dict beside the records' own
    stamps, the main process held every file a first build wrote twice at its end
    (~250 bytes a file, ~150 files an issue); looked up by name, it makes that dict."""

    def __init__(self, records: list[dict]):
        self.records = records
        self._index: dict | None = None

    def items(self) -> Iterator[tuple[str, tuple[int, int]]]:
        for record in self.records:   # (one record's dict at a time)
            for rel, stamp in _outputs(record).items():
                yield rel, (stamp[0], stamp[1])

    def __iter__(self) -> Iterator[str]:
        return (rel for rel, _ in self.items())

    def __len__(self) -> int:
        return sum(1 for _ in self.items())

    def __getitem__(self, rel: str) -> tuple[int, int]:
        if self._index is None:
            self._index = dict(self.items())
        return self._index[rel]
