"""What the outputs depend on, digested: the fingerprint (everything every page depends
on but the TEI), the search stage's code, each TEI file and the registers, a register
entry; and an issue's heading data, what the pages of other issues and entries may
show of it (`head`).

The pages' keys (see the package's docstring) are made of these: what a key leaves
out could change and leave a page stale.
"""

from __future__ import annotations

import hashlib
from dataclasses import fields, replace
from pathlib import Path

from .. import __version__
from ..code_digests import PACKAGE as _PACKAGE
from ..code_digests import search_code
from ..code_digests import version as _version
from ..edition import Edition
from ..fsutil import RACY_NS, file_stamp, sha256
from ..resources import resource_dir

#: what this package records and how it renders; it is not part of the fingerprint,
#: so a change to either must change this number
_FORMAT = 7
#: parts of tei-build whose work reaches the editions only through the TEI files (which
#: are hashed), or not at all
_NOT_RENDERING = {"convert", "tag", "cli.py", "lock.py", "pipeline.py", "parallel.py",
                  "incremental", "output_scan.py", "mention_table.py", "render/writer.py",
                  "search"}  # (search: its own key)


def _fingerprint(edition: Edition) -> str:
    """Everything every page depends on besides the TEI."""
    from lxml import etree

    digest = hashlib.sha256()
    for part in (_FORMAT, __version__, repr(edition), etree.LXML_VERSION,
                 etree.LIBXML_VERSION, etree.LIBXSLT_VERSION,
                 *map(_version, ("jinja2", "markupsafe", "opencc", "citeproc-py", "pagefind",
                                 "jieba", "pypinyin"))):
        digest.update(repr(part).encode() + b"\0")
    folders = [_PACKAGE] + [resource_dir(name) for name in ("xslt", "schemas")]
    for folder in dict.fromkeys(folders):
        for path in sorted(folder.rglob("*")):
            rel = path.relative_to(folder).parts
            if path.is_file() and "__pycache__" not in rel and path.suffix != ".pyc" and \
                    not (folder == _PACKAGE and (rel[0] in _NOT_RENDERING or
                                                 "/".join(rel) in _NOT_RENDERING)):
                digest.update(path.relative_to(folder).as_posix().encode() + b"\0")
                digest.update(path.read_bytes() + b"\0")
    return digest.hexdigest()


def _hash_inputs(tei_dir: Path, paths: list[Path], old: dict) -> dict:
    """The sha256 of every issue and register file, and of the registers together.

    A file whose size, mtime, ctime and inode are those recorded is not read again
    (git's rule), unless its mtime is so close to the last build that it may have
    changed within the same clock tick."""
    from ..render.site import REGISTER_FILES

    known = old.get("stat", {})
    limit = old.get("written_ns", 0) - RACY_NS   # (closer to it: may have changed unseen)
    stats: dict[str, list] = {}

    def digest(path: Path) -> str | None:
        try:
            st = path.stat()
        except FileNotFoundError:
            return None
        stamp = file_stamp(st)
        before = known.get(path.name)
        value = before[4] if before and before[:4] == stamp and st.st_mtime_ns < limit \
            else sha256(path.read_bytes())
        stats[path.name] = [*stamp, value]
        return value

    issues = {path.name: digest(path) for path in paths}
    registers = _digest(*((name, digest(tei_dir / name))
                          for name in sorted(REGISTER_FILES.values())))
    return {"issues": issues, "registers": registers, "stat": stats}


def _search_code(opencc: str) -> str:
    """What the whole search index depends on besides the pages: the search stage
    (`code_digests.search_code`), and the manifest's format."""
    return hashlib.sha256(repr((_FORMAT, search_code(opencc))).encode()).hexdigest()


def _digest(*parts) -> str:
    return hashlib.sha256(repr(parts).encode("utf-8")).hexdigest()[:32]


def _digest_after(first: str, *parts) -> str:
    """`_digest(x, *parts)` given `first`, the repr of x, worked out once for many digests:
    the same string is digested (a tuple's repr is its items' joined)."""
    items = [first, *map(repr, parts)]
    text = "(" + ", ".join(items) + ("," if len(items) == 1 else "") + ")"
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]


def head(issue):
    """An issue's data without its name mentions: what other pages may show of it (its
    file named without its folder: no page shows where the TEI was read from, and the
    edition is not rebuilt when its folder is reached by another path)."""
    return replace(issue, mentions=(), path=Path(issue.path.name))


def _register_digest(entry) -> str:
    return _digest(*(getattr(entry, f.name) for f in fields(entry) if f.name != "mentions"))
