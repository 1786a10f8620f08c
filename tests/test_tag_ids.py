import re

import pytest

from teibuild.tag.ids import base_id, pinyin_label, reading

NCNAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_.-]*$")


@pytest.mark.parametrize("name, kind, ident", [
    ("郭芳", "person", "guo-fang"),
    ("杜松全", "person", "du-songquan"),
    ("单雄信", "person", "shan-xiongxin"),
    ("曾国藩", "person", "zeng-guofan"),
    ("仇英", "person", "qiu-ying"),
    ("欧阳修", "person", "ouyang-xiu"),
    ("闵行区", "place", "minhang-qu"),
    ("长宁路", "place", "changning-lu"),
    ("北外滩街道", "place", "beiwaitan-jiedao"),
    ("北外滩街道社区卫生服务中心", "org", "beiwaitan-jiedao-shequ-weisheng-fuwu-zhongxin"),
])
def test_ids_use_fixed_readings_and_split_generic_words(name, kind, ident):
    assert base_id(name, kind) == ident


def test_readings_are_fixed_only_where_they_should_be():
    assert reading("单位") == ["dān", "wèi"]          # not a surname here
    assert pinyin_label("单雄信", "person") == "Shàn Xióngxìn"
    assert pinyin_label("长宁路", "place") == "Chángníng Lù"


def test_a_syllable_beginning_with_a_o_or_e_is_set_off_by_an_apostrophe():
    assert pinyin_label("西安", "place") == "Xī'ān"
    assert pinyin_label("天安门广场", "place") == "Tiān'ānmén Guǎngchǎng"
    assert pinyin_label("王西安", "person") == "Wáng Xī'ān"
    assert pinyin_label("刘海鸥", "person") == "Liú Hǎi'ōu"
    assert base_id("西安", "place") == "xian"   # identifiers stay as they were


@pytest.mark.parametrize("name", ["3号线", "ＡＢＣ公司", "·", "2022"])
def test_ids_are_always_ncnames(name):
    assert NCNAME.match(base_id(name, "org"))


def test_long_names_get_short_distinct_stable_ids():
    long_name = "上海市虹口区" + "新冠肺炎疫情防控工作领导小组" * 20 + "办公室"
    other = long_name[:-3] + "秘书处"
    ident = base_id(long_name, "org")
    assert len(ident) <= 48 and NCNAME.match(ident)
    assert ident.startswith("shanghaishihongkouqu")     # still readable
    assert ident == base_id(long_name, "org")          # deterministic
    assert base_id(other, "org") != ident              # distinct although the start is the same
    assert len(base_id("赵" * 300, "person")) <= 48
    assert base_id("北外滩街道", "place") == "beiwaitan-jiedao"   # short ids untouched
