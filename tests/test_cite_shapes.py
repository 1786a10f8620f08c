"""Citations rendered through shape templates equal citeproc-py's own rendering."""

from __future__ import annotations

import copy
import json
import random

import pytest

from teibuild.cite import shapes
from teibuild.cite.styles import STYLES, render

from test_cite_styles import ARTICLE

# the article of test_cite_styles, with everything csl_item gives an item
BASE = {**ARTICLE, "source": "虹口报数字编辑版",
        "custom": {**ARTICLE["custom"], "issue-id": "hongkou-1845"}}

TITLES = ["确保不漏一户、不落一人", "核酸检测到底怎么做？", "全力以赴！", "什么是“四个一”.",
          "Why now?", "5G网络覆盖虹口", "APP上线&服务升级", "[无标题]", "第12号通告",
          "居民：我们等得起", "iPhone用户注意", "A.B.C. 社区", "“大白”来了", "小区封控, 物资到位",
          "  空格开头", "标题以冒号结尾:", "三月 二十五日", "<b>不是标记</b>", "一", "Q&A"]
SUBS = ["", "", "区领导实地检查", "记者手记?", "Part 2", "（下）"]
NAMES = ["钱晶", "陆雪姣", "欧阳 明", "Tom Li", "石宝珍", "张燕丽", "胡广杰"]
ISSUES = ["1845", "7", "12", "101", "2000", "0012", "12A", ""]
PAGES = ["1", "4", "12", "2-3", "A1", ""]


def _date(rng: random.Random) -> dict:
    parts = [rng.choice([1998, 2022, 2023, 1949])]
    if rng.random() < 0.9:
        parts.append(rng.randint(1, 12))
        if rng.random() < 0.85:
            parts.append(rng.randint(1, 31) if parts[1] != 2 else rng.randint(1, 28))
    return {"date-parts": [parts]}


def _item(rng: random.Random, n: int) -> dict:
    item = copy.deepcopy(BASE)
    item["id"] = f"hongkou-{n}-a{n % 13:02d}"
    main, sub = rng.choice(TITLES), rng.choice(SUBS)
    item["title"] = f"{main}：{sub}" if sub else main
    item["custom"]["title-main"], item["custom"]["title-sub"] = main, sub
    if sub:
        item["title-short"] = main
    else:
        item.pop("title-short")
    authors = rng.choice([0, 0, 1, 1, 1, 2, 3, 5])
    if authors:
        item["author"] = [{"literal": rng.choice(NAMES)} for _ in range(authors)]
    else:
        item.pop("author")
    for key, choices in (("issue", ISSUES), ("page", PAGES)):
        value = rng.choice(choices)
        if value:
            item[key] = value
        else:
            item.pop(key)
    item["issued"] = _date(rng)
    if rng.random() < 0.3:
        item["accessed"] = _date(rng)
    if rng.random() < 0.15:  # without a base URL: no permalink, no access date
        item.pop("URL")
        item.pop("accessed")
    elif rng.random() < 0.3:  # a paragraph
        item["URL"] += f"-p{rng.randint(1, 12):02d}"
    if rng.random() < 0.2:  # the whole issue
        item = {k: v for k, v in item.items() if k not in ("author", "title-short")}
        item.update(type="periodical", title=item.pop("container-title"))
        item["custom"] = {"issue-id": "hongkou-1845", "container-title-latn": "Hongkou bao"}
    if rng.random() < 0.1:
        item["custom"]["title-names"] = [["placeName", "虹口"]]
    return item


ITEMS = [_item(random.Random(n), n) for n in range(100)]


@pytest.mark.parametrize("style", sorted(STYLES))
def test_templates_equal_direct_rendering(style):
    for n, item in enumerate(ITEMS):
        # the four forms in turn: HTML (Cite box), text (copy button), printed paper …
        fmt, medium = [("html", "online"), ("text", "print"), ("text", "online"),
                       ("html", "print")][(n + len(style)) % 4]
        assert render(item, style, fmt, medium) == \
            render(item, style, fmt, medium, shapes=False), (item, fmt, medium)


def test_templates_are_used_for_ordinary_items():
    """The point of it all: most items are filled in, not rendered."""
    made = shapes._TEMPLATES
    render(BASE, "chicago", "html")
    key = [k for k in made if k[0] == "chicago" and k[1] == "html"]
    assert key and any(made[k] is not None for k in key)
    assert shapes.Shape(BASE).values  # its values are taken out of the shape


def test_values_that_citeproc_might_change_stay_in_the_shape():
    odd = copy.deepcopy(BASE)
    odd["title"] = "Why now?"          # a seam mark at the end: kept as it is
    odd["page"] = "2-3"                # a range: citeproc-py formats it
    shape = shapes.Shape(odd)
    kept = repr(shape.key)
    assert "Why now?" in kept and "2-3" in kept
    assert "钱晶" not in kept           # an ordinary value is a slot


