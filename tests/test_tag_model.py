import datetime as dt

import pytest

from teibuild.tag.corpora import labels_for, sentences
from teibuild.tag.model import MODEL_PATH, default_model, features, spans_from_labels
from teibuild.tag.tagger import candidates, decide


def test_features_cover_every_character_and_see_across_line_ends():
    text = "杜松全 出席"
    feats = features(text)
    assert len(feats) == len(text)
    assert b"c=_" in feats[3] and "b+1=全_".encode() in feats[2]
    assert features("") == []


def test_labels_and_spans_round_trip():
    example = ("区委书记郭芳来到北外滩街道，美方", [(4, 6, "PER"), (8, 13, "LOC"), (14, 15, "LOC")])
    labels = labels_for(example)
    assert labels[4:6] == ["B-PER", "E-PER"]
    assert labels[8:15] == ["B-LOC", "I-LOC", "I-LOC", "I-LOC", "E-LOC", "O", "S-LOC"]
    assert spans_from_labels(labels) == example[1]
    # BIO, as People's Daily is written, and stray continuations
    assert spans_from_labels(["I-PER", "I-PER", "O", "B-LOC", "I-ORG"]) == [
        (0, 2, "PER"), (3, 4, "LOC"), (4, 5, "ORG")]
    # an E- closes: what follows opens anew; S- stands alone; a stray E- is one character
    assert spans_from_labels(["B-PER", "E-PER", "I-PER", "S-LOC", "S-LOC", "E-ORG"]) == [
        (0, 2, "PER"), (2, 3, "PER"), (3, 4, "LOC"), (4, 5, "LOC"), (5, 6, "ORG")]


def test_long_documents_split_only_between_entities():
    text = "甲" * 150 + "。王小明在北京。" + "乙" * 100 + "。"
    parts = sentences((text, [(151, 154, "PER"), (155, 157, "LOC")]), limit=200)
    assert "".join(t for t, _ in parts) == text
    assert [(t[s:e], k) for t, spans in parts for s, e, k in spans] == [("王小明", "PER"), ("北京", "LOC")]


def test_the_shipped_model_is_small_and_finds_names():
    assert MODEL_PATH.stat().st_size <= 20 * 1024 * 1024
    model = default_model()
    text = "谢子长同志为人民利益万死不辞，对革命事业无限忠诚。"   # held out from training
    assert (0, 3, "PER") in model.entities(text)


def test_model_only_names_are_marked_uncertain():
    model = default_model()
    text = "中华人民共和国香港特别行政区第一任行政长官董建华"   # held out
    found = decide(text, candidates(text, dt.date(1998, 11, 20), model.entities(text), {}, {}))
    person = [f for f in found if f.tag == "persName"]
    assert [(text[f.start:f.end], f.certain) for f in person] == [("董建华", False)]


def test_corpora_are_read_into_one_shape(tmp_path):
    from teibuild.tag.corpora import read_bio, read_jsonl

    (tmp_path / "a.jsonl").write_text(
        '{"text": "记者 施宇翔在杭州", "entity_list": ['
        '{"entity_type": "person_name", "entity": " 施宇翔", "entity_index": {"begin": 2, "end": 6}},'
        '{"entity_type": "location", "entity": "杭州", "entity_index": {"begin": 7, "end": 9}},'
        '{"entity_type": "time", "entity": "今天", "entity_index": {"begin": 0, "end": 1}}]}\n',
        encoding="utf-8")
    assert read_jsonl(tmp_path / "a.jsonl") == [("记者 施宇翔在杭州", [(3, 6, "PER"), (7, 9, "LOC")])]
    (tmp_path / "b.bio").write_text("江 B-PER\n泽 I-PER\n民 I-PER\n在 O\n\n北 B-LOC\n京 I-LOC\n",
                                    encoding="utf-8")
    assert read_bio(tmp_path / "b.bio") == [("江泽民在", [(0, 3, "PER")]), ("北京", [(0, 2, "LOC")])]


