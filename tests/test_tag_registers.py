from pathlib import Path

import pytest
from lxml import etree

from teibuild import TEI_NS, XML_NS
from teibuild.errors import TeiBuildError
from teibuild.tag import Registers
from teibuild.xmlsafe import parse_file

T = f"{{{TEI_NS}}}"
ID = f"{{{XML_NS}}}id"


def entry(tei_dir: Path, file: str, ident: str):
    root = parse_file(tei_dir / file).getroot()
    return root.xpath("//*[@xml:id=$i]", i=ident)[0]


def test_absent_registers_are_empty_and_nothing_is_written(tmp_path):
    regs = Registers.load(tmp_path)
    assert regs.save(tmp_path) == []
    assert list(tmp_path.iterdir()) == []


def test_new_entries_carry_names_ids_and_authority_slots(tmp_path):
    regs = Registers.load(tmp_path)
    reg = regs["persName"]
    ident = reg.add("单雄信", certain=True)
    reg.note_role(ident, "区委书记")
    reg.note_mention(ident, "hongkou-1845", "2022-03-25")
    reg.note_mention(ident, "hongkou-1801", "2021-05-14")
    reg.note_mention(ident, "hongkou-1850", "2022-04-29")
    regs.save(tmp_path)
    person = entry(tmp_path, "persons.xml", "shan-xiongxin")
    names = {n.get(f"{{{XML_NS}}}lang"): n.text for n in person.findall(f"{T}persName")}
    assert names == {"zh-Hans": "单雄信", "zh-Hant": "單雄信", "zh-Latn-pinyin": "Shàn Xióngxìn"}
    assert [i.get("type") for i in person.findall(f"{T}idno")] == ["wikidata"]
    assert person.findtext(f"{T}occupation") == "区委书记"
    refs = {r.get("type"): (r.get("n"), r.find(f"{T}date").get("when"))
            for r in person.iter(f"{T}ref")}
    assert refs == {"first": ("hongkou-1801", "2021-05-14"), "last": ("hongkou-1850", "2022-04-29")}


def test_id_collisions_get_a_suffix_and_every_name_its_own_entry(tmp_path):
    reg = Registers.load(tmp_path)["persName"]
    a = reg.add("王伟", certain=True)
    b = reg.add("王维", certain=True)
    assert (a, b) == ("wang-wei", "wang-wei-2")
    assert reg.add("王伟", certain=True) == "wang-wei"


def _fill(tei_dir, mentions):
    regs = Registers.load(tei_dir)
    for tag, name, issue, date, *roles in mentions:
        reg = regs[tag]
        ident = reg.add(name, certain=True)
        reg.note_mention(ident, issue, date)
        for role in roles:
            reg.note_role(ident, role)
    regs.save(tei_dir)
    return {p.name: p.read_bytes() for p in sorted(tei_dir.iterdir())}


MENTIONS = [
    ("persName", "郭芳", "hongkou-1845", "2022-03-25", "区委书记"),
    ("placeName", "北外滩街道", "hongkou-1845", "2022-03-25"),
    ("persName", "胡广杰", "hongkou-1846", "2022-04-01"),
    ("persName", "郭芳", "hongkou-1846", "2022-04-01", "区疫情防控工作领导小组组长", "区委书记"),
    ("persName", "郭芳", "hongkou-1847", "2022-04-08", "主任"),
    ("orgName", "区委组织部", "hongkou-1846", "2022-04-01"),
    ("placeName", "嘉兴路街道", "hongkou-1844", "2022-03-18"),
    ("placeName", "虹口", "hongkou-1845", "2022-03-25"),
    ("placeName", "虹口区", "hongkou-1846", "2022-04-01"),
]


def test_output_does_not_depend_on_the_order_issues_come_in(tmp_path):
    one = _fill(tmp_path / "a", MENTIONS)
    two = _fill(tmp_path / "b", list(reversed(MENTIONS)))
    assert one == two
    again = _fill(tmp_path / "a", MENTIONS)
    assert again == one


