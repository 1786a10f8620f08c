"""Hypothesis strategies that damage inputs the way archives, OCR and careless edits do:
bytes flipped, cut or spliced into a source; TEI elements moved, copied, dropped,
re-attributed or wrapped, with the nastiest values attributes can hold."""

from __future__ import annotations

import copy

from hypothesis import strategies as st
from lxml import etree

from teibuild import TEI_NS, XML_NS

T = "{%s}" % TEI_NS

NASTY_TEXT = st.sampled_from([
    "<script>alert(1)</script>", "&amp;", "&", "]]>", "\"'", "“未完", "「", "下转▶4版", "上接▶1版",
    "■", "\u202e反向", "\u200b", "😀", "\U00020000", "第1845期", "2022年2月30日", "星期八",
    "\t", "  ", "\n", "本报讯（记者 ", "）", "。", "javascript:alert(1)", "../../x",
])
TEXT = st.one_of(NASTY_TEXT, st.text(
    st.characters(blacklist_categories=("Cs", "Cc"), blacklist_characters="\ufffe\uffff"),
    max_size=12))
VALUES = st.one_of(st.sampled_from([
    "", " ", "#", "#nope", "#hongkou-1845-a01", "#hongkou-1845-a03", "#hongkou-1845", "javascript:alert(1)",
    "JaVaScRiPt:x", "data:text/html,x", "vbscript:x", "//evil.example", "file:///etc/passwd",
    "persons.xml#", "persons.xml#../x", "persons.xml#lu-xuejiao", "places.xml#x y", "orgs.xml#.x",
    "x.xml#a", "0", "-1", "99999999999999999999", "1.5", "I", "M", "F", "X", "2022-02-30",
    "2022-03-25", "9999", "article", "masthead", "continuation", "kicker", "main", "sub",
    "untranscribed", "high", "low", "a b c", "\"><script>", "🙂",
]), st.text(st.characters(blacklist_categories=("Cs", "Cc")), max_size=8))
ATTRIBUTES = st.sampled_from([
    f"{{{XML_NS}}}id", f"{{{XML_NS}}}lang", "ref", "target", "n", "when", "notAfter", "notBefore",
    "part", "next", "prev", "type", "facs", "rend", "cert", "resp", "from", "to", "unit",
    "quantity", "reason",
])
WRAPPERS = st.sampled_from(["persName", "placeName", "orgName", "roleName", "date", "hi", "unclear",
                            "note", "ref", "head", "p", "fw", "seg", "foreign", "num"])


def _elements(root: etree._Element) -> list[etree._Element]:
    return [el for el in root.iter() if isinstance(el.tag, str)]


@st.composite
def mutated_tei(draw, data: bytes, max_steps: int = 4) -> bytes:
    """`data` (a TEI document) after a few random edits; sometimes no longer well-formed."""
    root = etree.fromstring(data)
    for _ in range(draw(st.integers(1, max_steps))):
        elements = _elements(root)
        el = elements[draw(st.integers(0, len(elements) - 1))]
        action = draw(st.sampled_from(["text", "tail", "attr", "drop-attr", "remove", "copy",
                                       "move", "wrap", "unwrap", "empty"]))
        parent = el.getparent()
        if action == "text":
            el.text = (el.text or "") + draw(TEXT)
        elif action == "tail" and parent is not None:
            el.tail = draw(TEXT) + (el.tail or "")
        elif action == "attr":
            el.set(draw(ATTRIBUTES), draw(VALUES))
        elif action == "drop-attr" and el.attrib:
            del el.attrib[draw(st.sampled_from(sorted(el.attrib)))]
        elif action == "remove" and parent is not None:
            _remove_keeping_tail(el)
        elif action == "copy" and parent is not None:
            parent.insert(parent.index(el) + 1, copy.deepcopy(el))
        elif action == "move" and parent is not None:
            others = [e for e in elements if e is not el and el not in e.iterancestors()
                      and e not in el.iter()]
            if others:
                target = others[draw(st.integers(0, len(others) - 1))]
                _remove_keeping_tail(el)
                el.tail = None
                target.insert(draw(st.integers(0, len(target))), el)
        elif action == "wrap":
            wrapper = etree.Element(T + draw(WRAPPERS))
            wrapper.text, el.text = el.text, None
            wrapper.extend(list(el))
            el.append(wrapper)
        elif action == "unwrap" and parent is not None and len(el) == 0:
            _remove_keeping_tail(el, keep_text=True)
        elif action == "empty":
            el.text = None
    out = etree.tostring(root, encoding="UTF-8", xml_declaration=True)
    if draw(st.integers(0, 9)) == 0:   # now and then, damage the bytes themselves
        out = draw(mutated_bytes(out, max_steps=2))
    return out