def test_a_guess_made_only_of_common_nouns_is_not_a_name():
    from teibuild.tag.tagger import is_generic, model_hits

    assert is_generic("超市") and is_generic("居委会") and is_generic("社区医院") and is_generic("该超市")
    assert not is_generic("瑞金医院") and not is_generic("虹口区") and not is_generic("联华超市")
    text = "居民到超市和联华超市采购"
    spans = [(3, 5, "LOC"), (6, 10, "ORG")]   # as if the model had marked both
    assert [(text[f.start:f.end], f.tag) for f in model_hits(text, spans)] == [("联华超市", "orgName")]


def test_a_guess_that_runs_across_a_clause_end_is_not_a_name_nor_part_of_a_title():
    from teibuild.tag.tagger import fixed_candidates

    text = "传达市委常委会会议精神。区人大常委会主任朱勤皓"
    spans = [(2, 16, "ORG")]   # as if the model had joined two clauses into one body
    found = decide(text, fixed_candidates(text, None, spans))
    got = [(text[f.start:f.end], f.tag) for f in found]
    assert ("区人大常委会主任", "roleName") in got
    assert not any("。" in name for name, _ in got)


def test_a_guess_the_dictionary_knows_as_a_name_is_not_cut_after_a_verb():
    from teibuild.tag.tagger import model_hits

    text = "欢迎联合国代表，在虹口区"
    spans = [(2, 5, "ORG"), (8, 12, "LOC")]   # 联合 is also a verb that may precede a name
    assert [(text[f.start:f.end], f.tag) for f in model_hits(text, spans)] == [
        ("联合国", "orgName"), ("虹口区", "placeName")]


def test_cross_validation_folds_hold_out_each_msra_sentence_once(tmp_path):
    import json

    from teibuild.tag.corpora import FOLDS, NEWS_WEIGHT, split

    def line(text):
        return json.dumps({"text": text, "entity_list": []}, ensure_ascii=False) + "\n"

    msra = [f"新闻{i}" for i in range(12)]
    (tmp_path / "msra-test.jsonl").write_text("".join(map(line, msra)), encoding="utf-8")
    (tmp_path / "boson-train.jsonl").write_text("".join(line(f"网文{i}") for i in range(20)),
                                               encoding="utf-8")
    (tmp_path / "pd1998-dev.bio").write_text("".join(f"报 O\n{i} O\n\n" for i in range(5)),
                                             encoding="utf-8")
    (tmp_path / "cluener-dev.jsonl").write_text("", encoding="utf-8")
    held = [t for k in range(FOLDS) for t, _ in split(tmp_path, k)["msra-heldout"]]
    assert sorted(held) == sorted(msra)
    for k in range(FOLDS):
        data = split(tmp_path, k)
        trained = {t for t, _ in data["train"]}
        assert not trained & {t for t, _ in data["msra-heldout"]}
        assert sum(t == "报0" for t, _ in data["train"]) == NEWS_WEIGHT
    # the last fold is the shipped split: the same sentences, as often
    last, shipped = split(tmp_path, FOLDS - 1), split(tmp_path)
    assert sorted(last["train"]) == sorted(shipped["train"])
    assert last["msra-heldout"] == shipped["msra-heldout"]
    with pytest.raises(ValueError):
        split(tmp_path, FOLDS)


