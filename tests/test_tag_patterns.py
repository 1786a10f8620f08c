"""News-language patterns and the rules that filter the model's guesses.

Model spans are given by hand here, so these tests do not depend on the trained model.
"""

import json

from teibuild.tag.corpora import split
from teibuild.tag.patterns import find_org_words, find_places
from teibuild.tag.tagger import candidates, decide, model_hits


def tagged(text, model_spans):
    return [(text[f.start:f.end], f.tag, f.source)
            for f in decide(text, candidates(text, None, model_spans, {}, {}))]


def test_central_alone_is_an_adjective_next_to_another_body_the_party_centre():
    def words(text):
        return [text[h.start:h.end] for h in find_org_words(text)]

    assert words("按照中央和市委部署要求") == ["中央", "市委"]
    assert words("高度统一到中央、市委的部署") == ["中央", "市委"]
    assert words("中央有关部门负责人") == []
    assert words("中央十分重视") == []
    assert words("市委领导和中央") == []


def test_a_body_in_a_byline_title_is_named_but_a_district_committee_title_stays_whole():
    text = "新华社记者陈雁报道：区委书记郭芳"
    found = tagged(text, [(5, 7, "PER")])
    assert ("新华社", "orgName", "short form") in found
    assert ("新华社记者", "roleName", "pattern") in found
    assert ("区委书记", "roleName", "pattern") in found
    assert not any(t == "区委" for t, _, _ in found)


def test_a_byline_names_its_reporters_whatever_their_names_begin_with():
    # names no common surname begins: a bracket holding only the title and names
    assert tagged("本报讯（记者 比恩）", []) == [("记者", "roleName", "pattern"),
                                              ("比恩", "persName", "pattern")]
    found = tagged("（记者 阿依古丽、张燕丽）", [])
    assert ("阿依古丽", "persName", "pattern") in found and ("张燕丽", "persName", "pattern") in found
    # the bracket must hold names only: a sentence going on, a title, a photo credit
    assert not [t for t, tag, _ in tagged("记者比恩说，这里（记者 通讯员）", []) if tag == "persName"]
    assert [t for t, tag, _ in tagged("本报讯（记者 张燕丽 摄）", []) if tag == "persName"] == ["张燕丽"]
    assert not [t for t, tag, _ in tagged("据报道，记者 比恩说）", []) if tag == "persName"]
    for byline in ("（记者 张燕丽 实习生 李华）", "（记者 比恩 报道）", "（记者 张燕丽 整理）"):
        names = [t for t, tag, _ in tagged(byline, []) if tag == "persName"]
        assert not {"实习生", "报道", "整理"} & set(names), names


def test_a_title_makes_sure_of_a_name_no_common_surname_begins_where_the_model_sees_one():
    found = tagged("区政协主席比恩参加调研", [(5, 7, "PER")])
    assert ("区政协主席", "roleName", "pattern") in found and ("比恩", "persName", "pattern") in found
    found = tagged("区领导吴强、比恩出席", [(3, 5, "PER"), (6, 8, "PER")])
    assert ("比恩", "persName", "pattern") in found
    # without the model's guess, no name is made up after the title
    assert not [t for t, tag, _ in tagged("区政协主席比恩参加调研", []) if tag == "persName"]


def test_a_guessed_person_before_dui_is_a_team():
    assert ("锡耶纳队", "orgName", "model") in tagged("锡耶纳队将全力做好", [(0, 3, "PER")])
    assert ("张小川", "persName", "model") in tagged("张小川队长说", [(0, 3, "PER")])


def test_a_title_widens_to_take_in_the_body_the_model_found():
    text = "中央军委副主席张震出席"
    found = tagged(text, [(0, 4, "ORG"), (7, 9, "PER")])
    assert ("中央军委副主席", "roleName", "pattern") in found
    assert ("中央军委", "orgName", "model") in found       # nested in the title
    assert ("张震", "persName", "pattern") in found


def test_a_deputy_title_is_not_a_name_before_a_title():
    text = "德意志联邦共和国副总理兼外交部长"
    found = tagged(text, [(0, 8, "LOC")])
    assert ("德意志联邦共和国", "placeName", "model") in found
    assert not any(tag == "persName" for _, tag, _ in found)


def test_a_title_before_a_surname_character_and_a_verb_is_no_name():
    found = tagged("李岚清会见美国前商务部长时表示", [])
    assert not any(text == "时表示" for text, _, _ in found)


