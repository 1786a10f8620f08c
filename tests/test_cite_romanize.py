"""Pinyin for Chicago citations: words joined, sentence case, surname readings."""

from __future__ import annotations

import pytest

from teibuild.cite.romanize import has_han, romanize, romanize_name, romanize_place


@pytest.mark.parametrize("text, expected", [
    ("确保不漏一户、不落一人", "Quebao bu lou yihu, bu luo yi ren"),
    ("始终绷紧疫情防控这根弦", "Shizhong bengjin yiqing fangkong zhegen xian"),
    ("“十四五”规划（草案）发布", "“Shisiwu” guihua (cao'an) fabu"),
    ("Hongkou bao", "Hongkou bao"),
])
def test_titles(text, expected):
    assert romanize(text) == expected


@pytest.mark.parametrize("name, expected", [
    ("陆雪姣", "Lu Xuejiao"), ("钱晶", "Qian Jing"), ("欧阳修", "Ouyang Xiu"),
    ("单田芳", "Shan Tianfang"), ("曾国藩", "Zeng Guofan"),
])
def test_names_surname_first(name, expected):
    assert romanize_name(name) == expected


def test_places_and_detection():
    assert romanize_place("上海") == "Shanghai"
    assert has_han("虹口 bao") and not has_han("Hongkou")


def test_marked_names_are_capitalised_persons_surname_first():
    names = [("persName", "郭芳"), ("placeName", "欧阳路街道")]
    assert romanize("郭芳走访欧阳路街道", names) == "Guo Fang zoufang Ouyang Lu Jiedao"
    assert "Ouyang Lu Jiedao" not in romanize("郭芳走访欧阳路街道")


def test_titles_names_and_places_seen_before_are_romanised_without_loading_dictionaries():
    """A rebuild hands over what earlier builds romanised (`used` → `remember`): then
    neither jieba's nor pypinyin's dictionaries are loaded (a second or more each)."""
    from teibuild.cite import romanize as r

    r.used()
    first = (r.romanize("确保不漏一户", [("persName", "陆雪姣")]),
             r.romanize_name("欧阳修"), r.romanize_place("上海"))
    again, loaded = _romanised_in_a_new_process(
        r.used(), "(r.romanize('确保不漏一户', [('persName', '陆雪姣')]), "
                  "r.romanize_name('欧阳修'), r.romanize_place('上海'))")
    assert tuple(again) == first == ("Quebao bu lou yihu", "Ouyang Xiu", "Shanghai")
    assert loaded == []


def _romanised_in_a_new_process(seen: dict, expression: str) -> tuple:
    """`expression` (of the module as `r`) in a fresh process that remembers `seen` (what
    `used` gave): its value, and which of jieba and pypinyin that process imported."""
    import json
    import subprocess
    import sys

    script = (
        "import json, sys\n"
        "from teibuild.cite import romanize as r\n"
        "r.remember(json.loads(sys.stdin.read()))\n"
        f"out = {expression}\n"
        "print(json.dumps([out, sorted(m for m in ('jieba', 'pypinyin') if m in sys.modules)]))\n")
    done = subprocess.run([sys.executable, "-c", script], input=json.dumps(seen), text=True,
                          capture_output=True, check=True)
    return tuple(json.loads(done.stdout))


def test_a_new_title_of_words_seen_before_is_romanised_without_pypinyin(monkeypatch):
    """A corrected heading is a new text; its words, romanised in other titles before,
    are remembered too, so pypinyin (0.2 s to import) is not loaded for it."""
    from teibuild.cite import romanize as r

    monkeypatch.setattr(r, "_known", {})   # (as in a process that has romanised nothing)
    r.used()
    r.romanize("确保不漏一户")
    r.romanize("不落一人")
    seen = r.used()
    new = r.romanize("确保一人不漏")
    again, loaded = _romanised_in_a_new_process(seen, "r.romanize('确保一人不漏')")
    assert again == new == "Quebao yi ren bu lou"
    assert ("pypinyin" in loaded) is False


@pytest.fixture
def words_on_disk(tmp_path, monkeypatch):
    """tei-build's cache folder in tmp_path, holding jieba's dictionary (`_Words`)."""
    from teibuild.cite import romanize as module

    monkeypatch.setenv("TEI_BUILD_CACHE_DIR", str(tmp_path))
    monkeypatch.setattr(module._Words, "_open", {})
    monkeypatch.setattr(module._Words, "_used", 0)
    whole = module._segmenter()
    module._Words.keep(whole)
    return module, whole, tmp_path


def _sample_texts() -> list[str]:
    """Pieces of the sample page's text between punctuation, as titles are segmented."""
    import re
    from tests.conftest import SAMPLE

    pieces = re.split(r"[\s，。、；：！？“”（）《》]+", SAMPLE.read_text(encoding="utf-8"))
    return sorted({p for p in pieces if has_han(p) and len(p) >= 2})


def test_new_titles_are_segmented_from_the_dictionary_on_disk_as_jieba_does(words_on_disk):
    """Given the entries of a text's substrings, jieba finds the words it finds with its
    whole dictionary; loading that takes 1.3 s, for one corrected title."""
    module, whole, folder = words_on_disk
    assert len(list(folder.glob("jieba-words-*.sqlite"))) == 1
    texts = _sample_texts()[:module._LOOKUPS]
    assert len(texts) >= 60
    for text in texts:
        looked_up = module._Words.segmenter(text)
        assert looked_up is not None and len(looked_up.FREQ) < 5 * len(text) ** 2
        assert looked_up.lcut(text, HMM=False) == whole.lcut(text, HMM=False), text
    # a process that segments more loads the dictionary instead, which is then quicker
    module._Words._used = module._LOOKUPS
    assert module._Words.segmenter("疫情防控") is None


def test_a_damaged_dictionary_file_is_no_short_cut(words_on_disk, monkeypatch):
    module, _whole, folder = words_on_disk
    (path,) = folder.glob("jieba-words-*.sqlite")
    path.write_bytes(b"not a database" * 100)
    monkeypatch.setattr(module._Words, "_open", {})
    assert module._Words.segmenter("确保不漏一户") is None
    monkeypatch.setattr(module, "_known", {})
    assert romanize("确保不漏一户、不落一人") == "Quebao bu lou yihu, bu luo yi ren"


def test_a_forked_worker_opens_the_dictionary_file_again(words_on_disk, monkeypatch):
    """An SQLite connection must not be used on both sides of a fork."""
    module, _whole, _folder = words_on_disk
    here = module._Words.connection()
    assert here is not None
    monkeypatch.setattr(module.os, "getpid", lambda: -1)
    there = module._Words.connection()
    assert there is not None and there[0] is not here[0] and there[1:] == here[1:]
