"""What the output folder holds: the scan, its digests, and the folder after a build."""

from __future__ import annotations

import os
import shutil

from teibuild.output_scan import Now, OnDisk, Scan, found_totals, scan_folders, totals


def _files(root, files):
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")


def test_the_folder_after_a_build_is_digested_as_a_fresh_scan_would_digest_it(tmp_path):
    _files(tmp_path, {"html/a.html": "a", "html/issues/b.html": "bb", "txt/b.txt": "b",
                      "html/pagefind/x.pf": "index", "html/search-data.json": "{}"})
    rows, _digest, folders = scan_folders(tmp_path)
    on_disk = OnDisk(rows)
    assert dict(on_disk.items()).keys() == {"html/a.html", "html/issues/b.html", "txt/b.txt"}
    assert on_disk["html/issues/b.html"][0] == 2
    before = totals(on_disk.items())
    assert before == {"html_pages": 2, "text_files": 1, "files": 3, "bytes": 4}
    assert found_totals(rows) == before
    # a build removes one file and moves in a new one and a changed one
    (tmp_path / "txt/b.txt").unlink()
    _files(tmp_path, {"html/issues/c.html": "ccc", "html/a.html": "aaaa"})
    updated = {rel: (st.st_size, st.st_mtime_ns) for rel in ("html/issues/c.html", "html/a.html")
               for st in [os.stat(tmp_path / rel)]}
    now = Now(on_disk, ["txt/b.txt"], updated)
    fresh_rows, fresh_digest, _ = scan_folders(tmp_path)
    assert now.digest(folders) == fresh_digest
    assert now.totals(before) == totals(OnDisk(fresh_rows).items())
    assert sorted(now) == sorted(OnDisk(fresh_rows))


def test_a_scan_in_a_process_of_its_own_finds_what_one_here_finds(tmp_path):
    _files(tmp_path, {f"html/issues/{n}.html": "x" * n for n in range(20)})
    here, there = Scan(tmp_path), Scan(tmp_path, background=True)
    try:
        assert there.digest == here.digest and there.folders == here.folders
        assert dict(there.files.items()) == dict(here.files.items())
        assert there.totals == here.totals
    finally:
        there.close()


def test_two_processes_reading_halves_of_the_folder_find_what_one_finds(tmp_path):
    from teibuild.output_scan import SECOND_HALF, _scan_in_two

    _files(tmp_path, {"html/issues/a.html": "a", "html/zh-Hant/issues/a.html": "甲",
                      "html/zh-Hant/a.html": "乙", "txt/zh-Hans/a.txt": "aa",
                      "txt/zh-Hant/a.txt": "aaa", "html/pagefind/x.pf": "index",
                      "html/search-data.json": "{}", "html/zh-Hantx/b.html": "b"})
    whole = scan_folders(tmp_path)
    first = scan_folders(tmp_path, leave=SECOND_HALF)
    second = scan_folders(tmp_path, SECOND_HALF)
    assert sorted(first[0]) == ["html/issues", "html/zh-Hantx"]
    assert sorted(second[0]) == ["html/zh-Hant", "html/zh-Hant/issues", "txt/zh-Hans",
                                 "txt/zh-Hant"]
    assert _scan_in_two(tmp_path) == whole
    here = Scan(tmp_path)   # the disk read at once: on two cores
    assert (here.digest, here.folders) == whole[1:] and dict(here.files.items()) == dict(
        OnDisk(whole[0]).items())


def test_a_few_files_changed_in_a_large_folder_digest_as_a_fresh_scan(tmp_path):
    """A folder's digest is updated with the files changed alone: it must still be what a
    fresh scan gives, whatever is removed, changed or added, down to an empty folder."""
    _files(tmp_path, {f"html/cite/{n}.bib": "x" * (n % 7) for n in range(200)})
    rows, _digest, folders = scan_folders(tmp_path)
    (tmp_path / "html/cite/3.bib").unlink()
    _files(tmp_path, {"html/cite/5.bib": "changed", "html/cite/new.bib": "n"})
    updated = {rel: (st.st_size, st.st_mtime_ns) for rel in ("html/cite/5.bib", "html/cite/new.bib")
               for st in [os.stat(tmp_path / rel)]}
    fresh = scan_folders(tmp_path)
    assert Now(OnDisk(rows), ["html/cite/3.bib"], updated).digest(folders) == fresh[1]
    assert fresh[2]["html/cite"].startswith("200:") and fresh[1] != _digest
    # the same size and another mtime is another digest
    (tmp_path / "html/cite/7.bib").touch()
    os.utime(tmp_path / "html/cite/7.bib", ns=(1, 1))
    assert scan_folders(tmp_path)[1] != fresh[1]
    # a folder emptied is gone from the digests, as from a fresh scan
    rows, _digest, folders = scan_folders(tmp_path)
    now = Now(OnDisk(rows), [f"html/cite/{name}" for name, _size, _mtime
                             in rows["html/cite"].rows()], {})
    shutil.rmtree(tmp_path / "html/cite")
    assert now.digest(folders) == scan_folders(tmp_path)[1]


