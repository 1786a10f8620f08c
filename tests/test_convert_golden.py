"""The sample page, converted (layout only, before tagging), against a golden file
that was reviewed line by line against the printed page; and every TEI written
is valid TEI-all."""

from __future__ import annotations

from teibuild.convert import convert_bytes, insert_spaces
from teibuild.edition import load_edition
from teibuild.serialize import to_bytes
from tests.conftest import NS, ROOT


def test_sample_layout_matches_reviewed_golden(sample_bytes, file_regression):
    built = convert_bytes(sample_bytes, "seeds/hongkou-1845-p1.txt",
                          load_edition(ROOT / "edition.toml"))
    insert_spaces(built.spaces)
    file_regression.check(to_bytes(built.tree, checksum=False).decode(), extension=".xml",
                          encoding="utf-8")


def test_sample_counts(sample_bytes):
    built = convert_bytes(sample_bytes, "s.txt", load_edition(ROOT / "edition.toml"))
    tree = built.tree
    articles = tree.xpath("//t:body/t:div[@type='article'][not(t:gap)]", namespaces=NS)
    assert len(articles) == 8
    assert built.paragraphs == 31
    assert len(tree.xpath("//t:body//t:head", namespaces=NS)) == built.headings == 14
    # four reports stop mid-sentence; each links to its continuation on page 4
    cut = tree.xpath("//t:div[@part='I']", namespaces=NS)
    assert len(cut) == 4
    assert tree.xpath("//t:pb/@n", namespaces=NS) == ["1", "4"]
    assert len(tree.xpath("//t:figure", namespaces=NS)) == 1
    assert len(tree.xpath("//t:argument/t:p", namespaces=NS)) == 2
    assert len(tree.xpath("//t:div[@type='masthead']/t:fw", namespaces=NS)) == 7


def test_every_character_of_the_sample_reaches_the_tei(sample_bytes):
    from collections import Counter
    built = convert_bytes(sample_bytes, "s.txt", load_edition(ROOT / "edition.toml"))
    body = "".join(built.tree.find(".//{*}body").itertext())
    source = sample_bytes.decode("utf-8")
    assert Counter(c for c in body if not c.isspace()) == \
        Counter(c for c in source if not c.isspace())


def test_converted_tei_is_valid_tei_all(sample_bytes, tei_all, tmp_path):
    from lxml import etree

    from tests.corpus_issues import make_issue, sentences
    import random
    docs = [convert_bytes(sample_bytes, "s.txt", load_edition(ROOT / "edition.toml"))]
    rng = random.Random(5)
    pool = sentences(2000)
    docs += [convert_bytes(make_issue(rng, pool, n).text().encode(), f"c{n}.txt",
                           load_edition(None)) for n in range(1, 11)]
    for built in docs:
        insert_spaces(built.spaces)
        tree = etree.fromstring(to_bytes(built.tree))
        assert tei_all.validate(tree), tei_all.error_log.last_error
    for path in sorted((ROOT / "tei").glob("*.xml")):
        assert tei_all.validate(etree.parse(str(path))), (path, tei_all.error_log.last_error)