def test_editor_changes_survive_and_curated_names_are_used(tmp_path):
    _fill(tmp_path, MENTIONS)
    path = tmp_path / "persons.xml"
    tree = parse_file(path)
    root = tree.getroot()
    guo = root.xpath("//*[@xml:id='guo-fang']")[0]
    del guo.attrib["resp"]                       # curated by an editor
    guo.find(f"{T}idno").text = "Q000000"
    note = etree.SubElement(guo, f"{T}note")
    note.text = "编者注：2021 年起任区委书记。"
    hu = root.xpath("//*[@xml:id='hu-guangjie']")[0]
    hu.find(f"{T}persName").text = "胡广杰（更正）"    # a corrected name
    path.write_bytes(etree.tostring(tree, encoding="UTF-8", xml_declaration=True))
    edited = path.read_bytes()

    regs = Registers.load(tmp_path)
    assert regs.curated() == {"郭芳": ("persName", "guo-fang")}
    reg = regs["persName"]
    reg.note_mention(reg.add("郭芳", certain=True), "hongkou-1850", "2022-04-29")
    regs.save(tmp_path)
    guo = entry(tmp_path, "persons.xml", "guo-fang")
    assert guo.find(f"{T}idno").text == "Q000000"
    assert guo.findall(f"{T}note")[-1].text == "编者注：2021 年起任区委书记。"
    assert entry(tmp_path, "persons.xml", "hu-guangjie").findtext(f"{T}persName") == "胡广杰（更正）"
    # nothing but that mention note changed
    assert _without_mentions(edited, "guo-fang") == _without_mentions(path.read_bytes(), "guo-fang")


def _without_mentions(data: bytes, ident: str) -> bytes:
    root = etree.fromstring(data)
    for note in root.xpath("//*[@xml:id=$i]/*[@type='mentions']", i=ident):
        note.getparent().remove(note)
    return etree.tostring(root)


def test_a_merged_entry_points_new_references_to_the_surviving_one(tmp_path):
    _fill(tmp_path, [("persName", "杜松", "hongkou-1845", "2022-03-25"),
                     ("persName", "杜松全", "hongkou-1845", "2022-03-25")])
    path = tmp_path / "persons.xml"
    tree = parse_file(path)
    stub = tree.getroot().xpath("//*[@xml:id='du-song']")[0]
    for child in list(stub):
        stub.remove(child)
    stub.set("sameAs", "#du-songquan")
    keep = tree.getroot().xpath("//*[@xml:id='du-songquan']")[0]
    etree.SubElement(keep, f"{T}persName").text = "杜松"  # the merged entry's name now lives here
    path.write_bytes(etree.tostring(tree, encoding="UTF-8", xml_declaration=True))

    regs = Registers.load(tmp_path)
    assert regs["persName"].add("杜松", certain=True) == "du-songquan"
    assert regs["persName"].resolve("du-song") == "du-songquan"
    regs.save(tmp_path)
    assert entry(tmp_path, "persons.xml", "du-song").get("sameAs") == "#du-songquan"


def test_model_only_entries_are_marked_until_confirmed(tmp_path):
    reg = Registers.load(tmp_path)["persName"]
    ident = reg.add("李明", certain=False)
    assert reg.entries[ident].get("cert") == "medium"
    reg.add("李明", certain=True)
    assert reg.entries[ident].get("cert") is None


def test_broken_register_is_one_clear_error(tmp_path):
    (tmp_path / "places.xml").write_text("<TEI>\n<unclosed>", encoding="utf-8")
    with pytest.raises(TeiBuildError) as err:
        Registers.load(tmp_path)
    assert "places.xml:2" in str(err.value)
    (tmp_path / "places.xml").write_text(f'<TEI xmlns="{TEI_NS}"><text><body/></text></TEI>')
    with pytest.raises(TeiBuildError, match="listPlace"):
        Registers.load(tmp_path)