def _remove_keeping_tail(el: etree._Element, keep_text: bool = False) -> None:
    parent = el.getparent()
    kept = ((el.text or "") if keep_text else "") + (el.tail or "")
    previous = el.getprevious()
    if previous is not None:
        previous.tail = (previous.tail or "") + kept
    else:
        parent.text = (parent.text or "") + kept
    parent.remove(el)


@st.composite
def mutated_bytes(draw, data: bytes, max_steps: int = 6) -> bytes:
    """Bytes flipped, inserted, deleted, lines duplicated or swapped, or the file cut short."""
    buf = bytearray(data)
    for _ in range(draw(st.integers(1, max_steps))):
        if not buf:
            break
        at = draw(st.integers(0, len(buf) - 1))
        action = draw(st.sampled_from(["flip", "insert", "delete", "cut", "dup-line",
                                       "swap-lines", "splice"]))
        if action == "flip":
            buf[at] = draw(st.integers(0, 255))
        elif action == "insert":
            buf[at:at] = draw(st.one_of(st.binary(max_size=8), NASTY_TEXT.map(str.encode)))
        elif action == "delete":
            del buf[at:at + draw(st.integers(1, 64))]
        elif action == "cut":
            del buf[at:]
        else:
            lines = bytes(buf).split(b"\n")
            i = draw(st.integers(0, len(lines) - 1))
            j = draw(st.integers(0, len(lines) - 1))
            if action == "dup-line":
                lines.insert(i, lines[j])
            elif action == "swap-lines":
                lines[i], lines[j] = lines[j], lines[i]
            else:  # splice: a form feed or a page marker in the middle of a line
                lines[i] = lines[i][: len(lines[i]) // 2] + draw(st.sampled_from(
                    [b"\f", "=== 第2版 ===".encode(), b"\r", b"\r\n"])) + lines[i][len(lines[i]) // 2:]
            buf = bytearray(b"\n".join(lines))
    return bytes(buf)


@st.composite
def mutated_source(draw, data: bytes, max_steps: int = 6) -> bytes:
    """An extracted-text source edited as text (so it still decodes): characters and
    nasty strings inserted or deleted, lines cut, joined, copied or swapped, mastheads
    and notices broken; then encoded in one of the encodings sources come in."""
    lines = data.decode("utf-8").split("\n")
    for _ in range(draw(st.integers(1, max_steps))):
        i = draw(st.integers(0, len(lines) - 1))
        line = lines[i]
        at = draw(st.integers(0, len(line)))
        action = draw(st.sampled_from(["insert", "delete", "split", "join", "dup", "swap",
                                       "blank", "digits"]))
        if action == "insert":
            lines[i] = line[:at] + draw(TEXT) + line[at:]
        elif action == "delete":
            lines[i] = line[:at] + line[at + draw(st.integers(1, 20)):]
        elif action == "split":
            lines[i:i + 1] = [line[:at], line[at:]]
        elif action == "join" and i + 1 < len(lines):
            lines[i:i + 2] = [line + lines[i + 1]]
        elif action == "dup":
            lines.insert(draw(st.integers(0, len(lines))), line)
        elif action == "swap":
            j = draw(st.integers(0, len(lines) - 1))
            lines[i], lines[j] = lines[j], lines[i]
        elif action == "blank":
            lines[i] = ""
        elif action == "digits":  # dates, issue and page numbers go wrong in OCR
            lines[i] = "".join(draw(st.sampled_from("0123456789")) if c.isdigit() else c
                               for c in line)
    text = "\n".join(lines)
    encoding = draw(st.sampled_from(["utf-8", "utf-8", "utf-8-sig", "gb18030"]))
    return text.encode(encoding, errors="replace")