def test_a_placeholder_character_in_a_value_is_never_taken_for_a_slot():
    odd = copy.deepcopy(BASE)
    odd["title"] = "标题\ue000\ue100\ue0f0\ue001"
    for style in STYLES:
        assert render(odd, style, "html") == render(odd, style, "html", shapes=False)


@pytest.fixture
def fresh_process(monkeypatch, tmp_path):
    """Templates as a new process finds them: none in memory, a cache folder of its own."""
    monkeypatch.setenv("TEI_BUILD_CACHE_DIR", str(tmp_path))
    monkeypatch.setattr(shapes, "_TEMPLATES", {})
    monkeypatch.setattr(shapes, "_DISK", shapes._TemplateFile())

    def restart():
        monkeypatch.setattr(shapes, "_TEMPLATES", {})
        monkeypatch.setattr(shapes, "_DISK", shapes._TemplateFile())
    return restart


FORMS = [(style, fmt, medium) for style in sorted(STYLES)
         for fmt, medium in (("html", "online"), ("text", "print"))]


def test_templates_kept_on_disk_are_used_by_the_next_process(fresh_process, tmp_path,
                                                             monkeypatch):
    items = ITEMS[:5]
    first = [render(item, *form) for item in items for form in FORMS]
    [stored] = tmp_path.glob("citation-shapes-*.json")
    assert json.loads(stored.read_text(encoding="utf-8"))["templates"]
    fresh_process()

    def no_probe(*args):
        raise AssertionError("a template on disk was made again")
    monkeypatch.setattr(shapes, "_probe", no_probe)
    assert [render(item, *form) for item in items for form in FORMS] == first


def test_template_files_of_other_versions_unused_for_a_month_are_removed(fresh_process, tmp_path):
    import os
    import time

    old, recent = tmp_path / "citation-shapes-old.json", tmp_path / "citation-shapes-recent.json"
    for path in (old, recent):
        path.write_text("{}", encoding="utf-8")
    month = time.time() - (shapes.KEPT_DAYS + 1) * 86400
    os.utime(old, (month, month))
    render(ITEMS[0], *FORMS[0])   # this version's file is made: the old one goes
    assert not old.exists() and recent.exists()
    [mine] = set(tmp_path.glob("citation-shapes-*.json")) - {recent}
    os.utime(recent, (month, month))
    render(ITEMS[1], *FORMS[1])   # written again, not made: nothing else is removed
    assert recent.exists() and mine.exists()


@pytest.mark.parametrize("damage", ["not json", "stale", "wrong element", "odd piece"])
def test_a_damaged_or_stale_template_file_is_ignored(fresh_process, tmp_path, damage):
    items = ITEMS[:2]
    first = [render(item, *form) for item in items for form in FORMS]
    [stored] = tmp_path.glob("citation-shapes-*.json")
    data = json.loads(stored.read_text(encoding="utf-8"))
    if damage == "not json":
        stored.write_bytes(b"\x80{[")
    else:
        for key, pieces in data["templates"].items():
            if damage == "stale":
                data["stamp"] = "0" * 64
            for n, piece in enumerate(pieces or ()):
                if damage == "wrong element" and isinstance(piece, list) and piece[0] == "date":
                    piece[2] = ["style", "/*/*[1]"]      # the style's info, not a date
                elif damage == "odd piece" and isinstance(piece, list):
                    pieces[n] = ["value", "__import__('os')"]
        stored.write_text(json.dumps(data), encoding="utf-8")
    fresh_process()
    assert [render(item, *form) for item in items for form in FORMS] == first
    if damage != "not json":  # made again, and written back sound
        again = json.loads(stored.read_text(encoding="utf-8"))
        assert again["stamp"] != "0" * 64


def test_a_chosen_cache_folder_comes_first(fresh_process, monkeypatch, tmp_path):
    chosen = tmp_path / "edition" / ".tei-build"
    monkeypatch.setattr(shapes, "_CHOSEN", [])
    shapes.use_cache_dir(chosen)
    render(ITEMS[1], "mla", "html")
    assert list(chosen.glob("citation-shapes-*.json"))
    assert not list(tmp_path.glob("citation-shapes-*.json"))  # not where the variable says
    shapes.use_cache_dir(None)
    assert shapes.cache_dir() is None


def test_no_cache_folder_means_no_file(monkeypatch, tmp_path):
    monkeypatch.setenv("TEI_BUILD_CACHE_DIR", "")
    monkeypatch.setattr(shapes, "_TEMPLATES", {})
    monkeypatch.setattr(shapes, "_DISK", shapes._TemplateFile())
    assert shapes.cache_dir() is None
    assert render(BASE, "apa", "html") == render(BASE, "apa", "html", shapes=False)
