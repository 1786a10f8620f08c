"""Moving a built edition into place: all of it, or (whatever fails) none of it."""

from __future__ import annotations

import errno
import os
from pathlib import Path

import pytest

from teibuild.errors import TeiBuildError
from teibuild.render.writer import move_into_place, stage, stage_same


def tree(root: Path) -> dict[str, bytes]:
    """Every file and folder under `root`."""
    return {p.relative_to(root).as_posix() + ("/" if p.is_dir() else ""):
            (b"" if p.is_dir() else p.read_bytes()) for p in sorted(root.rglob("*"))}


@pytest.fixture
def edition(tmp_path) -> tuple[Path, Path]:
    """An edition on disk, and a staging folder holding its next version."""
    out = tmp_path / "out"
    for rel, data in {"html/index.html": b"old index", "html/issues/a.html": b"old a",
                      "html/issues/gone.html": b"gone", "html/pagefind/x.pf": b"old x",
                      "html/pagefind/old-only.pf": b"old only", "txt/a.txt": b"old a"}.items():
        stage(out, rel, data)
    staging = out / ".state" / "staging-1"
    for rel, data in {"html/index.html": b"new index", "html/issues/b.html": b"new b",
                      "html/articles/b-a01.html": b"new article", "html/pagefind/x.pf": b"new x",
                      "txt/a.txt": b"new a"}.items():
        stage(staging / "new", rel, data)
    return out, staging


def test_everything_moves_in_and_what_is_gone_is_removed(edition):
    out, staging = edition
    moved = move_into_place(out, staging / "new", staging / "old",
                            remove=["html/issues/gone.html"], whole=["html/pagefind"])
    assert "html/pagefind" in moved and "html/articles/b-a01.html" in moved
    after = tree(out)
    assert after["html/index.html"] == b"new index" and after["txt/a.txt"] == b"new a"
    assert after["html/issues/a.html"] == b"old a"          # not staged: kept
    assert "html/issues/gone.html" not in after
    assert after["html/pagefind/x.pf"] == b"new x"
    assert "html/pagefind/old-only.pf" not in after           # replaced as a whole


@pytest.mark.parametrize("fail_at", [1, 2, 4, 6, 9])
def test_a_failure_at_any_move_puts_everything_back(edition, monkeypatch, fail_at):
    out, staging = edition
    before = {rel: data for rel, data in tree(out).items() if not rel.startswith(".state")}
    real, calls = os.replace, []

    def replace(src, dst):
        calls.append(dst)
        if len(calls) == fail_at:
            raise OSError(errno.ENOSPC, "No space left on device")
        return real(src, dst)

    monkeypatch.setattr(os, "replace", replace)
    with pytest.raises(OSError):
        move_into_place(out, staging / "new", staging / "old",
                        remove=["html/issues/gone.html"], whole=["html/pagefind"])
    monkeypatch.undo()
    after = {rel: data for rel, data in tree(out).items() if not rel.startswith(".state")}
    assert after == before   # no new folder (html/articles/) left behind either


def test_first_version_moves_its_top_folders_whole(tmp_path):
    out, new = tmp_path / "out", tmp_path / "staging" / "new"
    stage(new, "html/index.html", b"i")
    stage(new, "txt/a.txt", b"a")
    out.mkdir()
    assert move_into_place(out, new, tmp_path / "staging" / "old") == ["html", "txt"]
    assert tree(out) == {"html/": b"", "html/index.html": b"i", "txt/": b"", "txt/a.txt": b"a"}


def test_an_undo_that_cannot_finish_says_so(edition, monkeypatch):
    out, staging = edition
    real, calls = os.replace, []

    def replace(src, dst):
        calls.append(dst)
        if len(calls) >= 3:
            raise OSError(errno.EIO, "Input/output error")
        return real(src, dst)

    monkeypatch.setattr(os, "replace", replace)
    with pytest.raises(TeiBuildError, match="could not be put back"):
        move_into_place(out, staging / "new", staging / "old", whole=["html/pagefind"])


def test_a_staged_path_may_not_leave_the_staging_folder(tmp_path):
    with pytest.raises(TeiBuildError):
        stage(tmp_path / "new", "html/../../escaped.html", b"x")
    assert not (tmp_path / "escaped.html").exists()


def test_a_staged_file_the_edition_already_has_is_a_link_to_it(tmp_path):
    """(A search shard re-indexed for one issue is mostly files it already has.)"""
    out, new = tmp_path / "out", tmp_path / "new"
    (out / "f").mkdir(parents=True)
    (out / "f" / "same").write_bytes(b"abc")
    (out / "f" / "other").write_bytes(b"abcd")
    (out / "f" / "link").symlink_to(out / "f" / "same")
    for name in ("same", "other", "link", "missing"):
        stage_same(new, f"f/{name}", b"abc", out / "f" / name)
        assert (new / "f" / name).read_bytes() == b"abc"
    assert (new / "f" / "same").stat().st_ino == (out / "f" / "same").stat().st_ino
    assert (new / "f" / "other").stat().st_ino != (out / "f" / "other").stat().st_ino
    assert not (new / "f" / "link").is_symlink()
    assert (new / "f" / "link").stat().st_ino != (out / "f" / "same").stat().st_ino
    assert (out / "f" / "other").read_bytes() == b"abcd"
