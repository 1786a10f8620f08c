"""One test per layout rule, each on a small hand-made page."""

from __future__ import annotations

import pytest
from lxml import etree

from teibuild.convert import Overrides, convert_bytes, insert_spaces
from teibuild.edition import Edition
from teibuild.errors import TeiBuildError
from tests.conftest import NS
from tests.layoutgen import wrap

EDITION = Edition(slug="test", title="测试报")
MAST = "2022年3月25日 星期五\n第12期\n本期4版\n"


def convert(text: str, overrides: Overrides | None = None):
    return convert_bytes(text.encode("utf-8"), "page.txt", EDITION, overrides)


def texts(tree, xpath: str) -> list[str]:
    return ["".join(e.itertext()) for e in tree.xpath(xpath, namespaces=NS)]


def test_paragraphs_rebuilt_from_wrapped_lines():
    first = "本报讯 第一段的第一行短两个字，后面是满行的文字，一直写到段末。"
    second = "第二段也从缩进的首行开始，第二行写得满满当当的，最后一行短。"
    page = MAST + "\n".join(wrap(first, 14) + wrap(second, 14)) + "\n"
    built = convert(page)
    assert texts(built.tree, "//t:div[@type='article']/t:p") == [
        "第一段的第一行短两个字，后面是满行的文字，一直写到段末。",
        "第二段也从缩进的首行开始，第二行写得满满当当的，最后一行短。"]
    p = built.tree.xpath("//t:div[@type='article']/t:p", namespaces=NS)[0]
    assert len(p.findall("{*}lb")) == len(wrap(first, 14)) - 1   # every line break kept


def test_no_whitespace_beside_lb():
    built = convert(MAST + "本报讯 一行文字 \n  接着下一行。\n")
    for lb in built.tree.iter("{*}lb"):
        assert not (lb.tail or "")[:1].isspace()
        prev = lb.getprevious()
        before = (prev.tail if prev is not None else lb.getparent().text) or ""
        assert not before[-1:].isspace()


def test_extraction_space_removed_and_marked():
    built = convert(MAST + "本报讯 3月 17日晚，会议召开。\n")
    from teibuild.convert import insert_spaces
    insert_spaces(built.spaces)
    p = built.tree.xpath("//t:div[@type='article']/t:p", namespaces=NS)[0]
    assert "".join(p.itertext()) == "3月17日晚，会议召开。"
    space = p.find("{*}space")
    assert space is not None and space.get("type") == "extraction"


def test_a_kicker_that_frames_the_words_of_the_main_heading():
    for kicker in ("李岚清会见美国前商务部长时表示", "在全县政法工作座谈会上"):
        page = (f" {kicker}\n 中美经贸合作前景广阔\n新华社北京5月 7日电 国务院副总理李\n"
                "岚清今天在中南海会见了客人。\n") + MAST
        built = convert(page)
        insert_spaces(built.spaces)
        div = built.tree.xpath("//t:div[@type='article']", namespaces=NS)[0]
        assert [h.get("type") for h in div.findall("{*}head")] == ["kicker", "main"], kicker
        assert texts(div, "t:byline") == ["新华社北京5月7日电"]   # the space left as <space/>
        assert div.find("{*}byline/{*}space") is not None


def test_a_headline_may_ask_or_end_in_a_figure():
    for headline in ("农业保险业务是怎样进行的？", "埃及经济增长率将达6.2%"):
        page = (MAST + "本报讯 上一篇报道的文字写在这里。\n" + headline +
                "\n本报讯（记者 许立群）经过几年的探索，各国\n建立起新体制。\n")
        div = convert(page).tree.xpath("//t:div[@type='article']", namespaces=NS)[1]
        assert texts(div, "t:head") == [headline]


def test_a_paragraph_that_asks_stays_with_its_report():
    page = (MAST + "本报讯 上一篇报道的文字写在这里，写满一\n行还要再写一行才结束。\n"
            "  你准备好了吗？\n本报讯（记者 许立群）经过几年的探索，各国\n建立起新体制。\n")
    first = convert(page).tree.xpath("//t:div[@type='article']", namespaces=NS)[0]
    assert texts(first, "t:p")[-1] == "你准备好了吗？" and not first.findall("{*}head")