def test_common_nouns_and_titles_are_not_place_endings():
    def places(text, spans):
        return [text[h.start:h.end] for h in find_places(text, spans)]

    assert places("他出生在湖北农村一个家庭", [(3, 7, "LOC")]) == []
    assert places("一张安徽省公路运输客票", [(2, 7, "LOC")]) == []
    assert places("邢台市希望儿童村村长曹春生", [(0, 8, "LOC")]) == ["邢台市希望儿童村"]
    assert places("来到四川北路看望", [(2, 6, "LOC")]) == ["四川北路"]


def test_guessed_persons_end_before_forms_of_address_and_the_words_after_a_name():
    text = "郑朝宗先生指出，曹芬所在报社，林亚说"
    spans = [(0, 5, "PER"), (8, 11, "PER"), (15, 18, "PER")]
    assert [(text[f.start:f.end], f.tag) for f in model_hits(text, spans)] == [
        ("郑朝宗", "persName"), ("曹芬", "persName"), ("林亚", "persName")]
    text = "厉有为出席"           # a name ending in 为 is left whole
    assert [text[f.start:f.end] for f in model_hits(text, [(0, 3, "PER")])] == ["厉有为"]


def test_acronyms_of_bodies_are_kept_other_latin_guesses_are_not():
    text = "加入PATA，会见Smith"
    found = model_hits(text, [(2, 6, "ORG"), (9, 14, "PER")])
    assert [(text[f.start:f.end], f.tag) for f in found] == [("PATA", "orgName")]


def test_dev_split_is_carved_from_training_and_held_out_data_stays_apart(tmp_path):
    def doc(i):
        return json.dumps({"text": f"第{i}句。", "entity_list": []}, ensure_ascii=False)

    (tmp_path / "boson-train.jsonl").write_text("\n".join(doc(i) for i in range(20)), encoding="utf-8")
    (tmp_path / "msra-test.jsonl").write_text("\n".join(doc(100 + i) for i in range(20)),
                                             encoding="utf-8")
    (tmp_path / "cluener-dev.jsonl").write_text(doc(999), encoding="utf-8")
    (tmp_path / "pd1998-dev.bio").write_text(
        "".join(f"第 O\n{i} O\n北 B-LOC\n京 I-LOC\n\n" for i in range(10)), encoding="utf-8")
    data = split(tmp_path)
    texts = {k: [t for t, _ in v] for k, v in data.items()}
    # newspaper sentences (MSRA, People's Daily) are trained on twice, BosonNLP's once
    assert sorted(texts["train"]) == sorted(texts["tune-train"] + 2 * texts["msra-dev"]
                                            + texts["boson-dev"])
    assert texts["tune-train"].count("第100句。") == 2 and texts["tune-train"].count("第0句。") == 1
    assert texts["tune-train"].count("第0北京") == 2
    held_out = texts["msra-heldout"] + texts["boson-heldout"] + texts["pd1998-heldout"]
    assert len(held_out) == 4 + 2 + 2 and not set(held_out) & set(texts["train"])
    assert len(texts["msra-dev"]) == 4 and len(texts["boson-dev"]) == 2
    assert len(texts["pd1998-dev"]) == 10  # the whole file, scored for comparison


def test_persons_run_together_in_a_list_are_cut_into_names_foreign_names_stay_whole():
    text = "出席的有孙维本苏晓云。俄罗斯的斯特罗耶夫说"
    found = model_hits(text, [(4, 10, "PER"), (15, 20, "PER")])
    assert [(text[f.start:f.end], f.tag) for f in found] == [
        ("孙维本", "persName"), ("苏晓云", "persName"), ("斯特罗耶夫", "persName")]
    # no cut into names that each begin with a surname: the guess stays as it was
    text = "一二三四五"
    assert [text[f.start:f.end] for f in model_hits(text, [(0, 5, "PER")])] == ["一二三四五"]
    # a double surname is no name alone: 欧阳明德 and 李鹏, not 欧阳 + 明德
    text = "欧阳明德李鹏"
    assert [text[f.start:f.end] for f in model_hits(text, [(0, 6, "PER")])] == ["欧阳明德", "李鹏"]


def test_guessed_bodies_and_places_lose_the_verbs_they_took_in_from_the_sentence():
    text = "按照中央和市委部署要求，聚焦养老院等重点场所"
    found = model_hits(text, [(5, 9, "ORG"), (12, 17, "ORG")])
    # 市委|部署: the body without the verb; 聚焦|养老院: a kind of place once the verb is off
    assert [(text[f.start:f.end], f.tag) for f in found] == [("市委", "orgName")]
    text = "联合国部署"  # the dictionary knows 联合国 whole: not cut after 联合
    assert [text[f.start:f.end] for f in model_hits(text, [(0, 5, "ORG")])] == ["联合国"]
