"""One kind of error the CLI knows how to show: a readable line naming file and line."""

from __future__ import annotations


class TeiBuildError(Exception):
    """A problem with the user's input or environment, shown as one line, no traceback."""

    def __init__(self, message: str, path: str | None = None, line: int | None = None,
                 column: int | None = None):
        super().__init__(message)
        self.message = message
        self.path = path
        self.line = line
        self.column = column

    def __str__(self) -> str:
        where = ""
        if self.path:
            where = str(self.path)
            if self.line:
                where += f":{self.line}"
                if self.column:
                    where += f":{self.column}"
            where += ": "
        return f"{where}{one_line(self.message)}"


def one_line(text: str) -> str:
    """Text quoted from a file may hold line breaks; a message never does."""
    return " ".join(part.strip() for part in str(text).splitlines() if part.strip())