def test_heading_before_body():
    page = (" 区里召开会议\n 确保工作落实到位\n本报讯（记者 李华）3月20日，区里召开会\n"
            "议，研究部署相关工作。\n") + MAST
    built = convert(page)
    div = built.tree.xpath("//t:div[@type='article']", namespaces=NS)[0]
    assert texts(div, "t:head") == ["区里召开会议", "确保工作落实到位"]
    assert [h.get("type") for h in div.findall("{*}head")] == ["kicker", "main"]
    assert texts(div, "t:byline") == ["本报讯（记者 李华）"]


def test_heading_after_body_attaches_to_report_above():
    page = ("本报讯（记者 李华）3月20日，区里召开会\n议，研究部署防汛工作。\n"
            "防汛工作部署到位\n" + MAST +
            "本报讯（记者 王明）3月21日，区里举办招\n聘会，提供岗位三千个。\n招聘会提供三千岗位\n")
    built = convert(page)
    divs = built.tree.xpath("//t:div[@type='article']", namespaces=NS)
    assert [texts(d, "t:head") for d in divs] == [["防汛工作部署到位"], ["招聘会提供三千岗位"]]
    assert divs[0].find("{*}head").get("cert") is None           # forced: masthead follows


def test_a_heading_whose_wording_favours_neither_report_is_uncertain():
    """Attached by the page's convention alone (headings after their reports here): that is
    a guess, not convention and wording agreeing."""
    page = ("本报讯（记者 李华）3月20日，区里召开会\n议，研究部署防汛工作。\n春风拂面暖人心\n"
            "本报讯（记者 王明）3月21日，区里举办招\n聘会，提供岗位三千个。\n招聘会提供三千岗位\n"
            + MAST)
    divs = convert(page).tree.xpath("//t:div[@type='article']", namespaces=NS)
    assert [texts(d, "t:head") for d in divs] == [["春风拂面暖人心"], ["招聘会提供三千岗位"]]
    assert divs[0].find("{*}head").get("cert") == "low"


def test_summary_box_becomes_argument():
    page = (" 区里召开会议\n精心组织实施，快速细致进行\n非重点区域核酸检测\n"
            "本报讯（记者 李华）3月17日晚，区里召开\n会议，研究部署相关工作。\n") + MAST
    div = convert(page).tree.xpath("//t:div[@type='article']", namespaces=NS)[0]
    assert texts(div, "t:argument/t:p") == ["精心组织实施，快速细致进行非重点区域核酸检测"]


def test_summary_box_quoting_another_report_on_the_page_goes_to_it():
    """Two reports under one group of headings and boxes: each box goes to the report whose
    wording it repeats (inferred, so @cert); a box quoting its own report, or none, stays."""
    first = "本报讯（记者 李华）3月17日晚，区里召开\n会议，要求精心组织实施，快速细致进行\n核酸检测。\n"
    second = ("本报讯（记者 王明）3月22日，区里再次召开\n会议，强调反复筛、及时运、快流调、强研\n"
              "判，及时发现和消除风险隐患，切断传播链。\n")
    page = (" 区里召开会议\n精心组织实施，快速细致进行\n核酸检测\n"
            "反复筛、及时运、快流调、强研判，及时\n发现和消除风险隐患，切断传播链\n 齐心协力抗疫情\n"
            + first + second + MAST)
    divs = convert(page).tree.xpath("//t:div[@type='article']", namespaces=NS)
    assert texts(divs[0], "t:argument/t:p") == ["精心组织实施，快速细致进行核酸检测"]
    assert divs[0].find("{*}argument").get("cert") is None
    assert texts(divs[1], "t:argument/t:p") == ["反复筛、及时运、快流调、强研判，及时发现和消除风险隐患，切断传播链"]
    assert divs[1].find("{*}argument").get("cert") == "medium"
    assert divs[1].xpath("t:argument/t:p/@xml:id", namespaces=NS) == ["test-12-a02-s01"]
    unrelated = page.replace("反复筛、及时运、快流调、强研判，及时\n发现和消除风险隐患，切断传播链\n",
                             "春风拂面暖人心又是一年春来到人间\n夏日炎炎正好眠秋来蚊虫\n")
    divs = convert(unrelated).tree.xpath("//t:div[@type='article']", namespaces=NS)
    assert texts(divs[0], "t:argument/t:p") == ["精心组织实施，快速细致进行核酸检测",
                                               "春风拂面暖人心又是一年春来到人间夏日炎炎正好眠秋来蚊虫"]
    assert not divs[1].xpath("t:argument", namespaces=NS)


