"""The `tei-build` command: wires the stages together, nothing more.

Every command turns a TeiBuildError into one line on stderr and exit status 1;
anything unexpected is still reported as one line (exit 2), never a traceback.
"""

from __future__ import annotations

import functools
import sys
from pathlib import Path

import click

from . import __version__
from .edition import find_edition_file, load_edition
from .errors import TeiBuildError


def one_line_errors(func):
    """Report failures as `tei-build: file:line: message` and a non-zero exit."""

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        try:
            return func(*args, **kwargs)
        except TeiBuildError as exc:
            click.echo(f"tei-build: error: {exc}", err=True)
            sys.exit(1)
        except KeyboardInterrupt:
            click.echo("tei-build: interrupted; nothing was half-written", err=True)
            sys.exit(130)
        except click.exceptions.ClickException:
            raise
        except OSError as exc:
            where = f"{exc.filename}: " if exc.filename else ""
            click.echo(f"tei-build: error: {where}{exc.strerror or exc}", err=True)
            sys.exit(1)
        except Exception as exc:  # a bug: still one line, and say so
            click.echo(f"tei-build: internal error ({type(exc).__name__}): {exc}", err=True)
            sys.exit(2)

    return wrapper


def edition_option(func):
    return click.option(
        "--edition", "edition_file", type=click.Path(dir_okay=False, path_type=Path),
        help="edition.toml to use (default: ./edition.toml if present).")(func)


def resolve_edition(edition_file: Path | None):
    return load_edition(edition_file if edition_file else find_edition_file())


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="tei-build")
def main():
    """Build TEI P5 and citable HTML / text editions from extracted newspaper text."""


@main.command()
@click.argument("sources", nargs=-1, required=True,
                type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--out", "out_dir", default="tei", show_default=True,
              type=click.Path(file_okay=False, path_type=Path), help="Folder for the TEI files.")
@edition_option
@click.option("--force", is_flag=True, help="Overwrite TEI files edited since they were generated.")
@click.option("--encoding", default=None,
              help="Source encoding (utf-8, gb18030, big5); detected when omitted.")
@click.option("--quiet", "-q", is_flag=True, help="No progress output.")
@one_line_errors
def convert(sources, out_dir, edition_file, force, encoding, quiet):
    """Convert extracted-text SOURCE files into one TEI P5 file per issue."""
    from .pipeline import convert_sources

    edition = resolve_edition(edition_file)
    written = convert_sources(list(sources), out_dir, edition, force=force, encoding=encoding,
                              quiet=quiet)
    if not quiet:
        for path in written:
            click.echo(f"wrote {path}")
