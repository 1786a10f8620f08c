"""The table of who mentions what, kept between builds: read and written where it changes,
and used only with the manifest it was saved with."""

from __future__ import annotations

import sqlite3

import pytest

from teibuild.errors import TeiBuildError
from teibuild.mention_table import MentionTable, make_whole

ROWS = {"persons/guo-fang": "a.xml\x1fa\x1fd1\x1f2\x1f郭芳\x1e",
        "places/hongkou": "a.xml\x1fa\x1fd2\x1f1\x1f虹口\x1e"
                          "b.xml\x1fb\x1fd3\x1f4\x1f虹口区\x1e",
        "orgs/who": "b.xml\x1fb\x1fd4\x1f1\x1f世卫组织\x1e"}


def save_whole(path, table, stamp):
    make_whole(path, sorted(table.items())).save(stamp)


def test_a_saved_table_is_opened_only_with_its_stamp(tmp_path):
    path = tmp_path / "mentioned.sqlite"
    assert MentionTable.open(path, "s1") is None   # none yet
    save_whole(path, ROWS, "s1")
    assert MentionTable.open(path, "s2") is None
    table = MentionTable.open(path, "s1")
    assert dict(table.items()) == ROWS and len(table) == 3
    assert table.get("persons/nobody") is None
    table.close()


def test_changes_are_written_with_the_new_stamp_and_only_then(tmp_path):
    path = tmp_path / "mentioned.sqlite"
    save_whole(path, ROWS, "s1")
    table = MentionTable.open(path, "s1")
    table["persons/guo-fang"] = "c.xml\x1fc\x1fd5\x1f1\x1f郭芳\x1e"
    table["persons/new"] = "c.xml\x1fc\x1fd6\x1f1\x1f新人\x1e"
    del table["orgs/who"]
    with pytest.raises(KeyError):
        del table["orgs/nobody"]
    assert sorted(table) == ["persons/guo-fang", "persons/new", "places/hongkou"]
    table.close()   # not saved: nothing changed on disk
    assert dict(MentionTable.open(path, "s1").items()) == ROWS

    table = MentionTable.open(path, "s1")
    table["persons/new"] = "c.xml\x1fc\x1fd6\x1f1\x1f新人\x1e"
    del table["orgs/who"]
    table.save("s2")
    assert MentionTable.open(path, "s1") is None
    again = MentionTable.open(path, "s2")
    assert dict(again.items()) == {**{k: v for k, v in ROWS.items() if k != "orgs/who"},
                                  "persons/new": "c.xml\x1fc\x1fd6\x1f1\x1f新人\x1e"}
    again.close()


def test_a_table_made_whole_joins_each_entrys_rows_in_the_order_given(tmp_path):
    """Rows come issue by issue, the entries of each interleaved; each entry's rows are
    joined in the order they came, whatever the order of the entries."""
    path = tmp_path / "mentioned.sqlite"
    given = [(f"entry-{(n * 7) % 13}", f"{n:04d}.xml\x1f{n}\x1fd\x1f1\x1f名{n}\x1e")
             for n in range(500)]
    expected: dict[str, str] = {}
    for entry, row in given:
        expected[entry] = expected.get(entry, "") + row
    table = make_whole(path, iter(given))
    assert dict(table.items()) == expected and len(table) == 13
    table.close()
    assert MentionTable.open(path, "s1") is None   # not stamped until saved
    make_whole(path, iter(given)).save("s1")
    assert dict(MentionTable.open(path, "s1").items()) == expected


def test_a_table_made_whole_replaces_what_was_there(tmp_path):
    path = tmp_path / "mentioned.sqlite"
    save_whole(path, ROWS, "s1")
    save_whole(path, {"orgs/who": ROWS["orgs/who"]}, "s2")
    assert MentionTable.open(path, "s1") is None
    assert dict(MentionTable.open(path, "s2").items()) == {"orgs/who": ROWS["orgs/who"]}


def test_a_file_that_is_no_such_table_is_none(tmp_path):
    path = tmp_path / "mentioned.sqlite"
    path.write_bytes(b"not a database at all" * 100)
    assert MentionTable.open(path, "s1") is None
    path.unlink()
    db = sqlite3.connect(path)
    db.execute("CREATE TABLE other (x)")
    db.close()
    assert MentionTable.open(path, "s1") is None


def test_rows_that_cannot_be_read_are_one_error_naming_the_file(tmp_path):
    path = tmp_path / "mentioned.sqlite"
    save_whole(path, ROWS, "s1")
    table = MentionTable.open(path, "s1")
    table._db.execute("DROP TABLE mentions")
    with pytest.raises(TeiBuildError, match="mentioned.sqlite cannot be read"):
        table["orgs/who"]
    table.close()


def test_a_table_that_cannot_be_written_is_one_error_naming_the_file(tmp_path):
    path = tmp_path / "mentioned.sqlite"
    save_whole(path, ROWS, "s1")
    table = MentionTable.open(path, "s1")
    table._db.execute("PRAGMA query_only = ON")
    table["persons/new"] = "c.xml\x1fc\x1fd6\x1f1\x1f新人\x1e"
    with pytest.raises(TeiBuildError, match="mentioned.sqlite cannot be written"):
        table.save("s2")
    assert dict(MentionTable.open(path, "s1").items()) == ROWS   # as it was
    with pytest.raises(TeiBuildError, match="gone/mentioned.sqlite cannot be written"):
        make_whole(tmp_path / "gone" / "mentioned.sqlite", ROWS.items())
