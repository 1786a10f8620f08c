"""Dictionary words as attributes of the name model (teibuild.tag.words)."""

import gzip
from pathlib import Path

import jieba
import pytest

from teibuild.tag import model, words


def test_names_in_a_list_without_separators_get_their_own_boundaries():
    text = "李鹏乔石李瑞环"
    found = words.attributes(text)
    got = [sorted(a.decode() for a in found.get(i, [])) for i in range(len(text))]
    assert got[0] == ["LPB", "WB2"] and got[1] == ["LPE", "WE2"]       # 李鹏
    assert got[2] == ["LPB", "WB2"] and got[3] == ["LPE", "WE2"]       # 乔石
    assert "LPB" in got[4] and "LPI" in got[5] and "LPE" in got[6]     # 李瑞环


def test_places_and_organisations_are_marked_as_such():
    text = "新华社上海电"
    found = {i: {a.decode() for a in v} for i, v in words.attributes(text).items()}
    assert {"LOB", "WB3"} <= found[0] and "LOE" in found[2]
    assert "LLB" in found[3] and "LLE" in found[4]


def test_the_longest_word_sets_the_boundaries_and_attributes_are_not_repeated():
    text = "领导小组会议"
    found = words.attributes(text)
    assert b"WB4" in found[0] and b"WE4" in found[3]
    for attrs in found.values():
        assert len(attrs) == len(set(attrs))


def test_unknown_text_and_text_outside_the_dictionary_add_nothing():
    assert words.attributes("") == {}
    assert words.attributes("abc 123，。") == {}


def test_the_model_sees_the_dictionary_attributes():
    text = "李鹏乔石"
    feats = model.features(text)
    assert b"LPB" in feats[0] and b"LPE" in feats[1] and b"WB2" in feats[2]


def test_the_shipped_list_is_what_the_installed_dictionary_gives():
    source = Path(jieba.__file__).with_name("dict.txt")
    assert words.build(source) == words.WORDS_PATH.read_bytes()


def test_build_keeps_han_words_with_their_kind_and_is_deterministic(tmp_path):
    source = tmp_path / "dict.txt"
    source.write_text("上海 100 ns\n李鹏 50 nr\n新华社 40 nt\n好 9 a\nCPU 3 eng\n"
                      "一二三四五六七 2 n\n疫情防控 5 n\n", encoding="utf-8")
    built = words.build(source)
    assert built == words.build(source)
    rows = gzip.decompress(built).decode("utf-8").splitlines()
    assert rows == ["上海\tL", "新华社\tO", "李鹏\tP", "疫情防控\tW"]


@pytest.mark.parametrize("text", ["虹口区四川北路街道", "短短两天", "3月17日晚"])
def test_attributes_stay_inside_the_text(text):
    assert all(0 <= i < len(text) for i in words.attributes(text))


def test_is_name_knows_names_of_every_kind_and_not_plain_words():
    assert words.is_name("联合国") and words.is_name("上海") and words.is_name("李鹏")
    assert not words.is_name("联合") and not words.is_name("疫情防控") and not words.is_name("")


@pytest.fixture
def fresh_load(tmp_path, monkeypatch):
    """`words.load` made again, with tei-build's cache folder in tmp_path."""
    monkeypatch.setenv("TEI_BUILD_CACHE_DIR", str(tmp_path))
    words.load.cache_clear()
    yield tmp_path
    words.load.cache_clear()


def test_the_table_is_kept_in_the_cache_folder_and_read_back_the_same(fresh_load, monkeypatch):
    made = words.load()
    (kept,) = fresh_load.glob("words-*.marshal")
    words.load.cache_clear()
    monkeypatch.setattr(gzip, "decompress", lambda data: pytest.fail("the list was read again"))
    assert words.load() == made and words.load().get("李鹏") == made.get("李鹏")
    assert kept.stat().st_size > 1_000_000


@pytest.mark.parametrize("damage", [
    lambda b: b[:len(b) // 2],                                    # cut short
    lambda b: b[:1000] + bytes([b[1000] ^ 1]) + b[1001:],         # one bit changed
    lambda b: b"",
])
def test_a_damaged_table_is_made_again(fresh_load, damage):
    made = words.load()
    (kept,) = fresh_load.glob("words-*.marshal")
    kept.write_bytes(damage(kept.read_bytes()))
    words.load.cache_clear()
    assert words.load() == made


def test_no_cache_folder_is_no_table_kept(fresh_load, monkeypatch):
    monkeypatch.setenv("TEI_BUILD_CACHE_DIR", "")
    assert words.load().get("李鹏") == "P"
    assert not list(fresh_load.glob("words-*"))