def test_a_place_with_and_without_its_administrative_unit_is_one_entry(tmp_path):
    from teibuild.tag.registers import unit_forms

    assert unit_forms("虹口区") == ["虹口"] and unit_forms("浦东新区") == ["浦东"]
    assert "上海市" in unit_forms("上海") and unit_forms("阳光小区") == []
    assert unit_forms("市区") == [] and unit_forms("沪") == [] and unit_forms("南京军区") == []
    assert unit_forms("上海市区") == []   # the city proper, not the city
    regs = Registers.load(tmp_path)
    places = regs["placeName"]
    first = places.add("虹口", certain=False)
    assert places.add("虹口区", certain=True) == first == "hongkou"
    assert places.add("浦东新区", certain=True) == places.add("浦东", certain=True)
    # a compound or a park is not the place it is named after
    assert places.add("阳光小区", certain=True) != places.add("阳光", certain=True)
    # two entries with the bare name's other forms: which one is meant is not known
    places.add("吉林市", certain=True)
    places.add("吉林省", certain=True)
    assert places.add("吉林", certain=True) not in (places.lookup("吉林市"), places.lookup("吉林省"))
    # persons and bodies are never merged so
    assert regs["persName"].add("王红", certain=True) != regs["persName"].add("王红区", certain=True)
    regs.save(tmp_path)
    place = entry(tmp_path, "places.xml", "hongkou")
    names = [(n.get(f"{{{XML_NS}}}lang"), n.get("type"), n.text) for n in place.findall(f"{T}placeName")]
    assert names == [("zh-Hans", None, "虹口区"), ("zh-Hant", None, "虹口區"),
                     ("zh-Latn-pinyin", None, "Hóngkǒu Qū"), ("zh-Hans", "variant", "虹口"),
                     ("zh-Hant", "variant", "虹口")]
    assert place.get("cert") is None   # confirmed by a sure mention of its other form
    # read again, both forms lead to the entry, and no name is added twice
    again = Registers.load(tmp_path)["placeName"]
    assert again.lookup("虹口区") == again.add("虹口区", certain=True) == "hongkou"
    assert again.serialize() == places.serialize()
    # the id is the bare form's whichever form comes first
    other = Registers.load(tmp_path / "other")["placeName"]
    assert other.add("虹口区", certain=True) == other.add("虹口", certain=True) == "hongkou"


def _edited_places(tei_dir: Path, name: str, old: str, new: str):
    """A place register with one entry made for `name`, then edited by hand (old → new)."""
    regs = Registers.load(tei_dir)
    regs["placeName"].add(name, certain=True)
    regs.save(tei_dir)
    path = tei_dir / "places.xml"
    path.write_text(path.read_text(encoding="utf-8").replace(old, new), encoding="utf-8")
    return Registers.load(tei_dir)


def test_an_editors_entry_is_found_by_the_other_form_but_keeps_its_names(tmp_path):
    places = _edited_places(tmp_path, "虹口区", ' resp="#tei-build"', "")["placeName"]
    before = places.serialize()
    assert places.add("虹口", certain=True) == "hongkou"
    assert places.serialize() == before


def test_a_tool_entry_whose_names_an_editor_changed_keeps_them_first(tmp_path):
    regs = _edited_places(tmp_path, "虹口", ">Hóngkǒu<", ">Hongkew<")
    assert regs["placeName"].add("虹口区", certain=True) == "hongkou"
    regs.save(tmp_path)
    names = [(n.get("type"), n.text) for n in entry(tmp_path, "places.xml", "hongkou")]
    assert names[:5] == [(None, "虹口"), (None, "虹口"), (None, "Hongkew"),
                         ("variant", "虹口区"), ("variant", "虹口區")]


def test_a_home_units_bodies_are_named_in_full_with_the_short_form_as_variant(tmp_path):
    """In 虹口报 (home 上海市 虹口区) 区委组织部 is 虹口区委组织部 and 市委 上海市委: one entry
    for either form, whichever comes first; 市场监管局 and 区域 are no such bodies."""
    regs = Registers.load(tmp_path, home=("上海市", "虹口区"))
    orgs = regs["orgName"]
    dept = orgs.add("区委组织部", certain=True)
    assert orgs.add("虹口区委组织部", certain=True) == dept
    full = orgs.add("上海市委", certain=False)
    assert orgs.add("市委", certain=True) == full
    market = orgs.add("市场监管局", certain=True)
    assert market not in (dept, full)
    regs.save(tmp_path)
    names = lambda ident: [(n.get(f"{{{XML_NS}}}lang"), n.get("type"), n.text)
                           for n in entry(tmp_path, "orgs.xml", ident).iter(f"{T}orgName")]
    assert names(dept)[0] == ("zh-Hans", None, "虹口区委组织部")
    assert ("zh-Hans", "variant", "区委组织部") in names(dept)
    assert names(full)[0] == ("zh-Hans", None, "上海市委")        # the full form leads
    assert ("zh-Hans", "variant", "市委") in names(full)
    assert entry(tmp_path, "orgs.xml", full).get("cert") is None   # confirmed by 市委
    assert [n[2] for n in names(market)][0] == "市场监管局" and len(names(market)) == 3
    # without a home, or for other kinds, nothing changes
    plain = Registers.load(tmp_path / "none")
    assert plain["orgName"].add("区委组织部", certain=True) != plain["orgName"].add(
        "虹口区委组织部", certain=True)
    assert regs["placeName"].home == ()