def test_caption_is_a_figure():
    page = MAST + "■自本市启动核酸筛查以来，区领导\n每天前往一线现场协调。\n"
    built = convert(page)
    assert texts(built.tree, "//t:figure/t:p") == [
        "■自本市启动核酸筛查以来，区领导每天前往一线现场协调。"]


def test_standalone_byline_starts_report():
    page = MAST + " ■本报记者综合报道\n在疫情防控最吃劲的关键时段，全区党员\n主动请战。\n"
    div = convert(page).tree.xpath("//t:div[@type='article']", namespaces=NS)[0]
    assert texts(div, "t:byline") == ["■本报记者综合报道"]
    assert texts(div, "t:p") == ["在疫情防控最吃劲的关键时段，全区党员主动请战。"]


def test_cut_off_report_links_to_untranscribed_page():
    page = MAST + "本报讯 3月18日，区领导带队察看各个点\n位疫情防控与核酸筛查情况，\n下转▶4版\n"
    tree = convert(page).tree
    div = tree.xpath("//t:div[@type='article']", namespaces=NS)[0]
    assert div.get("part") == "I"
    target = div.get("next")[1:]
    cont = tree.xpath(f"//*[@xml:id='{target}']", namespaces=NS)[0]
    assert cont.get("part") == "F" and cont.get("prev") == "#" + div.get(
        "{http://www.w3.org/XML/1998/namespace}id")
    assert cont.getprevious().tag.endswith("pb") and cont.getprevious().get("n") == "4"
    assert cont.find("{*}gap").get("reason") == "untranscribed"
    ref = div.find("{*}fw/{*}ref")
    assert ref.text == "下转▶4版" and ref.get("target") == "#" + target


def _continued_issue(second_page: str) -> str:
    return (MAST + "本报讯 3月18日，区领导带队察看各个点\n位疫情防控与核酸筛查情况，\n下转▶2版\n"
            "\f" + second_page)


def test_cut_off_report_links_to_its_rest_on_a_transcribed_page():
    tree = convert(_continued_issue(
        "上接▶1版\n要求各街道做好组织工作，\n确保不漏一户。\n"
        " 第二版的报道\n本报讯 3月19日，街道开展\n环境整治。\n")).tree
    first, rest, other = tree.xpath("//t:div[@type='article']", namespaces=NS)
    first_id = first.get("{http://www.w3.org/XML/1998/namespace}id")
    rest_id = rest.get("{http://www.w3.org/XML/1998/namespace}id")
    assert (first.get("part"), first.get("next")) == ("I", "#" + rest_id)
    assert (rest.get("part"), rest.get("prev")) == ("F", "#" + first_id)
    assert other.get("prev") is None and other.get("part") is None
    assert first.find("{*}fw/{*}ref").get("target") == "#" + rest_id
    upper = rest[0]                                # the 上接 notice opens the part it heads
    assert upper.tag.endswith("fw") and upper.find("{*}ref").get("target") == "#" + first_id
    assert upper.find("{*}ref").text == "上接▶1版"
    assert not tree.xpath("//t:gap", namespaces=NS)
    assert not tree.xpath("//t:ref[@target='']", namespaces=NS)


def test_rest_without_notice_is_the_first_report_without_heading_or_byline():
    tree = convert(_continued_issue("要求各街道做好组织工作，\n确保不漏一户。\n")).tree
    first, rest = tree.xpath("//t:div[@type='article']", namespaces=NS)
    assert first.get("next") == "#" + rest.get("{http://www.w3.org/XML/1998/namespace}id")
    assert rest.get("part") == "F"


