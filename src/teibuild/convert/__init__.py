"""convert: the extracted text of one issue → a TEI P5 document (layout only; names
and dates are added afterwards by `teibuild.tag`)."""

from __future__ import annotations

from pathlib import Path

from ..edition import Edition
from ..errors import TeiBuildError
from ..fsutil import sha256
from .decode import read_source
from .layout import segment_page
from .masthead import ISSUE, IssueMeta, read_masthead
from .overrides import Overrides, load_overrides, overrides_path
from .structure import build_page
from .tei import Built, IssueWriter, Source, insert_spaces

__all__ = ["convert_bytes", "Built", "insert_spaces", "Overrides", "load_overrides",
           "overrides_path"]


def convert_bytes(data: bytes, name: str, edition: Edition, overrides: Overrides | None = None,
                  encoding: str | None = None) -> Built:
    """Decode, analyse the layout page by page, apply the editor's overrides, write TEI."""
    source = read_source(data, name, encoding)
    overrides = overrides or Overrides()
    pages = []
    all_blocks = []
    by_page: dict[int, list] = {}
    for line in source.lines:
        by_page.setdefault(line.page, []).append(line)
    for number in source.pages:
        blocks = segment_page(by_page.get(number, []), overrides,
                              (edition.title, edition.title_latn))
        all_blocks.extend(blocks)
        pages.append(overrides.apply_structure(build_page(number, blocks)))
    overrides.check_used(name)
    meta = read_masthead([b for b in all_blocks if b.kind == "masthead"], name)
    meta = _complete_meta(meta, overrides, name, source.lines)
    decisions = overrides.describe()
    writer = IssueWriter(edition, meta, Source(name=Path(name).name, sha256=sha256(data),
                                               encoding=source.encoding,
                                               lines=max(l.number for l in source.lines)),
                         decisions)
    pages = overrides.reorder(pages)
    return writer.build(pages)


def _complete_meta(meta: IssueMeta, overrides: Overrides, name: str, lines) -> IssueMeta:
    """Overrides win over the masthead; without an issue number there is no identifier."""
    for key, value in overrides.issue.items():
        setattr(meta, key, value)
    if meta.number is None:
        printed = next((line for line in lines if ISSUE.search(line.text)), None)
        if printed is not None:   # a 第N期 line the layout did not take for the masthead
            raise TeiBuildError(
                f"no issue number: {printed.text.strip()!r} was not read as the masthead "
                "(it has neither its date nor other masthead lines beside it); mark it in the "
                f"override file as [lines] {printed.number} = \"masthead\", or give "
                "[issue] number = \"…\"", path=name, line=printed.number)
        raise TeiBuildError("no issue number: the masthead has no 第N期 line; give one in the "
                            "override file as [issue] number = \"…\"", path=name, line=1)
    if not str(meta.number).isdigit():
        raise TeiBuildError(f"issue number {meta.number!r} must be digits", path=name)
    return meta
