"""Files written whole or not at all, and staging folders: named for their process, and removed
by the next command once it has ended."""

from __future__ import annotations

import os

import pytest

from hostile.harness import ended_pid
from teibuild.fsutil import staging_dir


def test_a_staging_folder_is_named_for_its_process_and_leftovers_of_ended_ones_go(tmp_path):
    ended = ended_pid()
    gone = tmp_path / f".convert-{ended}-x"
    (gone / "deep").mkdir(parents=True)
    (gone / "deep" / "a.xml").write_text("half", encoding="utf-8")
    kept = [tmp_path / f".convert-{os.getppid()}-y",   # a process that runs
            tmp_path / ".convert-z",                      # no process named
            tmp_path / f".build-{ended}-w"]                # another kind
    for folder in kept:
        folder.mkdir()
    (tmp_path / f".convert-{ended}-file").write_text("a file, not a folder", encoding="utf-8")
    outside = tmp_path.parent / f"{tmp_path.name}-outside"
    outside.mkdir()
    (outside / "keep.txt").write_text("not ours", encoding="utf-8")
    (tmp_path / f".convert-{ended}-link").symlink_to(outside, target_is_directory=True)

    made = staging_dir(tmp_path, ".convert-")

    assert made.is_dir() and made.name.startswith(f".convert-{os.getpid()}-")
    assert not gone.exists()
    assert all(folder.is_dir() for folder in kept)
    assert (tmp_path / f".convert-{ended}-file").is_file()
    assert (outside / "keep.txt").is_file()


def test_a_file_written_to_be_durable_is_synced_first_and_one_that_is_checked_is_not(
        tmp_path, monkeypatch):
    from teibuild import fsutil

    synced = []
    monkeypatch.setattr(fsutil.os, "fsync", lambda fd: synced.append(fd))
    fsutil.atomic_write(tmp_path / "a.xml", b"<TEI/>")
    assert len(synced) == 1
    fsutil.atomic_write(tmp_path / "manifest.json", b"{}", durable=False)
    assert len(synced) == 1
    assert (tmp_path / "a.xml").read_bytes() == b"<TEI/>"
    assert (tmp_path / "manifest.json").read_bytes() == b"{}"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.xml", "manifest.json"]


def test_a_file_written_piece_by_piece_replaces_the_old_only_when_whole(tmp_path):
    from teibuild import fsutil

    path = tmp_path / "manifest.pickle"
    fsutil.atomic_write(path, b"old")

    def pieces(file):
        for n in range(3):
            file.write(b"piece %d;" % n)

    fsutil.atomic_write_with(path, pieces, durable=False)
    assert path.read_bytes() == b"piece 0;piece 1;piece 2;"

    def cut_short(file):
        file.write(b"half")
        raise OSError("no space left on device")

    with pytest.raises(OSError, match="no space"):
        fsutil.atomic_write_with(path, cut_short)
    assert path.read_bytes() == b"piece 0;piece 1;piece 2;"
    assert [p.name for p in tmp_path.iterdir()] == ["manifest.pickle"]   # no temporary left
