"""tei-build's cache folder: where it is, how its files are named, which are dropped."""

from __future__ import annotations

from teibuild.cachedir import cache_dir, drop_others, kept_file


def test_the_folder_is_the_variable_or_none(tmp_path, monkeypatch):
    monkeypatch.setenv("TEI_BUILD_CACHE_DIR", str(tmp_path))
    assert cache_dir() == tmp_path
    monkeypatch.setenv("TEI_BUILD_CACHE_DIR", "")
    assert cache_dir() is None and kept_file("words", ".marshal", b"x") is None


def test_a_kept_file_is_named_after_what_it_is_made_from(tmp_path, monkeypatch):
    monkeypatch.setenv("TEI_BUILD_CACHE_DIR", str(tmp_path))
    one = kept_file("words", ".marshal", b"list", "code")
    assert one.parent == tmp_path and one.name.startswith("words-") and one.suffix == ".marshal"
    assert kept_file("words", ".marshal", b"list", "code") == one
    assert kept_file("words", ".marshal", b"list", "other code") != one
    assert kept_file("words", ".marshal", b"lis", b"tcode") != one   # parts are kept apart


def test_only_the_files_of_one_kind_made_from_something_else_are_dropped(tmp_path, monkeypatch):
    monkeypatch.setenv("TEI_BUILD_CACHE_DIR", str(tmp_path))
    mine = kept_file("words", ".marshal", b"now")
    for path in (mine, kept_file("words", ".marshal", b"before"),
                 kept_file("jieba-words", ".sqlite", b"now"), tmp_path / "words-1.json",
                 tmp_path / "citation-shapes-0.json"):
        path.write_bytes(b"x")
    drop_others(mine)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        [mine.name, kept_file("jieba-words", ".sqlite", b"now").name, "words-1.json",
         "citation-shapes-0.json"])
