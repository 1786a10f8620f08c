import datetime as dt

import pytest

from teibuild.tag.dates import cn_number, find_dates, resolve

ISSUE = dt.date(2022, 3, 25)


def found(text, issue=ISSUE):
    return [(text[d.start:d.end], dict(d.attrs)) for d in find_dates(text, issue)]


@pytest.mark.parametrize("text, expr, when", [
    ("3月 17日晚，区疫情防控工作领导小组会议召开", "3月 17日", "2022-03-17"),
    ("3月17日晚", "3月17日", "2022-03-17"),
    ("2022年3月25日 星期五", "2022年3月25日", "2022-03-25"),
    ("三月二十二日上午", "三月二十二日", "2022-03-22"),
    ("12月30日开工", "12月30日", "2021-12-30"),      # far after the issue date: the year before
    ("7月1日开工", "7月1日", "2021-07-01"),
    ("3月26日召开", "3月26日", "2022-03-26"),        # the next day, announced
    ("4月1日起施行", "4月1日", "2022-04-01"),
    ("6月30日前完成", "6月30日", "2022-06-30"),      # within three months of the issue's month
    ("到2025年，全区", "2025年", "2025"),            # a written year is what it says
    ("2022年7月1日起", "2022年7月1日", "2022-07-01"),
    ("3月25日零时起", "3月25日", "2022-03-25"),      # the issue day itself: this year
    ("二〇二二年三月", "二〇二二年三月", "2022-03"),
    ("2021年全区", "2021年", "2021"),
    ("十月一日", "十月一日", "2021-10-01"),
])
def test_absolute_dates_resolve_against_the_issue_date(text, expr, when):
    assert found(text) == [(expr, {"when": when})]


def test_january_issue_sends_december_to_the_year_before():
    assert found("12月28日，1月3日", dt.date(2022, 1, 5)) == [
        ("12月28日", {"when": "2021-12-28"}), ("1月3日", {"when": "2022-01-03"})]


@pytest.mark.parametrize("text, expr, years", [
    ("1998—1999年财政年度", "1998—1999年", ("1998", "1999")),
    ("十四五（2021—2025年）规划", "2021—2025年", ("2021", "2025")),
    ("2021至2025年", "2021至2025年", ("2021", "2025")),
])
def test_a_span_of_years_is_one_date_from_to(text, expr, years):
    assert found(text) == [(expr, {"from": years[0], "to": years[1]})]


def test_a_span_of_years_backwards_is_no_span():
    assert found("2025—2021年") == [("2021年", {"when": "2021"})]


def test_a_range_end_borrows_the_month():
    assert found("3月17日至19日") == [("3月17日", {"when": "2022-03-17"}),
                                     ("19日", {"when": "2022-03-19"})]


@pytest.mark.parametrize("word", ["日前", "连日来", "今天", "近日"])
def test_relative_words_only_get_not_after(word):
    assert found(f"{word}，区领导检查") == [(word, {"notAfter": "2022-03-25"})]


@pytest.mark.parametrize("text", ["需实施48小时封控管理", "短短两天，476名干部", "1650名党员",
                                  "每 10人一组", "2月30日", "上世纪80年代", "3月，春暖花开",
                                  "当天下午", "今日头条"])
def test_durations_counts_and_impossible_dates_are_not_dates(text):
    assert found(text) == []


def test_without_an_issue_date_only_full_dates_resolve():
    assert found("3月17日和2022年3月18日", None) == [("2022年3月18日", {"when": "2022-03-18"})]


def test_numbers_and_resolution():
    assert [cn_number(x) for x in ("17", "十", "十七", "二十", "二十二", "二〇二二", "九十九")] == \
        [17, 10, 17, 20, 22, 2022, 99]
    assert cn_number("一百") is None
    assert resolve(2, 29, None, dt.date(2021, 3, 1)) is None  # 2021 has no 29 February
    assert resolve(2, 29, None, dt.date(2024, 3, 1)) == "2024-02-29"