def test_notice_to_a_transcribed_page_with_no_rest_stays_printed_text():
    tree = convert(_continued_issue(" 第二版的报道\n本报讯 3月19日，街道开展\n环境整治。\n")).tree
    assert not tree.xpath("//t:ref[@type='continuation']", namespaces=NS)
    assert "下转▶2版" in texts(tree, "//t:fw[@type='continuation']")
    assert not tree.xpath("//t:div[@next or @prev]", namespaces=NS)


def test_measure_change_inside_a_paragraph_gives_cb():
    narrow = wrap("本报讯 这是一篇窄栏排的报道，前面几行都是十三个字宽的窄栏文字，这样的"
                  "窄栏一共排了好几行，一行接着一行地排下去，共计有好", 13)
    rest = narrow.pop()            # the narrow column ends with a full line
    wide = wrap(rest + "几行然后栏宽变宽了，这里一行可以排下二十一个字的内容，继续写下去，"
                "一直写啊写啊写到这一段的段落结束。", 21, indent=0)
    page = MAST + "\n".join(narrow + wide) + "\n"
    p = convert(page).tree.xpath("//t:div[@type='article']/t:p", namespaces=NS)[0]
    cb = p.find("{*}cb")
    assert cb is not None
    assert cb.getnext().tag.endswith("lb") and cb.getnext().tail == wide[0]
    assert "".join(p.itertext()).endswith("段落结束。")


def test_masthead_goes_into_header_and_stays_in_text():
    tree = convert(MAST + "本报讯 正文一段。\n").tree
    assert tree.xpath("string(//t:sourceDesc//t:imprint/t:date/@when)", namespaces=NS) == \
        "2022-03-25"
    assert tree.xpath("string(//t:biblScope[@unit='issue']/@n)", namespaces=NS) == "12"
    assert tree.xpath("string(//t:biblScope[@unit='page']/@to)", namespaces=NS) == "4"
    assert texts(tree, "//t:div[@type='masthead']/t:fw")[1] == "第12期"
    assert tree.getroot().get("{http://www.w3.org/XML/1998/namespace}id") == "test-12"


def test_masthead_on_lines_of_its_own_and_in_chinese_numerals():
    """A masthead set line by line: the nameplate (the edition's title), the date in
    Chinese numerals, the lunar date, the issue and the pages, each alone."""
    mast = "测试报\n一九九八年五月十六日 星期六\n农历戊寅年四月廿一\n第3120期\n今日四版\n"
    tree = convert(mast + "本报讯 正文一段。\n").tree
    assert texts(tree, "//t:div[@type='masthead']/t:fw") == mast.splitlines()
    assert tree.xpath("string(//t:sourceDesc//t:imprint/t:date/@when)", namespaces=NS) == \
        "1998-05-16"
    assert tree.xpath("string(//t:biblScope[@unit='page']/@to)", namespaces=NS) == "4"
    assert texts(tree, "//t:div[@type='article']/t:p") == ["正文一段。"]


def test_an_issue_number_not_read_as_masthead_is_named_with_its_line():
    with pytest.raises(TeiBuildError) as e:
        convert("区委召开会议\n第3120期\n本报讯 正文一段。\n")
    assert e.value.line == 2 and "'第3120期' was not read as the masthead" in e.value.message


def test_report_lines_mentioning_issue_or_permit_words_stay_report_text():
    body = ("本报讯 3月18日，区里举办的第5期社区工作者培\n训班开班，来自各街道的学员参加培训。学员们\n"
            "表示要学以致用。本次培训由区委组织部主办\n并编印了教材，教材的刊号等信息已公布。\n")
    tree = convert(MAST + body).tree
    assert texts(tree, "//t:div[@type='masthead']/t:fw") == [
        "2022年3月25日 星期五", "第12期", "本期4版"]
    assert len(tree.xpath("//t:div[@type='masthead']", namespaces=NS)) == 1
    assert texts(tree, "//t:div[@type='article']/t:p") == [body[4:].replace("\n", "")]


def test_subheading_inside_report_opens_a_section():
    page = MAST + ("本报讯 第一部分的内容写在这里，\n一直写到句号。\n党建引领助力\n"
                   "第二部分的内容从这里开始写\n起，写到句号为止。\n")
    div = convert(page).tree.xpath("//t:div[@type='article']", namespaces=NS)[0]
    assert texts(div, "t:div[@type='section']/t:head") == ["党建引领助力"]
    assert len(div.xpath("t:p|t:div/t:p", namespaces=NS)) == 2


