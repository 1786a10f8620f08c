"""benchmarks/generate.py: synthetic issues whose registers grow as a real run's would."""

import random
import re
from pathlib import Path

from benchmarks.generate import _name, make_issue, material
from benchmarks.run import register_entries

REPO = Path(__file__).resolve().parent.parent


def test_without_rare_names_every_name_is_one_of_the_corpora():
    m, rng = material(), random.Random(3)
    assert all(_name(rng, m.persons, "person", 0.0) in m.persons for _ in range(300))
    assert make_issue(1846).text() == make_issue(1846, rare=0.0).text()


def test_rare_names_are_mostly_new_and_look_like_names_of_their_kind():
    m, rng = material(), random.Random(3)
    persons = [_name(rng, m.persons, "person", 1.0) for _ in range(300)]
    places = [_name(rng, m.places, "place", 1.0) for _ in range(300)]
    orgs = [_name(rng, m.orgs, "org", 1.0) for _ in range(300)]
    assert sum(p not in m.persons for p in persons) > 250 and len(set(persons)) > 250
    assert all(2 <= len(p) <= 4 and p[0] in {n[0] for n in m.persons} for p in persons)
    assert all(re.search("(路|街道|社区|小区|新村|公园|菜场)$", p) for p in places)
    assert all(re.search("(委员会|中心|学|公司|服务队|商会)$", o) for o in orgs)
    assert len(set(places)) > 250 and len(set(orgs)) > 250


def test_some_rare_names_reach_an_issue_and_the_issue_is_the_same_each_time():
    text = make_issue(1846, rare=0.5).text()
    assert text == make_issue(1846, rare=0.5).text() != make_issue(1846).text()


def test_register_entries_are_counted_by_register():
    counts = register_entries(REPO / "tei")
    for register, tag in (("persons", "person"), ("places", "place"), ("orgs", "org")):
        text = (REPO / "tei" / f"{register}.xml").read_text(encoding="utf-8")
        assert counts[register] == len(re.findall(rf"<{tag}\b", text)) > 0
