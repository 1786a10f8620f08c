"""Running the edition's XSLT: compiled once per process, sandboxed.

The stylesheets are trusted code but the TEI they read is not: the access
control forbids reading or writing files and all network access at run time, so a
stylesheet bug or a hostile document can touch nothing beyond the result tree.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from lxml import etree

from ..errors import TeiBuildError
from ..resources import resource_dir
from ..xmlsafe import safe_parser

# xsl:import is resolved while compiling (see _StylesheetsOnly); at run time nothing is read.
_ACCESS = etree.XSLTAccessControl(read_file=False, write_file=False, create_dir=False,
                                  read_network=False, write_network=False)


class _StylesheetsOnly(etree.Resolver):
    """xsl:import may load the edition's own stylesheets and nothing else."""

    def __init__(self, folder: Path):
        super().__init__()
        self.folder = folder

    def resolve(self, url, pubid, context):  # noqa: D401 - lxml API
        path = Path(url.removeprefix("file://")).resolve()
        if path.parent == self.folder and path.suffix == ".xsl":
            return self.resolve_filename(str(path), context)
        raise TeiBuildError(f"stylesheet may not load {url!r}")


@lru_cache(maxsize=None)
def stylesheet(name: str) -> etree.XSLT:
    """The compiled `xslt/<name>`; a broken stylesheet is one clear error."""
    folder = resource_dir("xslt").resolve()
    path = folder / name
    parser = safe_parser(resolver=_StylesheetsOnly(folder))
    try:
        return etree.XSLT(etree.parse(str(path), parser), access_control=_ACCESS)
    except (etree.XSLTParseError, etree.XMLSyntaxError) as exc:
        raise TeiBuildError(f"stylesheet does not compile: {exc}", path=str(path)) from None


def transform(name: str, tree: etree._ElementTree, **params: str) -> etree._XSLTResultTree:
    """Apply `xslt/<name>` with string parameters (quoted safely, never as XPath)."""
    xslt = stylesheet(name)
    quoted = {key.replace("_", "-"): etree.XSLT.strparam(value) for key, value in params.items()}
    try:
        return xslt(tree, **quoted)
    except etree.XSLTApplyError as exc:
        source = tree.docinfo.URL or "<tei>"
        raise TeiBuildError(f"{name} failed: {exc}", path=source) from None
