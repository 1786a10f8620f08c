"""benchmarks/score_tagger.py: the roster chunks annotated in full by hand."""

import pytest

from benchmarks.score_tagger import with_rosters


def test_a_rosters_persons_are_all_of_its_names_in_order(tmp_path):
    rosters = tmp_path / "rosters.tsv"
    rosters.write_text("# names\n李鹏乔石\t李鹏 乔石 李瑞环\n", encoding="utf-8")
    examples = [("委员：李鹏乔石李瑞环（女）", [(9, 12, "PER"), (0, 2, "ORG")]), ("北京很好。", [(0, 2, "LOC")])]
    fixed = with_rosters(examples, rosters)
    assert sorted(fixed[0][1]) == [(0, 2, "ORG"), (3, 5, "PER"), (5, 7, "PER"), (7, 10, "PER")]
    assert fixed[1] == examples[1]


def test_a_roster_missing_from_the_examples_stops_the_scorer(tmp_path):
    rosters = tmp_path / "rosters.tsv"
    rosters.write_text("张三李四\t张三 李四\n", encoding="utf-8")
    with pytest.raises(SystemExit):
        with_rosters([("北京很好。", [])], rosters)
