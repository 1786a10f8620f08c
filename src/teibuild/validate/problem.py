"""One validation problem, shaped for editors (one line) and for CI annotations (JSON)."""

from __future__ import annotations

from dataclasses import asdict, dataclass

from ..errors import one_line


@dataclass(frozen=True, order=True)
class Problem:
    path: str
    line: int
    column: int
    message: str
    rule: str
    severity: str = "error"

    def __str__(self) -> str:
        return f"{self.path}:{self.line}:{self.column}: {one_line(self.message)}"

    def as_dict(self) -> dict:
        return asdict(self)
