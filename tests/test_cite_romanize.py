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
    import json
    import subprocess
    import sys

    from teibuild.cite import romanize as r

    r.used()
    first = (r.romanize("确保不漏一户", [("persName", "陆雪姣")]),
             r.romanize_name("欧阳修"), r.romanize_place("上海"))
    seen = r.used()
    script = (
        "import json, sys\n"
        "from teibuild.cite import romanize as r\n"
        "r.remember(json.loads(sys.stdin.read()))\n"
        "out = (r.romanize('确保不漏一户', [('persName', '陆雪姣')]), r.romanize_name('欧阳修'),"
        " r.romanize_place('上海'))\n"
        "print(json.dumps([out, sorted(m for m in ('jieba', 'pypinyin') if m in sys.modules)]))\n")
    done = subprocess.run([sys.executable, "-c", script], input=json.dumps(seen), text=True,
                          capture_output=True, check=True)
    again, loaded = json.loads(done.stdout)
    assert tuple(again) == first == ("Quebao bu lou yihu", "Ouyang Xiu", "Shanghai")
    assert loaded == []
