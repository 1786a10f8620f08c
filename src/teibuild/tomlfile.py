"""Reading the TOML files editors write (edition.toml, override files), with
mistakes reported as `file:line:col: message`."""

from __future__ import annotations

import difflib
import re
import tomllib
from pathlib import Path

from .errors import TeiBuildError

_WHERE = re.compile(r"\s*\(at line (\d+), column (\d+)\)\s*$")


def read_toml(path: Path, what: str) -> dict:
    name = str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise TeiBuildError(f"{what} not found", path=name) from None
    except UnicodeDecodeError:
        raise TeiBuildError(f"{what} is not UTF-8 text", path=name) from None
    except OSError as exc:
        raise TeiBuildError(f"cannot read {what}: {exc.strerror}", path=name) from None
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        message = str(exc)
        where = _WHERE.search(message)
        line = column = None
        if where:
            line, column = int(where.group(1)), int(where.group(2))
            message = message[: where.start()]
        elif message.endswith("(at end of document)"):
            line = text.count("\n") + (0 if text.endswith("\n") else 1) or 1
            message = message[: -len("(at end of document)")].rstrip() + " at the end of the file"
        raise TeiBuildError(f"malformed TOML: {message}", path=name, line=line,
                            column=column) from None


def refuse_unknown(raw: dict, tables: dict[str, set[str] | None], path: Path, what: str) -> None:
    """Every table of `raw` is one of `tables`, and each key one of its table's (None: any
    key); else one line naming the file, the line and what was perhaps meant (a misspelt
    table or key would otherwise be ignored without a word)."""
    def where(table: str | None, key: str | None) -> dict:
        return {"path": str(path), "line": _line_of(path, table, key)}
    known = ", ".join(f"[{t}]" for t in tables)
    for table, section in raw.items():
        if not isinstance(section, dict):
            raise TeiBuildError(f"{table} = … stands before any table; it belongs in one of "
                                f"{known}", **where(None, table))
        if table not in tables:
            raise TeiBuildError(f"unknown table [{table}]{_did_you_mean(table, tables)} "
                                f"({what} has {known})", **where(table, None))
        keys = tables[table]
        for key in section if keys is not None else ():
            if key not in keys:
                raise TeiBuildError(f"[{table}] has no key {key!r}{_did_you_mean(key, keys)}",
                                    **where(table, key))


def _did_you_mean(name: str, choices) -> str:
    close = difflib.get_close_matches(name, sorted(choices), n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""


_TABLE_LINE = re.compile(r"\s*\[\s*([A-Za-z0-9_-]+)\s*\]")
_KEY_LINE = re.compile(r"\s*([A-Za-z0-9_-]+)\s*=")


def _line_of(path: Path, table: str | None, key: str | None) -> int | None:
    """The line that opens `[table]` (key None) or sets `key` in it (table None: before
    any table); None when it is written some other way (quoted or dotted keys)."""
    current = None
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if m := _TABLE_LINE.match(line):
            current = m.group(1)
            if key is None and current == table:
                return number
        elif key is not None and current == table and (m := _KEY_LINE.match(line)) \
                and m.group(1) == key:
            return number
    return None
