"""Putting built files on disk all at once, or not at all.

Pages are rendered into a staging folder inside the output folder (the same
file system, so every move is a rename) and moved into place only when
everything has rendered. The moves themselves are a transaction: every file
replaced or removed is first set aside, and if any step fails (a full disk,
Ctrl-C, an error) each one is undone in reverse, so the previous edition is
left exactly as it was.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

from ..errors import TeiBuildError
from ..fsutil import staging_dir
from ..websafe import check_relative_path


def write_tree(out_dir: Path, files: dict[str, bytes]) -> int:
    """Replace each top-level folder named in `files` (html/, txt/) by its new content."""
    for rel in files:
        check_relative_path(rel)
    out_dir.mkdir(parents=True, exist_ok=True)
    staging = staging_dir(out_dir, ".build-")
    try:
        for rel in sorted(files):
            stage(staging / "new", rel, files[rel])
        tops = sorted({rel.split("/", 1)[0] for rel in files})
        move_into_place(out_dir, staging / "new", staging / "old", whole=tops)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return len(files)


def stage(folder: Path, rel: str, data: bytes) -> None:
    """Write one output file under the staging `folder`; `rel` may not leave it."""
    check_relative_path(rel)
    path = os.path.join(folder, rel)
    try:   # (its folder is made when the first file goes in: not asked for each of thousands)
        out = open(path, "wb")
    except FileNotFoundError:
        os.makedirs(os.path.dirname(path), exist_ok=True)
        out = open(path, "wb")
    with out:
        out.write(data)


def stage_same(folder: Path, rel: str, data: bytes, current: Path) -> None:
    """`stage`, but as a hard link to `current` when that file holds exactly `data`.

    Creating a file and writing it costs a hundred times as much as a link on some
    disks, and a search shard re-indexed for one issue is mostly files it already has.
    The file in place is never written to (it is replaced, or set aside, by a rename),
    so the link shares nothing that changes; where links cannot be made, it is written."""
    try:   # (never through a symbolic link: only a file of the edition is shared)
        with open(os.open(current, os.O_RDONLY | os.O_NOFOLLOW), "rb") as fh:
            same = fh.read(len(data) + 1) == data
    except OSError:
        same = False
    if same:
        check_relative_path(rel)
        path = folder / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            os.link(current, path, follow_symlinks=False)
            return
        except OSError:
            pass
    stage(folder, rel, data)


def move_into_place(out_dir: Path, new: Path, aside: Path, remove: list[str] = (),
                    whole: list[str] = ()) -> list[str]:
    """Move every file staged under `new` to the same place under `out_dir`, replace
    the folders named in `whole` (relative paths) as a whole, and take the files in
    `remove` out; all of it or, if anything fails, none of it.

    Returns the relative paths moved in (a folder moved whole counts as one), which are
    also what the moves are undone from: with a byte each saying whether an old file was
    set aside (a pair of Paths a file, the journal held 500 MB once every file of a
    10,000-issue edition was rendered again)."""
    moved: list[str] = []   # what is now in place, in order
    kept = bytearray()      # for each of `moved`: whether its old self is under `aside`
    removed: list[str] = []   # what was taken out, now under `aside`/removed
    made: list[Path] = []     # folders created on the way
    try:
        # the top folders of a first build, and folders replaced whole, move at once
        for rel in sorted({*whole, *(p.name for p in new.iterdir() if p.is_dir()
                                     and not (out_dir / p.name).exists())} if new.is_dir()
                          else ()):
            if (new / rel).exists():
                _put(out_dir, new, aside, rel, moved, kept, made)
        for rel in _files(new):
            _put(out_dir, new, aside, rel, moved, kept, made)
        for rel in sorted(remove):
            target = out_dir / rel
            if target.exists() or target.is_symlink():
                side = aside / "removed" / rel
                _makedirs(side.parent, [])
                os.replace(target, side)
                removed.append(rel)
    except BaseException:
        _undo(out_dir, aside, moved, kept, removed, made)
        raise
    for rel in remove:   # folders emptied by removals; nothing left to undo
        _prune((out_dir / rel).parent, out_dir)
    return moved


def _put(out_dir: Path, new: Path, aside: Path, rel: str, moved: list[str], kept: bytearray,
         made: list[Path]) -> None:
    target = out_dir / rel
    _makedirs(target.parent, made)
    old = target.exists() or target.is_symlink()
    if old:
        side = aside / rel
        _makedirs(side.parent, [])
        os.replace(target, side)
    moved.append(rel)
    kept.append(old)
    os.replace(new / rel, target)


def _undo(out_dir: Path, aside: Path, moved: list[str], kept: bytearray, removed: list[str],
          made: list[Path]) -> None:
    """Put every old file back and take every new one out, most recent first."""
    try:
        for rel in reversed(removed):
            os.replace(aside / "removed" / rel, out_dir / rel)
        for rel, old in zip(reversed(moved), reversed(kept)):
            target = out_dir / rel
            if target.is_dir() and not target.is_symlink():
                shutil.rmtree(target)   # a folder moved in whole (a rename cannot replace it)
            elif not old:
                target.unlink(missing_ok=True)
            if old:
                os.replace(aside / rel, target)
        for folder in reversed(made):
            folder.rmdir()
    except OSError as exc:
        raise TeiBuildError(f"the build failed while moving the new edition into place and "
                            f"the previous one could not be put back completely ({exc})",
                            path=str(out_dir)) from None


def _makedirs(folder: Path, made: list[Path]) -> None:
    """mkdir -p, remembering each folder created (parents first)."""
    missing = []
    while not folder.is_dir():
        missing.append(folder)
        folder = folder.parent
    for path in reversed(missing):
        path.mkdir()
        made.append(path)


def _files(root: Path) -> Iterator[str]:
    """Every file under `root`, relative, folder by folder, each folder's sorted (not
    listed whole first: 822,000 paths at 10,000 issues)."""
    if not root.is_dir():
        return
    for folder, dirs, files in os.walk(root):
        dirs.sort()
        rel = Path(folder).relative_to(root).as_posix()
        yield from (f"{rel}/{name}" if rel != "." else name for name in sorted(files))


def _prune(folder: Path, out_dir: Path) -> None:
    """Remove folders emptied by removals, up to html/ and txt/ themselves."""
    while folder != out_dir and folder.parent != out_dir:
        try:
            folder.rmdir()
        except OSError:
            return
        folder = folder.parent