def test_an_entry_made_before_the_edition_had_a_home_is_named_in_full_and_keeps_its_id(tmp_path):
    before = Registers.load(tmp_path)
    ident = before["orgName"].add("区委组织部", certain=True)
    before.save(tmp_path)
    after = Registers.load(tmp_path, home=("上海市", "虹口区"))
    assert after["orgName"].add("区委组织部", certain=True) == ident
    assert after["orgName"].add("虹口区委组织部", certain=True) == ident
    after.save(tmp_path)
    names = [(n.get(f"{{{XML_NS}}}lang"), n.get("type"), n.text)
             for n in entry(tmp_path, "orgs.xml", ident).iter(f"{T}orgName")]
    assert names[0] == ("zh-Hans", None, "虹口区委组织部")
    assert ("zh-Hans", "variant", "区委组织部") in names
    assert len(names) == 5


def test_an_editors_body_keeps_its_names_when_the_edition_has_a_home(tmp_path):
    made = Registers.load(tmp_path)
    ident = made["orgName"].add("区委组织部", certain=True)
    made.save(tmp_path)
    path = tmp_path / "orgs.xml"
    path.write_bytes(path.read_bytes().replace(b' resp="#tei-build"', b"", 1))   # the editor's now
    orgs = Registers.load(tmp_path, home=("上海市", "虹口区"))["orgName"]
    before = orgs.serialize()
    assert orgs.add("区委组织部", certain=True) == ident
    assert orgs.add("虹口区委组织部", certain=True) == ident
    assert orgs.serialize() == before


def test_the_edition_checks_home_units_by_the_taggers_own_unit_characters():
    from teibuild.edition import HOME_UNIT_ENDS
    from teibuild.tag.lexicon import ADMIN_UNITS

    assert sorted(HOME_UNIT_ENDS) == sorted(ADMIN_UNITS)


def _issue(tei_dir: Path, issue: str, date: str, *refs: str) -> None:
    """A minimal issue file pointing to register entries (`persons.xml#guo-fang` …; a person
    written with titles: `persons.xml#guo-fang 区委书记 主任`)."""
    names = ""
    for ref in refs:
        ref, *titles = ref.split()
        role = f' role="{" ".join(titles)}"' if titles else ""
        names += f'<persName ref="{ref}"{role}>某</persName>'

    (tei_dir / f"{issue}.xml").write_text(
        f'<TEI xmlns="{TEI_NS}" xml:id="{issue}"><teiHeader><fileDesc><sourceDesc><biblStruct>'
        f'<monogr><imprint><date when="{date}"/></imprint></monogr></biblStruct></sourceDesc>'
        f'</fileDesc></teiHeader><text><body><p>{names}</p></body></text></TEI>',
        encoding="utf-8")


