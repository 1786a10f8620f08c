"""One XSLT run per issue gives exactly what one run per article page and text file gave."""

from __future__ import annotations

from pathlib import Path

from teibuild.render.build import _fragments
from teibuild.render.pages import fragment
from teibuild.render.site import read_issue
from teibuild.render.text import render_text, render_texts
from teibuild.render.transform import transform
from teibuild.xmlsafe import parse_file

from test_render import EDITION, FIXTURE, issue_with_body

REPO = Path(__file__).resolve().parent.parent

# split articles pointing at each other, a continuation notice, a reference into another
# article and one to a paragraph of the same article, a figure, a masthead, a placeholder
BODY = """
<div type="masthead" xml:id="hongkou-1845-masthead"><fw type="masthead">虹口报</fw></div>
<pb n="1" xml:id="hongkou-1845-pb1"/>
<div type="article" xml:id="hongkou-1845-a01" part="I" next="#hongkou-1845-a03">
  <head type="main">头<lb/>版文章</head>
  <p xml:id="hongkou-1845-a01-p01">见<ref target="#hongkou-1845-a02-p01">另一篇</ref>和
    <ref target="#hongkou-1845-a01-p02">下一段</ref>，<persName ref="persons.xml#du-songquan">杜松<lb/>全</persName>说。</p>
  <p xml:id="hongkou-1845-a01-p02">第二段<ref target="#nowhere">无处</ref>。</p>
  <fw type="continuation"><ref type="continuation" target="#hongkou-1845-a03">下转▶2版</ref></fw>
</div>
<div type="article" xml:id="hongkou-1845-a02">
  <head type="main">第二篇</head><p xml:id="hongkou-1845-a02-p01">正文。</p>
</div>
<figure xml:id="hongkou-1845-f01"><p xml:id="hongkou-1845-f01-p01">■图片说明</p></figure>
<pb n="2" xml:id="hongkou-1845-pb2"/>
<div type="article" xml:id="hongkou-1845-a03" part="F" prev="#hongkou-1845-a01">
  <p xml:id="hongkou-1845-a03-p01">接上文，见<ref target="#hongkou-1845-pb1">第1版</ref>。</p>
</div>
<pb n="4" xml:id="hongkou-1845-pb4"/>
<div type="article" xml:id="hongkou-1845-a04" part="F" prev="#hongkou-1845-a99">
  <gap reason="untranscribed" unit="page"/>
</div>
"""


def _cases(tmp_path):
    yield FIXTURE
    yield REPO / "tei" / "hongkou-1845.xml"
    yield issue_with_body(tmp_path, BODY)


def test_article_pages_and_issue_text_equal_their_own_transforms(tmp_path):
    for path in _cases(tmp_path):
        tree, issue = parse_file(path), read_issue(path)
        page = f"issues/{issue.id}.html"
        text, toc, articles = _fragments(tree, page)
        assert text == fragment(transform("tei2html.xsl", tree, root="../"))
        assert toc == fragment(transform("tei2html.xsl", tree, part="toc", root="../"))
        assert set(articles) == {a.id for a in issue.articles}
        for article in issue.articles:
            alone = fragment(transform("tei2html.xsl", tree, article=article.id, root="../",
                                       issue_page=f"../{page}"))
            assert articles[article.id] == alone, (path.name, article.id)


def test_links_out_of_an_article_page_lead_to_the_issue_page(tmp_path):
    path = issue_with_body(tmp_path, BODY)
    _, _, articles = _fragments(parse_file(path), "issues/hongkou-1845.html")
    first = articles["hongkou-1845-a01"]
    assert 'href="../issues/hongkou-1845.html#hongkou-1845-a02-p01"' in first
    assert 'href="#hongkou-1845-a01-p02"' in first       # same article: stays on the page
    assert 'href="../issues/hongkou-1845.html#hongkou-1845-a03"' in first
    assert "hongkou-1845.html#nowhere" not in first     # an unknown target is not the issue's


def test_text_files_equal_their_own_transforms(tmp_path):
    for path in _cases(tmp_path):
        tree, issue = parse_file(path), read_issue(path)
        texts = dict(render_texts(tree, issue, EDITION))
        assert list(texts) == [None, *issue.articles]
        for article, body in texts.items():
            assert body == render_text(tree, issue, EDITION, article)