def test_training_adds_a_copy_of_each_sentence_with_its_persons_swapped():
    from teibuild.tag.corpora import with_names_swapped

    examples = [("校长李铁辰说，北京很好。", [(2, 5, "PER"), (7, 9, "LOC")]),
                ("王振林和江主席。", [(0, 3, "PER"), (4, 5, "PER")]),
                ("北京很好。", [(0, 2, "LOC")]),
                ("校长李铁辰说，北京很好。", [(2, 5, "PER"), (7, 9, "LOC")])]
    copies = with_names_swapped(examples)
    assert copies == with_names_swapped(examples)           # the same every time
    assert len(copies) == 2                                  # sentences naming a person, once each
    for text, spans in copies:
        names = [text[s:e] for s, e, kind in spans if kind == "PER"]
        assert all(n in {"李铁辰", "王振林", "江"} for n in names)   # only names from the examples
        assert [text[s:e] for s, e, kind in spans if kind == "LOC"] in ([], ["北京"])
    first, second = copies
    assert first[0].startswith("校长") and first[0].endswith("说，北京很好。")
    assert second[0].endswith("和江主席。") and second[1][-1] == (len(second[0]) - 4,
                                                             len(second[0]) - 3, "PER")
    assert with_names_swapped([("北京很好。", [(0, 2, "LOC")])]) == []
    # a foreign name for a foreign name, a Chinese one for a Chinese one
    mixed = [("克林顿访华。", [(0, 3, "PER")]), ("萨塔基·阿齐兹说。", [(0, 7, "PER")]),
             ("李铁辰说。", [(0, 3, "PER")]), ("王振林说。", [(0, 3, "PER")])] * 5
    swapped = with_names_swapped(mixed)
    assert [t[s:e] in ("克林顿", "萨塔基·阿齐兹") for t, [(s, e, _k)] in swapped] == [
        True, True, False, False]


def test_the_model_is_handed_only_attributes_it_knows_and_labels_the_same():
    import pycrfsuite

    from teibuild.tag.model import read_attributes

    model = default_model()
    known = read_attributes(MODEL_PATH)
    tagger = pycrfsuite.Tagger()
    tagger.open(str(MODEL_PATH))
    assert known == {a.encode() for a, _ in tagger.info().state_features}
    texts = ["区委书记郭芳来到北外滩街道", "谢子长同志为人民利益万死不辞", "斯特罗耶夫会见李鹏", "３月２２日 Ａ"]
    for text in texts:
        handed = model._features(text)
        assert all(a in known for row in handed for a in row)
        assert sum(map(len, handed)) < sum(map(len, features(text)))
        assert model.labels(text) == tagger.tag(features(text))


def test_a_list_of_attributes_made_from_another_model_is_not_used(tmp_path):
    import shutil

    from teibuild.tag.model import read_attributes, sidecar

    other = tmp_path / "ner.crfsuite"
    other.write_bytes(MODEL_PATH.read_bytes() + b"\0")
    shutil.copy(sidecar(MODEL_PATH, "attributes"), sidecar(other, "attributes"))
    assert read_attributes(other) is None
    sidecar(other, "attributes").write_bytes(b"not gzip")
    assert read_attributes(other) is None
    sidecar(other, "attributes").unlink()
    assert read_attributes(other) is None


def test_a_name_the_training_sentences_always_type_alike_takes_that_type(tmp_path):
    import shutil

    from teibuild.tag.model import NameModel, read_names, write_names

    assert read_names(MODEL_PATH)   # shipped beside the model
    copy = tmp_path / "ner.crfsuite"
    shutil.copy(MODEL_PATH, copy)
    text = "谢子长同志为人民利益万死不辞，对革命事业无限忠诚。"
    assert (0, 3, "PER") in NameModel(copy).entities(text)   # (no list beside it: as guessed)
    write_names(copy, [("会见谢子长", [(2, 5, "LOC")]), ("谢子长区", [(0, 4, "LOC")]),
                       ("谢子长", [(0, 3, "LOC")]), ("谢子长和王红", [(0, 3, "LOC"), (4, 6, "PER")]),
                       ("王红", [(0, 2, "ORG")]), ("北", [(0, 1, "LOC")])])
    assert read_names(copy) == {"谢子长": "LOC", "谢子长区": "LOC"}   # 王红: two types; 北: one character
    assert (0, 3, "LOC") in NameModel(copy).entities(text)
    copy.write_bytes(copy.read_bytes() + b"\0")   # another model: the list is not its own
    assert read_names(copy) == {}