def test_reconcile_makes_mentions_what_the_issues_point_to(tmp_path):
    """郭芳's notes said 1845–1847; 1847 no longer names him (converted again), 1846 does."""
    from teibuild.tag import pointers_in

    _fill(tmp_path, MENTIONS)
    _issue(tmp_path, "hongkou-1845", "2022-03-25", "places.xml#beiwaitan-jiedao")
    _issue(tmp_path, "hongkou-1846", "2022-04-01", "persons.xml#guo-fang 区委书记",
           "persons.xml#hu-guangjie", "orgs.xml#hongkou-quwei-zuzhibu")
    _issue(tmp_path, "hongkou-1847", "2022-04-08", "places.xml#jiaxing-lu-jiedao")
    _issue(tmp_path, "hongkou-1844", "2022-03-18", "places.xml#hongkou")
    regs = Registers.load(tmp_path)
    regs.reconcile(pointers_in(tmp_path))
    regs.save(tmp_path)
    refs = {r.get("type"): r.get("n") for r in entry(tmp_path, "persons.xml", "guo-fang").iter(f"{T}ref")}
    assert refs == {"first": "hongkou-1846", "last": "hongkou-1846"}
    assert [r.get("n") for r in entry(tmp_path, "places.xml", "jiaxing-lu-jiedao").iter(f"{T}ref")] \
        == ["hongkou-1847", "hongkou-1847"]
    # the roles are the titles the issues write him with (主任 and 区疫情防控工作领导小组组长
    # were in issues that no longer say so); nothing that agrees changes
    assert [(o.text, o.get("resp")) for o in entry(tmp_path, "persons.xml", "guo-fang").iter(
        f"{T}occupation")] == [("区委书记", "#tei-build")]
    before = (tmp_path / "persons.xml").read_bytes()
    again = Registers.load(tmp_path)
    again.reconcile(pointers_in(tmp_path))
    assert again.save(tmp_path) == [] and (tmp_path / "persons.xml").read_bytes() == before


def test_reconcile_drops_the_tools_entries_no_issue_names_unless_an_editor_touched_them(tmp_path):
    from teibuild.tag import pointers_in

    regs = Registers.load(tmp_path)
    reg = regs["persName"]
    for name in ("拉齐奥", "李四", "王五", "赵六", "杜松", "杜松全"):
        reg.note_mention(reg.add(name, certain=False), "hongkou-1845", "2022-03-25")
    reg.note_role("wang-wu", "区长")
    regs.save(tmp_path)
    path = tmp_path / "persons.xml"
    tree = parse_file(path)
    root = tree.getroot()
    root.xpath("//*[@xml:id='li-si']/*[@type='wikidata']")[0].text = "Q1"   # an authority id
    root.xpath("//*[@xml:id='zhao-liu']/*")[0].text = "赵六（更正）"          # a corrected name
    stub = root.xpath("//*[@xml:id='du-song']")[0]                            # a merge
    stub.set("sameAs", "#du-songquan")
    path.write_bytes(etree.tostring(tree, encoding="UTF-8", xml_declaration=True))
    _issue(tmp_path, "hongkou-1845", "2022-03-25")   # names none of them now
    regs = Registers.load(tmp_path)
    regs.reconcile(pointers_in(tmp_path))
    regs.save(tmp_path)
    left = parse_file(path).getroot().xpath("//*[@xml:id]/@xml:id")
    assert sorted(left) == ["du-song", "du-songquan", "li-si", "tei-build", "zhao-liu"]
    assert not parse_file(path).getroot().xpath("//*[@type='mentions']")
    assert regs["persName"].lookup("拉齐奥") is None and regs["persName"].lookup("李四") == "li-si"


def test_reconcile_keeps_an_editors_roles_and_adds_the_titles_the_issues_write(tmp_path):
    from teibuild.tag import pointers_in

    _fill(tmp_path, MENTIONS)
    path = tmp_path / "persons.xml"
    tree = parse_file(path)
    person = tree.getroot().xpath("//*[@xml:id='guo-fang']")[0]
    mine = etree.SubElement(person, f"{T}occupation")   # an editor's: no @resp
    mine.text = "区委书记（2021年起）"
    path.write_bytes(etree.tostring(tree, encoding="UTF-8", xml_declaration=True))
    _issue(tmp_path, "hongkou-1846", "2022-04-01", "persons.xml#guo-fang 区长",
           "persons.xml#hu-guangjie 区长 副书记")
    _issue(tmp_path, "hongkou-1847", "2022-04-08", "persons.xml#guo-fang")
    regs = Registers.load(tmp_path)
    regs.reconcile(pointers_in(tmp_path))
    regs.save(tmp_path)
    roles = {ident: [(o.text, o.get("resp")) for o in entry(tmp_path, "persons.xml", ident).iter(
        f"{T}occupation")] for ident in ("guo-fang", "hu-guangjie")}
    assert roles == {"guo-fang": [("区委书记（2021年起）", None), ("区长", "#tei-build")],
                     "hu-guangjie": [("副书记", "#tei-build"), ("区长", "#tei-build")]}
    # an entry with an editor's role is the editor's: kept when no issue names it
    _issue(tmp_path, "hongkou-1846", "2022-04-01", "persons.xml#hu-guangjie")
    _issue(tmp_path, "hongkou-1847", "2022-04-08")
    regs = Registers.load(tmp_path)
    regs.reconcile(pointers_in(tmp_path))
    regs.save(tmp_path)
    assert [(o.text, o.get("resp")) for o in entry(tmp_path, "persons.xml", "guo-fang").iter(
        f"{T}occupation")] == [("区委书记（2021年起）", None)]
    assert not list(entry(tmp_path, "persons.xml", "hu-guangjie").iter(f"{T}occupation"))


