"""What the issues of a folder point to, and the cache that spares parsing unchanged ones."""

from __future__ import annotations

import pytest

import teibuild.tag.pointers as pointers
from teibuild.tag.pointers import Remembered, issue_pointers, pointers_in
from test_tag_registers import _issue


@pytest.fixture
def folder(tmp_path):
    tei = tmp_path / "tei"
    tei.mkdir()
    _issue(tei, "hongkou-1845", "2022-03-25", "persons.xml#guo-fang 区委书记",
           "places.xml#beiwaitan-jiedao")
    _issue(tei, "hongkou-1846", "2022-04-01", "persons.xml#guo-fang 区长",
           "persons.xml#guo-fang", "orgs.xml#hongkou-quwei")
    (tei / "persons.xml").write_text("<listPerson/>", encoding="utf-8")   # a register: skipped
    return tei


def test_an_issues_pointers_are_its_refs_with_their_roles(folder):
    data = (folder / "hongkou-1846.xml").read_bytes()
    assert issue_pointers(data, "x.xml") == (
        "hongkou-1846", "2022-04-01",
        "orgs.xml#hongkou-quwei\t\npersons.xml#guo-fang\t区长")
    found = pointers_in(folder)
    guo = found["persons.xml"]["guo-fang"]
    assert guo.seen == [("2022-03-25", "hongkou-1845"), ("2022-04-01", "hongkou-1846")]
    assert guo.roles == {"区委书记", "区长"}
    assert found["orgs.xml"]["hongkou-quwei"].roles == set()


def test_remembered_issues_are_not_parsed_again_and_give_the_same(folder, tmp_path, monkeypatch):
    plain = pointers_in(folder)
    path = tmp_path / "cache" / "pointers.json"
    first = Remembered(path)
    assert pointers_in(folder, first) == plain
    first.save()

    def parse(*_args):
        raise AssertionError("an unchanged issue was parsed again")

    monkeypatch.setattr(pointers, "issue_pointers", parse)
    assert pointers_in(folder, Remembered(path)) == plain
    # an issue converted again is read again: what is remembered is by its bytes
    monkeypatch.undo()
    _issue(folder, "hongkou-1846", "2022-04-01", "places.xml#hongkou")
    again = pointers_in(folder, Remembered(path))
    assert again == pointers_in(folder) and "guo-fang" in again["persons.xml"]
    assert again["persons.xml"]["guo-fang"].seen == [("2022-03-25", "hongkou-1845")]


@pytest.mark.parametrize("damage", [b"{not json", b"[1, 2]", b'{"k": [1, 2, 3]}',
                                    b'{"k": ["a", "b"]}', b""])
def test_a_damaged_cache_is_only_no_cache(folder, tmp_path, damage):
    path = tmp_path / "pointers.json"
    path.write_bytes(damage)
    remembered = Remembered(path)
    assert all(isinstance(v, (list, tuple)) and len(v) == 3 for v in remembered.values())
    assert pointers_in(folder, remembered) == pointers_in(folder)
    remembered.save()
    assert len(Remembered(path)) == 2


def test_the_cache_lives_in_tei_builds_cache_folder_or_nowhere(tmp_path, monkeypatch):
    monkeypatch.setenv("TEI_BUILD_CACHE_DIR", str(tmp_path / "c"))
    (tmp_path / "c").mkdir()
    (tmp_path / "c" / "pointers-0000000000000000.json").write_text("{}")   # older code's
    (tmp_path / "c" / "citation-shapes-0.json").write_text("{}")
    here = Remembered.load()
    assert here.path.parent == tmp_path / "c"
    here.save()
    assert sorted(p.name for p in (tmp_path / "c").iterdir()) == sorted(
        ["citation-shapes-0.json", here.path.name])
    monkeypatch.setenv("TEI_BUILD_CACHE_DIR", "")
    nowhere = Remembered.load()
    assert nowhere.path is None
    nowhere.save()   # nothing written, no error


def test_a_full_cache_keeps_what_this_folder_used(folder, tmp_path, monkeypatch):
    path = tmp_path / "pointers.json"
    stale = Remembered(path)
    for n in range(5):
        stale[f"old{n}"] = ("x", "", "")
    stale.save()
    monkeypatch.setattr(Remembered, "KEPT", 3)
    remembered = Remembered(path)
    pointers_in(folder, remembered)
    remembered.save()
    kept = Remembered(path)
    assert len(kept) == 3 and sum(k.startswith("old") for k in kept) == 1


def test_an_issue_whose_stamp_is_as_it_was_is_not_even_read(folder, tmp_path, monkeypatch):
    """git's rule: a file whose size, times and inode are those kept with its digest is
    not read again; one changed since is. A stamp is kept only of a file last changed
    well before it was taken (one changed within the same clock tick could change again
    unseen)."""
    import os
    from pathlib import Path

    path = tmp_path / "pointers.json"
    old = 1_600_000_000_000_000_000   # (2020: long before any stamp is taken)
    for issue in folder.glob("hongkou-*.xml"):
        os.utime(issue, ns=(old, old))
    plain = pointers_in(folder)
    first = Remembered(path)
    assert pointers_in(folder, first) == plain
    first.save()
    # ctime is now, so the stamps are not kept until a second look after the racy time
    assert Remembered(path).stamps == {}
    monkeypatch.setattr(pointers, "RACY_NS", -10**18)   # (as if long after)
    second = Remembered(path)
    assert pointers_in(folder, second) == plain
    second.save()
    assert len(Remembered(path).stamps) == 2

    read = []
    real = Path.read_bytes
    third, fourth = Remembered(path), Remembered(path)
    monkeypatch.setattr(Path, "read_bytes", lambda self: read.append(self.name) or real(self))
    assert pointers_in(folder, third) == plain
    assert read == []
    # an issue rewritten in place, its size and mtime as they were: its ctime tells
    issue = folder / "hongkou-1846.xml"
    data = real(issue)
    before = os.stat(issue)
    issue.write_bytes(data.replace(b"2022-04-01", b"2022-04-02"))
    os.utime(issue, ns=(old, old))
    after = os.stat(issue)
    assert (after.st_size, after.st_mtime_ns, after.st_ino) == \
        (before.st_size, before.st_mtime_ns, before.st_ino)
    again = pointers_in(folder, fourth)
    assert read == ["hongkou-1846.xml"]
    monkeypatch.undo()
    assert again == pointers_in(folder)
    assert ("2022-04-02", "hongkou-1846") in again["persons.xml"]["guo-fang"].seen
