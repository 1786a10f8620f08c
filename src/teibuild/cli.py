"""The `tei-build` command: wires the stages together, nothing more.

Every command turns a TeiBuildError into one line on stderr and exit status 1;
anything unexpected is still reported as one line (exit 2), never a traceback.
"""

from __future__ import annotations

import contextlib
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


class OneLineGroup(click.Group):
    """Usage mistakes (a missing file, an unknown option) are one line too, exit status 2."""

    def main(self, args=None, prog_name=None, complete_var=None, standalone_mode=True, **extra):
        if not standalone_mode:
            return super().main(args, prog_name, complete_var, False, **extra)
        try:
            code = super().main(args, prog_name, complete_var, False, **extra)
        except click.exceptions.NoArgsIsHelpError as exc:   # bare `tei-build`: the help
            click.echo(exc.format_message(), err=True)
            sys.exit(exc.exit_code)
        except click.UsageError as exc:
            hint = f" (see {exc.ctx.command_path} --help)" if exc.ctx else ""
            click.echo(f"tei-build: error: {exc.format_message()}{hint}", err=True)
            sys.exit(exc.exit_code)
        except click.ClickException as exc:
            click.echo(f"tei-build: error: {exc.format_message()}", err=True)
            sys.exit(exc.exit_code)
        except click.Abort:
            click.echo("tei-build: interrupted; nothing was half-written", err=True)
            sys.exit(130)
        sys.exit(code if isinstance(code, int) else 0)


def edition_option(func):
    return click.option(
        "--edition", "edition_file", type=click.Path(dir_okay=False, path_type=Path),
        help="edition.toml to use (default: ./edition.toml if present).")(func)


def jobs_option(func):
    return click.option("--jobs", "-j", type=click.IntRange(min=1), default=None,
                        help="Worker processes (default: one per CPU core).")(func)


def resolve_edition(edition_file: Path | None):
    return load_edition(edition_file if edition_file else find_edition_file())


@click.group(cls=OneLineGroup, context_settings={"help_option_names": ["-h", "--help"]})
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
@jobs_option
@click.option("--quiet", "-q", is_flag=True, help="No progress output.")
@one_line_errors
def convert(sources, out_dir, edition_file, force, encoding, jobs, quiet):
    """Convert extracted-text SOURCE files into one TEI P5 file per issue."""
    from .lock import folder_lock
    from .pipeline import convert_sources

    edition = resolve_edition(edition_file)
    with folder_lock(out_dir):
        written = convert_sources(list(sources), out_dir, edition, force=force,
                                  encoding=encoding, quiet=quiet, jobs=jobs)
    if not quiet:
        for path in written:
            click.echo(f"wrote {path}")


@main.command()
@click.option("--tei", "tei_dir", default="tei", show_default=True,
              type=click.Path(file_okay=False, path_type=Path), help="Folder of TEI issues and registers.")
@click.option("--out", "out_dir", default="editions", show_default=True,
              type=click.Path(file_okay=False, path_type=Path),
              help="Folder for the editions (html/ and txt/ are replaced).")
@edition_option
@jobs_option
@click.option("--search/--no-search", default=True, show_default=True,
              help="Bring the search index up to date; --no-search puts it off (the pages "
                   "alone, about half a first build's time): the index there is left as it "
                   "was until a build without it or `tei-build search-index`.")
@click.option("--quiet", "-q", is_flag=True, help="No progress output.")
@one_line_errors
def build(tei_dir, out_dir, edition_file, jobs, search, quiet):
    """Build the HTML and plain-text editions (zh-Hans and zh-Hant) from TEI."""
    from .lock import build_lock
    from .render import build_site

    edition = resolve_edition(edition_file)
    with build_lock(tei_dir, out_dir), progress_bars(quiet, counted=False) as progress:
        report = build_site(tei_dir, out_dir, edition, jobs=jobs, progress=progress,
                            search=search)
    if not quiet:
        click.echo(f"built {report.issues} issue(s), {report.articles} articles, "
                   f"{report.register_entries} register entries: {report.html_pages} HTML pages, "
                   f"{report.text_files} text files ({report.bytes / 1e6:.1f} MB) in {out_dir}")
        click.echo(_work_done(report))
        if not search:
            click.echo(_index_put_off(out_dir))