def test_reconcile_changes_nothing_when_an_issue_cannot_be_read(tmp_path):
    from teibuild.tag import pointers_in

    _fill(tmp_path, MENTIONS)
    before = (tmp_path / "persons.xml").read_bytes()
    (tmp_path / "hongkou-1845.xml").write_text("<TEI><unclosed>", encoding="utf-8")
    assert pointers_in(tmp_path) is None
    regs = Registers.load(tmp_path)
    regs.reconcile(pointers_in(tmp_path))
    assert regs.save(tmp_path) == [] and (tmp_path / "persons.xml").read_bytes() == before


# --- a register without its tree (convert's workers tag against one) -------------------

from hypothesis import HealthCheck, given, settings, strategies as st  # noqa: E402

HOME = ("上海市", "虹口区")
# names that meet each other's forms: namesakes' ids, places with and without their unit,
# the home's bodies in full and short, an editor's entry and a merged one among them
NAMES = [("persName", n) for n in ("王伟", "汪伟", "王维", "单雄信", "单雄")] + \
    [("placeName", n) for n in ("虹口", "虹口区", "上海", "上海市", "浦东新区", "浦东", "阳光小区",
                                "阳光", "北外滩")] + \
    [("orgName", n) for n in ("区委", "虹口区委", "区委组织部", "虹口区委组织部", "市委", "上海市委",
                              "市场监管局", "区卫健委")]


@pytest.fixture(scope="module")
def made_and_edited(tmp_path_factory):
    """Registers with the tool's entries as made, one with a variant, one whose names an
    editor changed, an editor's own entry and a merged stub."""
    folder = tmp_path_factory.mktemp("registers")
    regs = Registers.load(folder, home=HOME)
    for tag, name in (("persName", "王伟"), ("persName", "汪伟"), ("persName", "单雄信"),
                      ("placeName", "虹口"), ("placeName", "虹口区"), ("placeName", "上海市"),
                      ("placeName", "阳光"), ("orgName", "区委组织部")):
        regs[tag].add(name, certain=False)
    places, persons = regs["placeName"], regs["persName"]
    del places.entries["shanghai"].attrib["resp"]                 # the editor's now
    places.entries["yangguang"].find(f"{T}placeName").text = "阳光镇"   # names an editor changed
    stub = persons.entries["wang-wei-2"]                              # merged into wang-wei
    for child in list(stub):
        stub.remove(child)
    del stub.attrib["resp"]
    stub.set("sameAs", "#wang-wei")
    regs.save(folder)
    return folder


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(st.sampled_from(NAMES), st.booleans()), max_size=12))
def test_a_register_without_its_tree_gives_every_name_the_id_the_register_gives(
        made_and_edited, additions):
    regs = Registers.load(made_and_edited, home=HOME)
    index = regs.index()
    assert index.curated() == regs.curated()
    for (tag, name), certain in additions:
        assert index[tag].add(name, certain=certain) == regs[tag].add(name, certain=certain)
    for tag in regs.by_tag:
        assert index[tag].by_name == regs[tag].by_name
        # what it keeps of each entry is what it would take from the register as it is now
        assert index[tag].entries == regs[tag].index().entries
        assert {i: index[tag].resolve(i) for i in index[tag].entries} == \
            {i: regs[tag].resolve(i) for i in regs[tag].entries}


def test_a_register_without_its_tree_keeps_no_roles_or_mentions(made_and_edited):
    index = Registers.load(made_and_edited).index()["persName"]
    before = dict(index.entries)
    index.note_role("wang-wei", "区委书记")
    index.note_mention("wang-wei", "hongkou-1845", "2022-03-25")
    assert index.entries == before and not hasattr(index, "tree")
