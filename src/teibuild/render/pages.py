"""Page chrome: the Jinja environment, relative links, and one page in both scripts.

XSLT has already turned the TEI into HTML fragments; here they are placed
into the shared layout. Every link is relative to the page that carries it,
so the site works from file:// as well as from any web server path.
"""

from __future__ import annotations

import hashlib
import html as htmlmod
import posixpath
import re
from dataclasses import dataclass
from functools import cached_property, lru_cache

import jinja2
from jinja2 import (Environment, FileSystemBytecodeCache, FileSystemLoader, StrictUndefined,
                    TemplateNotFound)
from markupsafe import Markup
from lxml import etree

from ..cachedir import cache_dir
from ..resources import templates_dir
from ..websafe import CONTENT_SECURITY_POLICY
from .hant import HANS, HANT, html_to_hant, restored

SCRIPTS = (HANS, HANT)
_PREFIX = {HANS: "", HANT: "zh-Hant/"}
_LABEL = {HANS: "简体", HANT: "繁體"}
_FOOTER = re.compile(r'<footer class="article-footer" data-article="([^"]*)"></footer>')


@dataclass(frozen=True)
class Here:
    """Where a page lives in the site (inside one script's tree) and how to link from it."""
    path: str
    script: str = HANS

    @property
    def file(self) -> str:
        return _PREFIX[self.script] + self.path

    @property
    def lang(self) -> str:
        return self.script

    @property
    def other(self) -> str:
        return HANT if self.script == HANS else HANS

    @property
    def other_label(self) -> str:
        return _LABEL[self.other]

    @cached_property
    def _folder(self) -> str:
        # (a page's templates link hundreds of times: its folder is worked out once)
        return posixpath.dirname(self.file) or "."

    def _rel(self, target: str) -> str:
        return _relpath(target, self._folder)

    def link(self, target: str) -> str:
        """A page of the same script, by its path from the script's root."""
        return self._rel(_PREFIX[self.script] + target)

    def shared(self, target: str) -> str:
        """A file both scripts share (static/, tei/), by its path from the site root."""
        return self._rel(target)

    def text(self, target: str) -> str:
        """A file of the plain-text edition, beside the HTML (editions/txt/…)."""
        return self._rel(f"../txt/{self.script}/{target}")

    @property
    def root(self) -> str:
        """Prefix from this page to its script's root: '' or '../' …"""
        rel = self.link("index.html")
        return rel[: -len("index.html")]

    @property
    def switch(self) -> str:
        """The same page in the other script."""
        return self._rel(_PREFIX[self.other] + self.path)


class _Both(Here):
    """A page of both scripts at once, for one render of its template: what differs
    between them is written as a stand-in character, and `put_in` writes each script's.

    A zh-Hant page's folder is the zh-Hans one's under zh-Hant/, so a link within a
    script's tree is the same from both; a link out of it (a shared file, a text) climbs
    one folder more. The stand-ins are C0 control characters, which no TEI text holds
    (XML forbids them) and `edition.load_edition` refuses, so they stand for nothing else;
    none is readable text or in an attribute `html_to_hant` converts."""

    _UP, _SCRIPT, _SWITCH, _LANG, _OTHER, _OTHER_LABEL, _TREE = "\x01", "\x02", "\x03", \
        "\x04", "\x05", "\x06", "\x07"
    lang, other, other_label, switch = _LANG, _OTHER, _OTHER_LABEL, _SWITCH

    def __init__(self, path: str):
        super().__init__(path, self._LANG)

    @property
    def file(self) -> str:
        return self._TREE + self.path

    @cached_property
    def _folder(self) -> str:
        # (the zh-Hans page's: links are worked out from there)
        return posixpath.dirname(self.path) or "."

    def link(self, target: str) -> str:
        return self._rel(target)

    def shared(self, target: str) -> str:
        return self._UP + self._rel(target)

    def text(self, target: str) -> str:
        return self._UP + self._rel(f"../txt/{self._SCRIPT}/{target}")

    def put_in(self, page: str, script: str) -> str:
        """The page as `Here(self.path, script)` would have rendered it."""
        here = Here(self.path, script)
        for stand_in, value in ((self._UP, "" if script == HANS else "../"),
                                (self._SCRIPT, script), (self._SWITCH, here.switch),
                                (self._LANG, script), (self._OTHER, here.other),
                                (self._OTHER_LABEL, here.other_label),
                                (self._TREE, _PREFIX[script])):
            if stand_in in page:
                page = page.replace(stand_in, value)
        return page


@lru_cache(maxsize=4096)
def _relpath(target: str, start: str) -> str:
    """posixpath.relpath for paths inside the site, without asking the OS for the cwd."""
    if not target or target.startswith("/") or start.startswith("/"):
        return posixpath.relpath(target, start)
    there = posixpath.normpath(target).split("/")
    here = [] if start == "." else posixpath.normpath(start).split("/")
    if ".." in here or "." in here:
        return posixpath.relpath(target, start)
    if there == ["."]:
        there = []
    common = 0
    for a, b in zip(there, here):
        if a != b:
            break
        common += 1
    return "/".join([".."] * (len(here) - common) + there[common:]) or "."


_OPTIONS = dict(autoescape=True, undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True,
                keep_trailing_newline=True, auto_reload=False)


