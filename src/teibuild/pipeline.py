"""convert → tag → write: the sequence `tei-build convert` runs over its sources.

All sources are converted and checked before anything is written, so a bad
source or an edited TEI file stops the run with nothing half-done.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from .convert import convert_bytes, insert_spaces, load_overrides, overrides_path
from .edition import Edition
from .errors import TeiBuildError
from .fsutil import atomic_write
from .serialize import generated_unchanged, to_bytes


def convert_sources(sources: list[Path], out_dir: Path, edition: Edition, force: bool = False,
                    encoding: str | None = None, quiet: bool = True) -> list[Path]:
    """Convert every source to TEI in `out_dir`; returns the files written."""
    registers, tag_issue = _tagger(out_dir)
    outputs: dict[Path, bytes] = {}
    origin: dict[Path, Path] = {}
    with _progress(sources, quiet, "converting") as bar:
        for source in bar:
            built = convert_one(source, edition, encoding)
            target = out_dir / f"{built.issue_id}.xml"
            if target in outputs:
                raise TeiBuildError(f"gives issue {built.issue_id} again (already from "
                                    f"{origin[target]}); put all pages of an issue in one "
                                    "source, separated by form feeds", path=str(source))
            check_overwrite(target, force)
            if tag_issue is not None:
                tag_issue(built.tree, registers)
            insert_spaces(built.spaces)
            outputs[target] = to_bytes(built.tree)
            origin[target] = source
    for target, data in sorted(outputs.items()):
        atomic_write(target, data)
    if registers is not None:
        registers.save(out_dir)
    return sorted(outputs)


def convert_one(source: Path, edition: Edition, encoding: str | None = None):
    """One source file (and its override file, if any) to a built TEI document."""
    try:
        data = source.read_bytes()
    except OSError as exc:
        raise TeiBuildError(f"cannot read: {exc.strerror}", path=str(source)) from None
    override_file = overrides_path(source)
    overrides = load_overrides(override_file) if override_file.is_file() else None
    return convert_bytes(data, str(source), edition, overrides, encoding)


def check_overwrite(target: Path, force: bool) -> None:
    """Refuse to replace a TEI file that an editor changed after tei-build wrote it."""
    if force or not target.exists():
        return
    state = generated_unchanged(target.read_bytes())
    if state is True:
        return
    why = "was edited after it was generated" if state is False else \
        "was not written by tei-build"
    raise TeiBuildError(f"{why}; not overwriting it (use --force to replace it)",
                        path=str(target))


def _tagger(out_dir: Path):
    """The tag stage and the registers it adds to, if the tagger is installed."""
    try:
        from .tag import Registers, tag_issue
    except ImportError:
        return None, None
    return Registers.load(out_dir), tag_issue


def _progress(items, quiet: bool, label: str):
    if quiet or len(items) < 2 or not sys.stderr.isatty():
        return _Plain(items)
    return click.progressbar(items, label=label, file=sys.stderr)


class _Plain:
    def __init__(self, items):
        self.items = items

    def __enter__(self):
        return self.items

    def __exit__(self, *exc):
        return False
