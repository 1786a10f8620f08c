"""What may reach the published site from a TEI file: safe links, safe paths, a CSP.

A TEI file can come from anyone. The HTML edition escapes its text (Jinja
autoescape, the XSLT writes no raw markup), but links need a rule of their own
(a `javascript:` URL is script however well it is escaped), and so do file
names made from identifiers. The Content-Security-Policy is the second line of
defence should anything still slip through.
"""

from __future__ import annotations

import posixpath
import re

from .errors import TeiBuildError

#: Schemes a link from a TEI document may use; anything else is dropped.
SAFE_SCHEMES = ("http", "https", "mailto")

#: Every page: its own stylesheets, scripts and images only; no inline script,
#: no plug-ins, no <base> or form redirection, no framing of other sites.
#: 'wasm-unsafe-eval' lets the search (Pagefind) compile its WebAssembly; it
#: allows no JavaScript eval.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; "
    "img-src 'self' data:; font-src 'self'; connect-src 'self'; object-src 'none'; "
    "base-uri 'none'; form-action 'self'; frame-src 'none'")

_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*):")
_INVISIBLE = re.compile(r"[\x00-\x20\x7f-\x9f\u00ad\u200b-\u200f\u2028-\u202e\u2060-\u206f\ufeff]")


def safe_url(url: str | None) -> str:
    """`url` if it is a relative link or uses a safe scheme, else "" (no link at all).

    Browsers ignore tabs, newlines and leading control characters inside a scheme
    (`java\\tscript:`), so the scheme is judged with those removed.
    """
    if not url:
        return ""
    squeezed = _INVISIBLE.sub("", url)
    match = _SCHEME.match(squeezed)
    if match is None:
        # no scheme: relative, unless it only looks relative to us (`//host`, `\\host`)
        return "" if squeezed[:2] in ("//", "\\\\", "/\\", "\\/") else url
    return url if match.group(1).lower() in SAFE_SCHEMES else ""


def check_relative_path(rel: str) -> str:
    """A path inside the output folder: no absolute path, no `..`, no empty part."""
    parts = rel.split("/")
    if rel.startswith("/") or "\\" in rel or any(p in ("", ".", "..") for p in parts) \
            or posixpath.normpath(rel) != rel:
        raise TeiBuildError(f"refusing to write {rel!r}: it is not a plain path inside the "
                            "output folder (an identifier with '/', '..' or nothing in it?)")
    return rel
