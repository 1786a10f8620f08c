"""Find the issue file that holds an identifier, without reading every issue.

Identifiers are hierarchical (`hongkou-1845` ⊃ `hongkou-1845-a03` ⊃
`hongkou-1845-a03-p02`), so the issue file is named by a prefix of the ID.
"""

from __future__ import annotations

from pathlib import Path

from lxml import etree

from ..errors import TeiBuildError
from ..xmlsafe import parse_file
from .csl import XML_ID, find_element


def issue_candidates(target_id: str) -> list[str]:
    """Longest first: `a-1845-a03-p02` → `a-1845-a03-p02`, `a-1845-a03`, `a-1845`, `a`."""
    parts = target_id.split("-")
    return ["-".join(parts[:n]) for n in range(len(parts), 0, -1)]


def find_target(tei_dir: str | Path, target_id: str) -> tuple[etree._ElementTree, Path]:
    """The parsed issue holding `target_id`, and its path; one clear error otherwise."""
    tei_dir = Path(tei_dir)
    if not tei_dir.is_dir():
        raise TeiBuildError("TEI folder not found", path=str(tei_dir))
    if not target_id or any(c.isspace() or c in "/\\" for c in target_id):
        raise TeiBuildError(f"{target_id!r} is not an identifier like hongkou-1845-a03-p02")
    for issue_id in issue_candidates(target_id):
        path = tei_dir / f"{issue_id}.xml"
        if not path.is_file():
            continue
        tree = parse_file(path)
        if tree.getroot().get(XML_ID) != issue_id:
            continue
        if find_element(tree, target_id) is not None:
            return tree, path
        raise TeiBuildError(f"unknown identifier {target_id!r}: issue {issue_id} has no such "
                            "article, paragraph or element", path=str(path))
    raise TeiBuildError(f"unknown identifier {target_id!r}: no issue file for it in {tei_dir}/")