@lru_cache(maxsize=None)
def environment() -> Environment:
    env = Environment(loader=FileSystemLoader(str(templates_dir())),
                      bytecode_cache=_bytecode_cache(), **_OPTIONS)
    env.globals["tei_text"] = tei_text
    env.globals["cite_box"] = cite_box
    env.globals["content_security_policy"] = CONTENT_SECURITY_POLICY
    return env


class _KeptTemplates(FileSystemBytecodeCache):
    """Compiled templates kept between commands: a new process compiled the ~80 templates
    an issue uses in ~0.2 s, a tenth of a one-issue rebuild's rendering. Jinja keys them
    by the template's path and source; the folder's name covers the rest (Jinja's version
    and the options). A cache that cannot be written is only no cache."""

    def dump_bytecode(self, bucket) -> None:
        try:
            super().dump_bytecode(bucket)
        except OSError:
            pass


def _bytecode_cache() -> _KeptTemplates | None:
    """The templates' cache in tei-build's cache folder (`cachedir.cache_dir`), if any."""
    folder = cache_dir()
    if folder is None:
        return None
    options = repr(sorted((k, getattr(v, "__name__", v)) for k, v in _OPTIONS.items()))
    key = hashlib.sha256(f"{jinja2.__version__} {options}".encode()).hexdigest()[:16]
    folder = folder / f"jinja-{key}"
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError:
        return None
    return _KeptTemplates(str(folder))


def fragment(result: etree._XSLTResultTree) -> str:
    """Serialise an XSLT result as HTML (the serializer escapes every TEI string)."""
    root = result.getroot()
    return "" if root is None else serialize(root)


def serialize(element: etree._Element) -> str:
    """One element of an XSLT result as HTML, without what follows it."""
    return etree.tostring(element, method="html", encoding="unicode", with_tail=False)


def tei_text(text: str, here: Here, issue, **context) -> Markup:
    """The XSLT fragment with each article's footer filled from partials/article_footer.html."""
    footer = environment().get_template("partials/article_footer.html")

    def fill(m: re.Match) -> str:
        article = issue.article(htmlmod.unescape(m.group(1)))
        if article is None:
            return m.group(0)
        inner = footer.render(here=here, issue=issue, article=article, **context)
        return f'<footer class="article-footer">{inner.strip()}</footer>'

    return Markup(_FOOTER.sub(fill, text))


_BOXES: dict = {}


def cite_box(citation: dict, here: Here) -> Markup:
    """partials/cite.html for one citation context. The box depends on the page only
    through the links to its downloads, so an article's box, the same on the issue
    page and on its own, is rendered once for each set of links."""
    links = tuple(here.shared(path) for path in citation["downloads"].values())
    key = (id(citation), links)
    if key not in _BOXES:
        try:
            box = environment().get_template("partials/cite.html")
        except TemplateNotFound:
            return Markup("")
        if len(_BOXES) >= 512:
            _BOXES.clear()
        # the citation is kept with its box, so that its id names no other while it is here
        _BOXES[key] = (citation, Markup(box.render(citation=citation, here=here)))
    return _BOXES[key][1]


def page_files(path: str) -> list[str]:
    """The files `render_page` writes for the page at `path`, one a script."""
    return [f"html/{Here(path, script).file}" for script in SCRIPTS]


def render_page(template: str, path: str, edition, *,
                parts: dict[str, tuple[str, str | None]] | None = None,
                **context) -> dict[str, bytes]:
    """One page in zh-Hans and in zh-Hant: {'html/<path>': bytes, 'html/zh-Hant/<path>': …}.

    The template is rendered once, for both scripts (`_Both`), and converted to zh-Hant;
    each script's links and labels are then put in. `parts`: values of the context given
    in both scripts, {name: (HTML, its zh-Hant or None)}, each whole lines between block
    tags (`mentions.mention_list`); the zh-Hant page takes the converted one rather than
    converting it again."""
    tpl = environment().get_template(template)
    both = _Both(path)
    hans, hant = _both_pages(tpl, both, edition, parts or {}, context)
    return {f"html/{Here(path, script).file}": both.put_in(page, script).encode("utf-8")
            for script, page in ((HANS, hans), (HANT, hant))}


def _both_pages(tpl, here, edition, parts: dict, context: dict) -> tuple[str, str]:
    """The page and its zh-Hant conversion. Rendered with a marker on a line of its own
    for each of `parts`, which the zh-Hans page replaces with the part and the zh-Hant
    page with its conversion (`html_to_hant`'s `done`); or rendered with the parts as
    they are and converted whole, where a part has no conversion or the template does
    not give its marker a line of its own."""
    if parts and all(converted is not None for _, converted in parts.values()):
        markers = {name: f"<!--tei-build:{name}-->" for name in parts}
        page = tpl.render(here=here, edition=edition, **{
            **context, **{name: Markup(marker + "\n") for name, marker in markers.items()}})
        if all(page.count(marker) == 1 and (page.startswith(marker + "\n")
                                             or f"\n{marker}\n" in page)
               for marker in markers.values()):
            done = {markers[name]: part for name, part in parts.items()}
            return restored(page, done), html_to_hant(page, edition.opencc, done)
    page = tpl.render(here=here, edition=edition, **context,
                      **{name: Markup(part) for name, (part, _) in parts.items()})
    return page, html_to_hant(page, edition.opencc)