def test_an_inside_pages_running_head_is_fw_not_a_heading():
    page = (MAST + "本报讯 第一版的文字。\n"
            "\f2 综合新闻 2022年3月25日 星期五 责任编辑：周敏\n 社区志愿者坚守一线\n"
            "本报讯（记者 李华）第二版的文字。\n")
    tree = convert(page).tree
    assert texts(tree, "//t:body/t:fw[@type='header']") == [
        "2 综合新闻 2022年3月25日 星期五 责任编辑：周敏"]   # as printed: its spaces part its fields
    second = tree.xpath("//t:div[@type='article']", namespaces=NS)[1]
    assert texts(second, "t:head") == ["社区志愿者坚守一线"]


def test_a_notice_below_a_cut_report_is_not_part_of_it():
    page = (MAST + " 公安形象工程列为全县头件大事\n本报讯（记者 王建华）近两年来，县公安局把形象\n"
            "工程列为头件大事。县委的做法推动了全县干部\n工作作风的转变，\n（转第2版）\n征订启事\n"
            "本报1999年度征订工作即日开始，各乡镇邮电所\n均可办理，欢迎广大读者踊跃订阅。\n"
            "滨江日报社发行部\n1998年5月16日\n\f（上接第1版）\n受到群众的欢迎。\n")
    tree = convert(page).tree
    cut, notice, rest = tree.xpath("//t:div[@type='article']", namespaces=NS)
    assert texts(cut, "t:head") == ["公安形象工程列为全县头件大事"] and not cut.xpath(".//t:div", namespaces=NS)
    assert texts(notice, "t:head") == ["征订启事"]
    assert texts(notice, "t:p")[-2:] == ["滨江日报社发行部", "1998年5月16日"]   # its signature
    assert cut.get("next") == "#" + rest.get("{http://www.w3.org/XML/1998/namespace}id")


def test_form_feed_starts_a_new_page():
    page = MAST + "本报讯 第一版的文字。\n\f本报讯 第二版的文字。\n"
    tree = convert(page).tree
    assert [pb.get("n") for pb in tree.iter("{*}pb")] == ["1", "2"]


def test_overrides_fix_roles_paragraphs_and_attachment():
    first = wrap("本报讯（记者 李华）3月20日，区里召开会议，研究部署防汛工作。", 14)
    second = wrap("会议要求，各部门加强值守，确保安全度汛。", 14)
    lines = MAST.splitlines() + first + second + ["防汛工作部署到位"] + \
        wrap("本报讯（记者 王明）3月21日，区里举办招聘会，提供岗位三千个。", 14)
    page = "\n".join(lines) + "\n"
    join_at = len(MAST.splitlines()) + len(first) + 1          # first line of `second`
    head_at = join_at + len(second)
    plain = convert(page).tree
    assert len(plain.xpath("//t:div[@type='article'][1]/t:p", namespaces=NS)) == 2
    fixes = Overrides(join_before={join_at}, headings={head_at: head_at + 1},
                      roles={head_at - 1: "p"})
    fixed = convert(page, fixes).tree
    first_div, second_div = fixed.xpath("//t:div[@type='article']", namespaces=NS)
    assert len(first_div.findall("{*}p")) == 1
    assert texts(second_div, "t:head") == ["防汛工作部署到位"]
    assert second_div.find("{*}head").get("cert") is None   # an editor's decision is certain


def test_override_naming_no_such_line_is_an_error():
    import pytest
    from teibuild.errors import TeiBuildError
    with pytest.raises(TeiBuildError, match="not a heading block"):
        convert(MAST + "本报讯 正文一段。\n", Overrides(path="x.toml", headings={4: 4}))


def test_serialisation_is_deterministic(sample_bytes):
    from teibuild.serialize import to_bytes
    a = convert_bytes(sample_bytes, "s.txt", EDITION)
    b = convert_bytes(sample_bytes, "s.txt", EDITION)
    assert to_bytes(a.tree) == to_bytes(b.tree)
    assert etree.fromstring(to_bytes(a.tree)).tag.endswith("TEI")
