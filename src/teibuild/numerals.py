"""Numbers as Chinese newspapers print them: figures (half or full width) or Chinese
numerals (五, 十二, 廿九, and a year digit by digit, 二〇二二). One reader for the
masthead, page markers, continuation notices and dates, so that they agree."""

from __future__ import annotations

# A printed date's parts, as regular expressions: 2022年3月25日, 一九九八年五月十六日, 十月廿九日
YEAR = r"(?:\d{4}|[〇零一二三四五六七八九]{4})"
MONTH = r"(?:\d{1,2}|[一二三四五六七八九十]{1,3})"
DAY = r"(?:\d{1,2}|[一二三四五六七八九十廿卅]{1,3})"

_DIGITS = {"〇": 0, "零": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6,
           "七": 7, "八": 8, "九": 9}
_NUMERALS = frozenset(_DIGITS) | {"十", "廿", "卅"}


def cn_number(text: str) -> int | None:
    """Figures of any length, Chinese numerals up to 99 (十七, 二十, 廿九), a year
    written digit by digit (二〇二二); None for anything else (一百, 三五)."""
    text = text.strip()
    if text.isdecimal():   # any script's figures: 17, １７
        return int(text)
    if not text or any(c not in _NUMERALS for c in text):
        return None
    text = text.replace("廿", "二十").replace("卅", "三十")
    if "十" not in text:
        if len(text) == 4:  # a year written digit by digit
            return int("".join(str(_DIGITS[c]) for c in text))
        return _DIGITS[text] if len(text) == 1 else None
    tens, _, units = text.partition("十")
    if len(tens) > 1 or len(units) > 1 or "十" in units:
        return None
    return (_DIGITS[tens] if tens else 1) * 10 + (_DIGITS[units] if units else 0)
