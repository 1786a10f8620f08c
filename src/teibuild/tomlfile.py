"""Reading the TOML files editors write (edition.toml, override files), with
mistakes reported as `file:line:col: message`."""

from __future__ import annotations

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