def _index_put_off(out_dir: Path) -> str:
    """What `build --no-search` left of the search index, and what brings it up to date."""
    from .search.shards import DATA_FILE

    make = f"the next build without --no-search, or `tei-build search-index --out {out_dir}`,"
    if (out_dir / "html" / DATA_FILE).is_file():
        return f"the search index was left as it was (--no-search): {make} brings it up to date"
    return f"no search index yet (--no-search): {make} makes it"


def _work_done(report) -> str:
    """What this build rendered (an incremental build renders only what changed)."""
    if not (report.rendered_issues or report.rendered_entries or report.site_rendered
            or report.search_rendered or report.removed):
        return "nothing changed: no file written"
    parts = [f"{report.rendered_issues} issue(s)", f"{report.rendered_entries} register page(s)"]
    if report.site_rendered:
        parts.append("the index pages")
    if report.search_rendered:
        parts.append(f"the search index ({report.search_seconds:.1f} s, "
                     f"{report.search_cpu_seconds:.1f} s CPU)")
    return (f"rendered {', '.join(parts)}; {report.written} file(s) written, "
            f"{report.removed} removed")


@contextlib.contextmanager
def progress_bars(quiet: bool, label: str = "rendering", counted: bool = True):
    """`ProgressBars` while the block runs, or None: `--quiet`, or stderr no terminal."""
    progress = None if quiet or not sys.stderr.isatty() else \
        ProgressBars(label=label, counted=counted)
    try:
        yield progress
    finally:
        if progress is not None:
            progress.close()


class ProgressBars:
    """A `progress(done, total, what)` callback drawing a bar on `file` (stderr), a new
    one for each stage of a command (reading, then `label`: rendering, indexing …) or
    when the count starts again; a total that changes (a build knows how many issues
    its search index's shards hold only when it comes to them) changes the bar's length.
    `counted=False`: the stage after reading counts steps weighted by their time (a
    build's: see incremental.ISSUE_STEPS), not things, and its bar shows a percentage."""

    def __init__(self, file=None, label: str = "rendering", counted: bool = True):
        self.file = file if file is not None else sys.stderr
        self.label, self.counted = label, counted
        self.bar = None
        self.stage = None

    def __call__(self, done: int, total: int, what: str) -> None:
        stage = "reading" if what.startswith("read ") else self.label
        if stage != self.stage or done < self.bar.pos:
            self.close()
            self.stage = stage
            counted = self.counted or stage == "reading"
            self.bar = click.progressbar(length=total, label=stage, file=self.file,
                                         show_pos=counted, show_percent=not counted,
                                         item_show_func=lambda item: item)
            self.bar.__enter__()
        self.bar.length = total
        self.bar.update(done - self.bar.pos, what)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.__exit__(None, None, None)
            self.bar = None


@main.command()
@click.argument("target_id", metavar="ID")
@click.option("--tei", "tei_dir", default="tei", show_default=True,
              type=click.Path(file_okay=False, path_type=Path), help="Folder of TEI issues.")
@click.option("--style", default="gb7714", show_default=True,
              type=click.Choice(["gb7714", "chicago", "apa", "mla"]),
              help="Citation style for text and html output.")
@click.option("--format", "fmt", default="text", show_default=True,
              type=click.Choice(["text", "html", "bibtex", "ris", "csl-json"]),
              help="A formatted citation, or a record for reference managers.")
@click.option("--medium", default="online", show_default=True,
              type=click.Choice(["online", "print"]),
              help="Cite this online edition (URL, access date) or the printed paper.")
