"""Wrapping character spans of mixed content in elements, across <lb/>.

An element's text is flattened (line breaks become zero-width milestones) so
that names broken across lines (杜松<lb/>全) are found whole; spans found in the
flat text are then written back as nested elements. Every character and every
milestone comes back in the same order: nothing is lost, reordered or added.
Child elements other than <lb/> (markup an editor or an earlier run added)
are kept as they are and never cut by a new span.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from lxml import etree

from .. import TEI_NS

LB = f"{{{TEI_NS}}}lb"


@dataclass
class Span:
    start: int
    end: int
    tag: str  # local name in the TEI namespace
    attrs: dict[str, str] = field(default_factory=dict)
    children: list["Span"] = field(default_factory=list)


@dataclass
class Flat:
    """An element's content as plain text plus where its child elements sit."""
    text: str
    milestones: list[tuple[int, etree._Element]]  # lb (and other empty elements) at offset
    blocks: list[tuple[int, int, etree._Element]]  # elements with text: [start, end)

    def free(self, start: int, end: int) -> bool:
        """True if [start, end) cuts no existing element and contains no whole one."""
        return all(end <= s or start >= e for s, e, _ in self.blocks)


def flatten(elem: etree._Element) -> Flat:
    parts: list[str] = [elem.text or ""]
    pos = len(parts[0])
    milestones, blocks = [], []
    for child in elem:
        if not isinstance(child.tag, str):  # comments, processing instructions
            inner = ""
        else:
            inner = "".join(child.itertext())
        if inner:
            blocks.append((pos, pos + len(inner), child))
        else:
            milestones.append((pos, child))
        parts.append(inner)
        pos += len(inner)
        parts.append(child.tail or "")
        pos += len(child.tail or "")
    return Flat("".join(parts), milestones, blocks)


def nest(spans: list[Span]) -> list[Span]:
    """Turn a flat list of properly nested spans into a tree (outer spans first)."""
    roots: list[Span] = []
    stack: list[Span] = []
    for span in sorted(spans, key=lambda s: (s.start, -s.end)):
        span.children = []
        while stack and stack[-1].end <= span.start:
            stack.pop()
        if stack:
            if span.end > stack[-1].end:
                raise ValueError(f"span {span} crosses {stack[-1]}")
            stack[-1].children.append(span)
        else:
            roots.append(span)
        stack.append(span)
    return roots


def rewrap(elem: etree._Element, flat: Flat, spans: list[Span]) -> None:
    """Rebuild `elem`'s content from `flat` with `spans` wrapped in new elements."""
    for child in list(elem):
        tail = child.tail
        elem.remove(child)
        child.tail = tail  # keep for reuse below; reset when re-attached
    elem.text = None
    items = sorted([(p, 0, m) for p, m in flat.milestones], key=lambda x: x[0])
    _emit(elem, flat, 0, len(flat.text), nest(spans), items, root=True)


def _emit(node, flat, lo, hi, children, milestones, root=False):
    cursor = lo
    include_lo = root
    for child in children:
        _plain(node, flat, cursor, child.start, milestones, include_lo, True)
        sub = etree.SubElement(node, f"{{{TEI_NS}}}{child.tag}")
        for key in sorted(child.attrs):
            sub.set(key, child.attrs[key])
        _emit(sub, flat, child.start, child.end, child.children, milestones)
        cursor = child.end
        include_lo = True
    _plain(node, flat, cursor, hi, milestones, include_lo, root)


def _plain(node, flat, lo, hi, milestones, include_lo, include_hi):
    """Text [lo, hi) with the milestones and kept elements that fall in it."""
    events = [(p, 0, m) for p, _, m in milestones
              if (lo < p < hi) or (p == lo and include_lo) or (p == hi and include_hi and p != lo)]
    events += [(s, 1, b, e) for s, e, b in flat.blocks if lo <= s and e <= hi]
    events.sort(key=lambda ev: (ev[0], ev[1]))
    cursor = lo
    for ev in events:
        _append_text(node, flat.text[cursor:ev[0]])
        el = ev[2]
        el.tail = None
        node.append(el)
        cursor = ev[3] if ev[1] == 1 else ev[0]
    _append_text(node, flat.text[cursor:hi])


def _append_text(node, text):
    if not text:
        return
    if len(node):
        last = node[-1]
        last.tail = (last.tail or "") + text
    else:
        node.text = (node.text or "") + text