def test_any_file_name_is_found_as_it_is(tmp_path):
    """(the names of a folder are kept joined: by NUL, which no file name holds)"""
    names = ["a b.html", "新闻 1.txt", "x\ny.html", "\\.txt", "-", "..a", "é.bib",
             os.fsdecode(b"\xff\xfe.html")]
    for name in names:
        (tmp_path / "html").mkdir(exist_ok=True)
        (tmp_path / "html" / name).write_bytes(name.encode("utf-8", "surrogateescape"))
    rows, _digest, _folders = scan_folders(tmp_path)
    on_disk = OnDisk(rows)
    assert sorted(on_disk) == sorted(f"html/{name}" for name in names)
    for name in names:
        assert on_disk[f"html/{name}"][0] == len(name.encode("utf-8", "surrogateescape"))
    assert len(on_disk) == len(names)
    assert found_totals(rows) == totals(on_disk.items()) == {
        "html_pages": 3, "text_files": 2, "files": 8, "bytes": sum(
            len(n.encode("utf-8", "surrogateescape")) for n in names)}


def test_a_folders_files_are_found_by_name_before_and_after_its_table_is_made(tmp_path):
    """(the first few lookups in a folder search its joined names; later ones a table)"""
    names = [f"{n}.html" for n in range(OnDisk._FEW * 2)] + ["1", "0.htm", "x.html"]
    _files(tmp_path, {f"html/issues/{name}": "x" * len(name) for name in names})
    rows, _digest, _folders = scan_folders(tmp_path)
    on_disk = OnDisk(rows)
    asked = ["x.html", "1", "0.htm", "0.html", "1.html", "10.html", "0.h", ".html", "",
             "x.html\0", "\0".join(rows["html/issues"].names.split("\0")[1:3]), "html",
             "issues/0.html"] + names
    for lookup in range(2):
        for name in asked:
            found = on_disk.get(f"html/issues/{name}")
            assert found == ((len(name), os.stat(tmp_path / "html/issues" / name).st_mtime_ns)
                             if name in names else None), (lookup, name)
    assert "html/issues" in on_disk._places   # (the table was made in the end)
    assert on_disk.get("html/nowhere/0.html") is None and on_disk.get("0.html") is None

class _GoneThrough:
    """Files moved in that can be gone through but not looked up one by one, as a build's
    records give them (`incremental.commit._MovedIn`): a lookup fails the test."""

    def __init__(self, files: dict):
        self.files = files

    def items(self):
        return iter(self.files.items())

    def __iter__(self):
        return iter(self.files)

    def __contains__(self, rel):
        raise AssertionError(f"{rel} looked up one by one")

    __getitem__ = __contains__


def test_the_files_moved_in_are_gone_through_not_looked_up(tmp_path):
    """Digest, totals and stamps of the edition once a build's files are in place are
    taken by going through those files once each (a first build wrote 220,000): the same
    as from a dict of them."""
    _files(tmp_path, {f"html/cite/{n}.bib": "x" * (n % 5) for n in range(30)}
           | {"txt/a.txt": "a", "html/a.html": "aa"})
    rows, _digest, folders = scan_folders(tmp_path)
    on_disk, before = OnDisk(rows), totals(OnDisk(rows).items())
    (tmp_path / "txt/a.txt").unlink()
    _files(tmp_path, {"html/cite/4.bib": "changed", "html/new.html": "new"})
    updated = {rel: (st.st_size, st.st_mtime_ns) for rel in ("html/cite/4.bib", "html/new.html")
               for st in [os.stat(tmp_path / rel)]}
    as_dict = Now(on_disk, ["txt/a.txt"], updated)
    streamed = Now(on_disk, ["txt/a.txt"], _GoneThrough(updated))
    fresh_rows, fresh_digest, _ = scan_folders(tmp_path)
    assert streamed.digest(folders) == as_dict.digest(folders) == fresh_digest
    assert streamed.totals(before) == as_dict.totals(before) == totals(OnDisk(fresh_rows).items())
    wanted = ["html/cite/4.bib", "html/cite/9.bib", "html/new.html", "txt/a.txt", "html/no.html"]
    assert streamed.stamps(wanted) == {rel: as_dict[rel] for rel in wanted if rel in as_dict}
    assert set(streamed.stamps(wanted)) == {"html/cite/4.bib", "html/cite/9.bib", "html/new.html"}