def test_attributes_made_with_warm_caches_are_those_of_a_fresh_start():
    """The attributes of characters and bigrams are remembered; what is handed to the CRF
    must not depend on what was seen before (a space and "_" are written alike in
    attributes, but are different characters)."""
    from teibuild.tag.model import Attributes, read_attributes

    known = read_attributes(MODEL_PATH)
    texts = ["区委书记郭芳来到北外滩街道", "郭芳 来到_北外滩", "郭芳_来到 北外滩", "３月２２日 Ａ", "区委书记郭芳"]
    warm = Attributes(known)
    for text in texts:
        fresh = Attributes(known)(text)
        assert [sorted(row) for row in warm(text)] == [sorted(row) for row in fresh]
        assert [sorted(row) for row in fresh] == \
            [sorted(a for a in row if a in known) for row in features(text)]


class _FixedTagger:
    """A CRF's answer fixed in advance: its best labels and each label's probability."""

    def __init__(self, labels, marginals):
        self.labels, self.marginals = labels, marginals

    def tag(self, _attributes):
        return list(self.labels)

    def marginal(self, label, i):
        assert label == self.labels[i]
        return self.marginals[i]


def _fixed_model(labels, marginals, types=None):
    from teibuild.tag.model import NameModel

    model = NameModel.__new__(NameModel)
    model._tagger, model._features, model._types = _FixedTagger(labels, marginals), list, types or {}
    return model


def test_a_guessed_person_or_body_the_model_is_unsure_of_is_left_out():
    from teibuild.tag.model import SURE_ENOUGH

    labels = ["B-PER", "E-PER", "O", "B-ORG", "E-ORG", "O", "B-LOC", "E-LOC", "S-PER"]
    least = SURE_ENOUGH["PER"]
    sure = [0.99] * len(labels)
    assert _fixed_model(labels, sure).entities("王红和区政府在虹口江") == [
        (0, 2, "PER"), (3, 5, "ORG"), (6, 8, "LOC"), (8, 9, "PER")]
    unsure = [0.99, least - 0.01, 0.99, least, 0.99, 0.99, 0.2, 0.2, least - 0.2]
    # one unsure character drops the person; a body exactly as sure as asked stays;
    # places are kept however unsure the model is of them
    assert _fixed_model(labels, unsure).entities("王红和区政府在虹口江") == [
        (3, 5, "ORG"), (6, 8, "LOC")]
    # the type that decides is the one the name ends up with (the training sentences' type)
    assert _fixed_model(labels, unsure, {"王红": "LOC"}).entities("王红和区政府在虹口江") == [
        (0, 2, "LOC"), (3, 5, "ORG"), (6, 8, "LOC")]


def test_the_shipped_model_leaves_out_pieces_of_names_run_together():
    model = default_model()
    text = "子民廖晖滕昭蓉（女，苗族）滕藤颜龙安薛明伦薛驹霍英东"
    labels = model.labels(text)
    best = {text[s:e] for s, e, _ in spans_from_labels(labels)}
    kept = {text[s:e] for s, e, _ in model.entities(text)}
    # its best labelling runs 滕藤, 颜龙安 and the start of 薛明伦 together, unsure of it
    assert kept < best and "滕藤颜龙安薛明" in best - kept and "霍英东" in kept


def test_a_guess_is_certain_in_three_degrees_of_the_models_probability():
    from teibuild.tag.model import cert

    assert [cert(p) for p in (1.0, 0.9, 0.8999, 0.7, 0.6999, 0.45, 0.0)] == [
        "high", "high", "medium", "medium", "low", "low", "low"]
    model = _fixed_model(["B-PER", "E-PER", "O"], [0.95, 0.91, 0.99])
    assert model.guesses("王红说") == [(0, 2, "PER", 0.91)]   # the least of its characters
