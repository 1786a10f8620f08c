"""The register pages' records: an entry's year pages packed together, unpacked on demand."""

from __future__ import annotations

from teibuild.incremental.entry_records import EntryRecords, _packed, _unpacked


def record(key: str, outputs: str = "", count: int = 1, first: str = "郭芳", **more) -> dict:
    return {"key": key, "outputs": outputs, "count": count, "first": first, **more}


def flat() -> dict:
    """Records as an earlier version kept them: every page's in one dict."""
    return {"persons/guo-fang": record("a", years=[["2021", 1, 2], ["2022", 3, 4]], count=6),
            "persons/guo-fang@2021": record("b", "html/x/2021.html\x1f1\x1f2\x1e", 2),
            "persons/guo-fang@2022": record("c", "html/x/2022.html\x1f1\x1f2\x1e", 4),
            "places/hongkou": record("d", first="虹口")}


def test_records_read_as_an_earlier_version_kept_them_are_saved_packed_and_read_back():
    records = EntryRecords.loaded(flat(), None)
    assert dict(records) == flat() and len(records) == 4
    own, years = records.saved()
    assert set(own) == {"persons/guo-fang", "places/hongkou"}
    assert set(years) == {"persons/guo-fang"} and isinstance(years["persons/guo-fang"], bytes)
    again = EntryRecords.loaded(own, years)
    assert dict(again) == flat()
    assert again["persons/guo-fang@2022"]["count"] == 4
    assert "persons/guo-fang@2023" not in again and "places/hongkou@2022" not in again
    assert again.saved() == (own, years)   # (packed again, the same bytes)


def test_equal_records_pack_to_the_same_bytes_whatever_their_objects_and_order():
    first = {"persons/a@2021": record("k", "o", 2, "甲"), "persons/a@2022": record("k", "o", 2, "甲")}
    name = "".join(["甲"])   # (an equal string, another object)
    second = {"persons/a@2022": {"first": name, "count": 2, "outputs": "o", "key": "k"},
              "persons/a@2021": {"key": "k", "outputs": "o", "count": 2, "first": "甲"}}
    assert _packed(first) == _packed(second)
    assert _unpacked("persons/a", _packed(first)) == first


def test_torn_year_records_read_as_none():
    assert _unpacked("persons/a", b"\x80\x05 torn") == {}
    assert _unpacked("persons/a", None) == {}
    records = EntryRecords.loaded({"persons/a": record("k", years=[["2021", 1, 1]])},
                                  {"persons/a": b"not a pickle", "persons/b": "not bytes"})
    assert records.get("persons/a@2021") is None and not records.has_years("persons/b")


def test_an_entry_carried_over_keeps_its_packed_records_unread():
    own, years = EntryRecords.loaded(flat(), None).saved()
    old = EntryRecords.loaded(own, years)
    new = EntryRecords()
    new.carry(old, "persons/guo-fang")
    new["places/hongkou"] = record("d2", {}, first="虹口")   # (to be rendered again)
    assert new.saved()[1]["persons/guo-fang"] is years["persons/guo-fang"]
    assert not list(new._opened)   # (nothing was unpacked)
    # what the new records no longer have, or have otherwise: hongkou's page only
    assert [unit for unit, _ in new.changed_since(old)] == ["places/hongkou"]


def test_what_changed_since_names_year_pages_gone_or_made_again():
    old = EntryRecords.loaded(*EntryRecords.loaded(flat(), None).saved())
    new = EntryRecords()
    new.carry(old, "places/hongkou")
    new["persons/guo-fang"] = old["persons/guo-fang"]
    new["persons/guo-fang@2022"] = old["persons/guo-fang@2022"]   # (unpacked: equal, not the same)
    assert [unit for unit, _ in new.changed_since(old)] == ["persons/guo-fang@2021"]
    new["persons/guo-fang@2022"] = record("c2", {})
    assert [unit for unit, _ in new.changed_since(old)] == ["persons/guo-fang@2021",
                                                           "persons/guo-fang@2022"]
    assert sorted(new.opened_records(), key=lambda r: r["key"]) == [
        old["persons/guo-fang"], record("c2", {}), old["places/hongkou"]]
    unread = EntryRecords.loaded(*EntryRecords.loaded(flat(), None).saved())
    assert sorted(r["key"] for r in unread.all_records()) == list("abcd")
    assert not unread._opened   # (gone through, not kept unpacked)


def test_an_entry_whose_year_pages_all_go_keeps_none():
    records = EntryRecords.loaded(flat(), None)
    del records["persons/guo-fang@2021"]
    del records["persons/guo-fang@2022"]
    assert records.saved()[1] == {} and not records.has_years("persons/guo-fang")
