"""The ODD's prose as an HTML fragment: the edition's "Encoding guidelines" page."""

from __future__ import annotations

import functools

from lxml import etree

from ..resources import resource_dir
from ..xmlsafe import parse_file


@functools.lru_cache(maxsize=1)
def _transform() -> etree.XSLT:
    return etree.XSLT(parse_file(resource_dir("xslt") / "odd2html.xsl"),
                      access_control=etree.XSLTAccessControl.DENY_ALL)


def guidelines_html() -> str:
    """An HTML fragment (one <section>, no <html>/<body>) documenting every encoding decision."""
    odd = parse_file(resource_dir("schemas") / "tei-newspaper.odd")
    result = _transform()(odd)
    return etree.tostring(result.getroot(), method="html", encoding="unicode")