@edition_option
@one_line_errors
def cite(target_id, tei_dir, style, fmt, medium, edition_file):
    """Print the citation of an issue, article or paragraph ID (e.g. hongkou-1845-a03-p02)."""
    from .cite import cite as cite_target

    edition = resolve_edition(edition_file)
    click.echo(cite_target(target_id, tei_dir, edition, style=style, fmt=fmt, medium=medium),
               nl=False)


@main.command()
@click.argument("paths", nargs=-1, type=click.Path(exists=True, path_type=Path))
@click.option("--format", "fmt", default="text", show_default=True,
              type=click.Choice(["text", "json"]),
              help="One line per problem (file:line:col: message), or JSON for CI annotations.")
@click.option("--registers", "registers_dir", default=None,
              type=click.Path(exists=True, file_okay=False, path_type=Path),
              help="Folder of persons.xml, places.xml, orgs.xml (default: beside each file).")
@jobs_option
@click.option("--quiet", "-q", is_flag=True, help="No progress bar, no summary line.")
@one_line_errors
def validate(paths, fmt, registers_dir, jobs, quiet):
    """Check TEI files (default: tei/) against the edition's RELAX NG and Schematron rules.

    Exit status 0 if and only if every file is valid.
    """
    import json

    from .validate import expand, iter_problems

    files = expand(list(paths) or [Path("tei")])
    if not files:
        raise TeiBuildError("no .xml files to validate", path=" ".join(map(str, paths)) or "tei")
    results = iter_problems(files, registers_dir=registers_dir, jobs=jobs)
    problems = []
    if quiet or len(files) < 2 or not sys.stderr.isatty():
        for found in results:
            problems.extend(found)
    else:
        with click.progressbar(results, length=len(files), label="validating",
                               file=sys.stderr) as bar:
            for found in bar:
                problems.extend(found)
    if fmt == "json":
        click.echo(json.dumps({"files": [str(f) for f in files], "valid": not problems,
                               "problems": [p.as_dict() for p in problems]},
                              ensure_ascii=False, indent=2))
    else:
        for problem in problems:
            click.echo(str(problem))
        if not quiet:
            bad = len({p.path for p in problems})
            click.echo(f"{len(files)} file(s) checked: " + (
                f"{len(problems)} problem(s) in {bad} file(s)" if problems else "all valid"), err=True)
    sys.exit(1 if problems else 0)


@main.command("search-index")
@click.option("--out", "out_dir", default="editions", show_default=True,
              type=click.Path(file_okay=False, path_type=Path),
              help="Folder of a built edition (its html/ is indexed; html/pagefind/ is replaced).")
@edition_option
@jobs_option
@click.option("--quiet", "-q", is_flag=True, help="No progress bar, no summary line.")
@one_line_errors
def search_index(out_dir, edition_file, jobs, quiet):
    """Rebuild the full-text search index of a built edition (`build` makes one as well)."""
    from .lock import folder_lock
    from .search import build_search_index

    edition = resolve_edition(edition_file)
    with folder_lock(out_dir), progress_bars(quiet, "indexing") as progress:
        report = build_search_index(out_dir, edition.opencc, jobs=jobs, progress=progress)
    if not quiet:
        click.echo(f"indexed {report.records} paragraphs and headings of {report.issues} issue(s): "
                   f"{report.files} files ({report.bytes / 1e6:.1f} MB) in {out_dir}/html")


@main.command()
@click.option("--check", is_flag=True,
              help="Write nothing; exit 1 if the schemas differ from what the ODD compiles to.")
@click.option("--odd", default=None, type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="ODD customisation (default: the packaged schemas/tei-newspaper.odd).")
@one_line_errors
def schema(check, odd):
    """Compile the ODD customisation into RELAX NG (.rng) and Schematron (.sch) beside it."""
    from .validate import schema_files

    outputs = schema_files.compiled(odd)
    if check:
        stale = schema_files.stale(outputs)
        for path in stale:
            click.echo(f"{path}: out of date; run `tei-build schema` and commit the result", err=True)
        sys.exit(1 if stale else 0)
    for path in schema_files.write(outputs):
        click.echo(f"wrote {path}")
