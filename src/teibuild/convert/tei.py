"""Writing the TEI document of one issue from its pages, articles and metadata.

Identifiers follow the edition's scheme (issue <slug>-<n>, article -aNN,
paragraph -aNN-pNN, summary -aNN-sNN, figure -fNN, page -pbN) so that every
passage can be cited; every source line break is an <lb/>, with no whitespace
around it; spaces that extraction put between Chinese and figures are taken out
of the text and their places kept as <space type="extraction"/>.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from lxml import etree

from .. import TEI_NS, XML_NS, __version__
from ..edition import Edition
from .classify import continues_from
from .headings import split_heading
from .layout import first_measure, measure_changed, paragraph_measure
from .masthead import DATE, IssueMeta
from .model import Article, Block, Page

T = "{%s}" % TEI_NS
XML_ID = "{%s}id" % XML_NS
XML_LANG = "{%s}lang" % XML_NS

#: a space between a Chinese character and a figure or Latin letter (either order)
EXTRACTION_SPACE = re.compile(
    r"(?<=[\u3000-\u303f\u3400-\u9fff\uff00-\uffef])[ \t\u00a0]+(?=[0-9A-Za-z])"
    r"|(?<=[0-9A-Za-z%])[ \t\u00a0]+(?=[\u3000-\u303f\u3400-\u9fff\uff00-\uffef])")


@dataclass
class Source:
    name: str
    sha256: str
    encoding: str
    lines: int


@dataclass
class Built:
    tree: etree._ElementTree
    spaces: list = field(default_factory=list)     # (element, text offset) of removed spaces
    issue_id: str = ""
    articles: int = 0
    paragraphs: int = 0
    headings: int = 0


def el(tag: str, text: str | None = None, **attrs) -> etree._Element:
    element = etree.Element(T + tag)
    for key, value in attrs.items():
        if value is None:
            continue
        key = {"xml_id": XML_ID, "xml_lang": XML_LANG}.get(key, key)
        element.set(key, str(value))
    if text is not None:
        element.text = text
    return element


def sub(parent: etree._Element, tag: str, text: str | None = None, **attrs) -> etree._Element:
    child = el(tag, text, **attrs)
    parent.append(child)
    return child


class IssueWriter:
    def __init__(self, edition: Edition, meta: IssueMeta, source: Source, decisions: list[str]):
        self.edition = edition
        self.meta = meta
        self.source = source
        self.decisions = decisions
        self.issue_id = f"{edition.slug}-{meta.number}"
        self.spaces: list[tuple[etree._Element, int]] = []
        self.counts = {"articles": 0, "paragraphs": 0, "headings": 0}

    # -- document -------------------------------------------------------
    def build(self, pages: list[Page]) -> Built:
        root = etree.Element(T + "TEI", nsmap={None: TEI_NS})
        root.set(XML_ID, self.issue_id)
        root.set(XML_LANG, "zh-Hans")
        root.append(self.header())
        text = sub(root, "text")
        body = sub(text, "body")
        self.write_body(body, pages)
        tree = etree.ElementTree(root)
        return Built(tree=tree, spaces=self.spaces, issue_id=self.issue_id,
                     articles=self.counts["articles"], paragraphs=self.counts["paragraphs"],
                     headings=self.counts["headings"])

    def write_body(self, body: etree._Element, pages: list[Page]) -> None:
        article_no = 0
        figure_no = 0
        masthead_no = 0
        continuations: dict[str, list[tuple[etree._Element, str, int]]] = {}
        written: dict[int, list[tuple[object, etree._Element]]] = {}   # page -> items as written
        for page in pages:
            sub(body, "pb", n=page.number, xml_id=f"{self.issue_id}-pb{page.number}")
            on_page = written.setdefault(page.number, [])
            for item in page.items:
                if isinstance(item, Article):
                    article_no += 1
                    div = self.article(item, article_no)
                    body.append(div)
                    if item.continued_on:
                        continuations.setdefault(item.continued_on, []).append(
                            (div, item.notice_cert or "low", page.number))
                elif item.kind == "caption":
                    figure_no += 1
                    div = self.figure(item, figure_no)
                    body.append(div)
                elif item.kind == "masthead":
                    masthead_no += 1
                    div = self.masthead(item, masthead_no)
                    body.append(div)
                elif item.kind == "header":     # the page's running head, as printed: its
                    div = sub(body, "fw", type="header")    # spaces part its fields
                    div.text = item.text.strip()
                else:                           # a notice no report on its page claims
                    div = sub(body, "fw", type="continuation")
                    self.fill(div, item)
                on_page.append((item, div))
        # continuations on transcribed pages: link each cut report to the report it goes on in
        for target_page in sorted(continuations, key=_page_key):
            if _page_key(target_page) in written:
                for div, _cert, from_page in continuations.pop(target_page):
                    self.link_continuation(div, written[_page_key(target_page)], from_page)
        # continuations on pages not in the source: a page break and a gap, so links resolve
        for target_page in sorted(continuations, key=_page_key):
            sub(body, "pb", n=target_page, xml_id=f"{self.issue_id}-pb{target_page}")
            for div, cert, _from_page in continuations[target_page]:
                article_no += 1
                cont_id = f"{self.issue_id}-a{article_no:02d}"
                div.set("part", "M" if div.get("part") in ("F", "M") else "I")
                div.set("next", f"#{cont_id}")
                placeholder = sub(body, "div", type="article", xml_id=cont_id, part="F",
                                  prev=f"#{div.get(XML_ID)}")
                if cert != "high":
                    placeholder.set("cert", cert)
                sub(placeholder, "gap", reason="untranscribed", unit="page", quantity="1")
                _point_notices(div, f"#{cont_id}")

    def link_continuation(self, div: etree._Element, items: list[tuple[object, etree._Element]],
                          from_page: int) -> None:
        """Join a cut report to where it goes on, on a page the source transcribes: the report
        right after a 上接 notice naming this report's page, else the first report there with
        neither heading nor byline. With neither, the notice is kept as printed text only."""
        target = notice = None
        for n, (item, element) in enumerate(items):
            if isinstance(item, Article) or element.tag != T + "fw":
                continue
            if _page_key(item.notice_page) == from_page and continues_from(item.text):
                following = items[n + 1] if n + 1 < len(items) else None
                if following and isinstance(following[0], Article) \
                        and following[1].get("prev") is None:
                    target, notice = following[1], element
                    break
        if target is None:
            target = next((element for item, element in items
                           if isinstance(item, Article) and not item.heads and item.byline is None
                           and element.get("prev") is None and element is not div), None)
        if target is None:
            for fw in div.iter(T + "fw"):
                if fw.get("type") == "continuation":
                    etree.strip_tags(fw, T + "ref")
            return
        div.set("part", "M" if div.get("part") in ("F", "M") else "I")
        div.set("next", f"#{target.get(XML_ID)}")
        target.set("part", "M" if target.get("part") in ("I", "M") else "F")
        target.set("prev", f"#{div.get(XML_ID)}")
        _point_notices(div, f"#{target.get(XML_ID)}")
        if notice is not None:                 # the printed 上接 notice opens the part it heads
            ref = el("ref", type="continuation", target=f"#{div.get(XML_ID)}")
            ref.text, notice.text = notice.text, None
            ref.extend(list(notice))
            notice.append(ref)
            notice.tail = None
            target.insert(0, notice)

    # -- articles -------------------------------------------------------
    def article(self, article: Article, number: int) -> etree._Element:
        art_id = f"{self.issue_id}-a{number:02d}"
        div = el("div", type="article", xml_id=art_id)
        self.counts["articles"] += 1
        top = sorted(article.heads + article.argument, key=lambda b: b.first_line)
        summary_no = 0
        for block in top:
            if block.kind == "head":
                for head in split_heading(block):
                    h = self.head(head)
                    if article.head_cert and article.head_cert != "high":
                        h.set("cert", article.head_cert)
                    div.append(h)
            else:
                arg = div.find(T + "argument")
                if arg is None or div[-1] is not arg:
                    arg = sub(div, "argument")
                summary_no += 1
                p = sub(arg, "p", xml_id=f"{art_id}-s{summary_no:02d}")
                self.fill(p, block)
        if article.quoted:   # printed elsewhere on the page: its place is inferred
            arg = sub(div, "argument", cert="medium")
            for block in article.quoted:
                summary_no += 1
                self.fill(sub(arg, "p", xml_id=f"{art_id}-s{summary_no:02d}"), block)
        if article.byline is not None:
            byline = sub(div, "byline")
            self.fill(byline, article.byline)
        para_no = 0
        container = div
        previous_measure = None
        for block in article.body:
            if block.kind == "head":
                container = sub(div, "div", type="section")
                head = sub(container, "head")
                self.fill(head, block)
                self.counts["headings"] += 1
                continue
            measure = first_measure(block)
            if previous_measure and measure and measure_changed(previous_measure, measure):
                sub(container, "cb")
            previous_measure = paragraph_measure(block) or previous_measure
            para_no += 1
            p = sub(container, "p", xml_id=f"{art_id}-p{para_no:02d}")
            self.fill(p, block)
            self.counts["paragraphs"] += 1
        for notice in article.notices:
            fw = sub(div, "fw", type="continuation")
            ref = sub(fw, "ref", type="continuation")
            if article.notice_cert and article.notice_cert != "high":
                ref.set("cert", article.notice_cert)
            self.fill(ref, notice)
        return div

    def head(self, block: Block) -> etree._Element:
        head = el("head", type=block.head_type or "main")
        self.fill(head, block)
        self.counts["headings"] += 1
        return head

    def figure(self, block: Block, number: int) -> etree._Element:
        fig_id = f"{self.issue_id}-f{number:02d}"
        figure = el("figure", xml_id=fig_id)
        p = sub(figure, "p", xml_id=f"{fig_id}-p01")
        self.fill(p, block)
        return figure

    def masthead(self, block: Block, n: int = 1) -> etree._Element:
        """The masthead as printed; a masthead cut in two by a stray line keeps its ids
        unique (`-masthead`, `-masthead-2`), and validation points at the second part."""
        suffix = "" if n == 1 else f"-{n}"
        div = el("div", type="masthead", xml_id=f"{self.issue_id}-masthead{suffix}")
        for seg in block.segments:
            fw = sub(div, "fw", type="masthead")
            text = seg.text.strip()
            match = DATE.search(text)
            if match and self.meta.date:
                fw.text = text[: match.start()]
                date = sub(fw, "date", match.group(0), when=self.meta.date)
                date.tail = text[match.end():]
            else:
                fw.text = text
        return div

    # -- text with line breaks -----------------------------------------
    def fill(self, element: etree._Element, block: Block) -> None:
        """The block's lines joined by <lb/>, extraction spaces removed and remembered;
        <cb/> where the column measure changes inside the block."""
        offset = 0
        last = element
        element.text = ""
        for k, seg in enumerate(block.segments):
            if k:
                tag = "cb" if k in block.cb_before else None
                if tag:
                    last = sub(element, "cb")
                    last.tail = ""
                last = sub(element, "lb")
                last.tail = ""
            text = seg.text.strip()
            pieces = []
            pos = 0
            for match in EXTRACTION_SPACE.finditer(text):
                pieces.append(text[pos:match.start()])
                offset += match.start() - pos
                self.spaces.append((element, offset))
                pos = match.end()
            pieces.append(text[pos:])
            offset += len(text) - pos
            joined = "".join(pieces)
            if last is element:
                element.text += joined
            else:
                last.tail += joined

    # -- header ---------------------------------------------------------
    def header(self) -> etree._Element:
        ed, meta, src = self.edition, self.meta, self.source
        header = el("teiHeader")
        file_desc = sub(header, "fileDesc")
        title_stmt = sub(file_desc, "titleStmt")
        when = f"（{meta.date}）" if meta.date else ""
        sub(title_stmt, "title", f"{ed.title} 第{meta.number}期{when}", type="main")
        sub(title_stmt, "title", "TEI 电子版", type="sub")
        resp_stmt = sub(title_stmt, "respStmt")
        sub(resp_stmt, "resp", "自动转换与编码（版面分析、分段、标题归属）")
        sub(resp_stmt, "name", f"tei-build {__version__}", xml_id="teibuild")
        edition_stmt = sub(file_desc, "editionStmt")
        sub(edition_stmt, "edition", ed.subtitle or f"{ed.title}数字编辑版", n=ed.version)
        pub = sub(file_desc, "publicationStmt")
        sub(pub, "publisher", ed.editor)
        if ed.place:
            sub(pub, "pubPlace", ed.place)
        availability = sub(pub, "availability")
        sub(availability, "licence", ed.licence, target=ed.licence_url)
        if ed.base_url:
            sub(pub, "idno", f"{ed.base_url.rstrip('/')}/issues/{self.issue_id}.html", type="URL")
        sub(pub, "idno", self.issue_id, type="issue")
        source_desc = sub(file_desc, "sourceDesc")
        bibl = sub(source_desc, "biblStruct")
        monogr = sub(bibl, "monogr")
        sub(monogr, "title", ed.title, level="j", xml_lang="zh-Hans")
        if ed.title_latn:
            sub(monogr, "title", ed.title_latn, level="j", type="romanized",
                xml_lang="zh-Latn-pinyin")
        if meta.permit:
            sub(monogr, "idno", meta.permit, type="permit")
        if meta.url:
            sub(monogr, "idno", meta.url, type="URL")
        imprint = sub(monogr, "imprint")
        if ed.place:
            sub(imprint, "pubPlace", ed.place)
        publisher = meta.publisher or ed.publisher
        if publisher:
            sub(imprint, "publisher", publisher)
        if meta.date:
            sub(imprint, "date", meta.date_text or meta.date, when=meta.date)
        sub(imprint, "biblScope", f"第{meta.number}期", unit="issue", n=meta.number)
        if meta.pages:
            sub(imprint, "biblScope", meta.pages_text or f"{meta.pages}版", unit="page",
                **{"from": "1", "to": str(meta.pages)})
        extent_parts = [f"{meta.pages} 版" if meta.pages else None, meta.frequency]
        extent = "；".join(p for p in extent_parts if p)
        if extent:
            sub(monogr, "extent", extent)
        header.append(self.encoding_desc())
        profile = sub(header, "profileDesc")
        lang_usage = sub(profile, "langUsage")
        sub(lang_usage, "language", "简体中文", ident="zh-Hans")
        revision = sub(header, "revisionDesc")
        change = sub(revision, "change", who="#teibuild")
        change.text = (f"由 tei-build {__version__} 自动转换自 {src.name}"
                       f"（{src.encoding}，{src.lines} 行，sha256:{src.sha256}）。")
        return header

    def encoding_desc(self) -> etree._Element:
        enc = el("encodingDesc")
        project = sub(enc, "projectDesc")
        sub(project, "p", "本文件由报纸版面的抽取文本自动转换而成，供学术引用与核对。"
                          " Converted automatically from the extracted text of the printed page "
                          "for scholarly citation; automatic decisions are marked with @cert.")
        decl = sub(enc, "editorialDecl")
        norm = sub(decl, "normalization")
        sub(norm, "p", "文本经 Unicode NFC 规范化。抽取时在汉字与数字、拉丁字母之间产生的空格"
                       "（如“3月 17日”）从正文中删去，其位置以 <space type=\"extraction\"/> 标记，"
                       "原文可据此还原；行首行尾的版面空白不予保留。"
                       " Text is NFC-normalised. Spaces that extraction put between Chinese "
                       "characters and figures or Latin letters are removed from the text and "
                       "their places marked with space[@type='extraction'], so the extracted "
                       "text can be rebuilt; margins at line starts and ends are layout, not text.")
        seg = sub(decl, "segmentation")
        sub(seg, "p", "每个原始换行以 <lb/> 保留（其两侧无空白）。段落依据首行缩进、末行短行与句末标点"
                      "由折行重建；栏宽变化处标 <cb/>。标题（引题 kicker、主题 main、副题 sub）"
                      "依据无句末标点且不与下行相接的短行识别。"
                      " Every source line break is kept as <lb/>. Paragraphs are rebuilt from "
                      "wrapped lines using the indented first line, the short last line and "
                      "sentence-final punctuation; <cb/> marks a change of column measure.")
        interp = sub(decl, "interpretation")
        sub(interp, "p", "自动判断以 @cert 标明把握程度：标题与报道的归属（high 为版面位置所确定，"
                         "medium 为本版标题位置惯例与措辞一致，low 为二者不一致）、转版提示所属报道、"
                         "以及续文所在版面。"
                         " Automatic decisions carry @cert: which report a heading belongs to "
                         "(high: forced by position; medium: the page's convention and the "
                         "wording agree; low: they disagree), which report a continuation notice "
                         "belongs to, and the page a cut-off report continues on.")
        for decision in self.decisions:
            sub(interp, "p", decision)
        app_info = sub(enc, "appInfo")
        app = sub(app_info, "application", ident="tei-build", version=__version__)
        sub(app, "label", "tei-build")
        return enc


def _page_key(value: str) -> int:
    digits = "".join(c for c in str(value) if c.isdigit())
    return int(digits) if digits else 0


def insert_spaces(spaces: list[tuple[etree._Element, int]]) -> None:
    """Put <space type="extraction"/> back at the text offsets recorded while writing,
    after tagging has wrapped names and dates around the text (offsets are unchanged
    by markup, so each lands in the element that now holds that character)."""
    by_element: dict = {}
    for element, offset in spaces:
        by_element.setdefault(element, []).append(offset)
    for element, offsets in by_element.items():
        for offset in sorted(offsets, reverse=True):
            _insert_at(element, offset)


def _insert_at(element: etree._Element, offset: int) -> None:
    marker = el("space", type="extraction", quantity="1", unit="chars")
    position = 0
    fallback = None
    for node, attr in _text_slots(element):
        text = getattr(node, attr) or ""
        if position <= offset < position + len(text):
            _split_slot(node, attr, offset - position, marker)
            return
        if offset == position + len(text):
            fallback = (node, attr, len(text))
        position += len(text)
    if fallback is None:
        raise ValueError("text offset outside the element")
    _split_slot(*fallback, marker)


def _split_slot(node: etree._Element, attr: str, cut: int, marker: etree._Element) -> None:
    text = getattr(node, attr) or ""
    setattr(node, attr, text[:cut])
    marker.tail = text[cut:]
    if attr == "text":
        node.insert(0, marker)
    else:
        parent = node.getparent()
        parent.insert(parent.index(node) + 1, marker)


def _text_slots(element: etree._Element):
    """Text-bearing slots of an element's content in document order: (node, 'text'|'tail')."""
    yield element, "text"
    for child in element:
        yield from _descendant_slots(child)


def _descendant_slots(node: etree._Element):
    yield node, "text"
    for child in node:
        yield from _descendant_slots(child)
    yield node, "tail"


def _point_notices(div: etree._Element, target: str) -> None:
    for ref in div.iter(T + "ref"):
        if ref.get("type") == "continuation":
            ref.set("target", target)

