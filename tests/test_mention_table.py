"""The table of who mentions what, kept between builds: read and written where it changes,
and used only with the manifest it was saved with."""

from __future__ import annotations

import sqlite3

import pytest

from teibuild.errors import TeiBuildError
from teibuild.mention_table import MentionTable, make_whole, saved_issue_names

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


NAMES = {"a.xml": ("k-a", "persons/guo-fang\x1fd1\x1f2\x1f郭芳\x1e".encode()),
         "b.xml": ("k-b", "places/hongkou\x1fd3\x1f4\x1f虹口区\x1e".encode())}


def test_each_issues_mentions_are_kept_with_the_key_they_were_made_from(tmp_path):
    """An issue's mentions by entry are found only under the key given with them (its
    TEI as it was), are changed and dropped with the rows, and only when saved."""
    path = tmp_path / "mentioned.sqlite"
    make_whole(path, sorted(ROWS.items()),
               ((f, key, names) for f, (key, names) in NAMES.items())).save("s1")
    table = MentionTable.open(path, "s1")
    assert table.issue_names("a.xml", "k-a") == NAMES["a.xml"][1]
    assert table.issue_names("a.xml", "k-b") is None   # (another TEI)
    assert table.issue_names("c.xml", "k-c") is None
    table.set_issue_names("c.xml", "k-c", b"new")
    table.drop_issue("a.xml")
    assert table.issue_names("c.xml", "k-c") == b"new"
    assert table.issue_names("a.xml", "k-a") is None
    table.close()   # not saved
    table = MentionTable.open(path, "s1")
    assert table.issue_names("a.xml", "k-a") == NAMES["a.xml"][1]
    table.set_issue_names("c.xml", "k-c", b"new")
    table.set_issue_names("b.xml", "k-b2", b"changed")
    table.drop_issue("a.xml")
    table.save("s2")
    table = MentionTable.open(path, "s2")
    assert [table.issue_names(f, k) for f, k in
            (("a.xml", "k-a"), ("b.xml", "k-b"), ("b.xml", "k-b2"), ("c.xml", "k-c"))] == \
        [None, None, b"changed", b"new"]
    table.close()


def test_the_mentions_a_table_keeps_are_read_whatever_its_stamp(tmp_path):
    """What a table made anew takes from the one it replaces: the mentions of each issue
    asked for, under the key asked for, from a table saved with any stamp."""
    path = tmp_path / "mentioned.sqlite"
    assert saved_issue_names(path, {"a.xml": "k-a"}) == {}   # none there
    make_whole(path, sorted(ROWS.items()),
               ((f, key, names) for f, (key, names) in NAMES.items())).save("old stamp")
    assert saved_issue_names(path, {"a.xml": "k-a", "b.xml": "k-other", "c.xml": "k-c"}) \
        == {"a.xml": NAMES["a.xml"][1]}
    path.write_bytes(b"not a database at all" * 100)
    assert saved_issue_names(path, {"a.xml": "k-a"}) == {}


def test_a_table_an_earlier_version_saved_without_the_issues_mentions_is_not_used(tmp_path):
    path = tmp_path / "mentioned.sqlite"
    save_whole(path, ROWS, "s1")
    db = sqlite3.connect(path)
    with db:
        db.execute("DROP TABLE issues")
    db.close()
    assert MentionTable.open(path, "s1") is None
    assert saved_issue_names(path, {"a.xml": "k-a"}) == {}
