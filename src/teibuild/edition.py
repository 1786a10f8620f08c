"""The edition's settings (`edition.toml`), with defaults that let convert work without one."""

from __future__ import annotations

import re
from dataclasses import dataclass, field, fields
from pathlib import Path

from .errors import TeiBuildError
from .tomlfile import read_toml, refuse_unknown


# OpenCC's conversions from simplified characters (a config file of one's own, `….json`, is
# loaded when the edition file is read, so that an error can name the edition file)
OPENCC_CONVERSIONS = ("s2tw", "s2twp", "s2hk", "s2hkp", "s2t")
# what an administrative unit ends in: tag.lexicon.ADMIN_UNITS, written again here (a test
# keeps them alike) so that reading the edition file does not load the tagger
HOME_UNIT_ENDS = "区市县省镇乡州"


@dataclass(frozen=True)
class Edition:
    slug: str = "paper"
    title: str = "未命名报纸"
    title_latn: str = ""
    subtitle: str = ""
    editor: str = "tei-build"
    publisher: str = ""
    place: str = ""
    licence: str = "CC BY 4.0"
    licence_url: str = "https://creativecommons.org/licenses/by/4.0/"
    base_url: str = ""
    version: str = "0.1.0"
    opencc: str = "s2tw"   # render.hant.DEFAULT (not imported: it loads OpenCC)
    # the administrative units the paper serves, largest first ("上海市 虹口区"): its bodies
    # written with the unit alone (区委, 市政府) are theirs (see tag.registers.home_form)
    home: str = ""
    extra: dict = field(default_factory=dict)

    @property
    def issue_prefix(self) -> str:
        return self.slug

    @property
    def home_units(self) -> tuple[str, ...]:
        return tuple(self.home.split())


def load_edition(path: str | Path | None) -> Edition:
    """Read `[edition]` from a TOML file; None or a missing default file gives defaults."""
    if path is None:
        return Edition()
    path = Path(path)
    raw = read_toml(path, "edition file")
    known = {f.name for f in fields(Edition)} - {"extra"}
    # refused, not ignored: `titel = "…"` would leave every page saying 未命名报纸
    refuse_unknown(raw, {"edition": known, **OTHER_TABLES}, path, "an edition file")
    section = raw.get("edition")
    if not isinstance(section, dict):
        raise TeiBuildError("missing [edition] table (needs at least slug and title)",
                            path=str(path))
    _refuse_controls(raw, path)
    values = dict(section)
    for key, value in values.items():
        if not isinstance(value, str):
            raise TeiBuildError(f"[edition] {key} must be a string", path=str(path))
    slug = values.get("slug", Edition.slug)
    if not slug or not all(c.isascii() and (c.isalnum() or c == "-") for c in slug) \
            or not slug[0].isalpha():
        raise TeiBuildError(f"[edition] slug {slug!r} must be ASCII letters, digits and '-', "
                            "starting with a letter", path=str(path))
    for key in ("base_url", "licence_url"):
        url = values.get(key, "")
        if url and not url.lower().startswith(("https://", "http://")):
            raise TeiBuildError(f"[edition] {key} {url!r} must be an http(s) address",
                                path=str(path))
    conversion = values.get("opencc", Edition.opencc)
    if conversion not in OPENCC_CONVERSIONS and not conversion.endswith(".json"):
        raise TeiBuildError(f"[edition] opencc {conversion!r} is not a conversion from simplified "
                            f"characters (try {', '.join(OPENCC_CONVERSIONS)})", path=str(path))
    if conversion.endswith(".json"):
        _check_opencc_config(conversion, path)
    for unit in values.get("home", "").split():
        if len(unit) < 2 or unit[-1] not in HOME_UNIT_ENDS:
            raise TeiBuildError(f"[edition] home: {unit!r} is not an administrative unit "
                                f"(write them like \"上海市 虹口区\", each ending in one of "
                                f"{' '.join(HOME_UNIT_ENDS)})", path=str(path))
    extra = {k: v for k, v in raw.items() if k != "edition"}
    return Edition(**values, extra=extra)


# the edition file's other tables and their keys (read where they are used: cite.csl)
OTHER_TABLES = {"citation": {"accessed"}}


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def _refuse_controls(value, path: Path, key: str = "") -> None:
    """No string of the edition file holds a control character (but tab and line breaks):
    none can be printed, TEI (XML) cannot hold one, and pages are rendered with them
    standing in for what differs between the scripts (`render.pages._Both`)."""
    if isinstance(value, dict):
        for name, item in value.items():
            _refuse_controls(item, path, f"{key}.{name}" if key else name)
    elif isinstance(value, list):
        for item in value:
            _refuse_controls(item, path, key)
    elif isinstance(value, str) and (found := _CONTROL.search(value)):
        raise TeiBuildError(f"{key} holds a control character (U+{ord(found.group()):04X}); "
                            "remove it", path=str(path))


def _check_opencc_config(config: str, path: Path) -> None:
    """An OpenCC config file of the edition's own must load (OpenCC is imported only here:
    the named conversions need no check)."""
    from .render.hant import converter

    try:
        converter(config)
    except TeiBuildError as e:
        raise TeiBuildError(e.message, path=str(path)) from None


def find_edition_file(start: str | Path = ".") -> Path | None:
    """The `edition.toml` in the current folder, if there is one."""
    candidate = Path(start) / "edition.toml"
    return candidate if candidate.is_file() else None
