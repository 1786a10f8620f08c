"""Chinese and figure numerals as newspapers print them."""

import pytest

from teibuild.numerals import cn_number


@pytest.mark.parametrize("text, value", [
    ("17", 17), ("１７", 17), ("十", 10), ("十七", 17), ("二十", 20), ("二十二", 22),
    ("廿九", 29), ("卅", 30), ("两", 2), ("二〇二二", 2022), ("一九九八", 1998), (" 5 ", 5),
])
def test_figures_and_numerals(text, value):
    assert cn_number(text) == value


@pytest.mark.parametrize("text", ["", "一百", "三五", "十十", "二十二十", "²", "5a"])
def test_anything_else_is_none(text):
    assert cn_number(text) is None
