"""What every bad-input test checks: one line naming the file, exit ≠ 0, no
traceback, and not one byte changed on disk."""

from __future__ import annotations

import shutil
import subprocess
import sys
from contextlib import chdir
from dataclasses import dataclass
from pathlib import Path

from click.testing import CliRunner

from teibuild.cli import main

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
SAMPLE = ROOT / "seeds" / "hongkou-1845-p1.txt"
EDITION = ROOT / "edition.toml"
MINI = ROOT / "tests" / "fixtures" / "mini-issue.xml"
REGISTERS = ("persons.xml", "places.xml", "orgs.xml")
STATE = ".tei-build"   # teibuild.incremental.STATE


@dataclass
class Outcome:
    code: int
    stdout: str
    stderr: str

    @property
    def error_lines(self) -> list[str]:
        return [line for line in self.stderr.splitlines() if line.strip()]


def run(*args, cwd: Path | None = None) -> Outcome:
    """The CLI in this process; an exception escaping it fails the test (a traceback)."""
    runner = CliRunner()
    argv = [str(a) for a in args]
    if cwd is None:
        result = runner.invoke(main, argv, catch_exceptions=False)
    else:
        with chdir(cwd):
            result = runner.invoke(main, argv, catch_exceptions=False)
    return Outcome(result.exit_code, result.stdout, result.stderr)


def on_terminal(*args, cwd: Path = ROOT) -> tuple[int, str]:
    """The CLI in a process of its own whose output is a terminal (where progress bars
    are drawn): its exit status, and everything it wrote."""
    import os
    import pty

    command = [sys.executable, "-c", "import sys; from teibuild.cli import main; sys.exit(main())",
               *map(str, args)]
    leader, follower = pty.openpty()
    process = subprocess.Popen(command, stdin=follower, stdout=follower, stderr=follower,
                               cwd=cwd, env={**os.environ, "COLUMNS": "80"})
    os.close(follower)
    output = b""
    while True:
        try:
            chunk = os.read(leader, 4096)
        except OSError:
            break
        if not chunk:
            break
        output += chunk
    code = process.wait(timeout=120)
    os.close(leader)
    return code, output.decode("utf-8", "replace")


def snapshot(*folders: Path) -> dict[str, bytes]:
    """Every file (hidden ones too) under the folders, by path: what 'untouched' compares."""
    files: dict[str, bytes] = {}
    for folder in folders:
        if folder.exists():
            for path in sorted(folder.rglob("*")):
                if STATE in path.relative_to(folder).parts:
                    continue   # the incremental build's own records, not the edition
                if path.is_file() or path.is_symlink():
                    files[str(path)] = path.read_bytes()
                elif path.is_dir():
                    files[str(path) + "/"] = b""
    return files


def assert_refused(outcome: Outcome, path, line: int | None = None, *words: str) -> str:
    """Exactly one line on stderr, `tei-build: error: <path>[:<line>]…`, exit ≠ 0, no traceback."""
    assert outcome.code not in (0, None), outcome
    assert "Traceback" not in outcome.stderr + outcome.stdout, outcome
    assert len(outcome.error_lines) == 1, outcome.stderr
    message = outcome.error_lines[0]
    where = f"{path}:{line}:" if line else f"{path}"
    assert message.startswith(f"tei-build: error: {where}"), message
    assert "internal error" not in message, message
    for word in words:
        assert word in message, (word, message)
    return message


def tei_folder(tmp: Path, issue: Path | bytes | None = None, name: str = "hongkou-1845.xml") -> Path:
    """A tei/ folder with the committed registers and one issue (the mini fixture by default)."""
    folder = tmp / "tei"
    folder.mkdir(parents=True, exist_ok=True)
    for register in REGISTERS:
        shutil.copy(ROOT / "tei" / register, folder / register)
    if isinstance(issue, bytes):
        (folder / name).write_bytes(issue)
    else:
        shutil.copy(issue or MINI, folder / name)
    return folder


def ended_pid() -> int:
    """The pid of a process that has ended and been waited for: what a command killed
    outright leaves in the names of its staging folders."""
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid
